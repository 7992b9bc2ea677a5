//! The typed sections of a run config and their defaults.

use crate::duration;
use crate::error::ConfigError;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tidepool_launch::LaunchMode;
use tidepool_models::{KeepWorkdirs, WorkerSpec};

mod load;
mod optimizer;
mod search_keys;
pub use optimizer::{algorithm_name, OptimizerSection};

/// A whole run config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    pub run: RunSection,
    #[serde(default)]
    pub launch: LaunchSection,
    #[serde(default)]
    pub slots: SlotsSection,
    pub model: WorkerSpec,
    #[serde(default)]
    pub parameters: Vec<ParameterDef>,
    #[serde(default)]
    pub trials: Option<TrialsSection>,
    #[serde(default)]
    pub optimizer: OptimizerSection,
    pub stage: Option<StageSection>,
    /// `[objective]`: what a trial is scored on (metrics against observations, or
    /// scalar responses); `None`: the model reports the objective itself.
    #[serde(default)]
    pub objective: Option<tidepool_objective::ObjectiveSpec>,
    /// The file this config was read from (not a TOML key).
    #[serde(skip)]
    pub source: PathBuf,
    /// The text of that file, for locating errors found after parsing.
    #[serde(skip)]
    pub text: std::sync::Arc<str>,
}

/// `[run]`: what the run is called and where it keeps its files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSection {
    pub name: String,
    /// Run directory; default `runs/NAME` next to the config file.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// Maximum number of trials; default: all rows of `[trials] csv`.
    #[serde(default)]
    pub budget: Option<u64>,
    #[serde(default)]
    pub seed: u64,
    /// `HOST:PORT` the coordinator listens on; default: this host, ephemeral port.
    #[serde(default)]
    pub address: Option<String>,
}

/// `[launch]`: how agents are started.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchSection {
    /// Default: `slurm` when `SLURM_JOB_ID` is set, else `local`.
    #[serde(default)]
    pub mode: Option<LaunchMode>,
    /// `local` and `manual` modes: how many agents.
    #[serde(default = "one")]
    pub agents: usize,
    /// `mpirun` mode: the launcher's argv prefix.
    #[serde(default = "default_mpirun")]
    pub mpirun_command: Vec<String>,
    /// `slurm` mode: extra `srun` arguments.
    #[serde(default)]
    pub srun_args: Vec<String>,
}

impl Default for LaunchSection {
    fn default() -> Self {
        Self {
            mode: None,
            agents: 1,
            mpirun_command: default_mpirun(),
            srun_args: Vec::new(),
        }
    }
}

impl LaunchSection {
    /// The mode to use: the configured one, else `slurm` inside an allocation
    /// (`slurm_job_id` is the value of `SLURM_JOB_ID`), else `local`.
    pub fn resolved_mode(&self, slurm_job_id: Option<&str>) -> LaunchMode {
        match (&self.mode, slurm_job_id) {
            (Some(mode), _) => mode.clone(),
            (None, Some(id)) if !id.is_empty() => LaunchMode::Slurm,
            (None, _) => LaunchMode::Local,
        }
    }
}

/// `[slots]`: persistent workers per node and the scheduling knobs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotsSection {
    /// Slots per node; default: the node's cores.
    #[serde(default)]
    pub per_node: Option<u32>,
    #[serde(default = "eight")]
    pub start_concurrency: u32,
    #[serde(default, deserialize_with = "duration::optional")]
    pub start_interval: Option<Duration>,
    #[serde(default = "three")]
    pub max_attempts: u32,
    #[serde(default, deserialize_with = "duration::optional")]
    pub timeout: Option<Duration>,
    #[serde(default = "ten_seconds", deserialize_with = "duration::required")]
    pub kill_grace: Duration,
    #[serde(default)]
    pub overdue_factor: Option<f64>,
    #[serde(default = "five_seconds", deserialize_with = "duration::required")]
    pub heartbeat: Duration,
    /// Trials queued on a slot beyond the running one (hides network latency for
    /// very short trials); `None`: the scheduler's default (0).
    #[serde(default)]
    pub prefetch: Option<u32>,
    /// Which trial directories stay on scratch: `failed` (the last few), `all`, `none`.
    #[serde(default)]
    pub keep_workdirs: KeepWorkdirs,
    /// Stop the run (resumable, budget untouched) when the first this many trials all
    /// fail with the same reason; 0 never stops.
    #[serde(default = "default_fail_fast")]
    pub fail_fast: u32,
}

/// `[slots] fail_fast` when not given.
pub const DEFAULT_FAIL_FAST: u32 = 5;

fn default_fail_fast() -> u32 {
    DEFAULT_FAIL_FAST
}

impl Default for SlotsSection {
    fn default() -> Self {
        Self {
            per_node: None,
            start_concurrency: 8,
            start_interval: None,
            max_attempts: 3,
            timeout: None,
            kill_grace: ten_seconds(),
            overdue_factor: None,
            heartbeat: five_seconds(),
            prefetch: None,
            keep_workdirs: KeepWorkdirs::default(),
            fail_fast: DEFAULT_FAIL_FAST,
        }
    }
}

/// `[[parameters]]`: one model parameter (name, lower, upper, optional initial,
/// transform `none` | `log10` | `ln`, integer), the optimiser's own definition.
pub use tidepool_optim::Param as ParameterDef;

/// `[trials]`: parameter sets given explicitly.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialsSection {
    /// CSV file with one column per parameter and one parameter set per row.
    pub csv: PathBuf,
}

/// `[stage]`: archives staged to node-local storage before any slot starts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSection {
    /// `.tpk` archives (from `tidepool pack`), relative to the config file.
    #[serde(default)]
    pub archives: Vec<PathBuf>,
    /// A venv packed at the first start of the run (with its base interpreter).
    #[serde(default)]
    pub python: Option<PathBuf>,
    /// Executables packed at the first start (with their shared-library closure).
    #[serde(default)]
    pub exe: Vec<PathBuf>,
    /// Input trees packed at the first start, each staged under its directory name.
    #[serde(default)]
    pub dirs: Vec<PathBuf>,
    /// Relay tree fan-out: how many agents the coordinator, and each agent, streams to.
    #[serde(default = "eight")]
    pub fanout: u32,
    /// Node-local target directory; default: the agent's scratch.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// Keep the staged trees when the run ends.
    #[serde(default)]
    pub keep: bool,
}

impl StageSection {
    /// Whether `python`, `exe` or `dirs` name something to pack at the first start.
    pub fn packs_on_the_fly(&self) -> bool {
        self.python.is_some() || !self.exe.is_empty() || !self.dirs.is_empty()
    }
}

fn one() -> usize {
    1
}
fn three() -> u32 {
    3
}
fn eight() -> u32 {
    8
}
fn five_seconds() -> Duration {
    Duration::from_secs(5)
}
fn ten_seconds() -> Duration {
    Duration::from_secs(10)
}
fn default_mpirun() -> Vec<String> {
    vec!["mpirun".to_string()]
}

/// `run.name` names directories (`runs/NAME`, scratch): a plain name, never a path.
fn check_run_name(name: &str) -> Result<(), String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if !name.is_empty() && !name.starts_with('.') && name.chars().all(plain) {
        return Ok(());
    }
    Err(format!(
        "must be a plain name of letters, digits, `-`, `_` and `.`, not starting with `.` \
         (it names the run directory runs/NAME and the node scratch directory), got {name:?}\n\
         hint: to put the run directory elsewhere, set `[run] dir = \"PATH\"`"
    ))
}

impl RunConfig {
    /// The run directory (absolute when the config path is).
    pub fn run_dir(&self) -> PathBuf {
        match &self.run.dir {
            Some(dir) => self.resolve(dir),
            None => self.resolve(&Path::new("runs").join(&self.run.name)),
        }
    }

    /// A path from the config, relative to the config file's directory, made
    /// absolute.
    /// Absolute, so that agents and slots working elsewhere (their scratch) find it.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        let base = self.source.parent().unwrap_or(Path::new("."));
        let joined = base.join(path);
        std::path::absolute(&joined).unwrap_or(joined)
    }

    /// How the minimised objective is shown: the `[objective]` metric (`kge`), or
    /// `objective` when the model reports the objective itself.
    pub fn sense(&self) -> tidepool_objective::Sense {
        self.objective.as_ref().map_or_else(
            tidepool_objective::Sense::minimised,
            tidepool_objective::Sense::of,
        )
    }

    /// Parameter names in definition order.
    pub fn parameter_names(&self) -> Vec<String> {
        self.parameters.iter().map(|p| p.name.clone()).collect()
    }

    /// An error about the value of `key` (located in the file by the caller).
    pub(crate) fn invalid(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.source.clone(),
            key: key.to_string(),
            message: message.into(),
            hint: None,
            at: None,
        }
    }

    /// [`Self::invalid`] with a `hint:` saying what to do.
    pub(crate) fn invalid_with_hint(
        &self,
        key: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> ConfigError {
        match self.invalid(key, message) {
            ConfigError::Invalid {
                path, key, message, ..
            } => ConfigError::Invalid {
                path,
                key,
                message,
                hint: Some(hint.into()),
                at: None,
            },
            other => other,
        }
    }

    /// An `[objective]` error as a config error at its key.
    pub(crate) fn objective_error(&self, err: &tidepool_objective::ObjectiveError) -> ConfigError {
        self.invalid(err.key().unwrap_or("objective"), err.to_string())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Err(message) = check_run_name(&self.run.name) {
            return Err(self.invalid("run.name", message));
        }
        if self.slots.start_concurrency == 0 {
            return Err(self.invalid("slots.start_concurrency", "must be at least 1"));
        }
        if self.slots.max_attempts == 0 {
            return Err(self.invalid("slots.max_attempts", "must be at least 1"));
        }
        if self.slots.per_node == Some(0) {
            return Err(self.invalid(
                "slots.per_node",
                "must be at least 1 (or left out for one per core)",
            ));
        }
        if self.slots.heartbeat.is_zero() {
            return Err(self.invalid("slots.heartbeat", "must be longer than 0 s"));
        }
        if let Some(f) = self.slots.overdue_factor {
            if !(f.is_finite() && f > 1.0) {
                return Err(self.invalid(
                    "slots.overdue_factor",
                    format!("must be a number above 1 (e.g. 1.5), got {f}"),
                ));
            }
        }
        if let Some(stage) = &self.stage {
            if stage.archives.is_empty() && !stage.packs_on_the_fly() {
                return Err(self.invalid_with_hint(
                    "stage",
                    "[stage] names nothing to stage",
                    "give archives = [\"env.tpk\"] (from `tidepool pack`), or python = \"VENV\", exe = [\"PATH\"] or dirs = [\"DIR\"] to pack at the first start",
                ));
            }
            if stage.fanout == 0 {
                return Err(self.invalid("stage.fanout", "must be at least 1"));
            }
        }
        if let Some(spec) = &self.objective {
            tidepool_objective::validate(spec).map_err(|e| self.objective_error(&e))?;
        }
        if self.launch.agents == 0 {
            return Err(self.invalid("launch.agents", "must be at least 1"));
        }
        let r = self.optimizer.r;
        if !(r > 0.0 && r <= 1.0) {
            return Err(self.invalid(
                "optimizer.r",
                format!("must be in (0, 1] (0.2 is usual), got {r}"),
            ));
        }
        self.validate_sce_ua()?;
        self.validate_padds()?;
        self.validate_parameters()
    }

    /// How many `[objective]` terms a run has (0 without `[objective]`, 1 for the
    /// shorthand): the objectives `padds` keeps apart.
    pub fn objective_term_count(&self) -> usize {
        self.objective
            .as_ref()
            .map_or(0, |spec| spec.terms.len().max(1))
    }

    /// `padds` keeps the `[objective]` terms apart: it needs two or more.
    fn validate_padds(&self) -> Result<(), ConfigError> {
        let terms = self.objective_term_count();
        if self.optimizer.algorithm != Some(tidepool_optim::Algorithm::Padds) || terms >= 2 {
            return Ok(());
        }
        Err(self.invalid_with_hint(
            "optimizer.algorithm",
            format!(
                "`padds` minimises each `[objective]` term as its own objective and needs at \
                 least two terms; this config has {terms}"
            ),
            "give two or more `[[objective.terms]]` (e.g. metrics `kge_high` and \
             `kge_low`), or choose a single-objective algorithm such as `dds`",
        ))
    }

    fn validate_parameters(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::BTreeSet::new();
        for (i, p) in self.parameters.iter().enumerate() {
            let key = format!("parameters[{i}]");
            if !seen.insert(p.name.as_str()) {
                return Err(self.invalid(
                    &format!("{key}.name"),
                    format!("parameter `{}` is defined twice", p.name),
                ));
            }
            if let Err(e) = tidepool_optim::ParamSpace::new(vec![p.clone()]) {
                let field = offending_field(p, &e);
                return Err(self.invalid(&format!("{key}.{field}"), e.to_string()));
            }
        }
        Ok(())
    }
}

/// The field of a parameter definition that a check refused.
fn offending_field(p: &ParameterDef, err: &tidepool_optim::ParamError) -> &'static str {
    use tidepool_optim::ParamError;
    match err {
        ParamError::NotFinite { .. } if p.lower.is_finite() => "upper",
        ParamError::InitialOutside { .. } => "initial",
        ParamError::Duplicate { .. } => "name",
        _ => "lower",
    }
}

#[cfg(test)]
mod tests;

/// The [`tidepool_objective::Sense`] of a config's text (e.g. the one recorded in a
/// run's journal), without checking the rest of it: `objective` when the text has no
/// readable `[objective]`.
pub fn sense_of_text(text: &str) -> tidepool_objective::Sense {
    objective_of_text(text).map_or_else(tidepool_objective::Sense::minimised, |spec| {
        tidepool_objective::Sense::of(&spec)
    })
}

/// The `[objective]` terms' names of a config's text, in order (empty when it has no
/// readable `[objective]`): the objectives of a multi-objective run.
pub fn objective_names_of_text(text: &str) -> Vec<String> {
    objective_of_text(text)
        .and_then(|spec| tidepool_objective::term_names(&spec).ok())
        .unwrap_or_default()
}

fn objective_of_text(text: &str) -> Option<tidepool_objective::ObjectiveSpec> {
    toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|mut table| table.remove("objective"))
        .and_then(|value| value.try_into::<tidepool_objective::ObjectiveSpec>().ok())
}
