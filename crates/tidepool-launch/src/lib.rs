//! Start one tidepool agent per node: local processes (simulated nodes), Slurm's
//! `srun`, any MPI launcher, or by hand. Every launcher sits behind [`Launcher`]; the
//! parsing of launcher environment and output is pure and tested on captured text.
//!
//! Layout:
//! - `nodelist`: pure parsing of Slurm hostlists, `scontrol show hostnames` output,
//!   CPU counts and MPI hostfiles;
//! - `slurm`: [`SlurmAllocation`] from `SLURM_*` variables and [`SrunLauncher`];
//! - `mpirun`: [`MpirunLauncher`] for any MPI launcher's argv prefix.

pub mod mpirun;
pub mod nodelist;
pub mod slurm;

pub use mpirun::MpirunLauncher;
pub use nodelist::NodelistError;
pub use slurm::{SlurmAllocation, SrunLauncher};

pub mod local;
pub mod manual;
pub mod select;

use std::path::PathBuf;

/// How agents are started (`[launch] mode` in the run config).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LaunchMode {
    /// K agents on this machine, each with its own scratch dir.
    Local,
    /// One `srun` step with one task per node of the current allocation.
    Slurm,
    /// Any MPI launcher (`mpirun`, `mpiexec`, ...), one rank per node.
    Mpirun,
    /// Print the agent command for the user to run by hand.
    Manual,
}

/// The agent command line the coordinator wants started on every node.
#[derive(Debug, Clone)]
pub struct AgentCommand {
    /// The `tidepool` executable to run.
    pub program: PathBuf,
    /// Its arguments, e.g. `agent --connect RUNDIR/connect.json`.
    pub args: Vec<String>,
    /// Extra environment for the agents.
    pub env: Vec<(String, String)>,
}

/// What a launcher needs besides the agent command.
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// `local` mode: how many agents (simulated nodes) to start.
    pub local_agents: usize,
    /// `local` mode: base directory under which each agent gets its own scratch dir.
    pub local_scratch_base: Option<PathBuf>,
    /// `mpirun` mode: the launcher's argv prefix (e.g. `["mpirun", "--map-by", "ppr:1:node"]`).
    pub mpirun_command: Vec<String>,
    /// `slurm` mode: extra `srun` arguments.
    pub srun_args: Vec<String>,
}

/// Agents started by a launcher: how many will connect, and the processes to watch.
#[derive(Debug)]
pub struct LaunchedAgents {
    /// Number of agents expected to connect.
    pub expected: usize,
    /// Local child processes (the agents themselves, or the `srun`/`mpirun` step).
    pub children: Vec<std::process::Child>,
    /// Text to show the user (the `manual` command line, or a summary).
    pub message: Option<String>,
}

/// Errors starting agents.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{mode:?} launch needs {what}")]
    Missing { mode: LaunchMode, what: String },
    #[error("cannot read {var}=`{value}`: {source}")]
    SlurmEnv {
        var: String,
        value: String,
        #[source]
        source: NodelistError,
    },
    #[error(
        "{count_var}={count} but the nodelist `{nodelist}` names {expanded} node(s); \
         the Slurm environment is inconsistent (was it changed by hand?)"
    )]
    SlurmMismatch {
        count_var: String,
        count: String,
        nodelist: String,
        expanded: usize,
    },
    #[error("cannot read the MPI hostfile {}: {source}", path.display())]
    Hostfile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Starts one agent per node, by whatever means the cluster offers.
pub trait Launcher {
    /// Start the agents; returns without waiting for them to connect.
    fn start(&mut self, cmd: &AgentCommand) -> Result<LaunchedAgents, LaunchError>;
}
