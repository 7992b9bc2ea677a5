//! Trial evaluation in persistent slots. A [`Worker`] is started once per slot (for a
//! `python` slot: one interpreter that imports the user's function once), reports ready,
//! then evaluates trials one after another until it is shut down.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// What a slot runs (`[model]` in the run config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum WorkerSpec {
    /// Returns at once; for measuring the engine.
    Noop,
    /// The agent runs the trial's command pipeline (one process tree per trial).
    Command(CommandSpec),
    /// One long-lived interpreter per slot evaluating `module:function`.
    Python(PythonSpec),
}

/// A command pipeline: each stage is argv; `{name}` in an argument is replaced by the
/// parameter's value, `{trial}` by the trial id, `{workdir}` by the trial's directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandSpec {
    pub stages: Vec<Vec<String>>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// A Python function `module:function` taking a dict of parameters and returning a
/// number (the objective) or a dict of named responses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PythonSpec {
    pub function: String,
    /// The interpreter to start (e.g. a staged venv's bin/python).
    pub python: PathBuf,
    /// Directories prepended to sys.path.
    #[serde(default)]
    pub path: Vec<PathBuf>,
}

/// Where a slot lives and what it may use.
#[derive(Debug, Clone)]
pub struct SlotContext {
    pub node: String,
    pub slot: u32,
    /// The slot's own directory on node-local scratch; trial output stays here.
    pub scratch: PathBuf,
    /// Extra environment (e.g. staged PATH, VIRTUAL_ENV, LD_LIBRARY_PATH).
    pub env: Vec<(String, String)>,
}

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

/// Errors starting a slot's worker.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("slot {slot} on {node}: cannot start `{program}`: {source}")]
    Spawn {
        node: String,
        slot: u32,
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("slot {slot} on {node}: worker did not become ready: {reason}\n{stderr_tail}")]
    NotReady {
        node: String,
        slot: u32,
        reason: String,
        stderr_tail: String,
    },
    #[error("slot {slot} on {node}: worker kind `{kind}` is not available in this build")]
    Unsupported { node: String, slot: u32, kind: String },
}

/// A started slot worker.
#[derive(Debug)]
pub enum Worker {
    Noop,
}

impl Worker {
    /// Start the worker for a slot; returns once it is ready (a python slot after its
    /// import of the user's module).
    pub async fn start(spec: &WorkerSpec, ctx: &SlotContext) -> Result<Worker, ModelError> {
        match spec {
            WorkerSpec::Noop => Ok(Worker::Noop),
            WorkerSpec::Command(_) => Err(unsupported(ctx, "command")),
            WorkerSpec::Python(_) => Err(unsupported(ctx, "python")),
        }
    }

    /// Evaluate one trial. Cancelling `cancel` stops it (process group killed) and
    /// yields [`TrialOutcome::Cancelled`].
    pub async fn evaluate(
        &mut self,
        _trial: &TrialInput,
        _cancel: &tokio_util::sync::CancellationToken,
    ) -> TrialOutcome {
        match self {
            Worker::Noop => TrialOutcome::Ok {
                objective: None,
                responses: BTreeMap::new(),
            },
        }
    }

    /// Stop the worker and wait for its processes to exit.
    pub async fn shutdown(self) {}
}

fn unsupported(ctx: &SlotContext, kind: &str) -> ModelError {
    ModelError::Unsupported {
        node: ctx.node.clone(),
        slot: ctx.slot,
        kind: kind.to_string(),
    }
}
