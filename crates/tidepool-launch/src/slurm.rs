//! `slurm` mode: inside an allocation, one `srun` step with one task per node runs the
//! agent everywhere. The allocation is read from `SLURM_JOB_ID`, `SLURM_JOB_NUM_NODES`,
//! `SLURM_JOB_NODELIST` and `SLURM_JOB_CPUS_PER_NODE`.

use crate::nodelist::{expand_cpus_per_node, expand_hostlist};
use crate::{AgentCommand, LaunchError, LaunchMode, LaunchOptions, LaunchedAgents, Launcher};
use std::process::{Command, Stdio};

/// The Slurm allocation this process runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmAllocation {
    pub job_id: String,
    /// Host names, expanded from the nodelist.
    pub nodes: Vec<String>,
    /// CPUs allocated on the smallest node, when Slurm says.
    pub min_cpus_per_node: Option<u32>,
}

impl SlurmAllocation {
    /// Reads the allocation from `SLURM_*` variables through `var` (e.g. the process
    /// environment). Outside an allocation (`SLURM_JOB_ID` unset) this is an error that
    /// says what to do.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, LaunchError> {
        let job_id = var("SLURM_JOB_ID").ok_or_else(|| LaunchError::Missing {
            mode: LaunchMode::Slurm,
            what: "a Slurm allocation, but SLURM_JOB_ID is not set; run `tidepool run` \
                   inside an sbatch script or salloc, or set [launch] mode to local, \
                   mpirun or manual"
                .to_string(),
        })?;
        let (list_var, nodelist) = first_of(&var, &["SLURM_JOB_NODELIST", "SLURM_NODELIST"])?;
        let nodes = expand_hostlist(&nodelist).map_err(|source| LaunchError::SlurmEnv {
            var: list_var.to_string(),
            value: nodelist.clone(),
            source,
        })?;
        let (count_var, count) = first_of(&var, &["SLURM_JOB_NUM_NODES", "SLURM_NNODES"])?;
        if count.trim().parse::<usize>().ok() != Some(nodes.len()) {
            return Err(LaunchError::SlurmMismatch {
                count_var: count_var.to_string(),
                count,
                nodelist,
                expanded: nodes.len(),
            });
        }
        let min_cpus_per_node = match var("SLURM_JOB_CPUS_PER_NODE") {
            Some(text) => expand_cpus_per_node(&text)
                .map_err(|source| LaunchError::SlurmEnv {
                    var: "SLURM_JOB_CPUS_PER_NODE".into(),
                    value: text,
                    source,
                })?
                .into_iter()
                .min(),
            None => None,
        };
        Ok(SlurmAllocation {
            job_id,
            nodes,
            min_cpus_per_node,
        })
    }
}

fn first_of(
    var: &impl Fn(&str) -> Option<String>,
    names: &[&'static str],
) -> Result<(&'static str, String), LaunchError> {
    names
        .iter()
        .find_map(|name| var(name).map(|value| (*name, value)))
        .ok_or_else(|| LaunchError::Missing {
            mode: LaunchMode::Slurm,
            what: format!(
                "{} in the environment (SLURM_JOB_ID is set, so this looks like a broken \
                 or partial Slurm environment)",
                names.join(" or ")
            ),
        })
}

/// Starts the agents with one `srun` step over every node of the allocation.
#[derive(Debug, Clone)]
pub struct SrunLauncher {
    allocation: SlurmAllocation,
    extra_args: Vec<String>,
}

/// The Slurm launcher, looked up on PATH.
const SRUN: &str = "srun";

impl SrunLauncher {
    /// A launcher for the allocation this process runs in; an error outside one.
    pub fn new(options: &LaunchOptions) -> Result<Self, LaunchError> {
        let allocation = SlurmAllocation::from_env(|name| std::env::var(name).ok())?;
        Ok(Self::for_allocation(allocation, options))
    }

    /// A launcher for a given allocation (`srun` found on PATH).
    pub fn for_allocation(allocation: SlurmAllocation, options: &LaunchOptions) -> Self {
        SrunLauncher {
            allocation,
            extra_args: options.srun_args.clone(),
        }
    }

    /// The allocation the agents will run on.
    pub fn allocation(&self) -> &SlurmAllocation {
        &self.allocation
    }

    /// The `srun` arguments before the agent command: one task on each node, with all
    /// of the (smallest) node's CPUs so the agent's slots are not confined to one.
    pub fn srun_args(&self) -> Vec<String> {
        let nodes = self.allocation.nodes.len().to_string();
        let mut args = vec![
            "--ntasks-per-node=1".to_string(),
            "-N".to_string(),
            nodes.clone(),
            "-n".to_string(),
            nodes,
        ];
        if let Some(cpus) = self.allocation.min_cpus_per_node {
            args.push(format!("--cpus-per-task={cpus}"));
        }
        args.extend(self.extra_args.iter().cloned());
        args
    }
}

impl Launcher for SrunLauncher {
    fn start(&mut self, cmd: &AgentCommand) -> Result<LaunchedAgents, LaunchError> {
        let mut srun = Command::new(SRUN);
        srun.args(self.srun_args())
            .arg(&cmd.program)
            .args(&cmd.args)
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        let child = srun.spawn().map_err(|source| LaunchError::Spawn {
            program: SRUN.to_string(),
            source,
        })?;
        let nodes = &self.allocation.nodes;
        Ok(LaunchedAgents {
            expected: nodes.len(),
            children: vec![child],
            message: Some(format!(
                "srun step in job {}: one agent on each of {} node(s) ({})",
                self.allocation.job_id,
                nodes.len(),
                crate::mpirun::summarise_hosts(nodes)
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    /// The variables as Slurm sets them in a 3-node batch job with uneven nodes.
    const CAPTURED: &[(&str, &str)] = &[
        ("SLURM_JOB_ID", "4817"),
        ("SLURM_JOB_NAME", "calib"),
        ("SLURM_JOB_NUM_NODES", "3"),
        ("SLURM_JOB_NODELIST", "node[01-02],gpu5"),
        ("SLURM_JOB_CPUS_PER_NODE", "36(x2),24"),
        ("SLURM_JOB_PARTITION", "compute"),
    ];

    #[test]
    fn reads_a_captured_allocation() {
        let alloc = SlurmAllocation::from_env(env(CAPTURED)).unwrap();
        assert_eq!(alloc.job_id, "4817");
        assert_eq!(alloc.nodes, ["node01", "node02", "gpu5"]);
        assert_eq!(alloc.min_cpus_per_node, Some(24));
    }

    /// Captured from `env | grep ^SLURM_JOB | sort` in a 2-node sbatch job, Slurm 22.05.
    const CAPTURED_22_05: &str = "SLURM_JOBID=1\nSLURM_JOB_CPUS_PER_NODE=1(x2)\n\
        SLURM_JOB_GID=0\nSLURM_JOB_ID=1\nSLURM_JOB_NAME=wrap\nSLURM_JOB_NODELIST=tp[1-2]\n\
        SLURM_JOB_NUM_NODES=2\nSLURM_JOB_PARTITION=debug\nSLURM_JOB_UID=0\n\
        SLURM_JOB_USER=root\n";

    #[test]
    fn reads_a_real_job_environment() {
        let pairs: Vec<(&str, &str)> = CAPTURED_22_05
            .lines()
            .filter_map(|line| line.split_once('='))
            .collect();
        let alloc = SlurmAllocation::from_env(env(&pairs)).unwrap();
        assert_eq!(alloc.nodes, ["tp1", "tp2"]);
        assert_eq!(alloc.min_cpus_per_node, Some(1));
    }

    #[test]
    fn older_variable_names_are_accepted() {
        let alloc = SlurmAllocation::from_env(env(&[
            ("SLURM_JOB_ID", "7"),
            ("SLURM_NNODES", "2"),
            ("SLURM_NODELIST", "c[1-2]"),
        ]))
        .unwrap();
        assert_eq!(alloc.nodes, ["c1", "c2"]);
        assert_eq!(alloc.min_cpus_per_node, None);
    }

    #[test]
    fn outside_an_allocation_says_what_to_do() {
        let err = SlurmAllocation::from_env(env(&[])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("SLURM_JOB_ID is not set") && text.contains("sbatch"),
            "{text}"
        );
    }

    #[test]
    fn inconsistent_or_malformed_environment_is_an_error() {
        let err = SlurmAllocation::from_env(env(&[
            ("SLURM_JOB_ID", "7"),
            ("SLURM_JOB_NUM_NODES", "4"),
            ("SLURM_JOB_NODELIST", "c[1-2]"),
        ]))
        .unwrap_err();
        assert!(
            matches!(err, LaunchError::SlurmMismatch { expanded: 2, .. }),
            "{err}"
        );
        let err = SlurmAllocation::from_env(env(&[
            ("SLURM_JOB_ID", "7"),
            ("SLURM_JOB_NUM_NODES", "2"),
            ("SLURM_JOB_NODELIST", "c[1-2"),
        ]))
        .unwrap_err();
        assert!(matches!(&err, LaunchError::SlurmEnv { var, .. } if var == "SLURM_JOB_NODELIST"));
        let err = SlurmAllocation::from_env(env(&[("SLURM_JOB_ID", "7")])).unwrap_err();
        assert!(
            err.to_string()
                .contains("SLURM_JOB_NODELIST or SLURM_NODELIST"),
            "{err}"
        );
    }

    #[test]
    fn srun_arguments_give_one_task_per_node_with_its_cpus() {
        let alloc = SlurmAllocation::from_env(env(CAPTURED)).unwrap();
        let options = LaunchOptions {
            srun_args: vec!["--overlap".into()],
            ..Default::default()
        };
        let launcher = SrunLauncher::for_allocation(alloc, &options);
        assert_eq!(
            launcher.srun_args(),
            [
                "--ntasks-per-node=1",
                "-N",
                "3",
                "-n",
                "3",
                "--cpus-per-task=24",
                "--overlap"
            ]
        );
    }
}
