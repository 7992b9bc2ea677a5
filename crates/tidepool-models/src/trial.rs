//! One trial in, one outcome out.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// One trial to evaluate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrialInput {
    pub trial_id: u64,
    pub attempt: u32,
    /// Parameter names and values, in definition order.
    pub params: Vec<(String, f64)>,
    /// Wall-clock limit; over it the trial's process group gets SIGTERM, then SIGKILL
    /// after `kill_grace`.
    pub timeout: Option<Duration>,
    pub kill_grace: Duration,
}

/// What a trial gave back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrialOutcome {
    /// Finished; `objective` is what the optimiser minimises, if the model gave one.
    Ok {
        objective: Option<f64>,
        responses: BTreeMap<String, f64>,
    },
    /// The model ran and failed (non-zero exit, exception, unreadable output).
    Failed { reason: String, stderr_tail: String },
    /// Over its timeout; its process group was killed.
    TimedOut { stderr_tail: String },
    /// The slot's process died; the slot must be restarted before its next trial.
    Crashed { reason: String, stderr_tail: String },
    /// Cancelled on request (a straggler copy that lost, or shutdown).
    Cancelled,
}

impl TrialOutcome {
    /// A failure with no stderr to show.
    pub(crate) fn failed(reason: impl Into<String>) -> Self {
        TrialOutcome::Failed {
            reason: reason.into(),
            stderr_tail: String::new(),
        }
    }
}
