//! Slot time lost at batch barriers (`pool-dds`): a barrier is a moment when no trial
//! runs, so the trials between two barriers form a batch. A batch runs from its first
//! trial's start to its last trial's end; every slot available by then that is not
//! running a trial in that window waits at the barrier. The loss of a batch is the sum,
//! over slots, of that idle time; its window counts for a slot from when it became
//! available.

use crate::shape::timeline::Timeline;

#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// 1, 2, ... in time order.
    pub index: usize,
    pub start: f64,
    pub end: f64,
    pub trials: usize,
    /// Slot-seconds idle within the batch window.
    pub lost: f64,
}

/// The batches of a timeline, in time order.
pub fn batches(timeline: &Timeline) -> Vec<Batch> {
    let mut bars: Vec<(f64, f64)> = timeline
        .rows
        .iter()
        .flat_map(|r| r.bars.iter().map(|b| (b.start, b.end)))
        .collect();
    bars.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut windows: Vec<(f64, f64, usize)> = Vec::new();
    for (start, end) in bars {
        match windows.last_mut() {
            Some(w) if start < w.1 => {
                w.1 = w.1.max(end);
                w.2 += 1;
            }
            _ => windows.push((start, end, 1)),
        }
    }
    windows
        .into_iter()
        .enumerate()
        .map(|(i, (start, end, trials))| Batch {
            index: i + 1,
            start,
            end,
            trials,
            lost: lost_within(timeline, start, end),
        })
        .collect()
}

/// Idle slot-seconds of available slots within `[start, end]`.
fn lost_within(timeline: &Timeline, start: f64, end: f64) -> f64 {
    timeline
        .rows
        .iter()
        .filter_map(|r| {
            let from = r.available?.max(start);
            (from < end).then(|| (end - from) - r.busy_within(from, end))
        })
        .sum()
}

/// The total over batches.
pub fn total_lost(batches: &[Batch]) -> f64 {
    batches.iter().map(|b| b.lost).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::timeline::tests::{event, trial};
    use tidepool_journal::SlotEventKind as K;

    /// Two slots ready at 0. Batch 1: trials 0-4 (slot 0) and 0-1 then 1-2 (slot 1):
    /// slot 1 idles 2..4, loss 2. Batch 2 starts at 4 (nothing runs at 4): trials 4-5
    /// (slot 0) and 4-7 (slot 1): slot 0 idles 5..7, loss 2. Total 4.
    #[test]
    fn batches_split_where_nothing_runs_and_idle_time_is_summed() {
        let events = [
            event("n", 0, K::Started, 0.0),
            event("n", 1, K::Started, 0.0),
            event("n", 0, K::Ready, 0.0),
            event("n", 1, K::Ready, 0.0),
        ];
        let trials = [
            trial(0, "n", 0, 0.0, 4.0),
            trial(1, "n", 1, 0.0, 1.0),
            trial(2, "n", 1, 1.0, 2.0),
            trial(3, "n", 0, 4.0, 5.0),
            trial(4, "n", 1, 4.0, 7.0),
        ];
        let got = batches(&Timeline::build(&trials, &events));
        let shape: Vec<_> = got
            .iter()
            .map(|b| (b.start, b.end, b.trials, b.lost))
            .collect();
        assert_eq!(shape, [(0.0, 4.0, 3, 2.0), (4.0, 7.0, 2, 2.0)]);
        assert_eq!(total_lost(&got), 4.0);
    }

    /// A slot that becomes ready inside a batch waits only from then.
    #[test]
    fn a_slot_counts_from_when_it_became_ready() {
        let events = [
            event("n", 0, K::Started, 0.0),
            event("n", 0, K::Ready, 0.0),
            event("n", 1, K::Started, 0.0),
            event("n", 1, K::Ready, 3.0),
        ];
        let trials = [trial(0, "n", 0, 0.0, 5.0)];
        let got = batches(&Timeline::build(&trials, &events));
        assert_eq!(got[0].lost, 2.0);
    }
}
