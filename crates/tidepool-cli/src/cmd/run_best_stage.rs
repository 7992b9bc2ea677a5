//! The re-run of the best trial uses what the run staged, never the originals: with
//! `[stage]` the model's interpreter is typically a venv on the shared filesystem, and
//! starting it from there at the end of every run is one whole import storm (thousands
//! of metadata operations) after a run that otherwise left the shared filesystem alone.
//!
//! So the coordinator stages the run's archives (the ones it streamed to the agents,
//! read once and sequentially) on its own node-local scratch, as an agent does, and the
//! re-run gets a slot's setup ([`SlotSetup`]): the staged environment, the model's
//! packed paths rewritten into the staged copy, the original -> staged map. An
//! extraction an agent of this node kept (`[stage] keep` with a shared `[stage] dir`)
//! is reused; the copy is removed after the re-run unless `[stage] keep`.
//!
//! Running the re-run on an agent slot before the agents leave would save the
//! extraction, but it needs a message pair and a run state of its own in the
//! coordinator; keeping the best trial's output from its slot would leave its files on
//! a node the run directory cannot reach.

use anyhow::Context;
use std::path::{Path, PathBuf};
use tidepool_models::WorkerSpec;
use tidepool_pool::staging::{build_plan, SlotSetup, StageOptions};

/// A slot setup over the run's archives staged on this node, removed when dropped
/// (unless `[stage] keep`).
pub struct StagedRerun {
    pub setup: SlotSetup,
    dir: PathBuf,
    ids: Vec<String>,
    keep: bool,
}

impl StagedRerun {
    /// Stage every archive of `stage` under its `[stage] dir`, else under `scratch`,
    /// and set up `spec` to run from the staged copies.
    pub fn new(stage: &StageOptions, spec: &WorkerSpec, scratch: &Path) -> anyhow::Result<Self> {
        let plan = build_plan(stage)?;
        let dir = stage.dir.clone().unwrap_or_else(|| scratch.to_path_buf());
        let mut rerun = StagedRerun {
            setup: SlotSetup::unstaged(spec.clone()),
            dir,
            ids: Vec::new(),
            keep: stage.keep,
        };
        let mut staged = Vec::new();
        for (meta, path) in plan.archives.into_iter().zip(&stage.archives) {
            let done =
                tidepool_stage::stage_file(path, &rerun.dir, &mut |_| {}).with_context(|| {
                    format!(
                        "cannot stage {} in {} for the re-run",
                        path.display(),
                        rerun.dir.display()
                    )
                })?;
            if !done.reused {
                rerun.ids.push(meta.id.clone());
            }
            staged.push((meta, done.env));
        }
        rerun.setup = SlotSetup::new(
            spec,
            &staged,
            |k| std::env::var(k).ok(),
            |p| p.canonicalize().ok(),
        );
        Ok(rerun)
    }
}

impl Drop for StagedRerun {
    /// Remove what this re-run extracted (an extraction it reused is not its own).
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        for id in &self.ids {
            if let Err(e) = tidepool_stage::remove(&self.dir, id) {
                tracing::warn!("cannot remove the re-run's staged copy {id}: {e}");
            }
        }
        let _ = std::fs::remove_dir(&self.dir);
    }
}
