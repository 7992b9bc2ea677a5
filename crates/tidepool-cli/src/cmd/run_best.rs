//! Re-running the best trial on this host when a run ends: its output files land in
//! `RUNDIR/best/work` (the slots' scratch is node-local on other nodes, and a trial's
//! files may long be gone), and its outcome confirms that the recorded objective is
//! reproducible. With `[stage]` it runs from a staged copy on this node
//! (`run_best_stage`), not from the originals on the shared filesystem.

use super::run_best_stage::StagedRerun;
use super::run_end::{BestTrial, BEST_DIR};
use anyhow::Context;
use std::path::PathBuf;
use std::time::Duration;
use tidepool_config::RunConfig;
use tidepool_models::{KeepWorkdirs, Sentinel, SlotContext, TrialInput, TrialOutcome, Worker};
use tidepool_pool::staging::{SlotSetup, StageOptions};

/// Directory under `RUNDIR/best` where the re-run works.
pub const WORK_DIR: &str = "work";

/// Run the best parameters once in `RUNDIR/best/work` (emptied first), from the
/// run's archives staged on this node when it staged any; the outcome.
pub async fn rerun(
    cfg: &RunConfig,
    best: &BestTrial,
    stage: Option<&StageOptions>,
) -> anyhow::Result<TrialOutcome> {
    let spec = cfg.worker_spec();
    let staged = match stage {
        Some(stage) => Some(StagedRerun::new(stage, &spec, &stage_scratch())?),
        None => None,
    };
    let setup = match &staged {
        Some(staged) => staged.setup.clone(),
        None => SlotSetup::unstaged(spec),
    };
    let scratch = work_dir(cfg);
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)
            .with_context(|| format!("cannot empty {}", scratch.display()))?;
    }
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

/// Where the re-run stages without a `[stage] dir`: this node's temporary directory.
fn stage_scratch() -> PathBuf {
    std::env::temp_dir().join(format!("tidepool-best-{}", std::process::id()))
}

/// `RUNDIR/best/work`.
pub fn work_dir(cfg: &RunConfig) -> PathBuf {
    cfg.run_dir().join(BEST_DIR).join(WORK_DIR)
}
