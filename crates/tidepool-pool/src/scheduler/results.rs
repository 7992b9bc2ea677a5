//! Results: first result wins, crashes and lost agents are retried up to
//! `max_attempts`, and every trial finishes exactly once.

use super::{Action, ActionSink, Record, Scheduler, SlotRef};
use std::time::Duration;
use tidepool_models::TrialOutcome;
use tidepool_optim::TrialId;

impl Scheduler {
    pub(super) fn trial_done(
        &mut self,
        now: Duration,
        key: SlotRef,
        trial: TrialId,
        attempt: u32,
        outcome: TrialOutcome,
        out: &mut dyn ActionSink,
    ) {
        let Some(state) = self.slots.get(&key) else {
            return;
        };
        if !state
            .queue
            .iter()
            .any(|c| c.trial == trial && c.attempt == attempt)
        {
            return; // a copy already cancelled or timed out here: its result does not count
        }
        let copy = self
            .unqueue(now, key, trial, out)
            .expect("copy found above");
        if let (Some(started), TrialOutcome::Ok { .. }) = (copy.started, &outcome) {
            self.durations.push(now.saturating_sub(started));
        }
        self.forget_copy(trial, key);
        match outcome {
            TrialOutcome::Cancelled => self.requeue_if_orphan(trial),
            TrialOutcome::Crashed {
                reason,
                stderr_tail,
            } => {
                self.slot_crashed(key);
                let host = self
                    .slots
                    .get(&key)
                    .map(|s| s.host.clone())
                    .unwrap_or_default();
                let why = format!("slot {} on {host} crashed: {reason}", key.slot);
                self.copy_failed(now, trial, why, stderr_tail, out);
            }
            final_outcome => self.finish(now, trial, final_outcome, out),
        }
    }

    /// A crash empties the slot's queue (on the agent too): the other queued trials go
    /// back to the pending list without counting as failures, and the slot restarts.
    fn slot_crashed(&mut self, key: SlotRef) {
        let Some(state) = self.slots.get_mut(&key) else {
            return;
        };
        let rest: Vec<TrialId> = state.queue.drain(..).map(|c| c.trial).collect();
        self.restart_slot(key);
        for trial in rest {
            self.forget_copy(trial, key);
            self.requeue_if_orphan(trial);
        }
    }

    /// A copy of `trial` on `key` was lost with its agent.
    pub(super) fn copy_lost(
        &mut self,
        now: Duration,
        key: SlotRef,
        trial: TrialId,
        why: &str,
        out: &mut dyn ActionSink,
    ) {
        self.forget_copy(trial, key);
        let reason = format!("slot {} of agent {}: {why}", key.slot, key.agent);
        self.copy_failed(now, trial, reason, String::new(), out);
    }

    /// An attempt failed through no fault of the model: retry, or give up after
    /// `max_attempts` such failures.
    fn copy_failed(
        &mut self,
        now: Duration,
        trial: TrialId,
        reason: String,
        stderr_tail: String,
        out: &mut dyn ActionSink,
    ) {
        let max = self.cfg.max_attempts;
        let Some(t) = self.trials.get_mut(&trial) else {
            return;
        };
        if !t.copies.is_empty() {
            return; // another copy is still running
        }
        t.failures += 1;
        if t.failures >= max {
            let reason = format!(
                "gave up after {} failed attempts; last: {reason}",
                t.failures
            );
            self.finish(
                now,
                trial,
                TrialOutcome::Failed {
                    reason,
                    stderr_tail,
                },
                out,
            );
        } else {
            self.pending.push_front(trial);
        }
    }

    pub(super) fn forget_copy(&mut self, trial: TrialId, key: SlotRef) {
        if let Some(t) = self.trials.get_mut(&trial) {
            if let Some(pos) = t.copies.iter().position(|k| *k == key) {
                t.copies.swap_remove(pos);
            }
        }
    }

    fn requeue_if_orphan(&mut self, trial: TrialId) {
        if self.trials.get(&trial).is_some_and(|t| t.copies.is_empty()) && !self.stopping {
            self.pending.push_front(trial);
        }
    }

    /// The trial's final outcome: cancel other copies, decide it (see
    /// [`Scheduler::decide`]), record it, and tell the source (see `outcome`).
    pub(super) fn finish(
        &mut self,
        now: Duration,
        trial: TrialId,
        outcome: TrialOutcome,
        out: &mut dyn ActionSink,
    ) {
        let Some(t) = self.trials.remove(&trial) else {
            return;
        };
        for other in t.copies {
            if let Some(copy) = self.unqueue(now, other, trial, out) {
                out.emit(Action::CancelTrial {
                    slot: other,
                    trial,
                    attempt: copy.attempt,
                });
            }
        }
        let outcome = self.decide(outcome);
        self.progress.done += 1;
        if !matches!(outcome, TrialOutcome::Ok { .. }) {
            self.progress.failed += 1;
        }
        let decided = super::outcome::Decided::of(trial, &outcome, self.cfg.objectives.as_ref());
        out.emit(Action::Record(Record::TrialFinished {
            trial,
            attempts: t.dispatched,
            outcome,
            at: now,
        }));
        self.settle(decided, out);
    }
}
