//! The HYMOD equations, step by step, in the order SPOTPY 1.6.7 evaluates them
//! (`spotpy/examples/hymod_python/hymod.py`), so that the same inputs give the same
//! floating-point results.
//!
//! Per day: the soil store (Pareto-distributed capacities up to `cmax`, shape `bexp`)
//! turns rainfall into two excess parts, ER1 (over the largest capacity) and ER2 (not
//! absorbed by the store); evaporation then empties the store in proportion to its
//! filling. The excess is split by `alpha` into a quick part routed through three linear
//! reservoirs in series (`kq`) and a slow part through one (`ks`). All stores start
//! empty (SPOTPY sets its initial slow storage to 0 as well). Units: mm/day in, mm/day
//! out.

/// The five parameters, named as in SPOTPY's setup (`Ks`, `Kq` are the reservoirs'
/// outflow fractions, SPOTPY's `Rs` and `Rq`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Largest soil storage capacity (mm).
    pub cmax: f64,
    /// Shape of the Pareto distribution of capacities.
    pub bexp: f64,
    /// Fraction of the excess going to the quick reservoirs.
    pub alpha: f64,
    /// Slow reservoir's outflow fraction per day.
    pub ks: f64,
    /// Quick reservoirs' outflow fraction per day.
    pub kq: f64,
}

/// Discharge (mm/day) for each day of `precip` and `pet` (mm/day, same length).
pub fn simulate(p: &Params, precip: &[f64], pet: &[f64]) -> Vec<f64> {
    let mut soil = 0.0;
    let mut slow = 0.0;
    let mut quick = [0.0; 3];
    precip
        .iter()
        .zip(pet)
        .map(|(&rain, &pet)| {
            let (er1, er2, next) = excess(soil, p.cmax, p.bexp, rain, pet);
            soil = next;
            let effective = er1 + er2;
            let to_quick = p.alpha * effective;
            let to_slow = (1.0 - p.alpha) * effective;
            let qs = linear_reservoir(&mut slow, to_slow, p.ks);
            let mut flow = to_quick;
            for store in &mut quick {
                flow = linear_reservoir(store, flow, p.kq);
            }
            qs + flow
        })
        .collect()
}

/// `|x|^y`, as SPOTPY's `power` (the absolute value guards against a negative base).
fn power(x: f64, y: f64) -> f64 {
    x.abs().powf(y)
}

/// One linear reservoir step: the store takes the inflow, then releases its fraction.
fn linear_reservoir(store: &mut f64, inflow: f64, k: f64) -> f64 {
    *store = (1.0 - k) * *store + (1.0 - k) * inflow;
    (k / (1.0 - k)) * *store
}

/// The soil store for one day: (ER1, ER2, new storage).
fn excess(previous: f64, cmax: f64, bexp: f64, rain: f64, pet: f64) -> (f64, f64, f64) {
    let ct_prev = cmax * (1.0 - power(1.0 - ((bexp + 1.0) * previous / cmax), 1.0 / (bexp + 1.0)));
    let er1 = (rain - cmax + ct_prev).max(0.0);
    let rain = rain - er1;
    let filled = ((ct_prev + rain) / cmax).min(1.0);
    let storage = (cmax / (bexp + 1.0)) * (1.0 - power(1.0 - filled, bexp + 1.0));
    let er2 = (rain - (storage - previous)).max(0.0);
    let full = cmax / (bexp + 1.0);
    let evap = (1.0 - ((full - storage) / full)) * pet;
    (er1, er2, (storage - evap).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Params = Params {
        cmax: 100.0,
        bexp: 1.0,
        alpha: 0.5,
        ks: 0.1,
        kq: 0.5,
    };

    #[test]
    fn first_day_matches_a_hand_calculation() {
        // Empty stores, 10 mm rain, no PET. b + 1 = 2: storage after the rain
        // 100/2 * (1 - 0.9^2) = 9.5 mm, so ER1 = 0, ER2 = 10 - 9.5 = 0.5.
        // Slow: 0.9 * 0.25 = 0.225 stored, 0.1/0.9 * 0.225 = 0.025 out.
        // Quick: 0.125, 0.0625, 0.03125 out of the three stores in turn.
        let q = simulate(&P, &[10.0], &[0.0]);
        assert!((q[0] - (0.025 + 0.03125)).abs() < 1e-15, "{q:?}");
    }

    #[test]
    fn second_day_drains_the_stores_and_evaporates_from_the_soil() {
        // Day 2, no rain, PET 2: the soil (9.5 mm of 50) loses 9.5/50 * 2 = 0.38 mm
        // and gives no excess. Slow store 0.225 -> 0.9 * 0.225 = 0.2025, out 0.0225.
        // Quick stores (0.125, 0.0625, 0.03125) with inflows 0, 0.0625, 0.0625:
        // 0.0625 (out 0.0625), 0.0625 (out 0.0625), 0.046875 (out 0.046875).
        let q = simulate(&P, &[10.0, 0.0], &[0.0, 2.0]);
        assert!((q[1] - (0.0225 + 0.046875)).abs() < 1e-15, "{q:?}");
    }

    #[test]
    fn rain_above_the_largest_capacity_is_er1() {
        // cmax 10, empty soil, 30 mm: ER1 = 30 - 10 = 20; the store fills to
        // cmax/(b+1) = 5, so ER2 = 10 - 5 = 5; total 25 mm excess. With alpha 0 and
        // ks 0.5 the slow store holds 12.5 and releases 12.5.
        let p = Params {
            cmax: 10.0,
            bexp: 1.0,
            alpha: 0.0,
            ks: 0.5,
            kq: 0.5,
        };
        let q = simulate(&p, &[30.0], &[0.0]);
        assert!((q[0] - 12.5).abs() < 1e-12, "{q:?}");
    }

    #[test]
    fn no_rain_gives_no_flow() {
        let q = simulate(&P, &[0.0; 5], &[3.0; 5]);
        assert_eq!(q, vec![0.0; 5]);
    }
}
