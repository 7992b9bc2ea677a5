//! [`Search`]: an optimiser rebuilt from the journal's history on resume, handing out
//! the trials that were in flight again before anything new.

use crate::error::SearchError;
use std::collections::VecDeque;
use tidepool_journal::{JournalReader, Observation, ProposedTrial, ReplayStep};
use tidepool_optim::{BatchRecord, OptimError, Optimizer, Outcome, Proposal, Trial, TrialId};

/// How closely a replayed proposal must match the recorded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Same id and parameters, bit for bit: the search settings are the run's.
    Exact,
    /// Same id only: the search settings were changed (`--force`), now or before.
    IdsOnly,
}

/// A wrapped optimiser; after [`Search::resume`] it first proposes the trials that
/// were in flight, with their recorded ids and parameters.
pub struct Search {
    inner: Box<dyn Optimizer>,
    /// Trials in flight at an interruption, handed out again before anything new.
    again: VecDeque<Trial>,
    observed: u64,
}

impl Search {
    /// A new search.
    pub fn start(inner: Box<dyn Optimizer>) -> Search {
        Search {
            inner,
            again: VecDeque::new(),
            observed: 0,
        }
    }

    /// Continue the search recorded in `reader`'s journal: replay its history into
    /// `inner` (a fresh optimiser built from the same config and seed), checking each
    /// replayed proposal as `replay` says, then queue the trials that were in flight.
    pub fn resume(
        mut inner: Box<dyn Optimizer>,
        reader: &JournalReader,
        replay: Replay,
    ) -> Result<Search, SearchError> {
        let mut observed = 0;
        for step in reader.replay()? {
            match step {
                ReplayStep::Proposed(recorded) => check_same(inner.propose(), &recorded, replay)?,
                ReplayStep::Observed(obs) => {
                    replay_observation(inner.as_mut(), &obs).map_err(|e| SearchError::Replay {
                        id: obs.trial_id,
                        reason: e.to_string(),
                    })?;
                    observed += 1;
                }
            }
        }
        let again = reader
            .in_flight()?
            .into_iter()
            .map(|p| Trial {
                id: p.id,
                values: p.params,
            })
            .collect::<VecDeque<_>>();
        tracing::info!(
            observed,
            again = again.len(),
            "resumed the search from the journal"
        );
        Ok(Search {
            inner,
            again,
            observed,
        })
    }

    /// How many results the optimiser has seen, replayed ones included.
    pub fn observed(&self) -> u64 {
        self.observed
    }

    /// Trials still waiting to be proposed again after a resume.
    pub fn pending_again(&self) -> usize {
        self.again.len()
    }
}

impl Optimizer for Search {
    fn propose(&mut self) -> Proposal {
        match self.again.pop_front() {
            Some(trial) => Proposal::Trial(trial),
            None => self.inner.propose(),
        }
    }

    fn observe(&mut self, id: TrialId, outcome: Outcome) {
        self.inner.observe(id, outcome);
        self.observed += 1;
    }

    fn try_observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        self.inner.try_observe(id, outcome)?;
        self.observed += 1;
        Ok(())
    }

    fn try_observe_many(&mut self, id: TrialId, values: &[f64]) -> Result<(), OptimError> {
        self.inner.try_observe_many(id, values)?;
        self.observed += 1;
        Ok(())
    }

    fn objectives(&self) -> Option<usize> {
        self.inner.objectives()
    }

    fn pareto(&self) -> Option<Vec<(Trial, Vec<f64>)>> {
        self.inner.pareto()
    }

    fn best(&self) -> Option<(Trial, f64)> {
        self.inner.best()
    }

    fn save(&self) -> Result<Vec<u8>, OptimError> {
        self.inner.save()
    }

    fn batches(&self) -> Option<&[BatchRecord]> {
        self.inner.batches()
    }
}

/// Tell `inner` a recorded result as it was told first: the vector of objectives
/// when one was recorded (multi-objective runs), else the value or a failure.
fn replay_observation(inner: &mut dyn Optimizer, obs: &Observation) -> Result<(), OptimError> {
    match (&obs.objectives, obs.objective) {
        (Some(vector), Some(_)) => inner.try_observe_many(obs.trial_id, vector),
        (None, Some(value)) if inner.objectives().is_none() => {
            inner.try_observe(obs.trial_id, Outcome::Value(value))
        }
        _ => inner.try_observe(obs.trial_id, Outcome::Failed),
    }
}

/// A replayed proposal must be the recorded one (bit for bit unless `IdsOnly`).
fn check_same(now: Proposal, recorded: &ProposedTrial, replay: Replay) -> Result<(), SearchError> {
    let same = matches!(&now, Proposal::Trial(t)
        if t.id == recorded.id
            && (replay == Replay::IdsOnly
                || t.values.len() == recorded.params.len()
            && t.values.iter().zip(&recorded.params).all(|(a, b)| a.to_bits() == b.to_bits())));
    if same {
        return Ok(());
    }
    Err(SearchError::Diverged {
        id: recorded.id,
        recorded: format!("proposed with {:?}", recorded.params),
        now: match now {
            Proposal::Trial(t) => format!("trial {} with {:?}", t.id, t.values),
            Proposal::Wait => "nothing yet (waiting for results)".into(),
            Proposal::Done => "nothing (search finished)".into(),
        },
    })
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
