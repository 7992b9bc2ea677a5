//! Progress: building the [`RunStatus`] snapshot and handing it to a [`ProgressSink`]
//! (a terminal bar or log lines, chosen by the caller).

use crate::recorder::RunState;
use crate::scheduler::Scheduler;
use crate::status::{RunStatus, SlotStatus};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Receives progress while a run goes.
pub trait ProgressSink {
    /// About once a second, and once at the end.
    fn progress(&mut self, status: &RunStatus);
    /// A notable event (agents launched, agent lost, connection rejected...).
    fn message(&mut self, text: &str);
}

/// What the snapshot needs besides the scheduler.
pub struct SnapshotInput<'a> {
    pub name: &'a str,
    pub run_id: &'a str,
    pub state: RunState,
    pub elapsed: Duration,
    pub agents: usize,
    pub total_trials: Option<u64>,
    pub param_names: &'a [String],
    pub error: Option<String>,
    pub sense: &'a tidepool_objective::Sense,
    /// Done and failed trials of earlier sessions.
    pub done_before: (u64, u64),
}

pub fn snapshot(sched: &Scheduler, input: SnapshotInput<'_>) -> RunStatus {
    let p = sched.progress();
    let elapsed_s = input.elapsed.as_secs_f64();
    let rate = if elapsed_s > 0.0 {
        p.done as f64 / elapsed_s
    } else {
        0.0
    };
    let eta_s = input
        .total_trials
        .filter(|_| rate > 0.0)
        .map(|total| total.saturating_sub(p.done) as f64 / rate);
    let best = sched.best();
    let mut status = RunStatus {
        name: input.name.to_string(),
        run_id: input.run_id.to_string(),
        state: input.state,
        trials_done: input.done_before.0 + p.done,
        trials_failed: input.done_before.1 + p.failed,
        budget: input.total_trials.map(|t| t + input.done_before.0),
        agents: input.agents,
        slots_total: p.slots_total,
        slots_ready: p.slots_ready,
        slots_busy: p.slots_busy,
        trials_per_sec: rate,
        eta_s,
        elapsed_s,
        best_objective: best.as_ref().map(|(_, v)| *v),
        metric: String::new(),
        best_metric: None,
        best_parameters: best
            .map(|(t, _)| input.param_names.iter().cloned().zip(t.values).collect()),
        error: input.error,
        updated_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
        slots: sched
            .slot_times()
            .into_iter()
            .map(|s| SlotStatus {
                host: s.host,
                agent: s.slot.agent,
                slot: s.slot.slot,
                start_s: s.start_at.map(|d| d.as_secs_f64()),
                ready_s: s.ready_at.map(|d| d.as_secs_f64()),
            })
            .collect(),
    };
    status.show_as(input.sense);
    status
}
