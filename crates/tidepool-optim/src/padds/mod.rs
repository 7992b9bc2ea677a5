//! PADDS, Pareto Archived Dynamically Dimensioned Search (Asadzadeh and Tolson 2013),
//! with the rules of SPOTPY 1.6.7's `padds`: several objectives, each minimised, kept
//! apart; the result is the archive of non-dominated trials (`pareto`).
//!
//! `n0 = max(5, round(0.005 m))` uniform samples (or the initial point) start the
//! archive, then `m - n0` serial DDS steps with P(i) = 1 - ln(i)/ln(m - n0). Each step
//! perturbs the last evaluated candidate unless it was dominated, by its parent or by
//! the archive; then the parent is an archive member drawn by roulette over the
//! selection metric (`selection`: hypervolume contribution by default). A candidate not
//! dominated by its parent goes through the archive's ND check (`pareto`).
//!
//! Outcomes arrive as vectors through [`crate::Optimizer::try_observe_many`]; a failed
//! trial (or a non-finite objective) counts against the budget, is never archived and
//! makes the next parent an archive member. [`crate::Optimizer::best`] is the member
//! with the lowest sum of objectives (always on the front).

mod hypervolume;
mod pareto;
mod selection;

#[cfg(test)]
mod tests;

pub use hypervolume::hypervolume;
pub use pareto::{compare, Admission, Archive, Dominance, Member};
pub use selection::Selection;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::dds::{serial_step, start, start_proposal, uniform_unit, DdsOptions};
use crate::error::OptimError;
use crate::ledger::Ledger;
use crate::params::ParamSpace;
use crate::{Outcome, Proposal, TrialId};

/// The search candidate in flight and the objectives of the point it perturbs.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct InFlight {
    id: TrialId,
    parent: Vec<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Padds {
    ledger: Ledger,
    rng: ChaCha8Rng,
    opts: DdsOptions,
    selection: Selection,
    objectives: usize,
    n0: u64,
    initial: Option<Vec<f64>>,
    archive: Archive,
    /// The selection metric of each archive member (recomputed when the archive changes).
    metric: Vec<f64>,
    /// The last evaluated trial, when it was not dominated: the next parent.
    current: Option<Member>,
    flight: Option<InFlight>,
}

impl Padds {
    pub fn new(
        space: ParamSpace,
        opts: DdsOptions,
        selection: Selection,
        objectives: usize,
        seed: u64,
    ) -> Self {
        let (initial, n0) = start(&space, opts.budget);
        Padds {
            ledger: Ledger::new(space),
            rng: ChaCha8Rng::seed_from_u64(seed),
            opts,
            selection,
            objectives,
            n0,
            initial,
            archive: Archive::default(),
            metric: Vec::new(),
            current: None,
            flight: None,
        }
    }

    pub fn propose(&mut self) -> Proposal {
        let limits = (self.n0, self.opts.budget);
        let initial = self.initial.as_ref();
        if let Some(p) = start_proposal(&mut self.ledger, &mut self.rng, initial, limits) {
            return p;
        }
        let (proposed, d) = (self.ledger.proposed(), self.ledger.space.dim());
        if self.ledger.in_flight() > 0 {
            return Proposal::Wait;
        }
        let Some(parent) = self.parent() else {
            let unit = uniform_unit(d, &mut self.rng);
            return Proposal::Trial(self.ledger.issue(unit));
        };
        let step = (proposed, self.n0);
        let unit = serial_step(
            &self.ledger.space,
            &parent.unit,
            step,
            &self.opts,
            &mut self.rng,
        );
        let trial = self.ledger.issue(unit);
        self.flight = Some(InFlight {
            id: trial.id,
            parent: parent.objectives,
        });
        Proposal::Trial(trial)
    }

    /// The last candidate if it was not dominated, else a member by roulette.
    fn parent(&mut self) -> Option<Member> {
        if let Some(current) = &self.current {
            return Some(current.clone());
        }
        if self.archive.is_empty() {
            return None;
        }
        let k = selection::roulette(&self.metric, &mut self.rng);
        Some(self.archive.members()[k].clone())
    }

    /// A single value: only a failure is meaningful here.
    pub fn try_observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        match outcome {
            Outcome::Failed => self.settle(id, None),
            Outcome::Value(_) => Err(OptimError::NeedsVector {
                id,
                objectives: self.objectives,
            }),
        }
    }

    /// The objectives of trial `id`, one per objective, each minimised.
    pub fn try_observe_many(&mut self, id: TrialId, values: &[f64]) -> Result<(), OptimError> {
        if values.len() != self.objectives {
            return Err(OptimError::VectorLength {
                id,
                got: values.len(),
                expected: self.objectives,
            });
        }
        let valid = values.iter().all(|v| v.is_finite());
        self.settle(id, valid.then(|| values.to_vec()))
    }

    fn settle(&mut self, id: TrialId, values: Option<Vec<f64>>) -> Result<(), OptimError> {
        let outcome = match &values {
            Some(v) => Outcome::Value(v.iter().sum()),
            None => Outcome::Failed,
        };
        let (unit, sum) = self.ledger.settle(id, outcome)?;
        let parent = match self.flight.take() {
            Some(f) if f.id == id => Some(f.parent),
            other => {
                self.flight = other;
                None
            }
        };
        let (Some(objectives), Some(sum)) = (values, sum) else {
            self.current = None;
            return Ok(());
        };
        self.ledger.offer(id, &unit, sum);
        let member = Member {
            id,
            unit,
            objectives,
        };
        let beaten =
            parent.is_some_and(|p| compare(&member.objectives, &p) == Dominance::DominatedBy);
        if beaten || self.archive.offer(member.clone()) == Admission::Rejected {
            self.current = None;
            return Ok(());
        }
        self.metric = selection::metric(self.selection, &self.archive.points());
        self.current = Some(member);
        Ok(())
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    pub fn objectives(&self) -> usize {
        self.objectives
    }
}
