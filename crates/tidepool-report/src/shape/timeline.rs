//! Slots over time: one row per (node, slot) with the trials it ran as bars, its start
//! gate intervals (start -> ready), and its utilisation. Times are seconds since the
//! first recorded slot start or trial start (`t0`).
//!
//! A slot is available from its first `ready` event (or, in a journal without slot
//! events, its first trial start) to the end of the record (the latest time in the
//! journal); its utilisation is the time its trials ran within that span divided by
//! the span. The journal keeps the last attempt of each trial, so a retried trial's
//! earlier attempts are not shown.

use std::collections::BTreeMap;
use tidepool_journal::{SlotEvent, SlotEventKind, TrialRecord, TrialStatus};

/// A slot: its node's name and its index there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SlotKey {
    pub node: String,
    pub slot: u32,
}

impl std::fmt::Display for SlotKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} #{}", self.node, self.slot)
    }
}

/// A trial on a slot; `end` is the end of the record for a trial still running.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub trial: u64,
    pub start: f64,
    pub end: f64,
    pub status: TrialStatus,
}

/// How a pass through the start gate ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateEnd {
    Ready,
    Failed,
    /// Still starting at the end of the record.
    Pending,
}

/// A start -> ready (or failed) interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gate {
    pub start: f64,
    pub end: f64,
    pub how: GateEnd,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key: SlotKey,
    pub bars: Vec<Bar>,
    pub gates: Vec<Gate>,
    /// When the slot became available (first ready, else first trial).
    pub available: Option<f64>,
}

impl Row {
    /// Seconds available: from `available` to the end of the record.
    pub fn span(&self, end: f64) -> f64 {
        self.available.map_or(0.0, |a| (end - a).max(0.0))
    }

    /// Seconds its trials ran within `[from, to]`.
    pub fn busy_within(&self, from: f64, to: f64) -> f64 {
        let clip = |b: &Bar| (b.end.min(to) - b.start.max(from)).max(0.0);
        self.bars.iter().map(clip).sum()
    }

    /// Busy fraction of the available span.
    pub fn utilisation(&self, end: f64) -> Option<f64> {
        let span = self.span(end);
        let from = self.available?;
        (span > 0.0).then(|| self.busy_within(from, end) / span)
    }
}

/// Every slot's row, on a common clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Unix seconds of time 0.
    pub t0: f64,
    /// Seconds from t0 to the last recorded time.
    pub end: f64,
    pub rows: Vec<Row>,
}

impl Timeline {
    pub fn build(trials: &[TrialRecord], events: &[SlotEvent]) -> Timeline {
        let starts = trials.iter().filter_map(|t| t.started_at);
        let t0 = starts
            .clone()
            .chain(events.iter().map(|e| e.at))
            .fold(f64::INFINITY, f64::min);
        let t0 = if t0.is_finite() { t0 } else { 0.0 };
        let last = starts
            .chain(trials.iter().filter_map(|t| t.finished_at))
            .chain(events.iter().map(|e| e.at))
            .fold(t0, f64::max);
        let end = last - t0;
        let mut rows: BTreeMap<SlotKey, Row> = BTreeMap::new();
        for e in events {
            gate_event(row_mut(&mut rows, &e.node, e.slot), e.kind, e.at - t0);
        }
        for r in rows.values_mut() {
            if let Some(open) = r.gates.last_mut().filter(|g| g.how == GateEnd::Pending) {
                open.end = end;
            }
        }
        for t in trials {
            let (Some(node), Some(slot), Some(start)) = (&t.node, t.slot, t.started_at) else {
                continue;
            };
            let r = row_mut(&mut rows, node, slot);
            let end_t = t.finished_at.map_or(end, |f| f - t0);
            r.bars.push(Bar {
                trial: t.id,
                start: start - t0,
                end: end_t,
                status: t.status,
            });
        }
        for r in rows.values_mut() {
            r.bars.sort_by(|a, b| a.start.total_cmp(&b.start));
            let first_bar = r.bars.first().map(|b| b.start);
            r.available = r.available.or(first_bar);
        }
        Timeline {
            t0,
            end,
            rows: rows.into_values().collect(),
        }
    }

    /// Busy fraction of every slot's available time together.
    pub fn overall_utilisation(&self) -> Option<f64> {
        let span: f64 = self.rows.iter().map(|r| r.span(self.end)).sum();
        let busy: f64 = self
            .rows
            .iter()
            .filter_map(|r| Some(r.busy_within(r.available?, self.end)))
            .sum();
        (span > 0.0).then(|| busy / span)
    }
}

fn row_mut<'a>(rows: &'a mut BTreeMap<SlotKey, Row>, node: &str, slot: u32) -> &'a mut Row {
    let key = SlotKey {
        node: node.to_string(),
        slot,
    };
    rows.entry(key.clone()).or_insert_with(|| Row {
        key,
        bars: Vec::new(),
        gates: Vec::new(),
        available: None,
    })
}

/// Apply one slot event to its row's gate intervals.
fn gate_event(r: &mut Row, kind: SlotEventKind, at: f64) {
    let open = r.gates.last_mut().filter(|g| g.how == GateEnd::Pending);
    match (kind, open) {
        (SlotEventKind::Started, _) => r.gates.push(Gate {
            start: at,
            end: at,
            how: GateEnd::Pending,
        }),
        (SlotEventKind::Ready, Some(g)) => {
            g.end = at;
            g.how = GateEnd::Ready;
            r.available = r.available.or(Some(at));
        }
        (SlotEventKind::StartFailed, Some(g)) => {
            g.end = at;
            g.how = GateEnd::Failed;
        }
        _ => {}
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::BTreeMap as Map;

    /// A finished ok trial on `node` slot `slot`, from `start` to `end` (Unix seconds).
    pub(crate) fn trial(id: u64, node: &str, slot: u32, start: f64, end: f64) -> TrialRecord {
        TrialRecord {
            id,
            proposal_seq: id,
            observed_seq: Some(id),
            params: vec![0.0],
            status: TrialStatus::Ok,
            objective: Some(id as f64),
            responses: Map::new(),
            node: Some(node.into()),
            slot: Some(slot),
            attempt: 1,
            queued_at: Some(start),
            started_at: Some(start),
            finished_at: Some(end),
            failure_reason: None,
            stderr_tail: None,
        }
    }

    pub(crate) fn event(node: &str, slot: u32, kind: SlotEventKind, at: f64) -> SlotEvent {
        SlotEvent {
            node: node.into(),
            agent: 0,
            slot,
            kind,
            at,
            detail: String::new(),
        }
    }

    /// Slot a#0: started 100, ready 102, trials 102-106 and 108-110 (busy 6 of 8 s
    /// available, 100..110 with end 110): 75 %. Slot a#1: started 100, failed 101,
    /// started 101, ready 104, one trial 104-109: busy 5 of 6 s. Overall 11 / 14.
    #[test]
    fn rows_gates_and_utilisation_are_computed_from_the_record() {
        use SlotEventKind as K;
        let events = [
            event("a", 0, K::Started, 100.0),
            event("a", 1, K::Started, 100.0),
            event("a", 1, K::StartFailed, 101.0),
            event("a", 1, K::Started, 101.0),
            event("a", 0, K::Ready, 102.0),
            event("a", 1, K::Ready, 104.0),
        ];
        let trials = [
            trial(0, "a", 0, 102.0, 106.0),
            trial(1, "a", 1, 104.0, 109.0),
            trial(2, "a", 0, 108.0, 110.0),
        ];
        let t = Timeline::build(&trials, &events);
        assert_eq!((t.t0, t.end), (100.0, 10.0));
        let [a0, a1] = &t.rows[..] else {
            panic!("two rows")
        };
        assert_eq!(a0.utilisation(t.end), Some(0.75));
        assert_eq!(a1.utilisation(t.end), Some(5.0 / 6.0));
        assert_eq!(t.overall_utilisation(), Some(11.0 / 14.0));
        let gates: Vec<_> = a1.gates.iter().map(|g| (g.start, g.end, g.how)).collect();
        assert_eq!(
            gates,
            [(0.0, 1.0, GateEnd::Failed), (1.0, 4.0, GateEnd::Ready)]
        );
    }

    /// Without slot events a slot is available from its first trial; a running trial
    /// lasts to the end of the record.
    #[test]
    fn without_slot_events_rows_start_at_their_first_trial() {
        let mut running = trial(1, "b", 0, 14.0, 0.0);
        running.finished_at = None;
        running.status = TrialStatus::Running;
        let trials = [
            trial(0, "b", 0, 10.0, 12.0),
            running,
            trial(2, "c", 0, 11.0, 20.0),
        ];
        let t = Timeline::build(&trials, &[]);
        assert_eq!((t.t0, t.end), (10.0, 10.0));
        let b = &t.rows[0];
        assert_eq!(b.bars[1].end, 10.0);
        // b: 2 s + 6 s busy of 10 s; c: 9 s of 9 s.
        assert_eq!(b.utilisation(t.end), Some(0.8));
        assert_eq!(t.overall_utilisation(), Some(17.0 / 19.0));
    }
}
