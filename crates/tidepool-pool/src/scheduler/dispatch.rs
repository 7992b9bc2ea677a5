//! Assignment: free slots get the next trial (retries first, then the source).

use super::{Action, ActionSink, Copy, Record, Scheduler, SlotPhase, SlotRef, TrialState};
use std::time::Duration;
use tidepool_optim::{Proposal, TrialId};

impl Scheduler {
    /// Fill every slot that has room, round-robin: every idle slot gets one trial before
    /// any slot gets a prefetched second.
    pub(super) fn dispatch(&mut self, now: Duration, out: &mut dyn ActionSink) {
        if self.stopping {
            return;
        }
        let capacity = 1 + self.cfg.prefetch as usize;
        while let Some(key) = self.idle.pop_front() {
            let Some(state) = self.slots.get_mut(&key) else {
                continue;
            };
            state.in_idle = false;
            if state.phase != SlotPhase::Ready || state.queue.len() >= capacity {
                continue;
            }
            let Some(trial) = self.next_trial(out) else {
                let state = self.slots.get_mut(&key).expect("checked above");
                state.in_idle = true;
                self.idle.push_front(key);
                return;
            };
            self.send_copy(now, key, trial, out);
            if self.slots[&key].queue.len() < capacity {
                self.mark_idle(key);
            }
        }
    }

    /// A trial that needs a copy: a retry, else a new proposal.
    fn next_trial(&mut self, out: &mut dyn ActionSink) -> Option<TrialId> {
        while let Some(id) = self.pending.pop_front() {
            if self.trials.get(&id).is_some_and(|t| t.copies.is_empty()) {
                return Some(id);
            }
        }
        if self.source_done {
            return None;
        }
        if self.cfg.budget.is_some_and(|b| self.progress.proposed >= b) {
            self.source_done = true;
            return None;
        }
        match self.source.propose() {
            Proposal::Trial(trial) => {
                self.source_waiting = false;
                self.progress.proposed += 1;
                out.emit(Action::Record(Record::TrialQueued {
                    trial: trial.id,
                    values: trial.values.clone(),
                }));
                self.trials.insert(
                    trial.id,
                    TrialState {
                        values: trial.values,
                        dispatched: 0,
                        failures: 0,
                        copies: Vec::new(),
                    },
                );
                Some(trial.id)
            }
            Proposal::Wait => {
                self.source_waiting = true;
                None
            }
            Proposal::Done => {
                self.source_done = true;
                None
            }
        }
    }

    /// Send one more copy of `trial` to slot `key`.
    pub(super) fn send_copy(
        &mut self,
        now: Duration,
        key: SlotRef,
        trial: TrialId,
        out: &mut dyn ActionSink,
    ) {
        let t = self
            .trials
            .get_mut(&trial)
            .expect("copies are sent for open trials");
        t.dispatched += 1;
        t.copies.push(key);
        let attempt = t.dispatched;
        out.emit(Action::SendTrial {
            slot: key,
            trial,
            attempt,
            values: t.values.clone(),
        });
        let state = self
            .slots
            .get_mut(&key)
            .expect("copies are sent to live slots");
        let started = state.queue.is_empty().then_some(now);
        state.queue.push_back(Copy {
            trial,
            attempt,
            started,
        });
        if started.is_some() {
            out.emit(Action::Record(Record::TrialStarted {
                trial,
                attempt,
                slot: key,
                at: now,
            }));
        }
    }

    /// Take the copy of `trial` off slot `key`; the next queued copy starts running.
    pub(super) fn unqueue(
        &mut self,
        now: Duration,
        key: SlotRef,
        trial: TrialId,
        out: &mut dyn ActionSink,
    ) -> Option<Copy> {
        let state = self.slots.get_mut(&key)?;
        let pos = state.queue.iter().position(|c| c.trial == trial)?;
        let copy = state.queue.remove(pos)?;
        if pos == 0 {
            if let Some(next) = state.queue.front_mut() {
                next.started = Some(now);
                out.emit(Action::Record(Record::TrialStarted {
                    trial: next.trial,
                    attempt: next.attempt,
                    slot: key,
                    at: now,
                }));
            }
        }
        self.mark_idle(key);
        Some(copy)
    }
}
