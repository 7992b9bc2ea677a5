//! Carrying out the scheduler's actions: messages to agents (trials batched per agent
//! and flushed once per loop turn) and facts for the recorder.

use super::Driver;
use crate::protocol::{ToAgent, TrialOrder};
use crate::recorder::{RecordError, RunRecorder, SlotName};
use crate::scheduler::{Action, Record, RunEnd, SlotRef};
use std::collections::HashMap;

impl Driver<'_> {
    pub(super) fn apply(&mut self, action: Action) {
        match action {
            Action::StartSlot(s) => self.send(s.agent, ToAgent::StartSlot { slot: s.slot }),
            Action::SendTrial {
                slot,
                trial,
                attempt,
                values,
            } => self.outbox.entry(slot.agent).or_default().push(TrialOrder {
                slot: slot.slot,
                trial,
                attempt,
                values,
            }),
            Action::CancelTrial {
                slot,
                trial,
                attempt,
            } => {
                self.flush_agent(slot.agent);
                self.send(
                    slot.agent,
                    ToAgent::Cancel {
                        slot: slot.slot,
                        trial,
                        attempt,
                    },
                );
            }
            Action::Record(record) => self.apply_record(record),
            Action::Finished(end) => {
                if let RunEnd::FailedFast { trials, reason } = &end {
                    self.failure = Some(fail_fast_text(*trials, reason));
                }
                self.ended = Some(end);
            }
        }
    }

    pub(super) fn apply_record(&mut self, record: Record) {
        let host_of = |hosts: &HashMap<u32, String>, s: SlotRef| {
            hosts.get(&s.agent).cloned().unwrap_or_default()
        };
        match record {
            Record::TrialQueued { trial, values } => {
                self.record(|r| r.trial_queued(trial, &values))
            }
            Record::TrialStarted {
                trial,
                attempt,
                slot,
                at,
            } => {
                let host = host_of(&self.hosts, slot);
                self.record(|r| {
                    r.trial_started(
                        trial,
                        attempt,
                        SlotName {
                            host: &host,
                            agent: slot.agent,
                            slot: slot.slot,
                        },
                        at,
                    )
                });
            }
            Record::TrialFinished {
                trial,
                attempts,
                outcome,
                at,
            } => self.record(|r| r.trial_finished(trial, attempts, &outcome, at)),
            Record::TrialObserved {
                trial,
                objective,
                objectives: None,
            } => self.record(|r| r.trial_observed(trial, objective)),
            Record::TrialObserved {
                trial,
                objective,
                objectives: Some(v),
            } => self.record(|r| r.trial_observed_vector(trial, objective, &v)),
            Record::ParetoFront { trials } => self.record(|r| r.pareto_front(&trials)),
            Record::Checkpoint {
                observations,
                state,
            } => self.record(|r| r.checkpoint(observations, &state)),
            Record::SlotStarting { slot, at } => {
                let host = host_of(&self.hosts, slot);
                self.record(|r| {
                    r.slot_started(
                        SlotName {
                            host: &host,
                            agent: slot.agent,
                            slot: slot.slot,
                        },
                        at,
                    )
                });
            }
            Record::SlotReady { slot, at } => {
                let host = host_of(&self.hosts, slot);
                self.record(|r| {
                    r.slot_ready(
                        SlotName {
                            host: &host,
                            agent: slot.agent,
                            slot: slot.slot,
                        },
                        at,
                    )
                });
            }
            Record::SlotStartFailed { slot, reason } => {
                self.slot_start_failed(slot, &reason, false)
            }
            Record::SlotBroken { slot, reason } => {
                let host = host_of(&self.hosts, slot);
                self.progress.message(&format!(
                    "slot {} on {host} is out of service: {reason}",
                    slot.slot
                ));
                self.slot_start_failed(slot, &reason, true);
            }
        }
    }

    fn slot_start_failed(&mut self, slot: SlotRef, reason: &str, out_of_service: bool) {
        let host = self.hosts.get(&slot.agent).cloned().unwrap_or_default();
        let name = SlotName {
            host: &host,
            agent: slot.agent,
            slot: slot.slot,
        };
        self.record(|r| r.slot_start_failed(name, reason, out_of_service));
    }

    pub(super) fn record(
        &mut self,
        f: impl FnOnce(&mut dyn RunRecorder) -> Result<(), RecordError>,
    ) {
        if self.record_error.is_none() {
            if let Err(e) = f(self.recorder) {
                self.record_error = Some(e);
            }
        }
    }

    pub(super) fn send(&self, agent: u32, msg: ToAgent) {
        if let Some(link) = self.links.get(&agent) {
            let _ = link.out.send(msg);
        }
    }

    pub(super) fn flush_agent(&mut self, agent: u32) {
        if let Some(orders) = self.outbox.remove(&agent) {
            if !orders.is_empty() {
                self.send(agent, ToAgent::Trials(orders));
            }
        }
    }

    pub(super) fn flush(&mut self) {
        let agents: Vec<u32> = self.outbox.keys().copied().collect();
        for agent in agents {
            self.flush_agent(agent);
        }
    }
}

/// Why a run stopped after its first trials all failed alike, and what to do.
fn fail_fast_text(trials: u32, reason: &str) -> String {
    format!(
        "the first {trials} trials all failed with the same reason: {reason}\n\
         hint: fix the model, then run the same command again: the run resumes and runs \
         these trials again, none of the budget is spent on them (set [slots] fail_fast = 0 \
         to run every trial regardless)"
    )
}
