//! `local` mode: K agents on this machine, each with its own scratch directory and
//! its own node name `HOST/INDEX` (`vm/0`, `vm/1`), so one machine stands in for K
//! nodes that status and export tell apart.

use crate::{AgentCommand, LaunchError, LaunchOptions, LaunchedAgents, Launcher};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Spawns `local_agents` agent processes.
#[derive(Debug, Clone)]
pub struct LocalLauncher {
    agents: usize,
    scratch_base: Option<PathBuf>,
    /// This machine's host name, the stem of the agents' node names.
    host: String,
}

impl LocalLauncher {
    pub fn new(opts: &LaunchOptions) -> Self {
        let host = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_else(|| "localhost".to_string());
        Self {
            agents: opts.local_agents.max(1),
            scratch_base: opts.local_scratch_base.clone(),
            host,
        }
    }

    /// The argv for agent number `index`: its node name `HOST/INDEX`, and its own
    /// `--scratch` when a base is set.
    pub fn agent_args(&self, cmd: &AgentCommand, index: usize) -> Vec<String> {
        let mut args = cmd.args.clone();
        args.push("--node".into());
        args.push(format!("{}/{index}", self.host));
        if let Some(base) = &self.scratch_base {
            args.push("--scratch".into());
            args.push(base.join(format!("node-{index}")).display().to_string());
        }
        args
    }
}

impl Launcher for LocalLauncher {
    fn start(&mut self, cmd: &AgentCommand) -> Result<LaunchedAgents, LaunchError> {
        let mut children = Vec::with_capacity(self.agents);
        for index in 0..self.agents {
            let child = Command::new(&cmd.program)
                .args(self.agent_args(cmd, index))
                .envs(cmd.env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .spawn()
                .map_err(|source| LaunchError::Spawn {
                    program: cmd.program.display().to_string(),
                    source,
                })?;
            children.push(child);
        }
        Ok(LaunchedAgents {
            expected: self.agents,
            children,
            message: Some(format!("started {} local agent(s)", self.agents)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(program: &str) -> AgentCommand {
        AgentCommand {
            program: program.into(),
            args: vec![
                "agent".into(),
                "--connect".into(),
                "/run/connect.json".into(),
            ],
            env: vec![("TIDEPOOL_X".into(), "1".into())],
        }
    }

    #[test]
    fn each_agent_gets_its_own_scratch() {
        let launcher = LocalLauncher::new(&LaunchOptions {
            local_agents: 2,
            local_scratch_base: Some("/scratch".into()),
            ..Default::default()
        });
        let args = launcher.agent_args(&command("tidepool"), 1);
        assert_eq!(&args[5..], ["--scratch", "/scratch/node-1"]);
    }

    #[test]
    fn each_agent_gets_its_own_node_name() {
        let mut launcher = LocalLauncher::new(&LaunchOptions {
            local_agents: 2,
            ..Default::default()
        });
        launcher.host = "vm".into();
        let names: Vec<Vec<String>> = (0..2)
            .map(|i| launcher.agent_args(&command("tidepool"), i)[3..].to_vec())
            .collect();
        assert_eq!(names, [["--node", "vm/0"], ["--node", "vm/1"]]);
    }

    #[test]
    fn spawns_real_processes_with_env() {
        let mut launcher = LocalLauncher::new(&LaunchOptions {
            local_agents: 3,
            ..Default::default()
        });
        let cmd = AgentCommand {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), "test \"$TIDEPOOL_X\" = 1".into()],
            env: vec![("TIDEPOOL_X".into(), "1".into())],
        };
        let mut launched = launcher.start(&cmd).unwrap();
        assert_eq!(launched.expected, 3);
        for child in &mut launched.children {
            assert!(child.wait().unwrap().success());
        }
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let mut launcher = LocalLauncher::new(&LaunchOptions::default());
        let err = launcher
            .start(&command("/nonexistent/tidepool"))
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/tidepool"));
    }
}
