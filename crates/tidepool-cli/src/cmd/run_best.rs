//! Re-running the best trial on this host when a run ends: its output files land in
//! `RUNDIR/best/work` (the slots' scratch is node-local on other nodes, and a trial's
//! files may long be gone), and its outcome confirms that the recorded objective is
//! reproducible.

use super::run_end::{BestTrial, BEST_DIR};
use anyhow::Context;
use std::path::PathBuf;
use std::time::Duration;
use tidepool_config::RunConfig;
use tidepool_models::{KeepWorkdirs, Sentinel, SlotContext, TrialInput, TrialOutcome, Worker};

/// Directory under `RUNDIR/best` where the re-run works.
pub const WORK_DIR: &str = "work";

/// Run the best parameters once in `RUNDIR/best/work` (emptied first); the outcome.
pub async fn rerun(cfg: &RunConfig, best: &BestTrial) -> anyhow::Result<TrialOutcome> {
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
        env: Vec::new(),
        keep: KeepWorkdirs::All,
        sentinel: Sentinel::none(),
        staged: Default::default(),
    };
    let spec = cfg.worker_spec();
    let mut worker = Worker::start(&spec, &ctx)
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
    Ok(outcome)
}

/// `RUNDIR/best/work`.
pub fn work_dir(cfg: &RunConfig) -> PathBuf {
    cfg.run_dir().join(BEST_DIR).join(WORK_DIR)
}
