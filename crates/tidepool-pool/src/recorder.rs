//! [`RunRecorder`]: every fact the coordinator keeps about a run (the run journal's
//! interface), and [`MemoryRecorder`], an implementation that keeps them in memory.

use std::time::Duration;
use tidepool_models::TrialOutcome;
use tidepool_optim::TrialId;

/// The state of a whole run, as recorded and shown by `tidepool status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Running,
    Finished,
    Interrupted,
    Failed,
}

/// A recorder could not store a fact (e.g. the journal's disk is full).
#[derive(Debug, thiserror::Error)]
#[error("cannot record run progress: {source}")]
pub struct RecordError {
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// Where a slot lives: its node's host name, the run's number for its agent, and its
/// index there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotName<'a> {
    pub host: &'a str,
    pub agent: u32,
    pub slot: u32,
}

/// Receives every fact worth keeping; times are since the run started.
pub trait RunRecorder: Send {
    fn trial_queued(&mut self, trial: TrialId, values: &[f64]) -> Result<(), RecordError>;
    fn trial_started(
        &mut self,
        trial: TrialId,
        attempt: u32,
        slot: SlotName<'_>,
        at: Duration,
    ) -> Result<(), RecordError>;
    fn trial_finished(
        &mut self,
        trial: TrialId,
        attempts: u32,
        outcome: &TrialOutcome,
        at: Duration,
    ) -> Result<(), RecordError>;
    /// The source was told this result (`None`: failed); called in the order it was.
    fn trial_observed(&mut self, trial: TrialId, objective: Option<f64>)
        -> Result<(), RecordError>;
    /// Like `trial_observed`, for a multi-objective source told `objectives`.
    fn trial_observed_vector(
        &mut self,
        trial: TrialId,
        objective: Option<f64>,
        objectives: &[f64],
    ) -> Result<(), RecordError> {
        let _ = objectives;
        self.trial_observed(trial, objective)
    }
    /// A multi-objective source's archive of non-dominated trials is now `trials`.
    fn pareto_front(&mut self, trials: &[TrialId]) -> Result<(), RecordError> {
        let _ = trials;
        Ok(())
    }
    /// The source's state after `observations` results.
    fn checkpoint(&mut self, observations: u64, state: &[u8]) -> Result<(), RecordError>;
    fn slot_started(&mut self, slot: SlotName<'_>, at: Duration) -> Result<(), RecordError>;
    fn slot_ready(&mut self, slot: SlotName<'_>, at: Duration) -> Result<(), RecordError>;
    /// A start failed (`out_of_service`: too often, the slot is taken out of service;
    /// otherwise it goes back through the start gate).
    fn slot_start_failed(
        &mut self,
        slot: SlotName<'_>,
        reason: &str,
        out_of_service: bool,
    ) -> Result<(), RecordError>;
    /// The run's state; `reason` says why it failed.
    fn run_state(&mut self, state: RunState, reason: Option<&str>) -> Result<(), RecordError>;
}

/// One recorded fact (what [`MemoryRecorder`] keeps).
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    TrialQueued {
        trial: TrialId,
        values: Vec<f64>,
    },
    TrialStarted {
        trial: TrialId,
        attempt: u32,
        host: String,
        slot: u32,
        at: Duration,
    },
    TrialFinished {
        trial: TrialId,
        attempts: u32,
        outcome: TrialOutcome,
        at: Duration,
    },
    TrialObserved {
        trial: TrialId,
        objective: Option<f64>,
    },
    Checkpoint {
        observations: u64,
    },
    SlotStarted {
        host: String,
        slot: u32,
        at: Duration,
    },
    SlotReady {
        host: String,
        slot: u32,
        at: Duration,
    },
    SlotStartFailed {
        host: String,
        slot: u32,
        reason: String,
        out_of_service: bool,
    },
    RunState(RunState, Option<String>),
}

/// Keeps every fact in order, in memory.
#[derive(Debug, Default, Clone)]
pub struct MemoryRecorder {
    pub facts: Vec<Fact>,
}

impl RunRecorder for MemoryRecorder {
    fn trial_queued(&mut self, trial: TrialId, values: &[f64]) -> Result<(), RecordError> {
        self.facts.push(Fact::TrialQueued {
            trial,
            values: values.to_vec(),
        });
        Ok(())
    }

    fn trial_started(
        &mut self,
        trial: TrialId,
        attempt: u32,
        slot: SlotName<'_>,
        at: Duration,
    ) -> Result<(), RecordError> {
        self.facts.push(Fact::TrialStarted {
            trial,
            attempt,
            host: slot.host.to_string(),
            slot: slot.slot,
            at,
        });
        Ok(())
    }

    fn trial_finished(
        &mut self,
        trial: TrialId,
        attempts: u32,
        outcome: &TrialOutcome,
        at: Duration,
    ) -> Result<(), RecordError> {
        self.facts.push(Fact::TrialFinished {
            trial,
            attempts,
            outcome: outcome.clone(),
            at,
        });
        Ok(())
    }

    fn trial_observed(
        &mut self,
        trial: TrialId,
        objective: Option<f64>,
    ) -> Result<(), RecordError> {
        self.facts.push(Fact::TrialObserved { trial, objective });
        Ok(())
    }

    fn checkpoint(&mut self, observations: u64, _state: &[u8]) -> Result<(), RecordError> {
        self.facts.push(Fact::Checkpoint { observations });
        Ok(())
    }

    fn slot_started(&mut self, slot: SlotName<'_>, at: Duration) -> Result<(), RecordError> {
        self.facts.push(Fact::SlotStarted {
            host: slot.host.to_string(),
            slot: slot.slot,
            at,
        });
        Ok(())
    }

    fn slot_ready(&mut self, slot: SlotName<'_>, at: Duration) -> Result<(), RecordError> {
        self.facts.push(Fact::SlotReady {
            host: slot.host.to_string(),
            slot: slot.slot,
            at,
        });
        Ok(())
    }

    fn slot_start_failed(
        &mut self,
        slot: SlotName<'_>,
        reason: &str,
        out_of_service: bool,
    ) -> Result<(), RecordError> {
        self.facts.push(Fact::SlotStartFailed {
            host: slot.host.to_string(),
            slot: slot.slot,
            reason: reason.to_string(),
            out_of_service,
        });
        Ok(())
    }

    fn run_state(&mut self, state: RunState, reason: Option<&str>) -> Result<(), RecordError> {
        self.facts
            .push(Fact::RunState(state, reason.map(str::to_string)));
        Ok(())
    }
}
