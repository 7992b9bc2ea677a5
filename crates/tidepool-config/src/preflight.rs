//! [`RunConfig::preflight`]: checks that catch a model that cannot run before any trial
//! starts, so a typo does not burn the budget: placeholders in `[model] stages` that
//! name no parameter and no built-in, empty `stages` or a stage without a program,
//! `[trials] csv` together with `[optimizer]`, and programs given as an absolute or
//! relative path that do not exist or are not executable here on the coordinator,
//! and what `[stage]` packs at the first start (`stage_inputs`).
//! With `[objective]`, the observation file must exist and load (its columns, dates
//! and values), and the calibration and evaluation periods must lie inside the
//! observed data and hold observations ([`RunConfig::load_objective`]).
//! They are a step of their own, not part of parsing: a config recorded in a run's
//! journal is parsed again on resume and must not be refused by them.
//!
//! A relative program (`./hymod`, `bin/model`) is relative to the config file's
//! directory, like every path in the config; [`RunConfig::worker_spec`] gives the
//! spec with such programs made absolute, as the agents must run them.

use crate::error::ConfigError;
use crate::sections::RunConfig;
use std::path::{Path, PathBuf};
use tidepool_models::{placeholder_names, CommandSpec, WorkerSpec, BUILTIN_PLACEHOLDERS};
use tidepool_objective::Objective;

impl RunConfig {
    /// Every pre-flight check; the error points at the offending value.
    pub fn preflight(&self) -> Result<(), ConfigError> {
        self.preflight_pure()
            .and_then(|()| self.check_programs())
            .and_then(|()| self.check_inputs())
            .and_then(|()| self.check_model_files())
            .and_then(|()| self.check_summa())
            .and_then(|()| self.check_summa_params())
            .and_then(|()| self.load_objective().map(|_| ()))
            .and_then(|()| self.check_stage_inputs())
            .map_err(|e| e.located_in(&self.text))
    }

    fn preflight_pure(&self) -> Result<(), ConfigError> {
        let optimizer_written = toml::from_str::<toml::Table>(&self.text)
            .is_ok_and(|table| table.contains_key("optimizer"));
        if self.trials.is_some() && optimizer_written {
            return Err(self.invalid_with_hint(
                "optimizer",
                "`[trials] csv` and `[optimizer]` are both given",
                "`[trials] csv` runs the listed parameter sets; `[optimizer]` searches: keep one of the two",
            ));
        }
        if let WorkerSpec::Command(spec) = &self.model {
            match spec.steps.is_empty() {
                true => self.check_stages(spec)?,
                false => self.check_step_placeholders(spec)?,
            }
        }
        Ok(())
    }

    fn check_stages(&self, spec: &CommandSpec) -> Result<(), ConfigError> {
        if spec.stages.is_empty() {
            return Err(self.invalid_with_hint(
                "model.stages",
                "a command model needs at least one stage",
                "write each stage as a list: stages = [[\"./model\", \"--k\", \"{k}\"]]",
            ));
        }
        let names = self.parameter_names();
        for (i, stage) in spec.stages.iter().enumerate() {
            if stage.first().is_none_or(|program| program.is_empty()) {
                return Err(self.invalid(
                    &format!("model.stages[{i}]"),
                    format!("stage {} has no program to run", i + 1),
                ));
            }
            for (j, arg) in stage.iter().enumerate() {
                self.check_placeholders(&format!("model.stages[{i}][{j}]"), arg, &names)?;
            }
        }
        Ok(())
    }

    fn check_step_placeholders(&self, spec: &CommandSpec) -> Result<(), ConfigError> {
        let names = self.parameter_names();
        for (i, step) in spec.steps.iter().enumerate() {
            for (j, arg) in step.run.iter().enumerate() {
                self.check_placeholders(&format!("model.steps[{i}].run[{j}]"), arg, &names)?;
            }
        }
        Ok(())
    }

    fn check_placeholders(
        &self,
        key: &str,
        arg: &str,
        names: &[String],
    ) -> Result<(), ConfigError> {
        let known =
            |name: &str| BUILTIN_PLACEHOLDERS.contains(&name) || names.iter().any(|n| n == name);
        match placeholder_names(arg).into_iter().find(|name| !known(name)) {
            None => Ok(()),
            Some(name) => Err(self.invalid_with_hint(
                key,
                format!("placeholder `{{{name}}}` names no parameter"),
                format!(
                    "placeholders are the [[parameters]] names ({}) and {}; write `{{{{` and `}}}}` for literal braces",
                    if names.is_empty() { "none defined".to_string() } else { names.join(", ") },
                    BUILTIN_PLACEHOLDERS.join(", ")
                ),
            )),
        }
    }

    /// Every stage program written as a path (it has a `/`) must be an executable file
    /// here on the coordinator. Bare names are looked up on the nodes' PATH and are not
    /// checked; nor are programs built from placeholders or inside `[stage] dir`.
    fn check_programs(&self) -> Result<(), ConfigError> {
        let WorkerSpec::Command(spec) = &self.model else {
            return Ok(());
        };
        for (i, step) in spec.pipeline().iter().enumerate() {
            let Some(program) = step.run.first() else {
                continue;
            };
            let Some(path) = self.program_path(spec, step, program) else {
                continue;
            };
            if let Err(problem) = executable(&path) {
                let key = match spec.steps.is_empty() {
                    true => format!("model.stages[{i}][0]"),
                    false => format!("model.steps[{i}].run[0]"),
                };
                let hint = match spec.template_dir.is_some() {
                    false => "give the program's path (a relative path is relative to the config file's directory), or a bare name found on PATH",
                    true => "give the program's path: a relative path is looked for in template_dir (the work directory is made from it), then relative to the config file's directory; or a bare name found on PATH",
                };
                return Err(self.invalid_with_hint(
                    &key,
                    format!("program `{program}` {problem}"),
                    hint,
                ));
            }
        }
        Ok(())
    }

    /// The files the coordinator reads itself: `[trials] csv` and `[stage] archives`.
    fn check_inputs(&self) -> Result<(), ConfigError> {
        let mut inputs: Vec<(String, &Path)> = Vec::new();
        if let Some(trials) = &self.trials {
            inputs.push(("trials.csv".into(), &trials.csv));
        }
        if let Some(stage) = &self.stage {
            for (i, archive) in stage.archives.iter().enumerate() {
                inputs.push((format!("stage.archives[{i}]"), archive));
            }
        }
        for (key, path) in inputs {
            let resolved = tidy(&self.resolve(path));
            if !resolved.is_file() {
                return Err(self.invalid_with_hint(
                    &key,
                    format!("file {} not found", resolved.display()),
                    "a relative path is relative to the config file's directory",
                ));
            }
        }
        Ok(())
    }

    /// `[objective]` with its observations read (relative to the config file's
    /// directory) and its periods checked against them; `None` without `[objective]`.
    pub fn load_objective(&self) -> Result<Option<Objective>, ConfigError> {
        let Some(spec) = &self.objective else {
            return Ok(None);
        };
        let base = self.source.parent().unwrap_or(Path::new("."));
        Objective::load(spec, base)
            .map(Some)
            .map_err(|e| self.objective_error(&e).located_in(&self.text))
    }

    /// The path to check for `program`, if it is one we can check here: a relative
    /// program found in `template_dir` (under the step's `dir`) runs from the work
    /// directory made from it; any other relative program is relative to the config
    /// file's directory.
    fn program_path(
        &self,
        spec: &CommandSpec,
        step: &tidepool_models::StepSpec,
        program: &str,
    ) -> Option<PathBuf> {
        if !program.contains('/') || !placeholder_names(program).is_empty() {
            return None;
        }
        let path = self
            .in_template_dir(spec, step.dir.as_deref(), program)
            .unwrap_or_else(|| tidy(&self.resolve(Path::new(program))));
        let staged = self.stage.as_ref().and_then(|s| s.dir.as_ref());
        match staged {
            Some(dir) if path.starts_with(self.resolve(dir)) => None,
            _ => Some(path),
        }
    }

    /// `template_dir/dir/program` when the relative `program` is a file there.
    fn in_template_dir(
        &self,
        spec: &CommandSpec,
        dir: Option<&Path>,
        program: &str,
    ) -> Option<PathBuf> {
        let template_dir = spec
            .template_dir
            .as_ref()
            .filter(|_| !program.starts_with('/'))?;
        let base = self
            .resolve(template_dir)
            .join(dir.unwrap_or(Path::new("")));
        let path = tidy(&base.join(program));
        path.is_file().then_some(path)
    }

    /// The model as the agents run it: relative stage programs made absolute against
    /// the config file's directory (with `template_dir` they stay relative to the work
    /// directory), template paths made absolute (see `model_files`).
    pub fn worker_spec(&self) -> WorkerSpec {
        let mut spec = self.model.clone();
        if let WorkerSpec::Command(command) = &mut spec {
            let original = command.clone();
            let programs = command
                .stages
                .iter_mut()
                .filter_map(|stage| stage.first_mut().map(|p| (p, None)))
                .chain(command.steps.iter_mut().filter_map(|s| {
                    let dir = s.dir.clone();
                    s.run.first_mut().map(|p| (p, dir))
                }));
            for (program, dir) in programs {
                let relative = program.contains('/')
                    && !program.starts_with('/')
                    && placeholder_names(program).is_empty();
                let in_work_dir = self
                    .in_template_dir(&original, dir.as_deref(), program)
                    .is_some();
                if relative && !in_work_dir {
                    let path = tidy(&self.resolve(Path::new(program.as_str())));
                    *program = path.display().to_string();
                }
            }
            self.resolve_model_files(command);
        }
        if let WorkerSpec::Python(python) = &mut spec {
            // `path = ["."]` and `python = "venv/bin/python"` mean relative to the config
            // file's directory, as every path of the config does.
            for entry in &mut python.path {
                *entry = tidy(&self.resolve(entry));
            }
            if python.python.components().count() > 1 && python.python.is_relative() {
                python.python = tidy(&self.resolve(&python.python));
            }
        }
        if let WorkerSpec::Summa(summa) = &mut spec {
            self.resolve_summa(summa);
        }
        spec
    }
}

/// `path` without `.` components (`/cfg/./model` -> `/cfg/model`).
pub(crate) fn tidy(path: &Path) -> PathBuf {
    path.components().collect()
}

/// Why `path` cannot be run, if it cannot.
pub(crate) fn executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let shown = path.display();
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("not found (no file {shown})"))
        }
        Err(e) => Err(format!("cannot be checked ({shown}: {e})")),
        Ok(meta) if meta.is_dir() => Err(format!("is a directory ({shown})")),
        Ok(meta) if meta.permissions().mode() & 0o111 == 0 => {
            Err(format!("is not executable ({shown}); chmod +x it"))
        }
        Ok(_) => Ok(()),
    }
}
