//! [`Search`]: record as it goes, replay on resume.

use crate::error::SearchError;
use std::collections::VecDeque;
use std::sync::Arc;
use tidepool_journal::{unix_now, Journal, ProposedTrial, ReplayStep};
use tidepool_optim::{Optimizer, Outcome, Proposal, Trial, TrialId};

/// Observations between two optimiser checkpoints in the journal.
pub const CHECKPOINT_EVERY: u64 = 1000;

/// An optimiser whose every call is recorded in the run journal.
pub struct Search {
    inner: Box<dyn Optimizer>,
    journal: Arc<Journal>,
    /// Trials in flight at an interruption, handed out again before anything new.
    again: VecDeque<Trial>,
    observed: u64,
    error: Option<SearchError>,
}

impl Search {
    /// A new search on an empty journal.
    pub fn start(inner: Box<dyn Optimizer>, journal: impl Into<Arc<Journal>>) -> Search {
        Search {
            inner,
            journal: journal.into(),
            again: VecDeque::new(),
            observed: 0,
            error: None,
        }
    }

    /// Continue the search recorded in `journal`: replay its history into `inner` (a
    /// fresh optimiser built from the same config and seed), then queue the trials that
    /// were in flight so they are proposed again with the same parameters.
    pub fn resume(
        inner: Box<dyn Optimizer>,
        journal: impl Into<Arc<Journal>>,
    ) -> Result<Search, SearchError> {
        Search::replay(inner, journal.into(), Check::Exact)
    }

    /// Continue after a change of the search settings (`--force`): the recorded results
    /// are fed back by trial id, but the new optimiser's proposals may differ from the
    /// recorded ones (only their ids must match), so its state approximates the
    /// recorded search. Trials in flight are still proposed again unchanged.
    pub fn resume_changed(
        inner: Box<dyn Optimizer>,
        journal: impl Into<Arc<Journal>>,
    ) -> Result<Search, SearchError> {
        Search::replay(inner, journal.into(), Check::IdsOnly)
    }

    fn replay(
        mut inner: Box<dyn Optimizer>,
        journal: Arc<Journal>,
        check: Check,
    ) -> Result<Search, SearchError> {
        let reader = journal.reader()?;
        let mut observed = 0;
        for step in reader.replay()? {
            match step {
                ReplayStep::Proposed(recorded) => check_same(inner.propose(), &recorded, check)?,
                ReplayStep::Observed(obs) => {
                    let outcome = obs.objective.map_or(Outcome::Failed, Outcome::Value);
                    inner
                        .try_observe(obs.trial_id, outcome)
                        .map_err(|e| SearchError::Replay {
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
            journal,
            again,
            observed,
            error: None,
        })
    }

    /// The first journal error, if any; once set, the search proposes nothing more.
    pub fn error(&mut self) -> Option<SearchError> {
        self.error.take()
    }

    /// How many results the optimiser has seen, replayed ones included.
    pub fn observed(&self) -> u64 {
        self.observed
    }

    /// Trials still waiting to be proposed again after a resume.
    pub fn pending_again(&self) -> usize {
        self.again.len()
    }

    /// The journal, for the coordinator's own records (started, finished, events).
    pub fn journal(&self) -> &Arc<Journal> {
        &self.journal
    }

    /// Flush the journal and hand it back.
    pub fn finish(self) -> Result<Arc<Journal>, SearchError> {
        self.journal.flush()?;
        Ok(self.journal)
    }

    fn keep(&mut self, result: Result<(), tidepool_journal::JournalError>) {
        if let Err(e) = result {
            if self.error.is_none() {
                tracing::error!(error = %e, "the run journal failed; stopping the search");
                self.error = Some(e.into());
            }
        }
    }

    fn checkpoint(&mut self) {
        if self.observed % CHECKPOINT_EVERY != 0 {
            return;
        }
        match self.inner.save() {
            Ok(bytes) => {
                let r = self.journal.checkpoint(self.observed, bytes);
                self.keep(r);
            }
            Err(e) => tracing::warn!(error = %e, "optimiser checkpoint skipped"),
        }
    }
}

impl Optimizer for Search {
    fn propose(&mut self) -> Proposal {
        if self.error.is_some() {
            return Proposal::Done;
        }
        let proposal = match self.again.pop_front() {
            Some(trial) => Proposal::Trial(trial),
            None => self.inner.propose(),
        };
        if let Proposal::Trial(trial) = &proposal {
            let record = ProposedTrial {
                id: trial.id,
                params: trial.values.clone(),
                queued_at: unix_now(),
            };
            let r = self.journal.proposed(&record);
            self.keep(r);
        }
        proposal
    }

    fn observe(&mut self, id: TrialId, outcome: Outcome) {
        self.inner.observe(id, outcome);
        let objective = match outcome {
            Outcome::Value(v) => Some(v),
            Outcome::Failed => None,
        };
        let r = self.journal.observed(id, objective);
        self.keep(r);
        self.observed += 1;
        self.checkpoint();
    }

    fn best(&self) -> Option<(Trial, f64)> {
        self.inner.best()
    }
}

/// How closely a replayed proposal must match the recorded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Same id and parameters, bit for bit.
    Exact,
    /// Same id (after a forced change of the search settings).
    IdsOnly,
}

/// A replayed proposal must be the recorded one (bit for bit unless `IdsOnly`).
fn check_same(now: Proposal, recorded: &ProposedTrial, check: Check) -> Result<(), SearchError> {
    let same = matches!(&now, Proposal::Trial(t)
        if t.id == recorded.id
            && (check == Check::IdsOnly
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
