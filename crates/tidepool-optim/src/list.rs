//! The `list` sampler: parameter sets given by the user, proposed verbatim in order.
//! Reading them from a file is the config's job (`tidepool_config::read_trials_csv`,
//! the one reader of trial lists); [`ListSampler::check`] still refuses rows that do
//! not fit the parameter space.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::OptimError;
use crate::params::ParamSpace;
use crate::{Outcome, Proposal, Trial, TrialId};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListSampler {
    rows: Vec<Vec<f64>>,
    next: u64,
    pending: BTreeMap<TrialId, ()>,
    best: Option<(TrialId, f64)>,
}

impl ListSampler {
    /// Rows in the user's space, one value per parameter, in the space's order.
    pub fn new(rows: Vec<Vec<f64>>) -> Self {
        ListSampler {
            rows,
            next: 0,
            pending: BTreeMap::new(),
            best: None,
        }
    }

    /// Refuses rows of the wrong length or with values outside the bounds.
    pub fn check(&self, space: &ParamSpace) -> Result<(), OptimError> {
        for (row, values) in self.rows.iter().enumerate() {
            if values.len() != space.dim() {
                return Err(OptimError::RowLength {
                    row,
                    got: values.len(),
                    expected: space.dim(),
                });
            }
            for (p, &value) in space.params().iter().zip(values) {
                if value.is_nan() || value < p.lower || value > p.upper {
                    return Err(OptimError::RowOutside {
                        row,
                        name: p.name.clone(),
                        value,
                        lower: p.lower,
                        upper: p.upper,
                    });
                }
            }
        }
        Ok(())
    }

    pub fn propose(&mut self) -> Proposal {
        let Some(values) = self.rows.get(self.next as usize) else {
            return Proposal::Done;
        };
        let trial = Trial {
            id: self.next,
            values: values.clone(),
        };
        self.pending.insert(self.next, ());
        self.next += 1;
        Proposal::Trial(trial)
    }

    /// Failures are recorded by the caller's journal and never become the best.
    pub fn try_observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        self.pending
            .remove(&id)
            .ok_or(OptimError::UnknownTrial { id })?;
        if let Outcome::Value(v) = outcome {
            if v.is_finite() && self.best.is_none_or(|(_, b)| v <= b) {
                self.best = Some((id, v));
            }
        }
        Ok(())
    }

    pub fn best(&self) -> Option<(Trial, f64)> {
        self.best.map(|(id, v)| {
            let values = self.rows[id as usize].clone();
            (Trial { id, values }, v)
        })
    }
}

/// The list alone, without a parameter space (e.g. a model with no parameters).
impl crate::Optimizer for ListSampler {
    fn propose(&mut self) -> Proposal {
        ListSampler::propose(self)
    }

    fn observe(&mut self, id: TrialId, outcome: Outcome) {
        let _unknown_id_ignored = ListSampler::try_observe(self, id, outcome);
    }

    fn try_observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        ListSampler::try_observe(self, id, outcome)
    }

    fn best(&self) -> Option<(Trial, f64)> {
        ListSampler::best(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Param;

    #[test]
    fn rows_are_proposed_verbatim_and_checked() {
        let space = ParamSpace::new(vec![
            Param::new("k", 0.0, 5.0),
            Param::new("alpha", 0.0, 1.0),
        ])
        .unwrap();
        let mut list = ListSampler::new(vec![vec![1.0, 0.1], vec![2.0, 0.2]]);
        list.check(&space).unwrap();
        let Proposal::Trial(a) = list.propose() else {
            panic!("expected a trial")
        };
        assert_eq!(a.values, vec![1.0, 0.1]);
        list.try_observe(a.id, Outcome::Failed).unwrap();
        assert!(list.best().is_none());
        let Proposal::Trial(b) = list.propose() else {
            panic!("expected a trial")
        };
        list.try_observe(b.id, Outcome::Value(3.0)).unwrap();
        assert_eq!(list.best().unwrap().0.values, vec![2.0, 0.2]);
        assert_eq!(list.propose(), Proposal::Done);
        let outside = ListSampler::new(vec![vec![9.0, 0.1]])
            .check(&space)
            .unwrap_err();
        assert!(outside.to_string().contains("`k`"));
    }
}
