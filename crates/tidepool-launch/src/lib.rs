//! Start one tidepool agent per node: local processes (simulated nodes), Slurm's
//! `srun`, any MPI launcher, or by hand. Every launcher sits behind [`Launcher`]; the
//! parsing of launcher environment and output is pure and tested on captured text.

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
