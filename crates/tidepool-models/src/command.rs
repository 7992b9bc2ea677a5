//! `command` slots: the agent runs the trial's pipeline itself. Per trial: a directory
//! `trial-<id>-<attempt>` under the slot's scratch holding `params.json` and each
//! stage's `stage-<n>.out` / `stage-<n>.err`; the stages run in order, each as its own
//! process group; the last stage's stdout carries the result. After success the
//! directory is emptied and kept aside as the slot's spare (`.spare-trial`), renamed into
//! place for the next trial; after a failure it is kept (the last few per slot, its
//! path noted at the end of the failure's stderr tail). `[slots] keep_workdirs`
//! changes that: `all` keeps every directory as it is, `none` removes failed ones too.

use crate::stage::{Limits, Preparation, Stage};
use crate::template::{expand, format_value, param_env_name, Vars};
use crate::trialdir::{finish, off_thread, remove, trial_dir_name};
use crate::{
    CommandSpec, KeepWorkdirs, ModelError, SlotContext, TrialInput, TrialOutcome, STDERR_TAIL_BYTES,
};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
    /// An emptied directory of an earlier successful trial, ready for reuse.
    spare: Option<PathBuf>,
}

/// Where a slot keeps its spare trial directory, under its scratch.
const SPARE_DIR: &str = ".spare-trial";

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
            spare: None,
        })
    }

    pub(crate) async fn evaluate(
        &mut self,
        trial: &TrialInput,
        cancel: &CancellationToken,
    ) -> TrialOutcome {
        let workdir = self.ctx.scratch.join(trial_dir_name(trial));
        let mut outcome = self.run_trial(&workdir, trial, cancel).await;
        let doomed = self.settle(workdir, &mut outcome);
        if !doomed.is_empty() {
            off_thread(move || doomed.iter().for_each(|dir| remove(dir))).await;
        }
        outcome
    }

    async fn run_trial(
        &mut self,
        workdir: &Path,
        trial: &TrialInput,
        cancel: &CancellationToken,
    ) -> TrialOutcome {
        let limits = Limits {
            deadline: trial.timeout.map(|limit| Instant::now() + limit),
            kill_grace: trial.kill_grace,
            cancel,
        };
        let env = Arc::new(self.trial_env(trial, workdir));
        let workdir_text = workdir.to_string_lossy();
        let vars = Vars {
            params: &trial.params,
            trial: trial.trial_id,
            attempt: trial.attempt,
            workdir: &workdir_text,
        };
        for (index, argv) in self.spec.stages.iter().enumerate() {
            let number = index + 1;
            let args = match argv.iter().map(|arg| expand(arg, &vars)).collect() {
                Ok(args) => args,
                Err(err) => return TrialOutcome::failed(format!("stage {number}: {err}")),
            };
            let stage = Stage {
                number,
                args,
                workdir: workdir.to_path_buf(),
                env: Arc::clone(&env),
                sentinel: self.ctx.sentinel.clone(),
                prepare: (index == 0).then(|| Preparation {
                    params: trial.params.clone(),
                    spare: self.spare.take(),
                }),
            };
            if let Err(outcome) = stage.run(&limits).await {
                return outcome;
            }
        }
        let (workdir, last) = (workdir.to_path_buf(), self.spec.stages.len());
        let spare = (self.ctx.keep != KeepWorkdirs::All).then(|| self.ctx.scratch.join(SPARE_DIR));
        let (outcome, recycled) = off_thread(move || {
            let (outcome, recycled) = finish(&workdir, last, spare.as_deref());
            (outcome, spare.filter(|_| recycled))
        })
        .await;
        self.spare = recycled;
        outcome
    }

    /// Removes the spare trial directory, leaving only kept failures on scratch.
    pub(crate) async fn shutdown(mut self) {
        if let Some(spare) = self.spare.take() {
            off_thread(move || remove(&spare)).await;
        }
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
            env.push((param_env_name(name), format_value(*value)));
        }
        env
    }

    /// Which directories to remove now. With `all` none. Otherwise a cancelled trial's
    /// (a successful one's is already recycled or gone); a failed one is removed with
    /// `none`, or kept with its path noted in the failure, the oldest kept beyond
    /// [`KEEP_FAILED_TRIALS`] going.
    fn settle(&mut self, workdir: PathBuf, outcome: &mut TrialOutcome) -> Vec<PathBuf> {
        let keep = self.ctx.keep;
        match outcome {
            _ if keep == KeepWorkdirs::All => Vec::new(),
            TrialOutcome::Ok { .. } => Vec::new(),
            TrialOutcome::Cancelled => vec![workdir],
            _ if keep == KeepWorkdirs::None => vec![workdir],
            TrialOutcome::Failed { stderr_tail, .. }
            | TrialOutcome::TimedOut { stderr_tail }
            | TrialOutcome::Crashed { stderr_tail, .. } => {
                note_kept(stderr_tail, &workdir);
                self.kept_failures.retain(|kept| kept != &workdir);
                self.kept_failures.push_back(workdir);
                let excess = self.kept_failures.len().saturating_sub(KEEP_FAILED_TRIALS);
                self.kept_failures.drain(..excess).collect()
            }
        }
    }
}

/// Appends where a failed trial's directory was kept to its stderr tail, as the last
/// line, cutting the tail's start so that it stays within [`STDERR_TAIL_BYTES`].
fn note_kept(stderr_tail: &mut String, workdir: &Path) {
    if !stderr_tail.is_empty() && !stderr_tail.ends_with('\n') {
        stderr_tail.push('\n');
    }
    stderr_tail.push_str(&format!(
        "[tidepool] trial directory kept: {}\n",
        workdir.display()
    ));
    let excess = stderr_tail.len().saturating_sub(STDERR_TAIL_BYTES as usize);
    if excess > 0 {
        let mut cut = excess;
        while !stderr_tail.is_char_boundary(cut) {
            cut += 1;
        }
        stderr_tail.drain(..cut);
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
