//! One stage of a `command` trial: started off the async threads (output files, process
//! group, spawn), then awaited against the trial's deadline and its cancel token.

use crate::group::{describe_status, own_group, Group};
use crate::sentinel::Sentinel;
use crate::tail::stderr_tail;
use crate::trialdir::{off_thread, prepare, stage_file};
use crate::TrialOutcome;
use std::fs::File;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::process::{Child, Command};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// One stage of one trial.
pub(crate) struct Stage {
    /// 1-based, as shown to users.
    pub number: usize,
    /// argv with placeholders expanded.
    pub args: Vec<String>,
    /// Where its `stage-<n>.out` / `.err` go.
    pub trial_dir: PathBuf,
    /// Where it runs.
    pub cwd: PathBuf,
    pub env: Arc<Vec<(String, String)>>,
    /// Kills the stage's group if the agent dies.
    pub sentinel: Sentinel,
    /// For the first stage: how to prepare the trial directory.
    pub prepare: Option<Preparation>,
}

/// What the first stage prepares the trial directory with.
pub(crate) struct Preparation {
    pub params: Vec<(String, f64)>,
    /// A spare directory to recycle.
    pub spare: Option<PathBuf>,
    /// Then the trial's input files (templates; see `inputs`).
    pub inputs: Option<InputsJob>,
}

/// Writes a trial's input files; `Err` says why it could not.
pub(crate) type InputsJob = Box<dyn FnOnce() -> Result<(), String> + Send>;

/// When and how a stage is stopped.
pub(crate) struct Limits<'a> {
    pub deadline: Option<Instant>,
    pub kill_grace: Duration,
    pub cancel: &'a CancellationToken,
}

impl Stage {
    /// Runs the stage to its end; `Err` carries the outcome that ends the trial.
    pub(crate) async fn run(self, limits: &Limits<'_>) -> Result<(), TrialOutcome> {
        let err_path = stage_file(&self.trial_dir, self.number, "err");
        let (number, program) = (self.number, self.args[0].clone());
        let sentinel = self.sentinel.clone();
        let mut child = off_thread(move || self.start()).await?;
        let group = Group::of(&child, &sentinel);
        let failed = |reason: String| TrialOutcome::Failed {
            reason: format!("stage {number}: {reason}"),
            stderr_tail: stderr_tail(&err_path, 0),
        };
        let deadline = async {
            match limits.deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let stopped = tokio::select! {
            status = child.wait() => {
                group.sweep();
                return match status {
                    Ok(status) if status.success() => Ok(()),
                    Ok(status) => Err(failed(format!("`{program}` {}", describe_status(&status)))),
                    Err(err) => Err(failed(format!("cannot wait for `{program}`: {err}"))),
                };
            }
            () = deadline => None,
            () = limits.cancel.cancelled() => Some(TrialOutcome::Cancelled),
        };
        if let Err(err) = group.terminate(&mut child, limits.kill_grace).await {
            tracing::warn!(%err, stage = number, "waiting for a stopped stage");
        }
        Err(stopped.unwrap_or_else(|| TrialOutcome::TimedOut {
            stderr_tail: stderr_tail(&err_path, 0),
        }))
    }

    /// Synchronous part: trial directory (first stage), output files, spawn.
    fn start(mut self) -> Result<Child, TrialOutcome> {
        if let Some(prep) = self.prepare.take() {
            prepare(&self.trial_dir, &prep.params, prep.spare.as_deref())?;
            if let Some(inputs) = prep.inputs {
                inputs().map_err(TrialOutcome::failed)?;
            }
        }
        let out = self.output_file("out")?;
        let err = self.output_file("err")?;
        let mut cmd = Command::new(&self.args[0]);
        cmd.args(&self.args[1..])
            .current_dir(&self.cwd)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        own_group(&mut cmd)
            .spawn()
            .map_err(|err| self.failed(format!("cannot start `{}`: {err}", self.args[0])))
    }

    fn output_file(&self, which: &str) -> Result<File, TrialOutcome> {
        let path = stage_file(&self.trial_dir, self.number, which);
        File::create(&path)
            .map_err(|err| self.failed(format!("cannot create {}: {err}", path.display())))
    }

    fn failed(&self, reason: String) -> TrialOutcome {
        TrialOutcome::failed(format!("stage {}: {reason}", self.number))
    }
}
