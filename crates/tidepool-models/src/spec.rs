//! What a slot runs and where it lives: the `[model]` section as data.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use crate::sentinel::Sentinel;
pub use crate::staged::StagedPaths;

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
/// parameter's value, `{trial}` by the trial id, `{attempt}` by the attempt number,
/// `{workdir}` by the trial's directory (`{{` and `}}` stand for literal braces).
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
    /// Which trial directories stay on scratch (`[slots] keep_workdirs`).
    pub keep: KeepWorkdirs,
    /// Kills the slot's process groups if the agent dies ([`Sentinel::none`]: no one).
    pub sentinel: Sentinel,
    /// Original path -> node-local copy of what `[stage]` staged (empty without
    /// staging); a model reading a configured path (a template directory) maps it.
    pub staged: StagedPaths,
}

/// Which trial directories a slot leaves on scratch (`[slots] keep_workdirs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeepWorkdirs {
    /// The last few failed ones (their path is in the failure record); the rest go.
    #[default]
    Failed,
    /// Every trial's directory, successful or not.
    All,
    /// None: every trial directory is removed when its trial ends.
    None,
}
