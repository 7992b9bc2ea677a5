//! The import as one pure step: a parsed SYMFLUENCE config (and the files of its
//! project, when present) to the content of a tidepool config.

use super::budget::{self, Search, Version};
use super::error::ImportError;
use super::objective::{self, Objective};
use super::params::{self, Param};
use super::paths::{self, Env, ProjectPaths};
use super::source::Source;
use std::path::PathBuf;

/// What the import produced, before it is written as TOML.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Imported {
    pub run_name: String,
    pub seed: Option<u64>,
    /// SYMFLUENCE's `NUM_PROCESSES`: the slots.
    pub slots: u64,
    pub summa_exe: PathBuf,
    pub file_manager: PathBuf,
    pub settings_dir: PathBuf,
    /// mizuRoute (executable, control file, settings dir); `None` for a lumped domain
    /// without routing.
    pub mizuroute: Option<(PathBuf, PathBuf, PathBuf)>,
    pub trial_params: Option<String>,
    pub spinup: Option<(String, String)>,
    pub outlet_reach: Option<i64>,
    pub summa_timeout: u64,
    pub mizuroute_timeout: u64,
    /// `USE_LOCAL_SCRATCH`: the executables and the forcing staged on every node.
    pub stage: bool,
    pub forcing_dir: PathBuf,
    pub objective: Objective,
    pub parameters: Vec<Param>,
    pub search: Search,
    pub symfluence_version: String,
    /// Things the user should know (defaults taken, files not found).
    pub notes: Vec<String>,
}

pub struct Options {
    pub version: Version,
    pub use_async: bool,
    pub env: Env,
}

pub fn import(src: &Source, opts: &Options) -> Result<Imported, ImportError> {
    check_model(src)?;
    let p = paths::resolve(src, &opts.env)?;
    let p = absolute(p);
    let slots = src.uint("NUM_PROCESSES")?.unwrap_or(1).max(1);
    let search = budget::search(src, opts.version, slots, opts.use_async)?;
    let objective = objective::objective(src, &p.observations)?;
    let parameters = params::params(src, &p.summa_settings)?;
    let routed = routed(src)?;
    let mut notes = Vec::new();
    let spinup = spinup(src, &objective.calibration.0, &mut notes)?;
    if let Some(named) = &search.replaced {
        notes.push(format!(
            "{} `{named}` has no tidepool equivalent: the import uses `dds` with the same \
             NUMBER_OF_ITERATIONS (tidepool offers dds, async-dds and pool-dds)",
            src.shown("ITERATIVE_OPTIMIZATION_ALGORITHM")
        ));
    }
    for p in parameters
        .iter()
        .filter(|p| p.from.starts_with(params::NOT_LISTED))
    {
        notes.push(format!(
            "`{}` is {}: tidepool check will refuse it; correct the name, or give its \
             bounds in PARAMETER_BOUNDS if it is not a SUMMA parameter of that file",
            p.name, p.from
        ));
    }
    if !objective.found {
        notes.push(format!(
            "observed flow {} not found: columns `{}` and `{}` assumed",
            objective.csv.display(),
            objective.date,
            objective.value
        ));
    }
    if !routed {
        notes.push(
            "a lumped domain without a river network (DOMAIN_DEFINITION_METHOD, \
             ROUTING_DELINEATION): no mizuRoute; the flow is SUMMA's averageRoutedRunoff \
             times the catchment area"
                .into(),
        );
    }
    Ok(Imported {
        run_name: run_name(&p.domain, src.str("EXPERIMENT_ID").as_deref()),
        seed: src.uint("RANDOM_SEED")?,
        slots,
        summa_exe: p.summa_exe.clone(),
        file_manager: p.file_manager.clone(),
        settings_dir: p.summa_settings.clone(),
        mizuroute: routed.then(|| {
            (
                p.mizu_exe.clone(),
                p.mizu_control.clone(),
                p.mizu_settings.clone(),
            )
        }),
        trial_params: src.path_setting("SETTINGS_SUMMA_TRIALPARAMS"),
        spinup,
        outlet_reach: reach(src)?,
        summa_timeout: src.uint("SUMMA_TIMEOUT")?.unwrap_or(7200),
        mizuroute_timeout: src.uint("MIZUROUTE_TIMEOUT")?.unwrap_or(3600),
        stage: src.bool("USE_LOCAL_SCRATCH")?.unwrap_or(false),
        forcing_dir: p.forcing.clone(),
        objective,
        parameters,
        search,
        symfluence_version: opts.version.to_string(),
        notes,
    })
}

/// SYMFLUENCE runs SUMMA from the spin-up start, or without `SPINUP_PERIOD` from
/// `EXPERIMENT_TIME_START` (`_get_simulation_period`): the latter becomes the spin-up
/// when it is before the calibration start.
fn spinup(
    src: &Source,
    calibration_start: &str,
    notes: &mut Vec<String>,
) -> Result<Option<(String, String)>, ImportError> {
    if let Some(p) = objective::period(src, "SPINUP_PERIOD")? {
        return Ok(Some(p));
    }
    let Some(start) = src.str("EXPERIMENT_TIME_START").filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let time = |t: &str| tidepool_metrics::parse_time(t, None).ok();
    let Some(t0) = time(&start) else {
        return Err(src.bad("EXPERIMENT_TIME_START", "a date-time, YYYY-MM-DD HH:MM"));
    };
    if time(calibration_start).is_some_and(|c| t0 < c) {
        notes.push(format!(
            "no SPINUP_PERIOD: SYMFLUENCE then runs SUMMA from {} ({start}); the import \
             spins up from it to the calibration start",
            src.shown("EXPERIMENT_TIME_START")
        ));
        return Ok(Some((start, calibration_start.to_owned())));
    }
    Ok(None)
}

/// The import maps SUMMA streamflow calibrations only.
fn check_model(src: &Source) -> Result<(), ImportError> {
    let model = src
        .str("HYDROLOGICAL_MODEL")
        .unwrap_or_else(|| "SUMMA".into());
    if !model
        .split(',')
        .any(|m| m.trim().eq_ignore_ascii_case("SUMMA"))
    {
        return Err(src.bad(
            "HYDROLOGICAL_MODEL",
            "SUMMA (tidepool's summa model is SUMMA + mizuRoute)",
        ));
    }
    let var = src
        .str("CALIBRATION_VARIABLE")
        .unwrap_or_else(|| "streamflow".into());
    if !var.eq_ignore_ascii_case("streamflow") {
        return Err(src.bad(
            "CALIBRATION_VARIABLE",
            "streamflow (the routed flow is what tidepool scores)",
        ));
    }
    Ok(())
}

/// SYMFLUENCE routes unless the domain is a point or lumped without a river network.
fn routed(src: &Source) -> Result<bool, ImportError> {
    let method = src
        .str("DOMAIN_DEFINITION_METHOD")
        .unwrap_or_else(|| "lumped".into());
    let routing = src
        .str("ROUTING_DELINEATION")
        .unwrap_or_else(|| "lumped".into());
    Ok(match method.to_ascii_lowercase().as_str() {
        "point" => false,
        "lumped" => routing.eq_ignore_ascii_case("river_network"),
        _ => true,
    })
}

fn reach(src: &Source) -> Result<Option<i64>, ImportError> {
    Ok(src.uint("SIM_REACH_ID")?.map(|r| r as i64))
}

/// `DOMAIN-EXPERIMENT` in the characters a run name may hold.
fn run_name(domain: &str, experiment: Option<&str>) -> String {
    let raw = match experiment {
        Some(e) => format!("{domain}-{e}"),
        None => domain.to_owned(),
    };
    let name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    name.trim_start_matches('.').to_owned()
}

/// Paths as SYMFLUENCE would open them: a relative one is relative to the directory
/// `symfluence` runs in (here, where the import runs).
fn absolute(mut p: ProjectPaths) -> ProjectPaths {
    for path in [
        &mut p.data_dir,
        &mut p.project_dir,
        &mut p.summa_settings,
        &mut p.file_manager,
        &mut p.mizu_settings,
        &mut p.mizu_control,
        &mut p.summa_exe,
        &mut p.mizu_exe,
        &mut p.forcing,
        &mut p.observations,
    ] {
        if let Ok(abs) = std::path::absolute(&*path) {
            *path = abs;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn opts() -> Options {
        Options {
            version: Version::DEFAULT,
            use_async: false,
            env: Env::default(),
        }
    }

    const BASE: &str = "SYMFLUENCE_DATA_DIR: /d\nDOMAIN_NAME: Bow\nEXPERIMENT_ID: run 1\nCALIBRATION_PERIOD: 2004-01-01, 2007-12-31\nPARAMS_TO_CALIBRATE: k_soil\n";

    #[test]
    fn routing_follows_the_domain_definition() {
        let lumped = Source::parse(Path::new("c.yaml"), BASE).unwrap();
        let i = import(&lumped, &opts()).unwrap();
        assert!(i.mizuroute.is_none());
        assert_eq!(i.run_name, "Bow-run_1");
        let text = format!("{BASE}DOMAIN_DEFINITION_METHOD: delineate\n");
        let i = import(&Source::parse(Path::new("c.yaml"), &text).unwrap(), &opts()).unwrap();
        let (exe, control, _) = i.mizuroute.unwrap();
        assert_eq!(
            exe,
            Path::new("/d/installs/mizuRoute/route/bin/mizuRoute.exe")
        );
        assert_eq!(
            control,
            Path::new("/d/domain_Bow/settings/mizuRoute/mizuroute.control")
        );
    }

    #[test]
    fn without_a_spinup_period_the_experiment_start_spins_up() {
        let text = format!("{BASE}EXPERIMENT_TIME_START: 2002-01-01 01:00\n");
        let i = import(&Source::parse(Path::new("c.yaml"), &text).unwrap(), &opts()).unwrap();
        assert_eq!(
            i.spinup,
            Some(("2002-01-01 01:00".into(), "2004-01-01".into()))
        );
        let text = format!("{text}SPINUP_PERIOD: 2003-01-01, 2003-12-31\n");
        let i = import(&Source::parse(Path::new("c.yaml"), &text).unwrap(), &opts()).unwrap();
        assert_eq!(i.spinup, Some(("2003-01-01".into(), "2003-12-31".into())));
        let text = format!("{BASE}EXPERIMENT_TIME_START: 2005-01-01 01:00\n");
        let i = import(&Source::parse(Path::new("c.yaml"), &text).unwrap(), &opts()).unwrap();
        assert_eq!(i.spinup, None);
    }

    #[test]
    fn other_models_and_variables_are_refused() {
        for extra in ["HYDROLOGICAL_MODEL: FUSE\n", "CALIBRATION_VARIABLE: swe\n"] {
            let text = format!("{BASE}{extra}");
            let src = Source::parse(Path::new("c.yaml"), &text).unwrap();
            assert!(matches!(
                import(&src, &opts()),
                Err(ImportError::BadValue { .. })
            ));
        }
    }
}
