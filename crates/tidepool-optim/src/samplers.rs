//! Space-filling samplers for ensembles: `uniform`, `lhs` (Latin hypercube) and
//! `sobol` (Owen-scrambled Sobol sequence), all drawn in the unit box (transformed
//! space) and mapped to the user's space. Failed outcomes are recorded and never
//! become the best; they do not change the design.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::dds::uniform_unit;
use crate::error::OptimError;
use crate::ledger::Ledger;
use crate::params::ParamSpace;
use crate::{Outcome, Proposal, TrialId};

/// Which space-filling design a [`Sampler`] draws.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Design {
    Uniform,
    /// One random permutation of the strata `0..n` per dimension.
    Lhs {
        strata: Vec<Vec<u32>>,
    },
    /// The scramble seed of the sequence.
    Sobol {
        seed: u32,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sampler {
    ledger: Ledger,
    rng: ChaCha8Rng,
    count: u64,
    design: Design,
}

/// Sobol points are limited by the tables of `sobol_burley`.
pub const SOBOL_MAX_POINTS: u64 = 1 << 16;
pub const SOBOL_MAX_DIMENSIONS: usize = 256;

impl Sampler {
    pub fn uniform(space: ParamSpace, count: u64, seed: u64) -> Self {
        Sampler::with_design(space, count, seed, |_, _| Design::Uniform)
    }

    pub fn lhs(space: ParamSpace, count: u64, seed: u64) -> Self {
        let d = space.dim();
        Sampler::with_design(space, count, seed, |rng, n| {
            let strata = (0..d)
                .map(|_| {
                    let mut perm: Vec<u32> = (0..n as u32).collect();
                    perm.shuffle(rng);
                    perm
                })
                .collect();
            Design::Lhs { strata }
        })
    }

    pub fn sobol(space: ParamSpace, count: u64, seed: u64) -> Result<Self, OptimError> {
        if count > SOBOL_MAX_POINTS {
            return Err(OptimError::Setting {
                key: "budget",
                value: count.to_string(),
                reason: "the sobol sampler draws at most 65536 points",
            });
        }
        if space.dim() > SOBOL_MAX_DIMENSIONS {
            return Err(OptimError::Setting {
                key: "parameters",
                value: space.dim().to_string(),
                reason: "the sobol sampler handles at most 256 parameters",
            });
        }
        Ok(Sampler::with_design(space, count, seed, |rng, _| {
            Design::Sobol { seed: rng.gen() }
        }))
    }

    fn with_design(
        space: ParamSpace,
        count: u64,
        seed: u64,
        design: impl FnOnce(&mut ChaCha8Rng, u64) -> Design,
    ) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let design = design(&mut rng, count);
        Sampler {
            ledger: Ledger::new(space),
            rng,
            count,
            design,
        }
    }

    pub fn propose(&mut self) -> Proposal {
        let i = self.ledger.proposed();
        if i >= self.count {
            return Proposal::Done;
        }
        let d = self.ledger.space.dim();
        let unit = match &self.design {
            Design::Uniform => uniform_unit(d, &mut self.rng),
            Design::Lhs { strata } => strata
                .iter()
                .map(|perm| (perm[i as usize] as f64 + self.rng.gen::<f64>()) / self.count as f64)
                .collect(),
            Design::Sobol { seed } => (0..d as u32)
                .map(|j| sobol_burley::sample(i as u32, j, *seed) as f64)
                .collect(),
        };
        Proposal::Trial(self.ledger.issue(unit))
    }

    pub fn try_observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        self.ledger.observe(id, outcome)
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Param;

    fn space(d: usize) -> ParamSpace {
        ParamSpace::new(
            (0..d)
                .map(|j| Param::new(format!("x{j}"), -1.0, 3.0))
                .collect(),
        )
        .unwrap()
    }

    fn draw(mut s: Sampler) -> Vec<Vec<f64>> {
        let mut out = Vec::new();
        while let Proposal::Trial(t) = s.propose() {
            out.push(t.values);
        }
        out
    }

    #[test]
    fn lhs_puts_one_point_in_each_stratum() {
        let n = 50;
        let points = draw(Sampler::lhs(space(4), n, 11));
        assert_eq!(points.len(), n as usize);
        for j in 0..4 {
            let mut hit = vec![0; n as usize];
            for p in &points {
                let u = (p[j] + 1.0) / 4.0;
                hit[((u * n as f64).floor() as usize).min(n as usize - 1)] += 1;
            }
            assert!(hit.iter().all(|&h| h == 1), "dimension {j}: {hit:?}");
        }
    }

    #[test]
    fn sobol_stays_in_range_and_is_balanced() {
        let points = draw(Sampler::sobol(space(5), 256, 3).unwrap());
        assert_eq!(points.len(), 256);
        for j in 0..5 {
            assert!(points.iter().all(|p| (-1.0..3.0).contains(&p[j])));
            // a (0,m,s)-net: exactly half the points in each half of every dimension
            let low = points.iter().filter(|p| p[j] < 1.0).count();
            assert_eq!(low, 128, "dimension {j}");
        }
        assert!(Sampler::sobol(space(2), SOBOL_MAX_POINTS + 1, 1).is_err());
    }

    #[test]
    fn uniform_is_seeded() {
        let a = draw(Sampler::uniform(space(3), 20, 5));
        let b = draw(Sampler::uniform(space(3), 20, 5));
        let c = draw(Sampler::uniform(space(3), 20, 6));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().flatten().all(|v| (-1.0..=3.0).contains(v)));
    }
}
