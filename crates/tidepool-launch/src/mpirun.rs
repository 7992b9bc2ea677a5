//! `mpirun` mode: any MPI launcher (`mpirun`, `mpiexec`, `srun --mpi=...`, ...) given as
//! an argv prefix that places one rank per node; tidepool links no MPI, each rank is
//! just an agent. How many agents to expect comes, in this order, from a `-n`/`-np`/
//! `--np` count in the prefix, from the hosts of a `--hostfile`/`-hostfile`/
//! `--machinefile`/`-machinefile`/`-f` file in the prefix, from `--host`/`-H` lists,
//! and else from the batch system: `SLURM_JOB_NUM_NODES`, or the distinct hosts of
//! `PBS_NODEFILE`.

use crate::nodelist::hostfile_hosts;
use crate::{AgentCommand, LaunchError, LaunchMode, LaunchOptions, LaunchedAgents, Launcher};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Starts the agents through an MPI launcher.
#[derive(Debug, Clone)]
pub struct MpirunLauncher {
    prefix: Vec<String>,
    expected: usize,
}

impl MpirunLauncher {
    /// A launcher for `options.mpirun_command`, with the agent count found as the module
    /// docs say (process environment for the batch-system fallback).
    pub fn new(options: &LaunchOptions) -> Result<Self, LaunchError> {
        Self::with_env(options, |name| std::env::var(name).ok())
    }

    /// As [`MpirunLauncher::new`], reading batch-system variables through `var`.
    pub fn with_env(
        options: &LaunchOptions,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, LaunchError> {
        let prefix = options.mpirun_command.clone();
        if prefix.is_empty() {
            return Err(LaunchError::Missing {
                mode: LaunchMode::Mpirun,
                what: "the MPI launcher command ([launch] mpirun = [\"mpirun\", \"--map-by\", \
                       \"ppr:1:node\"] or similar, placing one rank per node)"
                    .to_string(),
            });
        }
        let expected = expected_agents(&prefix, &var)?;
        Ok(MpirunLauncher { prefix, expected })
    }

    /// How many agents will connect.
    pub fn expected(&self) -> usize {
        self.expected
    }
}

impl Launcher for MpirunLauncher {
    fn start(&mut self, cmd: &AgentCommand) -> Result<LaunchedAgents, LaunchError> {
        let mut launcher = Command::new(&self.prefix[0]);
        launcher
            .args(&self.prefix[1..])
            .arg(&cmd.program)
            .args(&cmd.args)
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        let child = launcher.spawn().map_err(|source| LaunchError::Spawn {
            program: self.prefix[0].clone(),
            source,
        })?;
        Ok(LaunchedAgents {
            expected: self.expected,
            children: vec![child],
            message: Some(format!(
                "`{}`: expecting {} agent(s), one per node",
                self.prefix.join(" "),
                self.expected
            )),
        })
    }
}

/// What the launcher prefix says about the count, else what the batch system says.
fn expected_agents(
    prefix: &[String],
    var: &impl Fn(&str) -> Option<String>,
) -> Result<usize, LaunchError> {
    if let Some(count) = count_from_prefix(prefix)? {
        return Ok(count);
    }
    if let Some(nodes) = var("SLURM_JOB_NUM_NODES").or_else(|| var("SLURM_NNODES")) {
        return nodes
            .trim()
            .parse()
            .map_err(|_| bad_count("SLURM_JOB_NUM_NODES", &nodes));
    }
    if let Some(nodefile) = var("PBS_NODEFILE") {
        return count_hostfile(PathBuf::from(nodefile));
    }
    Err(LaunchError::Missing {
        mode: LaunchMode::Mpirun,
        what: "the number of agents to expect: give `-n N` (or a hostfile) in the mpirun \
               command, or run inside a Slurm or PBS allocation"
            .to_string(),
    })
}

/// A count given by `-n`, `-np`, `--np` (also `--np=N`), hosts of a hostfile, or
/// a `--host`/`-H` list.
fn count_from_prefix(prefix: &[String]) -> Result<Option<usize>, LaunchError> {
    const COUNT: &[&str] = &["-n", "-np", "--np"];
    const HOSTFILE: &[&str] = &[
        "--hostfile",
        "-hostfile",
        "--machinefile",
        "-machinefile",
        "-f",
    ];
    const HOSTS: &[&str] = &["--host", "-host", "-H", "--hosts", "-hosts"];
    for (i, arg) in prefix.iter().enumerate() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with('-') => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let Some(value) = inline.or_else(|| prefix.get(i + 1).cloned()) else {
            continue;
        };
        if COUNT.contains(&flag) {
            return value.parse().map(Some).map_err(|_| bad_count(flag, &value));
        }
        if HOSTFILE.contains(&flag) {
            return count_hostfile(PathBuf::from(value)).map(Some);
        }
        if HOSTS.contains(&flag) {
            return Ok(Some(host_list_count(&value)));
        }
    }
    Ok(None)
}

/// Distinct hosts of `a,b:2,a`.
fn host_list_count(list: &str) -> usize {
    hostfile_hosts(&list.replace(',', "\n")).len()
}

fn count_hostfile(path: PathBuf) -> Result<usize, LaunchError> {
    let text = std::fs::read_to_string(&path).map_err(|source| LaunchError::Hostfile {
        path: path.clone(),
        source,
    })?;
    Ok(hostfile_hosts(&text).len())
}

fn bad_count(flag: &str, value: &str) -> LaunchError {
    LaunchError::Missing {
        mode: LaunchMode::Mpirun,
        what: format!("a whole number after `{flag}`, not `{value}`"),
    }
}

/// `node01, node02, ... (12 hosts)` for messages.
pub(crate) fn summarise_hosts(hosts: &[String]) -> String {
    const SHOWN: usize = 4;
    if hosts.len() <= SHOWN {
        return hosts.join(", ");
    }
    format!(
        "{}, ... {}",
        hosts[..SHOWN - 1].join(", "),
        hosts[hosts.len() - 1]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(prefix: &[&str]) -> LaunchOptions {
        LaunchOptions {
            mpirun_command: prefix.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn count_from_n_flags() {
        for prefix in [
            &["mpirun", "-np", "4", "--map-by", "ppr:1:node"][..],
            &["mpiexec", "-n", "4", "-ppn", "1"][..],
            &["mpirun", "--np=4"][..],
        ] {
            let launcher = MpirunLauncher::with_env(&options(prefix), no_env).unwrap();
            assert_eq!(launcher.expected(), 4, "{prefix:?}");
        }
        let err = MpirunLauncher::with_env(&options(&["mpirun", "-n", "four"]), no_env);
        assert!(err.unwrap_err().to_string().contains("`four`"));
    }

    #[test]
    fn count_from_hostfile_and_host_list() {
        let dir = tempfile::tempdir().unwrap();
        let hostfile = dir.path().join("hosts");
        std::fs::write(
            &hostfile,
            "node01 slots=8\nnode02 slots=8\nnode03 slots=8\n",
        )
        .unwrap();
        let path = hostfile.to_str().unwrap();
        let launcher = MpirunLauncher::with_env(
            &options(&["mpirun", "--hostfile", path, "--npernode", "1"]),
            no_env,
        )
        .unwrap();
        assert_eq!(launcher.expected(), 3);
        let launcher =
            MpirunLauncher::with_env(&options(&["mpirun", "-H", "a:1,b:1"]), no_env).unwrap();
        assert_eq!(launcher.expected(), 2);
        let err =
            MpirunLauncher::with_env(&options(&["mpirun", "-f", "/nonexistent/hosts"]), no_env)
                .unwrap_err();
        assert!(matches!(err, LaunchError::Hostfile { .. }), "{err}");
    }

    #[test]
    fn count_from_the_batch_system() {
        let slurm = |name: &str| (name == "SLURM_JOB_NUM_NODES").then(|| "6".to_string());
        let launcher =
            MpirunLauncher::with_env(&options(&["mpirun", "--map-by", "ppr:1:node"]), slurm)
                .unwrap();
        assert_eq!(launcher.expected(), 6);
        let dir = tempfile::tempdir().unwrap();
        let nodefile = dir.path().join("nodes");
        std::fs::write(&nodefile, "cn1\ncn1\ncn2\ncn2\n").unwrap();
        let path = nodefile.to_str().unwrap().to_string();
        let pbs = move |name: &str| (name == "PBS_NODEFILE").then(|| path.clone());
        let launcher = MpirunLauncher::with_env(&options(&["mpiexec", "-ppn", "1"]), pbs).unwrap();
        assert_eq!(launcher.expected(), 2);
    }

    #[test]
    fn no_command_or_no_count_says_what_to_do() {
        let err = MpirunLauncher::with_env(&options(&[]), no_env).unwrap_err();
        assert!(err.to_string().contains("one rank per node"), "{err}");
        let err = MpirunLauncher::with_env(&options(&["mpirun"]), no_env).unwrap_err();
        assert!(err.to_string().contains("`-n N`"), "{err}");
    }

    #[test]
    fn host_summaries_stay_short() {
        let hosts: Vec<String> = (1..=12).map(|i| format!("n{i}")).collect();
        assert_eq!(summarise_hosts(&hosts), "n1, n2, n3, ... n12");
        assert_eq!(summarise_hosts(&hosts[..2]), "n1, n2");
    }
}
