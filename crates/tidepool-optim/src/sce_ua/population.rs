//! The population between loops: dealt into complexes (point `k * ngs + c` of the
//! sorted population to complex `c`), gathered back and sorted (the shuffle), and the
//! two convergence tests of SPOTPY 1.6.7: the normalised geometric range of the
//! population (`gnrng < peps`) and the change of the best value over the last `kstop`
//! loops (`<= pcento` percent).

use serde::{Deserialize, Serialize};

use super::complex::{sort_members, Complex, Member};

/// Deals the sorted population into `ngs` complexes of `npg` points.
pub(crate) fn partition(population: &[Member], ngs: usize, npg: usize) -> Vec<Complex> {
    (0..ngs)
        .map(|c| Complex::new((0..npg).map(|k| population[k * ngs + c].clone()).collect()))
        .collect()
}

/// Gathers the complexes back into their population slots, sorted best first.
pub(crate) fn gather(complexes: Vec<Complex>) -> Vec<Member> {
    let ngs = complexes.len();
    let npg = complexes.first().map_or(0, |c| c.members.len());
    let mut slots: Vec<Option<Member>> = vec![None; ngs * npg];
    for (c, complex) in complexes.into_iter().enumerate() {
        for (k, m) in complex.members.into_iter().enumerate() {
            slots[k * ngs + c] = Some(m);
        }
    }
    let mut population: Vec<Member> = slots.into_iter().flatten().collect();
    sort_members(&mut population);
    population
}

/// exp(mean_j ln(max_j - min_j)) over the unit box: 1 for a population spanning the
/// box, 0 once any coordinate has collapsed.
pub(crate) fn geometric_range(population: &[Member]) -> f64 {
    let d = population.first().map_or(0, |m| m.unit.len());
    let mean_ln = (0..d)
        .map(|j| {
            let (lo, hi) = population.iter().fold((f64::MAX, f64::MIN), |(lo, hi), m| {
                (lo.min(m.unit[j]), hi.max(m.unit[j]))
            });
            (hi - lo).ln()
        })
        .sum::<f64>()
        / d as f64;
    mean_ln.exp()
}

/// The stopping rules and the history of the best value per loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Convergence {
    pub kstop: u32,
    pub pcento: f64,
    pub peps: f64,
    /// The best value after each shuffling loop.
    pub criter: Vec<f64>,
}

impl Convergence {
    /// Whether the search goes on after the burn-in, given the sorted population.
    pub fn proceed_after_burn_in(&self, population: &[Member]) -> bool {
        geometric_range(population) > self.peps
    }

    /// Records a loop's best and says whether the search goes on.
    pub fn proceed_after_loop(&mut self, population: &[Member]) -> bool {
        self.criter.push(population[0].f);
        // a NaN change (every point failed) does not stop the search
        let change = self.change_percent();
        geometric_range(population) > self.peps && (change.is_nan() || change > self.pcento)
    }

    /// |best now - best kstop - 1 loops ago| * 100 / mean |best| over the last kstop
    /// loops; 1e5 (SPOTPY's start value) before kstop loops.
    pub fn change_percent(&self) -> f64 {
        let (n, k) = (self.criter.len(), self.kstop as usize);
        if n < k {
            return 1e5;
        }
        let window = &self.criter[n - k..];
        let change = (window[k - 1] - window[0]).abs() * 100.0;
        let denominator = window.iter().map(|v| v.abs()).sum::<f64>() / k as f64;
        if denominator == 0.0 {
            0.0
        } else {
            change / denominator
        }
    }
}
