//! `manual` mode: print the agent command for the user to start on each node.

use crate::{AgentCommand, LaunchError, LaunchOptions, LaunchedAgents, Launcher};

/// Starts nothing; tells the user what to run on each of `local_agents` nodes.
#[derive(Debug, Clone)]
pub struct ManualLauncher {
    agents: usize,
}

impl ManualLauncher {
    pub fn new(opts: &LaunchOptions) -> Self {
        Self {
            agents: opts.local_agents.max(1),
        }
    }
}

/// The shell command line for `cmd`, quoted where needed.
pub fn command_line(cmd: &AgentCommand) -> String {
    let env = cmd.env.iter().map(|(k, v)| format!("{k}={}", quote(v)));
    let program = std::iter::once(quote(&cmd.program.display().to_string()));
    env.chain(program)
        .chain(cmd.args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

impl Launcher for ManualLauncher {
    fn start(&mut self, cmd: &AgentCommand) -> Result<LaunchedAgents, LaunchError> {
        Ok(LaunchedAgents {
            expected: self.agents,
            children: Vec::new(),
            message: Some(format!(
                "start one agent on each of {} node(s) with:\n  {}",
                self.agents,
                command_line(cmd)
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_a_quoted_command_line() {
        let cmd = AgentCommand {
            program: "/opt/tide pool/tidepool".into(),
            args: vec![
                "agent".into(),
                "--connect".into(),
                "/runs/a b/connect.json".into(),
            ],
            env: vec![],
        };
        let launched = ManualLauncher::new(&LaunchOptions::default())
            .start(&cmd)
            .unwrap();
        let text = launched.message.unwrap();
        assert!(
            text.contains("'/opt/tide pool/tidepool' agent --connect '/runs/a b/connect.json'"),
            "{text}"
        );
        assert!(launched.children.is_empty());
    }
}
