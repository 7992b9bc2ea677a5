//! Bookkeeping shared by every algorithm: trial ids, trials in flight, the best
//! valid result, and the order of observations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::OptimError;
use crate::params::ParamSpace;
use crate::{Outcome, Trial, TrialId};

/// The best valid result so far, in the unit box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Best {
    pub id: TrialId,
    pub unit: Vec<f64>,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub space: ParamSpace,
    next_id: TrialId,
    pending: BTreeMap<TrialId, Vec<f64>>,
    pub best: Option<Best>,
    pub observed: u64,
    pub failed: u64,
}

impl Ledger {
    pub fn new(space: ParamSpace) -> Self {
        Ledger {
            space,
            next_id: 0,
            pending: BTreeMap::new(),
            best: None,
            observed: 0,
            failed: 0,
        }
    }

    /// Number of trials proposed so far.
    pub fn proposed(&self) -> u64 {
        self.next_id
    }

    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// Registers a candidate (unit box) and returns the trial in the user's space.
    pub fn issue(&mut self, unit: Vec<f64>) -> Trial {
        let id = self.next_id;
        self.next_id += 1;
        let values = self.space.denormalise(&unit);
        self.pending.insert(id, unit);
        Trial { id, values }
    }

    /// Removes a trial from flight; its unit coordinates and its valid value, if any.
    /// A NaN or infinite value counts as a failure.
    pub fn settle(
        &mut self,
        id: TrialId,
        outcome: Outcome,
    ) -> Result<(Vec<f64>, Option<f64>), OptimError> {
        let unit = self
            .pending
            .remove(&id)
            .ok_or(OptimError::UnknownTrial { id })?;
        self.observed += 1;
        let value = match outcome {
            Outcome::Value(v) if v.is_finite() => Some(v),
            _ => {
                self.failed += 1;
                None
            }
        };
        Ok((unit, value))
    }

    /// Settles a trial and offers its valid value as the new best: the whole
    /// observation for algorithms that keep nothing else.
    pub fn observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        let (unit, value) = self.settle(id, outcome)?;
        if let Some(v) = value {
            self.offer(id, &unit, v);
        }
        Ok(())
    }

    /// Makes `unit` the best if `value` is at least as good (ties accepted).
    pub fn offer(&mut self, id: TrialId, unit: &[f64], value: f64) -> bool {
        let better = self.best.as_ref().is_none_or(|b| value <= b.value);
        if better {
            self.best = Some(Best {
                id,
                unit: unit.to_vec(),
                value,
            });
        }
        better
    }

    pub fn best_trial(&self) -> Option<(Trial, f64)> {
        self.best.as_ref().map(|b| {
            let trial = Trial {
                id: b.id,
                values: self.space.denormalise(&b.unit),
            };
            (trial, b.value)
        })
    }
}
