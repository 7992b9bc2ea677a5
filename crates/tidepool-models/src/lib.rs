//! Trial evaluation in persistent slots. A [`Worker`] is started once per slot (for a
//! `python` slot: one interpreter that imports the user's function once), reports ready,
//! then evaluates trials one after another until it is shut down.
//!
//! Every process a worker starts leads its own process group: a timeout or a cancel
//! sends SIGTERM to the whole group, then SIGKILL after the trial's `kill_grace`, so
//! nothing a model started outlives its trial. Trial output stays in the slot's scratch
//! directory; only a tail of stderr (at most [`STDERR_TAIL_BYTES`]) comes back with a
//! failure.
//!
//! What a model sees:
//! - `command`: each stage (or step) runs in the trial directory `trial-<id>-<attempt>`
//!   under the slot's scratch (with `template_dir`: in the slot's work directory, the
//!   trial directory keeping the logs), with `{name}`, `{trial}`, `{attempt}` and `{workdir}` replaced in
//!   its arguments (`{{`/`}}` for literal braces), the parameters also as
//!   `TIDEPOOL_PARAM_<NAME>` (upper case, other characters as `_`) and in `params.json`,
//!   plus `TIDEPOOL_TRIAL`, `TIDEPOOL_ATTEMPT`, `TIDEPOOL_WORKDIR`. The result is the
//!   last non-empty line of the last stage's stdout: a number (the objective), a JSON
//!   object of numbers (`objective` optional, the rest are responses), or anything else
//!   (no objective). A non-zero exit fails the trial with the exit code or signal; so
//!   does an objective that is not a finite number, and a last line longer than
//!   [`MAX_RESULT_LINE_BYTES`].
//! - `python`: `function(params: dict)` (or `function(params, workdir)`) returns a
//!   number, a dict of numbers (with an optional `"objective"`), series (lists with a
//!   `"start"`, pandas Series) or `None`; an exception fails the trial with its
//!   traceback, and so does a non-finite objective or a result longer than
//!   [`MAX_RESULT_LINE_BYTES`] as JSON; whatever the function prints lands in the slot's `python.err`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tidepool_models::ModelError> {
//! use tidepool_models::*;
//! use std::time::Duration;
//! let spec = WorkerSpec::Command(CommandSpec {
//!     stages: vec![vec!["/opt/models/hymod".into(), "--k={k}".into(), "{workdir}".into()]],
//!     ..Default::default()
//! });
//! let ctx = SlotContext {
//!     node: "node01".into(),
//!     slot: 0,
//!     scratch: "/tmp/tidepool/slot-0".into(),
//!     env: vec![],
//!     keep: KeepWorkdirs::Failed,
//!     sentinel: Sentinel::none(),
//!     staged: StagedPaths::default(),
//! };
//! let mut worker = Worker::start(&spec, &ctx).await?;
//! let trial = TrialInput {
//!     trial_id: 1,
//!     attempt: 1,
//!     params: vec![("k".into(), 0.5)],
//!     timeout: Some(Duration::from_secs(600)),
//!     kill_grace: Duration::from_secs(5),
//! };
//! let outcome = worker.evaluate(&trial, &Default::default()).await;
//! # let _ = outcome;
//! worker.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Layout:
//! - `spec`, `trial`, `error`: the data types ([`WorkerSpec`], [`TrialInput`],
//!   [`TrialOutcome`], [`ModelError`]);
//! - `noop`: trials that return at once;
//! - `command`: command pipelines run by the slot, one trial directory each;
//! - `stage`: starting and awaiting one stage of a pipeline;
//! - `staged`: original path -> node-local copy of staged inputs ([`StagedPaths`]);
//! - `trialdir`: the trial directory: preparation, result, removal;
//! - `keep`: which failed trial directories stay on scratch;
//! - `python`: one interpreter per slot driving the embedded shim;
//! - `shim` (+ `shim.py`): the shim's source and its JSON-lines protocol;
//! - `group`: process groups, SIGTERM-then-SIGKILL;
//! - `sentinel`: a watcher process that kills the groups when the agent dies;
//! - `template`: `{name}` placeholders and `TIDEPOOL_PARAM_*` variables;
//! - `objective`: reading the result from the last line of stdout;
//! - `tail`: reading the end of output files;
//! - `workdir`: a slot's work directory made from `template_dir` (links, copies);
//! - `filetemplate`, `format`, `inputs`: templated input files, value formats
//!   (printf, Fortran), and what a trial's directory gets before its first step;
//! - `responses`: extractors reading responses (scalars, series) from output files;
//! - `duration`: step timeouts as written in the config;
//! - `summa`: SUMMA + mizuRoute run natively (slot files once, per trial the parameter
//!   files, the two executables and the routed flow read back as the series `q`).

mod command;
mod duration;
mod error;
mod filetemplate;
mod format;
mod group;
mod inputs;
mod keep;
mod noop;
mod objective;
mod python;
mod responses;
mod sentinel;
mod shim;
mod spec;
mod stage;
mod staged;
mod summa;
mod tail;
mod template;
mod trial;
mod trialdir;
mod workdir;

pub use command::CommandWorker;
pub use duration::parse as parse_duration;
pub use error::ModelError;
pub use filetemplate::{check_template, template_placeholders, Placeholder, TemplateFileError};
pub use format::{FormatError, ValueFormat};
pub use keep::KEEP_FAILED_TRIALS;
pub use python::PythonWorker;
pub use responses::{
    Column, CsvResponse, Delimiter, Extracted, KeywordResponse, NetcdfResponse, Occurrence,
    RegexResponse, ResponseError,
};
pub use shim::SHIM_SOURCE;
pub use spec::{
    CommandSpec, KeepWorkdirs, PythonSpec, ResponseSpec, Sentinel, SlotContext, StagedPaths,
    StepSpec, TemplateFile, TemplateStyle, WorkerSpec,
};
pub use summa::{
    ParamKind, ParamMode, ParamTarget, SummaSpec, SummaWorker, Tables as SummaTables,
    DEFAULT_MIZUROUTE_TIMEOUT, DEFAULT_SUMMA_TIMEOUT, OUTLET_REACH_RESPONSE,
};
pub use tail::{MAX_RESULT_LINE_BYTES, STDERR_TAIL_BYTES};
pub use template::{placeholder_names, BUILTIN_PLACEHOLDERS};
pub use trial::{TrialInput, TrialOutcome};
pub use trialdir::trial_dir_name;

/// A started slot worker.
#[derive(Debug)]
pub enum Worker {
    Noop,
    Command(Box<CommandWorker>),
    Python(Box<PythonWorker>),
    Summa(Box<SummaWorker>),
}

impl Worker {
    /// Start the worker for a slot; returns once it is ready (a python slot after its
    /// import of the user's module).
    pub async fn start(spec: &WorkerSpec, ctx: &SlotContext) -> Result<Worker, ModelError> {
        match spec {
            WorkerSpec::Noop => Ok(Worker::Noop),
            WorkerSpec::Command(spec) => CommandWorker::start(spec, ctx)
                .await
                .map(|worker| Worker::Command(Box::new(worker))),
            WorkerSpec::Python(spec) => PythonWorker::start(spec, ctx)
                .await
                .map(|worker| Worker::Python(Box::new(worker))),
            WorkerSpec::Summa(spec) => SummaWorker::start(spec, ctx)
                .await
                .map(|worker| Worker::Summa(Box::new(worker))),
        }
    }

    /// Evaluate one trial. Cancelling `cancel` stops it (process group killed) and
    /// yields [`TrialOutcome::Cancelled`].
    pub async fn evaluate(
        &mut self,
        trial: &TrialInput,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> TrialOutcome {
        match self {
            Worker::Noop => noop::outcome(),
            Worker::Command(worker) => worker.evaluate(trial, cancel).await,
            Worker::Python(worker) => worker.evaluate(trial, cancel).await,
            Worker::Summa(worker) => worker.evaluate(trial, cancel).await,
        }
    }

    /// False when the worker must be restarted before its next trial: a python slot
    /// whose interpreter crashed or was killed by a timeout or a cancel.
    pub fn is_alive(&self) -> bool {
        match self {
            Worker::Noop | Worker::Command(_) | Worker::Summa(_) => true,
            Worker::Python(worker) => worker.is_alive(),
        }
    }

    /// Stop the worker and wait for its processes to exit.
    pub async fn shutdown(self) {
        match self {
            Worker::Noop => {}
            Worker::Command(worker) => (*worker).shutdown().await,
            Worker::Python(worker) => worker.shutdown().await,
            Worker::Summa(worker) => (*worker).shutdown().await,
        }
    }
}
