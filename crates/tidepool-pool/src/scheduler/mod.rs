//! The scheduler: a plain state machine with no sockets and no clock. The coordinator
//! feeds it [`Event`]s (each with the current time) and carries out the [`Action`]s it
//! emits through an [`ActionSink`]. It owns the trial source (any optimiser) and decides
//! which trial goes to which slot, which slots may start (the start gate), what is
//! retried, what timed out, and which straggler gets a second copy.
//!
//! Invariant: every trial the source proposes finishes exactly once (one
//! `Record::TrialFinished`), whatever agents are lost or copies cancelled, and its
//! outcome is decided there once for everyone (`outcome`); the source hears it (one
//! `Record::TrialObserved`) at once, or, for failures among the first trials of a run,
//! once fail-fast is ruled out.

mod dispatch;
mod outcome;
#[cfg(test)]
mod outcome_tests;
mod overdue;
mod results;
mod slots;
#[cfg(test)]
mod tests;
pub mod types;
#[cfg(test)]
mod vector_tests;

pub use outcome::TIMED_OUT;
pub use types::*;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;
use tidepool_optim::{Optimizer, Trial, TrialId};

/// Where a slot is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotPhase {
    /// Waiting for the start gate.
    Waiting,
    Starting,
    Ready,
    /// Failed to start `max_attempts` times; not used again.
    Broken,
}

/// One copy of a trial sent to a slot.
#[derive(Debug, Clone)]
struct Copy {
    trial: TrialId,
    attempt: u32,
    /// When it began running (the slot runs its queue in order), if it has.
    started: Option<Duration>,
}

#[derive(Debug)]
struct SlotState {
    host: String,
    phase: SlotPhase,
    queue: VecDeque<Copy>,
    start_failures: u32,
    start_at: Option<Duration>,
    ready_at: Option<Duration>,
    in_idle: bool,
}

#[derive(Debug)]
struct TrialState {
    values: Vec<f64>,
    /// Copies sent so far (the next copy's attempt number is this plus one).
    dispatched: u32,
    /// Attempts lost to a slot crash or an agent loss.
    failures: u32,
    copies: Vec<SlotRef>,
}

/// Start and ready times of one slot, for display.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotTimes {
    pub slot: SlotRef,
    pub host: String,
    pub phase: SlotPhase,
    pub start_at: Option<Duration>,
    pub ready_at: Option<Duration>,
}

/// Counts for progress displays.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    pub proposed: u64,
    pub done: u64,
    pub failed: u64,
    pub slots_total: usize,
    pub slots_ready: usize,
    pub slots_busy: usize,
    pub slots_starting: usize,
}

/// The scheduling state machine.
pub struct Scheduler {
    cfg: SchedulerConfig,
    source: Box<dyn Optimizer>,
    slots: BTreeMap<SlotRef, SlotState>,
    trials: HashMap<TrialId, TrialState>,
    /// Trials to (re)send before asking the source for new ones.
    pending: VecDeque<TrialId>,
    /// Slots that may have room for another trial (entries can be stale).
    idle: VecDeque<SlotRef>,
    /// Slots waiting for the start gate, first slots of every node first.
    waiting: std::collections::BTreeSet<(u32, u32)>,
    last_gate_open: Option<Duration>,
    durations: overdue::RecentDurations,
    source_done: bool,
    /// The source's last answer was `Wait`.
    source_waiting: bool,
    stopping: bool,
    finished: bool,
    progress: Progress,
    watch: outcome::Watch,
    /// Results told to the source by this scheduler.
    observations: u64,
    /// A multi-objective source's archive as last recorded.
    front: Vec<TrialId>,
}

impl Scheduler {
    pub fn new(cfg: SchedulerConfig, source: Box<dyn Optimizer>) -> Self {
        Self {
            cfg,
            source,
            slots: BTreeMap::new(),
            trials: HashMap::new(),
            pending: VecDeque::new(),
            idle: VecDeque::new(),
            waiting: Default::default(),
            last_gate_open: None,
            durations: overdue::RecentDurations::default(),
            source_done: false,
            source_waiting: false,
            stopping: false,
            finished: false,
            progress: Progress::default(),
            watch: Default::default(),
            observations: 0,
            front: Vec::new(),
        }
    }

    /// Feed one event; actions go to `out`.
    pub fn handle(&mut self, now: Duration, event: Event, out: &mut dyn ActionSink) {
        let tick = matches!(event, Event::Tick);
        match event {
            Event::AgentJoined { agent, host, slots } => self.agent_joined(agent, &host, slots),
            Event::AgentLost { agent } => self.agent_lost(now, agent, out),
            Event::SlotReady { slot } => self.slot_ready(now, slot, out),
            Event::SlotStartFailed { slot, reason } => self.slot_start_failed(slot, reason, out),
            Event::TrialDone {
                slot,
                trial,
                attempt,
                outcome,
            } => self.trial_done(now, slot, trial, attempt, outcome, out),
            Event::Tick => self.check_timeouts(now, out),
            Event::Stop => self.stop(out),
        }
        self.open_gate(now, out);
        self.dispatch(now, out);
        if self.release_if_stalled(out) {
            self.dispatch(now, out);
        }
        if tick {
            self.duplicate_stragglers(now, out);
        }
        self.check_finished(out);
    }

    /// Counts for progress displays.
    pub fn progress(&self) -> Progress {
        let mut p = self.progress.clone();
        p.slots_total = self.slots.len();
        p.slots_ready = self.count_phase(SlotPhase::Ready);
        p.slots_starting = self.count_phase(SlotPhase::Starting);
        p.slots_busy = self.slots.values().filter(|s| !s.queue.is_empty()).count();
        p
    }

    /// Slots that can still run trials (not broken).
    pub fn usable_slots(&self) -> usize {
        self.slots
            .values()
            .filter(|s| s.phase != SlotPhase::Broken)
            .count()
    }

    /// Start and ready times of every slot.
    pub fn slot_times(&self) -> Vec<SlotTimes> {
        self.slots
            .iter()
            .map(|(slot, s)| SlotTimes {
                slot: *slot,
                host: s.host.clone(),
                phase: s.phase,
                start_at: s.start_at,
                ready_at: s.ready_at,
            })
            .collect()
    }

    /// The best trial observed so far.
    pub fn best(&self) -> Option<(Trial, f64)> {
        self.source.best()
    }

    /// True once `Finished` was emitted.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn count_phase(&self, phase: SlotPhase) -> usize {
        self.slots.values().filter(|s| s.phase == phase).count()
    }

    fn stop(&mut self, out: &mut dyn ActionSink) {
        if self.stopping {
            return;
        }
        self.cancel_all(out);
        out.emit(Action::Finished(RunEnd::Interrupted));
    }

    /// Stop dispatching and cancel every queued copy; the run has finished.
    fn cancel_all(&mut self, out: &mut dyn ActionSink) {
        self.stopping = true;
        for (slot, state) in &mut self.slots {
            for copy in state.queue.drain(..) {
                out.emit(Action::CancelTrial {
                    slot: *slot,
                    trial: copy.trial,
                    attempt: copy.attempt,
                });
            }
        }
        self.finished = true;
    }

    fn check_finished(&mut self, out: &mut dyn ActionSink) {
        if !self.finished && self.source_done && self.pending.is_empty() && self.trials.is_empty() {
            self.finished = true;
            out.emit(Action::Finished(RunEnd::Completed));
        }
    }
}
