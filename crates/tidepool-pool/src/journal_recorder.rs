//! [`JournalRecorder`]: the [`RunRecorder`] that writes to the run journal, its one
//! writer: every proposal (with its clock time), where each trial ran, its attempts,
//! times, decided outcome, failure reason and stderr tail, every observation in the
//! order the source made it, the source's checkpoints, each slot's starts, readiness
//! and failed starts (clock times, as trial times), and the run's end. It writes
//! the scheduler's records as they come, so the journal's order of proposals and
//! observations is the order of the source's calls, which is what resume replays.

use crate::recorder::{RecordError, RunRecorder, RunState, SlotName};
use crate::scheduler::TIMED_OUT;
use std::sync::Arc;
use std::time::Duration;
use tidepool_journal::{
    unix_now, EventKind, FinishedTrial, Journal, JournalError, ProposedTrial, SlotEvent,
    SlotEventKind, StartedTrial, TrialStatus,
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

impl JournalRecorder {
    fn slot_event(
        &mut self,
        slot: SlotName<'_>,
        kind: SlotEventKind,
        detail: &str,
    ) -> Result<(), RecordError> {
        record(self.journal.slot_event(SlotEvent {
            node: slot.host.to_string(),
            agent: slot.agent,
            slot: slot.slot,
            kind,
            at: unix_now(),
            detail: detail.to_string(),
        }))
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

    fn trial_observed_vector(
        &mut self,
        trial: TrialId,
        objective: Option<f64>,
        objectives: &[f64],
    ) -> Result<(), RecordError> {
        record(
            self.journal
                .observed_vector(trial, objective, Some(objectives)),
        )
    }

    fn pareto_front(&mut self, trials: &[TrialId]) -> Result<(), RecordError> {
        record(self.journal.front(trials))
    }

    fn checkpoint(&mut self, observations: u64, state: &[u8]) -> Result<(), RecordError> {
        record(self.journal.checkpoint(observations, state.to_vec()))
    }

    fn slot_started(&mut self, slot: SlotName<'_>, _at: Duration) -> Result<(), RecordError> {
        self.slot_event(slot, SlotEventKind::Started, "")
    }

    fn slot_ready(&mut self, slot: SlotName<'_>, _at: Duration) -> Result<(), RecordError> {
        self.slot_event(slot, SlotEventKind::Ready, "")
    }

    fn slot_start_failed(
        &mut self,
        slot: SlotName<'_>,
        reason: &str,
        out_of_service: bool,
    ) -> Result<(), RecordError> {
        self.slot_event(slot.clone(), SlotEventKind::StartFailed, reason)?;
        if out_of_service {
            self.slot_event(slot, SlotEventKind::OutOfService, reason)?;
        }
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
            agent: 0,
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

    /// Each slot fact becomes a slot event with its node, agent, slot and a clock time
    /// taken when it was recorded; a slot out of service has its failed start first.
    #[test]
    fn slot_starts_readiness_and_failed_starts_reach_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let (mut rec, journal) = recorder(dir.path());
        let name = |slot| SlotName {
            host: "n2/1",
            agent: 1,
            slot,
        };
        let before = unix_now();
        rec.slot_started(name(0), Duration::ZERO).unwrap();
        rec.slot_ready(name(0), Duration::ZERO).unwrap();
        rec.slot_started(name(1), Duration::ZERO).unwrap();
        rec.slot_start_failed(name(1), "exit 1", false).unwrap();
        rec.slot_start_failed(name(1), "exit 1", true).unwrap();
        let after = unix_now();
        let events = journal.reader().unwrap().slot_events().unwrap();
        let got: Vec<_> = events
            .iter()
            .map(|e| (e.node.as_str(), e.agent, e.slot, e.kind, e.detail.as_str()))
            .collect();
        use SlotEventKind as K;
        assert_eq!(
            got,
            vec![
                ("n2/1", 1, 0, K::Started, ""),
                ("n2/1", 1, 0, K::Ready, ""),
                ("n2/1", 1, 1, K::Started, ""),
                ("n2/1", 1, 1, K::StartFailed, "exit 1"),
                ("n2/1", 1, 1, K::StartFailed, "exit 1"),
                ("n2/1", 1, 1, K::OutOfService, "exit 1"),
            ]
        );
        assert!(events.iter().all(|e| (before..=after).contains(&e.at)));
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
