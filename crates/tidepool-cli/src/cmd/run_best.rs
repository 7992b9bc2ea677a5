//! Re-running the best trial on this host when a run ends: its output files land in
//! `RUNDIR/best/work` (the slots' scratch is node-local on other nodes, and a trial's
//! files may long be gone), and its outcome confirms that the recorded objective is
//! reproducible. Like a slot, it works on node-local scratch, and its files are
//! copied to the run directory once it is done: a model working in the run directory
//! (on the shared filesystem) makes every lookup relative to its working directory
//! there, e.g. Python's for every module it imports. With `[stage]` it runs from a
//! staged copy on this node (`run_best_stage`), not from the originals on the shared
//! filesystem.

use super::run_best_stage::StagedRerun;
use super::run_end::{BestTrial, BEST_DIR};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tidepool_config::RunConfig;
use tidepool_models::{KeepWorkdirs, Sentinel, SlotContext, TrialInput, TrialOutcome, Worker};
use tidepool_pool::staging::{SlotSetup, StageOptions};

/// Directory under `RUNDIR/best` where the re-run works.
pub const WORK_DIR: &str = "work";

/// Run the best parameters once on node-local scratch, from the run's archives staged
/// on this node when it staged any, and copy its files to `RUNDIR/best/work` (emptied
/// first); the outcome.
pub async fn rerun(
    cfg: &RunConfig,
    best: &BestTrial,
    stage: Option<&StageOptions>,
) -> anyhow::Result<TrialOutcome> {
    let local = local_scratch();
    let _ = std::fs::remove_dir_all(&local); // a leftover of an earlier process
    let outcome = rerun_in(cfg, best, stage, &local).await;
    let copied = outcome
        .is_ok()
        .then(|| publish(&local.join(WORK_DIR), &work_dir(cfg)));
    if let Err(e) = std::fs::remove_dir_all(&local) {
        tracing::warn!(
            "cannot remove the re-run's scratch {}: {e}",
            local.display()
        );
    }
    copied.transpose()?;
    outcome
}

/// The re-run in `local/work`, staging under `local/stage`.
async fn rerun_in(
    cfg: &RunConfig,
    best: &BestTrial,
    stage: Option<&StageOptions>,
    local: &Path,
) -> anyhow::Result<TrialOutcome> {
    let spec = cfg.worker_spec();
    let staged = match stage {
        Some(stage) => Some(StagedRerun::new(stage, &spec, &local.join("stage"))?),
        None => None,
    };
    let setup = match &staged {
        Some(staged) => staged.setup.clone(),
        None => SlotSetup::unstaged(spec),
    };
    let scratch = local.join(WORK_DIR);
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    let ctx = SlotContext {
        node: tidepool_pool::agent::node::hostname(),
        slot: 0,
        scratch: scratch.clone(),
        env: setup.env,
        keep: KeepWorkdirs::All,
        sentinel: Sentinel::none(),
        staged: setup.paths,
    };
    let mut worker = Worker::start(&setup.spec, &ctx)
        .await
        .context("cannot start the model to re-run the best trial")?;
    let input = TrialInput {
        trial_id: best.trial,
        attempt: 0,
        params: cfg
            .parameter_names()
            .into_iter()
            .map(|name| {
                let value = best.params.get(&name).copied().unwrap_or(f64::NAN);
                (name, value)
            })
            .collect(),
        timeout: cfg.slots.timeout,
        kill_grace: cfg.slots.kill_grace.max(Duration::from_secs(1)),
    };
    let outcome = worker
        .evaluate(&input, &tokio_util::sync::CancellationToken::new())
        .await;
    worker.shutdown().await;
    drop(staged);
    Ok(outcome)
}

/// The re-run's node-local scratch: this node's temporary directory.
fn local_scratch() -> PathBuf {
    std::env::temp_dir().join(format!("tidepool-best-{}", std::process::id()))
}

/// `from` copied to `to` (emptied first): files, directories and symbolic links as
/// they are.
/// `to` is on the shared filesystem: a new one costs one `mkdir`, no `stat` first.
fn publish(from: &Path, to: &Path) -> anyhow::Result<()> {
    let created = match std::fs::create_dir(to) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_dir_all(to)
                .with_context(|| format!("cannot empty {}", to.display()))?;
            std::fs::create_dir(to)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(to),
        other => other,
    };
    created
        .and_then(|()| copy_tree(from, to))
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))
}

/// The entries of `from` copied into the existing directory `to`.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            std::fs::create_dir(&target)?;
            copy_tree(&source, &target)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&source)?, &target)?;
        } else {
            std::fs::copy(&source, &target)?;
        }
    }
    Ok(())
}

/// `RUNDIR/best/work`.
pub fn work_dir(cfg: &RunConfig) -> PathBuf {
    cfg.run_dir().join(BEST_DIR).join(WORK_DIR)
}
