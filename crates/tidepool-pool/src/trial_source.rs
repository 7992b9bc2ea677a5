//! [`RowsSource`]: a trial source that proposes a fixed list of parameter sets (the rows
//! of `[trials] csv`) in order, for ensembles. It implements the optimiser interface so
//! the scheduler drives ensembles and calibrations the same way.

use tidepool_optim::{Optimizer, Outcome, Proposal, Trial, TrialId};

/// Proposes each row once, ids 0, 1, ...; remembers the best observed value.
#[derive(Debug, Clone)]
pub struct RowsSource {
    rows: Vec<Vec<f64>>,
    next: usize,
    best: Option<(TrialId, f64)>,
}

impl RowsSource {
    pub fn new(rows: Vec<Vec<f64>>) -> Self {
        Self {
            rows,
            next: 0,
            best: None,
        }
    }

    /// `count` empty parameter sets (a model with no parameters, e.g. noop benchmarks).
    pub fn empty_rows(count: usize) -> Self {
        Self::new(vec![Vec::new(); count])
    }

    /// How many trials this source will propose.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl Optimizer for RowsSource {
    fn propose(&mut self) -> Proposal {
        match self.rows.get(self.next) {
            Some(values) => {
                let trial = Trial {
                    id: self.next as TrialId,
                    values: values.clone(),
                };
                self.next += 1;
                Proposal::Trial(trial)
            }
            None => Proposal::Done,
        }
    }

    fn observe(&mut self, id: TrialId, outcome: Outcome) {
        if let Outcome::Value(v) = outcome {
            if self.best.is_none_or(|(_, b)| v < b) {
                self.best = Some((id, v));
            }
        }
    }

    fn best(&self) -> Option<(Trial, f64)> {
        let (id, value) = self.best?;
        let values = self.rows.get(id as usize)?.clone();
        Some((Trial { id, values }, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposes_rows_in_order_then_done() {
        let mut s = RowsSource::new(vec![vec![1.0], vec![2.0]]);
        assert_eq!(
            s.propose(),
            Proposal::Trial(Trial {
                id: 0,
                values: vec![1.0]
            })
        );
        assert_eq!(
            s.propose(),
            Proposal::Trial(Trial {
                id: 1,
                values: vec![2.0]
            })
        );
        assert_eq!(s.propose(), Proposal::Done);
    }

    #[test]
    fn keeps_the_lowest_value() {
        let mut s = RowsSource::new(vec![vec![1.0], vec![2.0], vec![3.0]]);
        s.observe(0, Outcome::Value(5.0));
        s.observe(2, Outcome::Value(1.0));
        s.observe(1, Outcome::Failed);
        let (trial, v) = s.best().unwrap();
        assert_eq!((trial.id, trial.values, v), (2, vec![3.0], 1.0));
    }
}
