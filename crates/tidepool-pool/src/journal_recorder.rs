//! [`JournalRecorder`]: the [`RunRecorder`] that writes to the run journal (where each
//! trial ran, its attempts, times, failure reason and stderr tail, and the run events).
//!
//! Proposals and observations are not written here: the optimiser's own wrapper
//! (`tidepool_search::Search`) records them in the order the optimiser made and saw
//! them. This recorder shares the same [`Journal`] handle.

use crate::recorder::{RecordError, RunRecorder, RunState, SlotName};
use std::sync::Arc;
use std::time::Duration;
use tidepool_journal::{
    unix_now, EventKind, FinishedTrial, Journal, JournalError, StartedTrial, TrialStatus,
};
use tidepool_models::TrialOutcome;
use tidepool_optim::TrialId;

/// Writes trial starts, ends and run events to the journal.
pub struct JournalRecorder {
    journal: Arc<Journal>,
    /// Set when an optimiser needs an objective: a successful trial without one is
    /// then recorded as failed, with this algorithm's name in the reason.
    objective_needed_by: Option<String>,
}

impl JournalRecorder {
    pub fn new(journal: Arc<Journal>) -> Self {
        Self {
            journal,
            objective_needed_by: None,
        }
    }

    /// Record successful trials without an objective as failed: `algorithm` needs one.
    pub fn objective_needed_by(mut self, algorithm: &str) -> Self {
        self.objective_needed_by = Some(algorithm.to_string());
        self
    }

    /// The journal record for a trial's final outcome.
    pub fn finished_record(&self, trial: TrialId, outcome: &TrialOutcome) -> FinishedTrial {
        use TrialStatus as S;
        match outcome {
            TrialOutcome::Ok {
                objective: None, ..
            } if self.objective_needed_by.is_some() => {
                let algorithm = self.objective_needed_by.as_deref().unwrap_or_default();
                let reason = format!(
                    "the model finished without an objective, and the `{algorithm}` \
                     optimiser needs one: make the model report `objective` \
                     (see docs/config.md, [model])"
                );
                FinishedTrial::unsuccessful(trial, S::Failed, &reason, "")
            }
            TrialOutcome::Ok {
                objective,
                responses,
            } => FinishedTrial::ok(trial, *objective, responses.clone()),
            TrialOutcome::Failed {
                reason,
                stderr_tail,
            }
            | TrialOutcome::Crashed {
                reason,
                stderr_tail,
            } => FinishedTrial::unsuccessful(trial, S::Failed, reason, stderr_tail),
            TrialOutcome::TimedOut { stderr_tail } => FinishedTrial::unsuccessful(
                trial,
                S::TimedOut,
                "over its timeout ([slots] timeout); its process group was killed",
                stderr_tail,
            ),
            TrialOutcome::Cancelled => {
                FinishedTrial::unsuccessful(trial, S::Cancelled, "cancelled", "")
            }
        }
    }
}

fn record(result: Result<(), JournalError>) -> Result<(), RecordError> {
    result.map_err(|e| RecordError {
        source: Box::new(e),
    })
}

impl RunRecorder for JournalRecorder {
    fn trial_queued(&mut self, _trial: TrialId, _values: &[f64]) -> Result<(), RecordError> {
        Ok(()) // recorded with the proposal, by the optimiser's journal wrapper
    }

    fn trial_started(
        &mut self,
        trial: TrialId,
        attempt: u32,
        slot: SlotName<'_>,
        _at: Duration,
    ) -> Result<(), RecordError> {
        record(self.journal.started(StartedTrial {
            id: trial,
            node: slot.host.to_string(),
            slot: slot.slot,
            attempt,
            started_at: unix_now(),
        }))
    }

    fn trial_finished(
        &mut self,
        trial: TrialId,
        _attempts: u32,
        outcome: &TrialOutcome,
        _at: Duration,
    ) -> Result<(), RecordError> {
        record(self.journal.finished(self.finished_record(trial, outcome)))
    }

    fn slot_started(&mut self, _slot: SlotName<'_>, _at: Duration) -> Result<(), RecordError> {
        Ok(()) // slot times are in status.json
    }

    fn slot_ready(&mut self, _slot: SlotName<'_>, _at: Duration) -> Result<(), RecordError> {
        Ok(())
    }

    fn run_state(&mut self, state: RunState) -> Result<(), RecordError> {
        let (kind, detail) = match state {
            RunState::Running => return Ok(()), // `started`/`resumed` come from the caller
            RunState::Finished => (EventKind::Finished, "every trial finished"),
            RunState::Interrupted => (EventKind::Interrupted, "stopped by a signal; resumable"),
            RunState::Failed => (EventKind::Interrupted, "the run failed; resumable"),
        };
        record(self.journal.event(kind, detail))?;
        record(self.journal.flush())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorder(dir: &std::path::Path) -> (JournalRecorder, Arc<Journal>) {
        let journal = Arc::new(Journal::create(dir, &["x".to_string()], "").unwrap());
        (JournalRecorder::new(journal.clone()), journal)
    }

    #[test]
    fn starts_ends_and_events_reach_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let (mut rec, journal) = recorder(dir.path());
        journal
            .proposed(&tidepool_journal::ProposedTrial {
                id: 0,
                params: vec![1.5],
                queued_at: unix_now(),
            })
            .unwrap();
        let slot = SlotName {
            host: "n7",
            slot: 3,
        };
        rec.trial_started(0, 2, slot, Duration::ZERO).unwrap();
        let failed = TrialOutcome::Failed {
            reason: "exit 2".into(),
            stderr_tail: "oops".into(),
        };
        rec.trial_finished(0, 2, &failed, Duration::ZERO).unwrap();
        rec.run_state(RunState::Interrupted).unwrap();
        let reader = journal.reader().unwrap();
        let mut trials = Vec::new();
        reader
            .for_each_trial(|t| {
                trials.push(t);
                Ok(())
            })
            .unwrap();
        let t = &trials[0];
        assert_eq!(
            (t.node.as_deref(), t.slot, t.attempt),
            (Some("n7"), Some(3), 2)
        );
        assert_eq!(t.status, TrialStatus::Failed);
        assert_eq!(t.failure_reason.as_deref(), Some("exit 2"));
        assert_eq!(t.stderr_tail.as_deref(), Some("oops"));
        let events = reader.events().unwrap();
        assert_eq!(events.last().unwrap().kind, EventKind::Interrupted);
    }

    #[test]
    fn a_missing_objective_fails_when_an_optimiser_needs_one() {
        let dir = tempfile::tempdir().unwrap();
        let (rec, _journal) = recorder(dir.path());
        let ok = TrialOutcome::Ok {
            objective: None,
            responses: Default::default(),
        };
        assert_eq!(rec.finished_record(1, &ok).status, TrialStatus::Ok);
        let rec = rec.objective_needed_by("dds");
        let r = rec.finished_record(1, &ok);
        assert_eq!(r.status, TrialStatus::Failed);
        assert!(r
            .failure_reason
            .unwrap()
            .contains("`dds` optimiser needs one"));
    }
}
