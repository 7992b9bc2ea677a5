//! `summa` slots: SUMMA (+ mizuRoute) run natively, with no interpreter.
//!
//! Once per slot (`setup`): the settings copied into the slot's work directory on
//! scratch (large read-only inputs linked from the node's staged copy when `[stage]`
//! staged them), the fileManager and mizuRoute control rewritten for the slot, and the
//! parameter plan resolved against the param-info files. Per trial (`trial`):
//! `trialParams.nc` written atomically (and `param.nml` when mizuRoute parameters are
//! calibrated), the previous outputs removed, then (`run`) SUMMA and mizuRoute each run
//! as its own process group with its own time limit, stderr to `stage-<n>.err` in the
//! trial directory; the routed flow at the outlet reach comes back as the series `q`.
//! Any failure names the executable and carries its stderr tail.

mod plan;
mod run;
mod setup;
mod spec;
mod trial;

pub(crate) use plan::chain;
pub use plan::Tables;
pub use spec::{
    ParamKind, ParamMode, ParamTarget, SummaSpec, DEFAULT_MIZUROUTE_TIMEOUT, DEFAULT_SUMMA_TIMEOUT,
};

use crate::keep::KeptFailures;
use crate::trialdir::{off_thread, prepare, remove, remove_all, trial_dir_name};
use crate::{KeepWorkdirs, ModelError, SlotContext, TrialInput, TrialOutcome};
use run::{failed_after, Exe, Shared};
use setup::{Slot, SUMMA_DIR};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The response naming the reach `q` was read at (a lumped domain has none).
pub const OUTLET_REACH_RESPONSE: &str = "outlet_reach";

/// A slot that runs SUMMA (+ mizuRoute).
#[derive(Debug)]
pub struct SummaWorker {
    spec: SummaSpec,
    ctx: SlotContext,
    /// `None` only while a trial's input files are written off the async threads.
    slot: Option<Slot>,
    kept_failures: KeptFailures,
}

impl SummaWorker {
    pub(crate) async fn start(spec: &SummaSpec, ctx: &SlotContext) -> Result<Self, ModelError> {
        let (owned_spec, owned_ctx) = (spec.clone(), ctx.clone());
        let slot = off_thread(move || Slot::prepare(&owned_spec, &owned_ctx)).await;
        let slot = slot.map_err(|reason| ModelError::InvalidSpec {
            node: ctx.node.clone(),
            slot: ctx.slot,
            reason: format!("cannot set up SUMMA for this slot: {reason}"),
        })?;
        Ok(SummaWorker {
            spec: spec.clone(),
            ctx: ctx.clone(),
            slot: Some(slot),
            kept_failures: KeptFailures::default(),
        })
    }

    pub(crate) async fn evaluate(
        &mut self,
        trial: &TrialInput,
        cancel: &CancellationToken,
    ) -> TrialOutcome {
        let trial_dir = self.ctx.scratch.join(trial_dir_name(trial));
        let mut outcome = self.run_trial(&trial_dir, trial, cancel).await;
        let doomed = match &outcome {
            TrialOutcome::Ok { .. } if self.ctx.keep != KeepWorkdirs::All => vec![trial_dir],
            _ => self
                .kept_failures
                .settle(self.ctx.keep, trial_dir, &mut outcome),
        };
        remove_all(doomed).await;
        outcome
    }

    async fn run_trial(
        &mut self,
        trial_dir: &Path,
        trial: &TrialInput,
        cancel: &CancellationToken,
    ) -> TrialOutcome {
        let overall = trial.timeout.map(|limit| Instant::now() + limit);
        if let Err(reason) = self.write_inputs(trial_dir, trial).await {
            return TrialOutcome::failed(format!("cannot write the trial's parameters: {reason}"));
        }
        let shared = Shared {
            env: Arc::new(self.trial_env(trial, trial_dir)),
            sentinel: &self.ctx.sentinel,
            overall,
            kill_grace: trial.kill_grace,
            cancel,
        };
        let slot = self
            .slot
            .as_ref()
            .expect("the slot is back after writing inputs");
        let summa = Exe {
            role: "SUMMA",
            number: 1,
            args: vec![
                text(&self.spec.summa_exe),
                "-m".into(),
                text(&slot.files.file_manager),
            ],
            cwd: slot.files.dir.clone(),
            limit: (self.spec.summa_limit(), "summa_timeout"),
            trial_dir,
        };
        if let Err(outcome) = summa.run(&shared).await {
            return outcome;
        }
        if let Err(reason) = trial::check_summa_output(slot) {
            return failed_after(trial_dir, 1, format!("SUMMA: {reason}"));
        }
        let mut last = 1;
        if let (Some(exe), Some(control), Some(out)) = (
            &self.spec.mizuroute_exe,
            &slot.files.control,
            &slot.files.mizu_output,
        ) {
            let mizuroute = Exe {
                role: "mizuRoute",
                number: 2,
                args: vec![text(exe), text(control)],
                cwd: out.clone(),
                limit: (self.spec.mizuroute_limit(), "mizuroute_timeout"),
                trial_dir,
            };
            if let Err(outcome) = mizuroute.run(&shared).await {
                return outcome;
            }
            last = 2;
        }
        self.conclude(trial_dir, last).await
    }

    /// The trial directory, then the parameter files, off the async threads.
    async fn write_inputs(&mut self, trial_dir: &Path, trial: &TrialInput) -> Result<(), String> {
        let mut slot = self.slot.take().expect("one trial at a time");
        let (spec, dir, params) = (
            self.spec.clone(),
            trial_dir.to_path_buf(),
            trial.params.clone(),
        );
        let (slot, written) = off_thread(move || {
            let written = prepare(&dir, &params, None)
                .map_err(|_| format!("cannot make the trial directory {}", dir.display()))
                .and_then(|()| trial::write_inputs(&mut slot, &spec, &params));
            (slot, written)
        })
        .await;
        self.slot = Some(slot);
        written
    }

    /// The flow read back as `q`, with the reach it was read at.
    async fn conclude(&mut self, trial_dir: &Path, last: usize) -> TrialOutcome {
        let slot = self.slot.take().expect("one trial at a time");
        let spec = self.spec.clone();
        let (slot, read) = off_thread(move || {
            let read = trial::read_flow(&slot, &spec);
            (slot, read)
        })
        .await;
        self.slot = Some(slot);
        let (q, reach) = match read {
            Ok(read) => read,
            Err(reason) => {
                let role = if last == 2 { "mizuRoute" } else { "SUMMA" };
                return failed_after(trial_dir, last, format!("{role}: {reason}"));
            }
        };
        let responses = reach
            .map(|id| (OUTLET_REACH_RESPONSE.to_string(), id as f64))
            .into_iter()
            .collect();
        TrialOutcome::finished(None, responses).with_series(BTreeMap::from([("q".into(), q)]))
    }

    fn trial_env(&self, trial: &TrialInput, trial_dir: &Path) -> Vec<(String, String)> {
        let mut env = self.ctx.env.clone();
        env.push(("TIDEPOOL_TRIAL".into(), trial.trial_id.to_string()));
        env.push(("TIDEPOOL_ATTEMPT".into(), trial.attempt.to_string()));
        env.push(("TIDEPOOL_TRIAL_DIR".into(), text(trial_dir)));
        env
    }

    /// Removes the slot's SUMMA files unless every directory is kept.
    pub(crate) async fn shutdown(self) {
        if self.ctx.keep != KeepWorkdirs::All {
            let dir: PathBuf = self.ctx.scratch.join(SUMMA_DIR);
            off_thread(move || remove(&dir)).await;
        }
    }
}

fn text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
