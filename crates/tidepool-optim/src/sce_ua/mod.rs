//! SCE-UA, the shuffled complex evolution of Duan, Sorooshian & Gupta (1992), with the
//! steps of SPOTPY 1.6.7's `sceua`, run asynchronously where its structure allows.
//!
//! 1. Burn-in: `ngs * npg` uniform points (the initial point first if every parameter
//!    has one), all proposed at once; the population waits for all of them.
//! 2. A loop: the sorted population is dealt into `ngs` complexes, and each complex
//!    takes `nspl` CCE steps (`complex`). Complexes are independent, so their steps
//!    are proposed concurrently: each `propose` serves the ready complex with the
//!    fewest steps done (ties: the lowest index), so up to `ngs` trials are in flight
//!    and the complexes finish their loop close together. Within one complex the
//!    evaluations of a step are sequential, as in the original.
//! 3. When every complex has finished, the complexes are gathered and sorted (the
//!    shuffle); the search stops when the population's normalised geometric range is
//!    below `peps` or the best value changed by no more than `pcento` percent over the
//!    last `kstop` loops (`population`), else the next loop starts.
//!
//! The budget is exact: after `budget` proposals `propose` answers `Done`, whatever
//! step is under way. A failed (or non-finite) evaluation enters the population as
//! +inf, so it is replaced first, and never becomes the best. `Wait` while the burn-in
//! or the shuffle waits for results, or every unfinished complex has a trial in flight.
//!
//! One difference from SPOTPY: its simplex always holds the population's second point
//! (`lcs[0] = 1` where Duan's 1-based code meant the first); here the best point is
//! always in the simplex, as in Duan's code.

mod complex;
mod options;
mod population;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::dds::uniform_unit;
use crate::error::OptimError;
use crate::ledger::Ledger;
use crate::params::ParamSpace;
use crate::{Outcome, Proposal, TrialId};
use complex::{sort_members, Complex, Member};
pub use options::{SceUaOptions, Sizes};
use population::{gather, partition, Convergence};

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Phase {
    /// The initial population, indexed by trial id; `waiting` results still out.
    BurnIn { points: Vec<Member>, waiting: usize },
    /// A loop; `owner` maps each trial in flight to its complex.
    Evolve {
        complexes: Vec<Complex>,
        owner: BTreeMap<TrialId, usize>,
    },
    /// A convergence criterion was met.
    Converged,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SceUa {
    ledger: Ledger,
    rng: ChaCha8Rng,
    budget: u64,
    sizes: Sizes,
    convergence: Convergence,
    phase: Phase,
    initial: Option<Vec<f64>>,
    loops: u64,
}

impl SceUa {
    pub fn new(
        space: ParamSpace,
        budget: u64,
        opts: &SceUaOptions,
        seed: u64,
    ) -> Result<Self, OptimError> {
        opts.check()?;
        let sizes = opts.sizes(space.dim())?;
        let initial = space.initial_point().map(|x| space.normalise(&x));
        Ok(SceUa {
            ledger: Ledger::new(space),
            rng: ChaCha8Rng::seed_from_u64(seed),
            budget,
            sizes,
            convergence: Convergence {
                kstop: opts.kstop,
                pcento: opts.pcento,
                peps: opts.peps,
                criter: Vec::new(),
            },
            phase: Phase::BurnIn {
                points: Vec::new(),
                waiting: 0,
            },
            initial,
            loops: 0,
        })
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Shuffling loops completed so far.
    pub fn loops(&self) -> u64 {
        self.loops
    }

    pub fn propose(&mut self) -> Proposal {
        if self.ledger.proposed() >= self.budget {
            return Proposal::Done;
        }
        let d = self.ledger.space.dim();
        let (nps, nspl) = (self.sizes.nps, self.sizes.nspl);
        let unit = match &mut self.phase {
            Phase::Converged => return Proposal::Done,
            Phase::BurnIn { points, waiting } => {
                if points.len() >= self.sizes.population() {
                    return Proposal::Wait;
                }
                let unit = match (&self.initial, points.len()) {
                    (Some(x), 0) => x.clone(),
                    _ => uniform_unit(d, &mut self.rng),
                };
                points.push(Member {
                    unit: unit.clone(),
                    f: f64::INFINITY,
                });
                *waiting += 1;
                unit
            }
            Phase::Evolve { complexes, owner } => {
                let Some(c) = next_complex(complexes, nspl) else {
                    return Proposal::Wait;
                };
                owner.insert(self.ledger.proposed(), c);
                complexes[c].candidate(nps, &mut self.rng)
            }
        };
        Proposal::Trial(self.ledger.issue(unit))
    }

    pub fn try_observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        let (unit, value) = self.ledger.settle(id, outcome)?;
        if let Some(v) = value {
            self.ledger.offer(id, &unit, v);
        }
        let f = value.unwrap_or(f64::INFINITY);
        let nspl = self.sizes.nspl;
        let loop_over = match &mut self.phase {
            Phase::BurnIn { points, waiting } => {
                points[id as usize].f = f;
                *waiting -= 1;
                *waiting == 0 && points.len() == self.sizes.population()
            }
            Phase::Evolve { complexes, owner } => {
                let c = owner.remove(&id).expect("a settled trial has its complex");
                complexes[c].settle(unit, f);
                owner.is_empty() && complexes.iter().all(|x| x.finished(nspl))
            }
            Phase::Converged => false,
        };
        if loop_over {
            self.shuffle();
        }
        Ok(())
    }

    /// Ends the burn-in or a loop: the sorted population, the convergence tests, and
    /// the complexes of the next loop.
    fn shuffle(&mut self) {
        let phase = std::mem::replace(&mut self.phase, Phase::Converged);
        let proceed = match phase {
            Phase::BurnIn { mut points, .. } => {
                sort_members(&mut points);
                let go = self.convergence.proceed_after_burn_in(&points);
                (go, points)
            }
            Phase::Evolve { complexes, .. } => {
                let population = gather(complexes);
                self.loops += 1;
                let go = self.convergence.proceed_after_loop(&population);
                (go, population)
            }
            Phase::Converged => (false, Vec::new()),
        };
        if let (true, population) = proceed {
            self.phase = Phase::Evolve {
                complexes: partition(&population, self.sizes.ngs, self.sizes.npg),
                owner: BTreeMap::new(),
            };
        }
    }
}

/// The ready complex with the fewest steps done, ties to the lowest index.
fn next_complex(complexes: &[Complex], nspl: usize) -> Option<usize> {
    complexes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.ready(nspl))
        .min_by_key(|(i, c)| (c.steps_done, *i))
        .map(|(i, _)| i)
}
