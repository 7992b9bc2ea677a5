//! A `command` trial's directory on scratch: `trial-<id>-<attempt>/` with
//! `params.json` and each stage's `stage-<n>.out` / `stage-<n>.err`. Everything here is
//! synchronous file work; the worker runs it off the async threads.

use crate::objective::read_last_line;
use crate::tail::{stderr_tail, stdout_end};
use crate::{TrialInput, TrialOutcome};
use std::path::{Path, PathBuf};

/// `trial-<id>-<attempt>`.
pub fn trial_dir_name(trial: &TrialInput) -> String {
    format!("trial-{}-{}", trial.trial_id, trial.attempt)
}

/// `stage-<number>.<which>` (`out` or `err`) in the trial directory.
pub(crate) fn stage_file(workdir: &Path, number: usize, which: &str) -> PathBuf {
    workdir.join(format!("stage-{number}.{which}"))
}

/// A fresh trial directory (an old one of the same name is replaced) holding
/// `params.json`, an object of the parameters.
pub(crate) fn prepare(workdir: &Path, params: &[(String, f64)]) -> Result<(), TrialOutcome> {
    let create = || -> std::io::Result<()> {
        match std::fs::create_dir(workdir) {
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                std::fs::remove_dir_all(workdir)?;
                std::fs::create_dir(workdir)?;
            }
            other => other?,
        }
        let object: serde_json::Map<String, serde_json::Value> = params
            .iter()
            .map(|(name, value)| (name.clone(), serde_json::Value::from(*value)))
            .collect();
        let text = serde_json::Value::Object(object).to_string();
        std::fs::write(workdir.join("params.json"), text)
    };
    create().map_err(|err| {
        TrialOutcome::failed(format!(
            "cannot prepare trial directory {}: {err}",
            workdir.display()
        ))
    })
}

/// Reads the result from the last stage's stdout; removes the directory when the trial
/// succeeded.
pub(crate) fn finish(workdir: &Path, last_stage: usize) -> TrialOutcome {
    let outcome = read_result(workdir, last_stage);
    if matches!(outcome, TrialOutcome::Ok { .. }) {
        remove(workdir);
    }
    outcome
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

/// Removes a trial directory; failing to is logged, not fatal to the slot.
pub(crate) fn remove(dir: &Path) {
    if let Err(err) = std::fs::remove_dir_all(dir) {
        if err.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(dir = %dir.display(), %err, "cannot remove trial directory");
        }
    }
}

/// Runs synchronous file and process work on tokio's blocking threads, so that slow
/// scratch I/O or a process start in one slot does not hold up the others.
pub(crate) async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(err) => panic!("blocking trial work did not run: {err} (runtime shutting down)"),
    }
}
