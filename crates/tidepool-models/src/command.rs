//! `command` slots: the agent runs the trial's pipeline itself. Per trial: a directory
//! `trial-<id>-<attempt>` under the slot's scratch holding `params.json` and each
//! stage's `stage-<n>.out` / `stage-<n>.err`; the stages run in order, each as its own
//! process group; the last stage's stdout carries the result. The directory is removed
//! after success and kept (the last few per slot) after a failure.

use crate::group::{describe_status, own_group, Group};
use crate::objective::read_last_line;
use crate::tail::{stderr_tail, stdout_end};
use crate::template::{expand, param_env_name, Vars};
use crate::{CommandSpec, ModelError, SlotContext, TrialInput, TrialOutcome};
use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How many failed trial directories a slot keeps for inspection; older ones go.
pub const KEEP_FAILED_TRIALS: usize = 8;

/// A slot that runs command pipelines.
#[derive(Debug)]
pub struct CommandWorker {
    spec: CommandSpec,
    ctx: SlotContext,
    kept_failures: VecDeque<PathBuf>,
}

impl CommandWorker {
    pub(crate) fn start(spec: &CommandSpec, ctx: &SlotContext) -> Result<Self, ModelError> {
        if let Some(reason) = invalid_reason(spec) {
            return Err(ModelError::InvalidSpec {
                node: ctx.node.clone(),
                slot: ctx.slot,
                reason,
            });
        }
        std::fs::create_dir_all(&ctx.scratch).map_err(|source| ModelError::Scratch {
            node: ctx.node.clone(),
            slot: ctx.slot,
            path: ctx.scratch.clone(),
            source,
        })?;
        Ok(CommandWorker {
            spec: spec.clone(),
            ctx: ctx.clone(),
            kept_failures: VecDeque::new(),
        })
    }

    pub(crate) async fn evaluate(
        &mut self,
        trial: &TrialInput,
        cancel: &CancellationToken,
    ) -> TrialOutcome {
        let workdir = self.ctx.scratch.join(trial_dir_name(trial));
        let outcome = self.run_trial(&workdir, trial, cancel).await;
        self.settle(workdir, &outcome);
        outcome
    }

    async fn run_trial(
        &self,
        workdir: &Path,
        trial: &TrialInput,
        cancel: &CancellationToken,
    ) -> TrialOutcome {
        if let Err(err) = prepare_workdir(workdir, trial) {
            return TrialOutcome::failed(format!(
                "cannot prepare trial directory {}: {err}",
                workdir.display()
            ));
        }
        let deadline = trial.timeout.map(|limit| Instant::now() + limit);
        let env = self.trial_env(trial, workdir);
        let workdir_text = workdir.to_string_lossy();
        let vars = Vars {
            params: &trial.params,
            trial: trial.trial_id,
            attempt: trial.attempt,
            workdir: &workdir_text,
        };
        for (index, stage) in self.spec.stages.iter().enumerate() {
            let run = StageRun {
                number: index + 1,
                workdir,
                env: &env,
                deadline,
                kill_grace: trial.kill_grace,
            };
            if let Err(outcome) = run.run(stage, &vars, cancel).await {
                return outcome;
            }
        }
        read_result(workdir, self.spec.stages.len())
    }

    fn trial_env(&self, trial: &TrialInput, workdir: &Path) -> Vec<(String, String)> {
        let mut env = self.ctx.env.clone();
        env.extend(self.spec.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        env.push(("TIDEPOOL_TRIAL".into(), trial.trial_id.to_string()));
        env.push(("TIDEPOOL_ATTEMPT".into(), trial.attempt.to_string()));
        env.push((
            "TIDEPOOL_WORKDIR".into(),
            workdir.to_string_lossy().into_owned(),
        ));
        for (name, value) in &trial.params {
            env.push((param_env_name(name), crate::template::format_value(*value)));
        }
        env
    }

    /// Removes the directory of a successful or cancelled trial; keeps a failed one,
    /// dropping the oldest kept beyond [`KEEP_FAILED_TRIALS`].
    fn settle(&mut self, workdir: PathBuf, outcome: &TrialOutcome) {
        let failed = matches!(
            outcome,
            TrialOutcome::Failed { .. }
                | TrialOutcome::TimedOut { .. }
                | TrialOutcome::Crashed { .. }
        );
        if !failed {
            remove_dir(&workdir);
            return;
        }
        self.kept_failures.retain(|kept| kept != &workdir);
        self.kept_failures.push_back(workdir);
        while self.kept_failures.len() > KEEP_FAILED_TRIALS {
            if let Some(oldest) = self.kept_failures.pop_front() {
                remove_dir(&oldest);
            }
        }
    }
}

/// One stage of one trial.
struct StageRun<'a> {
    number: usize,
    workdir: &'a Path,
    env: &'a [(String, String)],
    deadline: Option<Instant>,
    kill_grace: Duration,
}

impl StageRun<'_> {
    async fn run(
        &self,
        argv: &[String],
        vars: &Vars<'_>,
        cancel: &CancellationToken,
    ) -> Result<(), TrialOutcome> {
        let mut cmd = self.command(argv, vars)?;
        let mut child = cmd.spawn().map_err(|err| {
            self.stop(format!("cannot start `{}`: {err}", argv[0]), String::new())
        })?;
        let group = Group::of(&child);
        let deadline = async {
            match self.deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            status = child.wait() => {
                group.sweep();
                match status {
                    Ok(status) if status.success() => Ok(()),
                    Ok(status) => Err(self.stop(
                        format!("`{}` {}", argv[0], describe_status(&status)),
                        self.stderr_tail(),
                    )),
                    Err(err) => Err(self.stop(format!("cannot wait for `{}`: {err}", argv[0]), self.stderr_tail())),
                }
            }
            () = deadline => {
                if let Err(err) = group.terminate(&mut child, self.kill_grace).await {
                    tracing::warn!(%err, stage = self.number, "waiting for a timed-out stage");
                }
                Err(TrialOutcome::TimedOut { stderr_tail: self.stderr_tail() })
            }
            () = cancel.cancelled() => {
                if let Err(err) = group.terminate(&mut child, self.kill_grace).await {
                    tracing::warn!(%err, stage = self.number, "waiting for a cancelled stage");
                }
                Err(TrialOutcome::Cancelled)
            }
        }
    }

    fn command(&self, argv: &[String], vars: &Vars<'_>) -> Result<Command, TrialOutcome> {
        let mut args = Vec::with_capacity(argv.len());
        for arg in argv {
            args.push(expand(arg, vars).map_err(|err| self.stop(err.to_string(), String::new()))?);
        }
        let out = self.output_file("out")?;
        let err = self.output_file("err")?;
        let mut cmd = Command::new(&args[0]);
        cmd.args(&args[1..])
            .current_dir(self.workdir)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        own_group(&mut cmd);
        Ok(cmd)
    }

    fn output_file(&self, which: &str) -> Result<File, TrialOutcome> {
        let path = stage_file(self.workdir, self.number, which);
        File::create(&path).map_err(|err| {
            self.stop(
                format!("cannot create {}: {err}", path.display()),
                String::new(),
            )
        })
    }

    fn stderr_tail(&self) -> String {
        stderr_tail(&stage_file(self.workdir, self.number, "err"), 0)
    }

    fn stop(&self, reason: String, stderr_tail: String) -> TrialOutcome {
        TrialOutcome::Failed {
            reason: format!("stage {}: {reason}", self.number),
            stderr_tail,
        }
    }
}

fn invalid_reason(spec: &CommandSpec) -> Option<String> {
    if spec.stages.is_empty() {
        return Some("a command model needs at least one stage".into());
    }
    spec.stages
        .iter()
        .position(|stage| stage.first().is_none_or(|program| program.is_empty()))
        .map(|i| format!("stage {} has no program to run", i + 1))
}

/// `trial-<id>-<attempt>`.
pub fn trial_dir_name(trial: &TrialInput) -> String {
    format!("trial-{}-{}", trial.trial_id, trial.attempt)
}

fn stage_file(workdir: &Path, number: usize, which: &str) -> PathBuf {
    workdir.join(format!("stage-{number}.{which}"))
}

/// A fresh trial directory with `params.json` (an object of the parameters).
fn prepare_workdir(workdir: &Path, trial: &TrialInput) -> std::io::Result<()> {
    match std::fs::create_dir(workdir) {
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_dir_all(workdir)?;
            std::fs::create_dir(workdir)?;
        }
        other => other?,
    }
    let params: serde_json::Map<String, serde_json::Value> = trial
        .params
        .iter()
        .map(|(name, value)| (name.clone(), serde_json::Value::from(*value)))
        .collect();
    let text = serde_json::Value::Object(params).to_string();
    std::fs::write(workdir.join("params.json"), text)
}

fn read_result(workdir: &Path, last_stage: usize) -> TrialOutcome {
    let stdout_path = stage_file(workdir, last_stage, "out");
    let text = match stdout_end(&stdout_path) {
        Ok(text) => text,
        Err(err) => {
            return TrialOutcome::failed(format!("cannot read {}: {err}", stdout_path.display()))
        }
    };
    match read_last_line(&text) {
        Ok(reading) => TrialOutcome::Ok {
            objective: reading.objective,
            responses: reading.responses,
        },
        Err(err) => TrialOutcome::Failed {
            reason: format!("stage {last_stage}: {err}"),
            stderr_tail: stderr_tail(&stage_file(workdir, last_stage, "err"), 0),
        },
    }
}

fn remove_dir(dir: &Path) {
    if let Err(err) = std::fs::remove_dir_all(dir) {
        if err.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(dir = %dir.display(), %err, "cannot remove trial directory");
        }
    }
}
