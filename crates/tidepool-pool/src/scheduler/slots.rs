//! Slot lifecycle: agents joining and leaving, the start gate, ready and failed starts.

use super::{Action, ActionSink, Record, Scheduler, SlotPhase, SlotRef, SlotState};
use std::time::Duration;

impl Scheduler {
    pub(super) fn agent_joined(&mut self, agent: u32, host: &str, slots: u32) {
        for slot in 0..slots {
            let key = SlotRef { agent, slot };
            self.slots.insert(
                key,
                SlotState {
                    host: host.to_string(),
                    phase: SlotPhase::Waiting,
                    queue: Default::default(),
                    start_failures: 0,
                    start_at: None,
                    ready_at: None,
                    in_idle: false,
                },
            );
            self.waiting.insert((slot, agent));
        }
    }

    pub(super) fn agent_lost(&mut self, now: Duration, agent: u32, out: &mut dyn ActionSink) {
        let lost: Vec<SlotRef> = self
            .slots
            .range(SlotRef { agent, slot: 0 }..)
            .take_while(|(k, _)| k.agent == agent)
            .map(|(k, _)| *k)
            .collect();
        for key in lost {
            let state = self.slots.remove(&key).expect("slot listed above");
            self.waiting.remove(&(key.slot, key.agent));
            for copy in state.queue {
                self.copy_lost(now, key, copy.trial, "its agent was lost", out);
            }
        }
    }

    /// Let slots through the start gate: at most `start_concurrency` starting at once,
    /// and at most one per `start_interval`.
    pub(super) fn open_gate(&mut self, now: Duration, out: &mut dyn ActionSink) {
        if self.stopping {
            return;
        }
        let mut starting = self.count_phase(SlotPhase::Starting) as u32;
        while starting < self.cfg.start_concurrency {
            if let (Some(interval), Some(last)) = (self.cfg.start_interval, self.last_gate_open) {
                if now < last + interval {
                    return;
                }
            }
            let Some((slot, agent)) = self.waiting.pop_first() else {
                return;
            };
            let key = SlotRef { agent, slot };
            let state = self.slots.get_mut(&key).expect("waiting slots exist");
            state.phase = SlotPhase::Starting;
            state.start_at = Some(now);
            state.ready_at = None;
            starting += 1;
            self.last_gate_open = Some(now);
            out.emit(Action::StartSlot(key));
            out.emit(Action::Record(Record::SlotStarting { slot: key, at: now }));
        }
    }

    pub(super) fn slot_ready(&mut self, now: Duration, key: SlotRef, out: &mut dyn ActionSink) {
        let Some(state) = self.slots.get_mut(&key) else {
            return;
        };
        if state.phase != SlotPhase::Starting {
            return;
        }
        state.phase = SlotPhase::Ready;
        state.ready_at = Some(now);
        out.emit(Action::Record(Record::SlotReady { slot: key, at: now }));
        self.mark_idle(key);
    }

    pub(super) fn slot_start_failed(
        &mut self,
        key: SlotRef,
        reason: String,
        out: &mut dyn ActionSink,
    ) {
        let max = self.cfg.max_attempts;
        let Some(state) = self.slots.get_mut(&key) else {
            return;
        };
        if state.phase != SlotPhase::Starting {
            return;
        }
        state.start_failures += 1;
        if state.start_failures >= max {
            state.phase = SlotPhase::Broken;
            let reason = format!(
                "failed to start {} times; last: {reason}",
                state.start_failures
            );
            out.emit(Action::Record(Record::SlotBroken { slot: key, reason }));
        } else {
            state.phase = SlotPhase::Waiting;
            self.waiting.insert((key.slot, key.agent));
            out.emit(Action::Record(Record::SlotStartFailed {
                slot: key,
                reason,
            }));
        }
    }

    /// The slot's worker died: it goes back through the start gate.
    pub(super) fn restart_slot(&mut self, key: SlotRef) {
        if let Some(state) = self.slots.get_mut(&key) {
            state.phase = SlotPhase::Waiting;
            self.waiting.insert((key.slot, key.agent));
        }
    }

    /// Remember that `key` may take another trial.
    pub(super) fn mark_idle(&mut self, key: SlotRef) {
        if let Some(state) = self.slots.get_mut(&key) {
            if !state.in_idle {
                state.in_idle = true;
                self.idle.push_back(key);
            }
        }
    }
}
