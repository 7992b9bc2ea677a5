//! Running SUMMA or mizuRoute for one trial: the command worker's [`Stage`] (its own
//! process group, stdout and stderr to `stage-<n>.out` / `.err` in the trial
//! directory, SIGTERM then SIGKILL), under the earlier of the trial's deadline and the
//! executable's own time limit. A failure names the executable.

use crate::stage::{Limits, Stage};
use crate::tail::stderr_tail;
use crate::trialdir::stage_file;
use crate::{Sentinel, TrialOutcome};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// One executable of a trial.
pub(crate) struct Exe<'a> {
    /// `SUMMA` or `mizuRoute`, as failures name it.
    pub role: &'static str,
    /// Its stage number in the trial directory (`stage-<n>.err`).
    pub number: usize,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    /// Its own time limit and the key that sets it.
    pub limit: (Duration, &'static str),
    pub trial_dir: &'a Path,
}

/// What every executable of a trial shares.
pub(crate) struct Shared<'a> {
    pub env: Arc<Vec<(String, String)>>,
    pub sentinel: &'a Sentinel,
    pub overall: Option<Instant>,
    pub kill_grace: Duration,
    pub cancel: &'a CancellationToken,
}

impl Exe<'_> {
    /// Runs the executable to its end; `Err` carries the outcome that ends the trial.
    pub(crate) async fn run(self, shared: &Shared<'_>) -> Result<(), TrialOutcome> {
        let own = Instant::now() + self.limit.0;
        let deadline = shared.overall.map_or(own, |at| at.min(own));
        let own_limit_first = shared.overall.is_none_or(|at| own < at);
        let program = self.args[0].clone();
        let stage = Stage {
            number: self.number,
            args: self.args,
            trial_dir: self.trial_dir.to_path_buf(),
            cwd: self.cwd,
            env: Arc::clone(&shared.env),
            sentinel: shared.sentinel.clone(),
            prepare: None,
        };
        let limits = Limits {
            deadline: Some(deadline),
            kill_grace: shared.kill_grace,
            cancel: shared.cancel,
        };
        let prefix = format!("stage {}: ", self.number);
        stage.run(&limits).await.map_err(|outcome| match outcome {
            TrialOutcome::Failed {
                reason,
                stderr_tail,
            } => TrialOutcome::Failed {
                reason: format!(
                    "{}: {}",
                    self.role,
                    reason.strip_prefix(&prefix).unwrap_or(&reason)
                ),
                stderr_tail,
            },
            TrialOutcome::TimedOut { stderr_tail } if own_limit_first => TrialOutcome::Failed {
                reason: format!(
                    "{}: `{program}` ran over its time limit of {} s (`{}`); its process group was killed",
                    self.role,
                    self.limit.0.as_secs(),
                    self.limit.1
                ),
                stderr_tail,
            },
            other => other,
        })
    }
}

/// A failure after an executable ran, with that executable's stderr tail.
pub(crate) fn failed_after(trial_dir: &Path, number: usize, reason: String) -> TrialOutcome {
    TrialOutcome::Failed {
        reason,
        stderr_tail: stderr_tail(&stage_file(trial_dir, number, "err"), 0),
    }
}
