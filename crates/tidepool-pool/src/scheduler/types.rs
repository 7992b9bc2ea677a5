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
    /// The optimiser's name when it needs an objective: a trial that finishes without
    /// one is then a failure (`None` for lists and samplers, which do not).
    pub objective_needed_by: Option<String>,
    /// Stop the run when the first this many trials all fail with the same reason
    /// (0: never). Their results are held back from the source meanwhile, so a run
    /// stopped this way has spent none of its budget on them.
    pub fail_fast: u32,
    /// Emit [`Record::Checkpoint`] with the source's state every this many
    /// observations (counted from `observed_before`, those replayed on resume).
    pub checkpoint_every: Option<u64>,
    pub observed_before: u64,
    /// For a multi-objective source (`padds`): how each `[objective]` term's distance
    /// follows from the values a trial reports; the source is told that vector.
    pub objectives: Option<tidepool_objective::Distances>,
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
            objective_needed_by: None,
            fail_fast: 0,
            checkpoint_every: None,
            observed_before: 0,
            objectives: None,
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
    /// Stopped because the first `trials` trials all failed with `reason`; none of
    /// them was told to the source, so they run again on resume.
    FailedFast { trials: u32, reason: String },
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
    /// The trial's final outcome as decided once for everyone (journal, status,
    /// summary, source): `Ok` only with a finite objective, or without one when the
    /// source needs none; every other outcome counts as failed.
    TrialFinished {
        trial: TrialId,
        attempts: u32,
        outcome: TrialOutcome,
        at: Duration,
    },
    /// The source was told the trial's result (`None`: failed), in the order it was.
    TrialObserved {
        trial: TrialId,
        objective: Option<f64>,
        /// The vector a multi-objective source was told (`None`: one objective, or failed).
        objectives: Option<Vec<f64>>,
    },
    /// A multi-objective source's archive of non-dominated trials changed: now these.
    ParetoFront {
        trials: Vec<TrialId>,
    },
    /// The source's state after `observations` results (its `save`).
    Checkpoint {
        observations: u64,
        state: Vec<u8>,
    },
    SlotStarting {
        slot: SlotRef,
        at: Duration,
    },
    SlotReady {
        slot: SlotRef,
        at: Duration,
    },
    /// A start failed; the slot goes back through the start gate.
    SlotStartFailed {
        slot: SlotRef,
        reason: String,
    },
    /// The slot failed to start too often: out of service for the rest of the run.
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
