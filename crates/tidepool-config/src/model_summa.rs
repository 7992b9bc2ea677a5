//! `[model] kind = "summa"`: its paths as the agents use them and its pre-flight.
//!
//! Every path of the model is relative to the config file's directory. What SUMMA
//! simulates runs from the spin-up's start (else the calibration period's) to the
//! later end of the calibration and evaluation periods of `[objective]`, unless
//! `simulation` is written. Refused before the run starts, each at its key: an
//! executable that is missing or not executable, a fileManager or mizuRoute control
//! file that is not there, mizuRoute's executable without its control file (or the
//! reverse), and a model with no period to simulate.

use crate::error::ConfigError;
use crate::preflight::{executable, tidy};
use crate::sections::RunConfig;
use tidepool_models::{SummaSpec, WorkerSpec};

impl RunConfig {
    /// The summa model with its paths absolute and its simulation window filled in.
    pub(crate) fn resolve_summa(&self, spec: &mut SummaSpec) {
        for path in spec.paths_mut() {
            *path = tidy(&self.resolve(path));
        }
        if spec.simulation.is_none() {
            spec.simulation = self.simulation_window(spec);
        }
    }

    /// `[spin-up or calibration start, latest end of calibration and evaluation]`.
    fn simulation_window(&self, spec: &SummaSpec) -> Option<[String; 2]> {
        let objective = self.objective.as_ref();
        let calibration = objective.and_then(|o| o.calibration.clone());
        let evaluation = objective.and_then(|o| o.evaluation.clone());
        let start = spec
            .spinup
            .as_ref()
            .or(calibration.as_ref())
            .map(|p| p[0].clone())?;
        let end = [calibration, evaluation]
            .into_iter()
            .flatten()
            .map(|p| p[1].clone())
            .max()
            .or_else(|| spec.spinup.as_ref().map(|p| p[1].clone()))?;
        Some([start, end])
    }

    /// The checks above; a no-op for other model kinds.
    pub(crate) fn check_summa(&self) -> Result<(), ConfigError> {
        let WorkerSpec::Summa(spec) = self.worker_spec() else {
            return Ok(());
        };
        let exes = std::iter::once(("model.summa_exe", &spec.summa_exe)).chain(
            spec.mizuroute_exe
                .iter()
                .map(|e| ("model.mizuroute_exe", e)),
        );
        for (key, exe) in exes {
            if let Err(problem) = executable(exe) {
                return Err(self.invalid_with_hint(
                    key,
                    format!("executable {problem}"),
                    "give the path of the built executable; a relative path is relative to the config file's directory",
                ));
            }
        }
        let files = std::iter::once(("model.file_manager", &spec.file_manager)).chain(
            spec.mizuroute_control
                .iter()
                .map(|c| ("model.mizuroute_control", c)),
        );
        for (key, file) in files {
            if !file.is_file() {
                return Err(self.invalid_with_hint(
                    key,
                    format!("file {} not found", file.display()),
                    "a relative path is relative to the config file's directory",
                ));
            }
        }
        self.check_summa_shape(&spec)
    }

    fn check_summa_shape(&self, spec: &SummaSpec) -> Result<(), ConfigError> {
        match (&spec.mizuroute_exe, &spec.mizuroute_control) {
            (Some(_), None) => {
                return Err(self.invalid_with_hint(
                    "model.mizuroute_exe",
                    "mizuroute_exe is given without mizuroute_control",
                    "give mizuRoute's control file as `mizuroute_control`, or omit both for a lumped domain",
                ))
            }
            (None, Some(_)) => {
                return Err(self.invalid_with_hint(
                    "model.mizuroute_control",
                    "mizuroute_control is given without mizuroute_exe",
                    "give mizuRoute's executable as `mizuroute_exe`, or omit both for a lumped domain",
                ))
            }
            _ => {}
        }
        if spec.simulation.is_none() {
            return Err(self.invalid_with_hint(
                "model",
                "a summa model has no period to simulate",
                "give `[objective] calibration = [\"START\", \"END\"]` (and optionally `[model] spinup`), or `[model] simulation`",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{ConfigError, RunConfig};
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use tidepool_models::WorkerSpec;

    /// A project dir with `bin/summa` (executable), `bin/route` (not executable) and
    /// the two settings files.
    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in ["bin", "settings/SUMMA", "settings/mizuRoute"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        for (file, mode) in [("bin/summa", 0o755), ("bin/route", 0o644)] {
            std::fs::write(root.join(file), "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(root.join(file), std::fs::Permissions::from_mode(mode))
                .unwrap();
        }
        std::fs::write(root.join("settings/SUMMA/fileManager.txt"), "").unwrap();
        std::fs::write(root.join("settings/mizuRoute/mizuroute.control"), "").unwrap();
        dir
    }

    fn text(model: &str, objective: &str) -> String {
        format!(
            "[run]\nname = \"bow\"\n[model]\nkind = \"summa\"\nsumma_exe = \"bin/summa\"\n\
             file_manager = \"settings/SUMMA/fileManager.txt\"\n{model}\n{objective}"
        )
    }

    fn load(dir: &Path, model: &str, objective: &str) -> Result<RunConfig, ConfigError> {
        let cfg = RunConfig::from_str(&text(model, objective), &dir.join("run.toml"))?;
        cfg.check_summa()?;
        Ok(cfg)
    }

    const PERIODS: &str = "[objective]\nmetric = \"kge2012\"\nsimulated = \"q\"\ncalibration = [\"2008-07-03\", \"2008-07-10\"]\nevaluation = [\"2008-07-11\", \"2008-07-16\"]\n[objective.observed]\ncsv = \"obs.csv\"\ndate = \"Date\"\nvalue = 1\n";

    #[test]
    fn paths_resolve_against_the_config_and_the_window_spans_spinup_to_the_last_period() {
        let dir = project();
        let cfg = load(
            dir.path(),
            "spinup = [\"2008-07-01\", \"2008-07-03\"]\nsumma_timeout = \"2h\"",
            PERIODS,
        )
        .unwrap();
        let WorkerSpec::Summa(spec) = cfg.worker_spec() else {
            panic!("not summa");
        };
        assert_eq!(spec.summa_exe, dir.path().join("bin/summa"));
        assert_eq!(
            spec.settings(),
            dir.path().join("settings/SUMMA"),
            "the fileManager's directory by default"
        );
        assert_eq!(
            spec.simulation,
            Some(["2008-07-01".to_string(), "2008-07-16".to_string()])
        );
        assert_eq!(spec.summa_limit().as_secs(), 7200);
        assert_eq!(spec.mizuroute_limit().as_secs(), 3600);
    }

    #[test]
    fn an_unknown_key_is_refused_with_the_known_ones() {
        let dir = project();
        let err = load(dir.path(), "suma_timeout = 5", PERIODS).unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("model.suma_timeout"), "{shown}");
        assert!(shown.contains("unknown key"), "{shown}");
        assert!(
            shown.contains("summa_exe"),
            "the known keys are listed: {shown}"
        );
    }

    #[test]
    fn a_missing_or_unexecutable_program_and_a_missing_control_file_are_refused() {
        let dir = project();
        let err = load(
            dir.path(),
            "mizuroute_exe = \"bin/route\"\nmizuroute_control = \"settings/mizuRoute/mizuroute.control\"",
            PERIODS,
        )
        .unwrap_err();
        assert!(err.to_string().contains("is not executable"), "{err}");
        assert!(err.to_string().contains("model.mizuroute_exe"), "{err}");
        let err = load(
            dir.path(),
            "mizuroute_exe = \"bin/summa\"\nmizuroute_control = \"settings/none.control\"",
            PERIODS,
        )
        .unwrap_err();
        assert!(err.to_string().contains("model.mizuroute_control"), "{err}");
        assert!(err.to_string().contains("not found"), "{err}");
        let err = load(dir.path(), "mizuroute_exe = \"bin/summa\"", PERIODS).unwrap_err();
        assert!(
            err.to_string().contains("without mizuroute_control"),
            "{err}"
        );
        std::fs::remove_file(dir.path().join("bin/summa")).unwrap();
        let err = load(dir.path(), "", PERIODS).unwrap_err();
        assert!(err.to_string().contains("model.summa_exe"), "{err}");
        assert!(err.to_string().contains("not found"), "{err}");
    }

    #[test]
    fn a_model_with_no_period_is_refused() {
        let dir = project();
        let err = load(dir.path(), "", "").unwrap_err();
        assert!(err.to_string().contains("no period to simulate"), "{err}");
    }
}
