//! A `command` trial's directory on scratch: `trial-<id>-<attempt>/` with
//! `params.json` and each stage's `stage-<n>.out` / `stage-<n>.err`. Everything here is
//! synchronous file work; the worker runs it off the async threads.

use crate::objective::read_last_line;
use crate::tail::{last_line, stderr_tail, LastLine, MAX_RESULT_LINE_BYTES};
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

/// Files a recycled trial directory keeps: they are rewritten or truncated by the next
/// trial before its first stage starts, so it sees the same entries as in a new one.
const RECYCLED_KEEP: [&str; 3] = ["params.json", "stage-1.out", "stage-1.err"];

/// A trial directory (an old one of the same name is replaced) holding `params.json`,
/// an object of the parameters. A `spare` directory left by an earlier successful
/// trial is renamed into place rather than creating a new one: on filesystems such as
/// ext4, allocating fresh inodes right after deleting many is what costs most here.
pub(crate) fn prepare(
    workdir: &Path,
    params: &[(String, f64)],
    spare: Option<&Path>,
) -> Result<(), TrialOutcome> {
    let create = || -> std::io::Result<()> {
        if workdir.exists() {
            std::fs::remove_dir_all(workdir)?;
        }
        let recycled = spare.is_some_and(|spare| std::fs::rename(spare, workdir).is_ok());
        if !recycled {
            std::fs::create_dir(workdir)?;
        }
        write_params(workdir, params)
    };
    create().map_err(|err| {
        TrialOutcome::failed(format!(
            "cannot prepare trial directory {}: {err}",
            workdir.display()
        ))
    })
}

/// `params.json` in `dir`: an object of the parameters.
pub(crate) fn write_params(dir: &Path, params: &[(String, f64)]) -> std::io::Result<()> {
    let object: serde_json::Map<String, serde_json::Value> = params
        .iter()
        .map(|(name, value)| (name.clone(), serde_json::Value::from(*value)))
        .collect();
    let text = serde_json::Value::Object(object).to_string();
    std::fs::write(dir.join("params.json"), text)
}

/// Reads the result from the last stage's stdout. After success the directory is gone
/// from its trial's name: emptied of everything but [`RECYCLED_KEEP`] and renamed to
/// `spare` for the next trial (returns true), or removed if that fails; with no
/// `spare` (every directory is kept) it stays as it is.
pub(crate) fn finish(
    workdir: &Path,
    last_stage: usize,
    spare: Option<&Path>,
) -> (TrialOutcome, bool) {
    let outcome = read_result(workdir, last_stage);
    let Some(spare) = spare else {
        return (outcome, false);
    };
    if !matches!(outcome, TrialOutcome::Ok { .. }) {
        return (outcome, false);
    }
    match recycle(workdir, spare) {
        Ok(()) => (outcome, true),
        Err(err) => {
            tracing::debug!(dir = %workdir.display(), %err, "cannot recycle trial directory");
            remove(workdir);
            (outcome, false)
        }
    }
}

fn recycle(workdir: &Path, spare: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(workdir)? {
        let entry = entry?;
        let keep = entry
            .file_name()
            .to_str()
            .is_some_and(|name| RECYCLED_KEEP.contains(&name));
        if keep && entry.file_type()?.is_file() {
            continue;
        }
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    std::fs::rename(workdir, spare)
}

fn read_result(workdir: &Path, last_stage: usize) -> TrialOutcome {
    let stdout_path = stage_file(workdir, last_stage, "out");
    let stderr = || stderr_tail(&stage_file(workdir, last_stage, "err"), 0);
    let line = match last_line(&stdout_path, MAX_RESULT_LINE_BYTES) {
        Ok(LastLine::Line(line)) => line,
        Ok(LastLine::TooLong) => {
            return TrialOutcome::Failed {
                reason: format!(
                    "stage {last_stage}: the last line of stdout is longer than {}, the limit \
                     of a result line; print the result (a number or a JSON object) on a \
                     line of its own and write large outputs to a file in the trial directory",
                    crate::tail::limit_text()
                ),
                stderr_tail: stderr(),
            }
        }
        Err(err) => {
            return TrialOutcome::failed(format!("cannot read {}: {err}", stdout_path.display()))
        }
    };
    match read_last_line(&line) {
        Ok(reading) => TrialOutcome::finished(reading.objective, reading.responses),
        Err(err) => TrialOutcome::Failed {
            reason: format!("stage {last_stage}: {err}"),
            stderr_tail: stderr(),
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

/// Removes `dirs` off the async threads (see [`remove`]).
pub(crate) async fn remove_all(dirs: Vec<PathBuf>) {
    if !dirs.is_empty() {
        off_thread(move || dirs.iter().for_each(|dir| remove(dir))).await;
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
