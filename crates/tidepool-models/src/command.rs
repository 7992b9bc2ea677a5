//! `command` slots: the agent runs the trial's pipeline itself. Per trial: a directory
//! `trial-<id>-<attempt>` under the slot's scratch holding `params.json` and each
//! step's `stage-<n>.out` / `stage-<n>.err`; the steps run in order, each as its own
//! process group; the last step's stdout carries the result. After success the
//! directory is emptied and kept aside as the slot's spare (`.spare-trial`), renamed into
//! place for the next trial; after a failure it is kept (the last few per slot, its
//! path noted at the end of the failure's stderr tail). `[slots] keep_workdirs`
//! changes that: `all` keeps every directory as it is, `none` removes failed ones too.
//!
//! With `template_dir` the steps run instead in the slot's work directory
//! (`work/`, made once at slot start, see `workdir`), which also gets the trial's
//! `params.json`; the trial directory then holds the logs only. The work directory is
//! removed when the slot shuts down, unless `keep_workdirs = "all"`. Templates are
//! rendered and declared outputs removed before the first step; responses are read
//! after the last (see `inputs`, `responses`) and merged with the stdout result,
//! the declared responses winning on a name clash.

use crate::inputs::{Inputs, Values};
use crate::keep::KeptFailures;
use crate::responses::ResponseSet;
use crate::stage::{Limits, Preparation, Stage};
use crate::template::{expand, format_value, param_env_name, Vars};
use crate::trialdir::{finish, off_thread, remove, remove_all, stage_file, trial_dir_name};
use crate::workdir::{populate, CopyGlobs, WORK_DIR};
use crate::{
    CommandSpec, KeepWorkdirs, ModelError, SlotContext, StepSpec, TrialInput, TrialOutcome,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// A slot that runs command pipelines.
#[derive(Debug)]
pub struct CommandWorker {
    spec: CommandSpec,
    steps: Arc<[StepSpec]>,
    ctx: SlotContext,
    inputs: Arc<Inputs>,
    responses: Arc<ResponseSet>,
    /// The slot's work directory (with `template_dir`).
    work: Option<PathBuf>,
    kept_failures: KeptFailures,
    /// An emptied directory of an earlier successful trial, ready for reuse.
    spare: Option<PathBuf>,
}

/// Where a slot keeps its spare trial directory, under its scratch.
const SPARE_DIR: &str = ".spare-trial";

impl CommandWorker {
    pub(crate) async fn start(spec: &CommandSpec, ctx: &SlotContext) -> Result<Self, ModelError> {
        let invalid = |reason: String| ModelError::InvalidSpec {
            node: ctx.node.clone(),
            slot: ctx.slot,
            reason,
        };
        if let Some(reason) = invalid_reason(spec) {
            return Err(invalid(reason));
        }
        let inputs = Inputs::load(spec).map_err(invalid)?;
        let responses = ResponseSet::build(&spec.responses).map_err(invalid)?;
        let copy = CopyGlobs::new(&spec.copy).map_err(invalid)?;
        std::fs::create_dir_all(&ctx.scratch).map_err(|source| ModelError::Scratch {
            node: ctx.node.clone(),
            slot: ctx.slot,
            path: ctx.scratch.clone(),
            source,
        })?;
        let work = match &spec.template_dir {
            Some(template) => Some(make_work_dir(template, ctx, &copy, &inputs).await?),
            None => None,
        };
        Ok(CommandWorker {
            spec: spec.clone(),
            steps: spec.pipeline().into(),
            ctx: ctx.clone(),
            inputs: Arc::new(inputs),
            responses: Arc::new(responses),
            work,
            kept_failures: KeptFailures::default(),
            spare: None,
        })
    }

    pub(crate) async fn evaluate(
        &mut self,
        trial: &TrialInput,
        cancel: &CancellationToken,
    ) -> TrialOutcome {
        let trial_dir = self.ctx.scratch.join(trial_dir_name(trial));
        let mut outcome = self.run_trial(&trial_dir, trial, cancel).await;
        let doomed = self
            .kept_failures
            .settle(self.ctx.keep, trial_dir, &mut outcome);
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
        let cwd = self.work.clone().unwrap_or_else(|| trial_dir.to_path_buf());
        let env = self.trial_env(trial, &cwd, trial_dir);
        let cwd_text = cwd.to_string_lossy().into_owned();
        let vars = Vars {
            params: &trial.params,
            trial: trial.trial_id,
            attempt: trial.attempt,
            workdir: &cwd_text,
        };
        let steps = Arc::clone(&self.steps);
        for (index, step) in steps.iter().enumerate() {
            let number = index + 1;
            let args = match step.run.iter().map(|arg| expand(arg, &vars)).collect() {
                Ok(args) => args,
                Err(err) => return TrialOutcome::failed(format!("stage {number}: {err}")),
            };
            let mut step_env = env.clone();
            step_env.extend(step.env.iter().map(|(k, v)| (k.clone(), v.clone())));
            let stage = Stage {
                number,
                args,
                trial_dir: trial_dir.to_path_buf(),
                cwd: step
                    .dir
                    .as_ref()
                    .map_or_else(|| cwd.clone(), |dir| cwd.join(dir)),
                env: Arc::new(step_env),
                sentinel: self.ctx.sentinel.clone(),
                prepare: (index == 0).then(|| self.preparation(trial, &cwd)),
            };
            let deadline = match (overall, step.timeout) {
                (Some(at), Some(limit)) => Some(at.min(Instant::now() + limit)),
                (at, limit) => at.or(limit.map(|limit| Instant::now() + limit)),
            };
            let limits = Limits {
                deadline,
                kill_grace: trial.kill_grace,
                cancel,
            };
            if let Err(outcome) = stage.run(&limits).await {
                return outcome;
            }
        }
        self.conclude(trial_dir, &cwd).await
    }

    /// The first step's preparation: the trial directory, then the inputs in `cwd`.
    fn preparation(&mut self, trial: &TrialInput, cwd: &Path) -> Preparation {
        let (inputs, cwd) = (Arc::clone(&self.inputs), cwd.to_path_buf());
        let (params, ids) = (trial.params.clone(), (trial.trial_id, trial.attempt));
        let in_work_dir = self.work.is_some();
        Preparation {
            params: trial.params.clone(),
            spare: self.spare.take(),
            inputs: Some(Box::new(move || {
                let workdir = cwd.to_string_lossy();
                let values = Values {
                    params: &params,
                    trial: ids.0,
                    attempt: ids.1,
                    workdir: &workdir,
                };
                if in_work_dir {
                    crate::trialdir::write_params(&cwd, &params)
                        .map_err(|err| format!("cannot write params.json in {workdir}: {err}"))?;
                }
                inputs.write(&cwd, &values)
            })),
        }
    }

    /// After the last step: the declared responses, then the stdout result.
    async fn conclude(&mut self, trial_dir: &Path, cwd: &Path) -> TrialOutcome {
        let (trial_dir, cwd, last) = (trial_dir.to_path_buf(), cwd.to_path_buf(), self.steps.len());
        let responses = Arc::clone(&self.responses);
        let spare = (self.ctx.keep != KeepWorkdirs::All).then(|| self.ctx.scratch.join(SPARE_DIR));
        let (outcome, recycled) = off_thread(move || {
            let readings = match responses.read(&cwd) {
                Ok(readings) => readings,
                Err(err) => {
                    let stderr_tail =
                        crate::tail::stderr_tail(&stage_file(&trial_dir, last, "err"), 0);
                    let reason = err.to_string();
                    return (
                        TrialOutcome::Failed {
                            reason,
                            stderr_tail,
                        },
                        None,
                    );
                }
            };
            let (outcome, recycled) = finish(&trial_dir, last, spare.as_deref());
            (merge(outcome, readings), spare.filter(|_| recycled))
        })
        .await;
        self.spare = recycled;
        outcome
    }

    /// Removes the spare trial directory, and the work directory unless every
    /// directory is kept, leaving only kept failures on scratch.
    pub(crate) async fn shutdown(mut self) {
        let mut doomed: Vec<PathBuf> = self.spare.take().into_iter().collect();
        if self.ctx.keep != KeepWorkdirs::All {
            doomed.extend(self.work.take());
        }
        off_thread(move || doomed.iter().for_each(|dir| remove(dir))).await;
    }

    fn trial_env(&self, trial: &TrialInput, cwd: &Path, trial_dir: &Path) -> Vec<(String, String)> {
        let mut env = self.ctx.env.clone();
        env.extend(self.spec.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        env.push(("TIDEPOOL_TRIAL".into(), trial.trial_id.to_string()));
        env.push(("TIDEPOOL_ATTEMPT".into(), trial.attempt.to_string()));
        env.push((
            "TIDEPOOL_WORKDIR".into(),
            cwd.to_string_lossy().into_owned(),
        ));
        env.push((
            "TIDEPOOL_TRIAL_DIR".into(),
            trial_dir.to_string_lossy().into_owned(),
        ));
        for (name, value) in &trial.params {
            env.push((param_env_name(name), format_value(*value)));
        }
        env
    }
}

/// The stdout result with the declared responses added (they win on a name clash;
/// one named `objective` is the objective) and their series.
fn merge(outcome: TrialOutcome, readings: crate::responses::Readings) -> TrialOutcome {
    let TrialOutcome::Ok {
        mut objective,
        mut responses,
        ..
    } = outcome
    else {
        return outcome;
    };
    for (name, value) in readings.scalars {
        match name.as_str() {
            "objective" => objective = Some(value),
            _ => drop(responses.insert(name, value)),
        }
    }
    TrialOutcome::finished(objective, responses).with_series(readings.series)
}

/// Makes the slot's work directory off the async threads.
async fn make_work_dir(
    template: &Path,
    ctx: &SlotContext,
    copy: &CopyGlobs,
    inputs: &Inputs,
) -> Result<PathBuf, ModelError> {
    let (template, work) = (template.to_path_buf(), ctx.scratch.join(WORK_DIR));
    let (copy, skip) = (copy.clone(), inputs.rendered_files());
    let made = {
        let work = work.clone();
        let template = template.clone();
        off_thread(move || populate(&template, &work, &copy, &skip)).await
    };
    made.map_err(|err| ModelError::InvalidSpec {
        node: ctx.node.clone(),
        slot: ctx.slot,
        reason: format!(
            "cannot make the work directory {} from template_dir {}: {err}",
            work.display(),
            template.display()
        ),
    })?;
    Ok(work)
}

fn invalid_reason(spec: &CommandSpec) -> Option<String> {
    match (spec.stages.is_empty(), spec.steps.is_empty()) {
        (true, true) => return Some("a command model needs at least one stage or step".into()),
        (false, false) => return Some("give `stages` or `steps`, not both".into()),
        _ => {}
    }
    spec.pipeline()
        .iter()
        .position(|step| step.run.first().is_none_or(|program| program.is_empty()))
        .map(|i| format!("step {} has no program to run", i + 1))
}
