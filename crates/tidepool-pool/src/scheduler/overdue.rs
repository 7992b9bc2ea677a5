//! Time-driven checks on each tick: timeouts the agent failed to report, and
//! straggler duplication (a second copy of a trial running over `overdue_factor` x the
//! median run time, sent to an idle slot; the first result wins).

use super::{Action, ActionSink, Scheduler, SlotPhase, SlotRef};
use std::collections::VecDeque;
use std::time::Duration;
use tidepool_models::TrialOutcome;
use tidepool_optim::TrialId;

/// The most recent successful run times.
#[derive(Debug, Default)]
pub(super) struct RecentDurations {
    recent: VecDeque<Duration>,
}

const KEEP: usize = 256;
/// Below this many samples the median means little: no duplication yet.
const MIN_SAMPLES: usize = 3;

impl RecentDurations {
    pub(super) fn push(&mut self, d: Duration) {
        if self.recent.len() == KEEP {
            self.recent.pop_front();
        }
        self.recent.push_back(d);
    }

    pub(super) fn median(&self) -> Option<Duration> {
        if self.recent.len() < MIN_SAMPLES {
            return None;
        }
        let mut sorted: Vec<Duration> = self.recent.iter().copied().collect();
        sorted.sort_unstable();
        Some(sorted[sorted.len() / 2])
    }
}

impl Scheduler {
    /// Trials running past `timeout + timeout_slack` with no word from their agent.
    pub(super) fn check_timeouts(&mut self, now: Duration, out: &mut dyn ActionSink) {
        let Some(timeout) = self.cfg.timeout else {
            return;
        };
        let limit = timeout + self.cfg.timeout_slack;
        let overdue: Vec<(SlotRef, TrialId, u32)> = self
            .slots
            .iter()
            .filter_map(|(key, s)| s.queue.front().map(|c| (key, c)))
            .filter(|(_, c)| c.started.is_some_and(|t| now.saturating_sub(t) > limit))
            .map(|(key, c)| (*key, c.trial, c.attempt))
            .collect();
        for (key, trial, attempt) in overdue {
            self.unqueue(now, key, trial, out);
            self.forget_copy(trial, key);
            out.emit(Action::CancelTrial {
                slot: key,
                trial,
                attempt,
            });
            if self.trials.get(&trial).is_some_and(|t| t.copies.is_empty()) {
                let stderr_tail = format!(
                    "no result within the timeout ({timeout:?}) plus {:?}",
                    self.cfg.timeout_slack
                );
                self.finish(now, trial, TrialOutcome::TimedOut { stderr_tail }, out);
            }
        }
    }

    /// Send a second copy of overdue trials to idle slots, when there is no fresh work.
    pub(super) fn duplicate_stragglers(&mut self, now: Duration, out: &mut dyn ActionSink) {
        let (Some(factor), Some(median)) = (self.cfg.overdue_factor, self.durations.median())
        else {
            return;
        };
        if self.stopping || !self.pending.is_empty() {
            return;
        }
        let threshold = median.mul_f64(factor);
        let mut stragglers: Vec<(Duration, SlotRef, TrialId)> = self
            .slots
            .iter()
            .filter_map(|(key, s)| s.queue.front().map(|c| (key, c)))
            .filter(|(_, c)| {
                self.trials
                    .get(&c.trial)
                    .is_some_and(|t| t.copies.len() == 1)
            })
            .filter_map(|(key, c)| c.started.map(|t| (t, *key, c.trial)))
            .filter(|(t, _, _)| now.saturating_sub(*t) > threshold)
            .collect();
        stragglers.sort();
        for (_, from, trial) in stragglers {
            let Some(to) = self.idle_slot_besides(from) else {
                return;
            };
            self.send_copy(now, to, trial, out);
        }
    }

    /// A ready slot with nothing queued, preferably on another agent.
    fn idle_slot_besides(&self, busy: SlotRef) -> Option<SlotRef> {
        let idle = |(k, s): (&SlotRef, &super::SlotState)| {
            (s.phase == SlotPhase::Ready && s.queue.is_empty() && *k != busy).then_some(*k)
        };
        let mut candidates = self.slots.iter().filter_map(idle);
        let first = candidates.next()?;
        Some(
            std::iter::once(first)
                .chain(candidates)
                .find(|k| k.agent != busy.agent)
                .unwrap_or(first),
        )
    }
}
