//! [`JournalRecorder`]: the [`RunRecorder`] that writes to the run journal, its one
//! writer: every proposal (with its clock time), where each trial ran, its attempts,
//! times, decided outcome, failure reason and stderr tail, every observation in the
//! order the source made it, the source's checkpoints, and the run's end. It writes
//! the scheduler's records as they come, so the journal's order of proposals and
//! observations is the order of the source's calls, which is what resume replays.

use crate::recorder::{RecordError, RunRecorder, RunState, SlotName};
use crate::scheduler::TIMED_OUT;
use std::sync::Arc;
use std::time::Duration;
use tidepool_journal::{
    unix_now, EventKind, FinishedTrial, Journal, JournalError, ProposedTrial, StartedTrial,
    TrialStatus,
};
use tidepool_models::TrialOutcome;
use tidepool_optim::TrialId;

/// Writes the scheduler's records to the journal.
pub struct JournalRecorder {
    journal: Arc<Journal>,
}

impl JournalRecorder {
    pub fn new(journal: Arc<Journal>) -> Self {
        Self { journal }
    }

    /// The journal record for a trial's final outcome, as the scheduler decided it.
    pub fn finished_record(trial: TrialId, outcome: &TrialOutcome) -> FinishedTrial {
        use TrialStatus as S;
        match outcome {
            TrialOutcome::Ok {
                objective,
                responses,
                ..
            } => FinishedTrial::ok(trial, *objective, responses.clone()),
            TrialOutcome::Failed {
                reason,
                stderr_tail,
            }
            | TrialOutcome::Crashed {
                reason,
                stderr_tail,
            } => FinishedTrial::unsuccessful(trial, S::Failed, reason, stderr_tail),
            TrialOutcome::TimedOut { stderr_tail } => {
                FinishedTrial::unsuccessful(trial, S::TimedOut, TIMED_OUT, stderr_tail)
            }
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
    fn trial_queued(&mut self, trial: TrialId, values: &[f64]) -> Result<(), RecordError> {
        record(self.journal.proposed(&ProposedTrial {
            id: trial,
            params: values.to_vec(),
            queued_at: unix_now(),
        }))
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
        record(self.journal.finished(Self::finished_record(trial, outcome)))
    }

    fn trial_observed(
        &mut self,
        trial: TrialId,
        objective: Option<f64>,
    ) -> Result<(), RecordError> {
        record(self.journal.observed(trial, objective))
    }

    fn checkpoint(&mut self, observations: u64, state: &[u8]) -> Result<(), RecordError> {
        record(self.journal.checkpoint(observations, state.to_vec()))
    }

    fn slot_started(&mut self, _slot: SlotName<'_>, _at: Duration) -> Result<(), RecordError> {
        Ok(()) // slot times are in status.json
    }

    fn slot_ready(&mut self, _slot: SlotName<'_>, _at: Duration) -> Result<(), RecordError> {
        Ok(())
    }

    fn run_state(&mut self, state: RunState, reason: Option<&str>) -> Result<(), RecordError> {
        let (kind, detail) = match state {
            RunState::Running => return Ok(()), // `started`/`resumed` come from the caller
            RunState::Finished => (EventKind::Finished, "every trial finished"),
            RunState::Interrupted => (EventKind::Interrupted, "stopped by a signal; resumable"),
            RunState::Failed => (EventKind::Failed, reason.unwrap_or("the run failed")),
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
        rec.trial_queued(0, &[1.5]).unwrap();
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
        rec.run_state(RunState::Interrupted, None).unwrap();
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
    fn a_failed_run_is_journalled_as_failed_with_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        let (mut rec, journal) = recorder(dir.path());
        rec.run_state(RunState::Failed, Some("the first 5 trials all failed"))
            .unwrap();
        let last = journal.reader().unwrap().events().unwrap().pop().unwrap();
        assert_eq!(last.kind, EventKind::Failed);
        assert_eq!(last.detail, "the first 5 trials all failed");
    }
}
