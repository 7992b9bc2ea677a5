//! What goes into the scheduler (events) and what comes out (actions).

use std::time::Duration;
use tidepool_models::TrialOutcome;
use tidepool_optim::TrialId;

/// Agent number within a run, assigned by the coordinator in join order.
pub type AgentId = u32;

/// One slot of one agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotRef {
    pub agent: AgentId,
    pub slot: u32,
}

/// The scheduling knobs (from `[slots]` and `[run] budget`).
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    pub start_concurrency: u32,
    pub start_interval: Option<Duration>,
    pub max_attempts: u32,
    pub timeout: Option<Duration>,
    /// Extra time an agent gets, past the timeout, to report before the scheduler
    /// gives up on the trial itself.
    pub timeout_slack: Duration,
    pub overdue_factor: Option<f64>,
    /// Trials queued on a slot behind the running one. Default 0: a queued trial
    /// waits behind a running one even while another slot is idle (slots become
    /// ready one by one), which costs a whole trial's time on long trials; the
    /// round trip it hides matters only for trials of a few milliseconds.
    pub prefetch: u32,
    pub budget: Option<u64>,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            start_concurrency: 8,
            start_interval: None,
            max_attempts: 3,
            timeout: None,
            timeout_slack: Duration::from_secs(30),
            overdue_factor: None,
            prefetch: 0,
            budget: None,
        }
    }
}

/// Something that happened; `now` comes with every event (time since run start).
#[derive(Debug, Clone)]
pub enum Event {
    AgentJoined {
        agent: AgentId,
        host: String,
        slots: u32,
    },
    AgentLost {
        agent: AgentId,
    },
    SlotReady {
        slot: SlotRef,
    },
    SlotStartFailed {
        slot: SlotRef,
        reason: String,
    },
    TrialDone {
        slot: SlotRef,
        trial: TrialId,
        attempt: u32,
        outcome: TrialOutcome,
    },
    Tick,
    /// Stop dispatching and cancel everything in flight (SIGINT/SIGTERM).
    Stop,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEnd {
    /// Every trial finished (successfully or not).
    Completed,
    /// Stopped on request; unfinished trials stay unfinished.
    Interrupted,
}

/// What the scheduler asks the coordinator to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    StartSlot(SlotRef),
    SendTrial {
        slot: SlotRef,
        trial: TrialId,
        attempt: u32,
        values: Vec<f64>,
    },
    CancelTrial {
        slot: SlotRef,
        trial: TrialId,
        attempt: u32,
    },
    Record(Record),
    Finished(RunEnd),
}

/// Facts worth keeping in the run journal.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    TrialQueued {
        trial: TrialId,
        values: Vec<f64>,
    },
    TrialStarted {
        trial: TrialId,
        attempt: u32,
        slot: SlotRef,
        at: Duration,
    },
    TrialFinished {
        trial: TrialId,
        attempts: u32,
        outcome: TrialOutcome,
        at: Duration,
    },
    SlotStarting {
        slot: SlotRef,
        at: Duration,
    },
    SlotReady {
        slot: SlotRef,
        at: Duration,
    },
    SlotBroken {
        slot: SlotRef,
        reason: String,
    },
}

/// Receives the scheduler's actions (the coordinator, or a recording fake in tests).
pub trait ActionSink {
    fn emit(&mut self, action: Action);
}

impl ActionSink for Vec<Action> {
    fn emit(&mut self, action: Action) {
        self.push(action);
    }
}
