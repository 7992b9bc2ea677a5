//! A summa slot's setup, once per slot: its own copy of the settings on scratch (the
//! NetCDF inputs linked from the node's staged copy when `[stage]` staged them), the
//! a-priori parameters, and the tables the parameter plan is resolved against.

use super::plan::{chain, Tables};
use super::spec::SummaSpec;
use crate::SlotContext;
use std::path::{Path, PathBuf};
use tidepool_metrics::TimeFormat;
use tidepool_summa::netcdf_io::{Attributes, TrialParams};
use tidepool_summa::params::Plan;
use tidepool_summa::settings::{KeyFile, Namelist};
use tidepool_summa::slot::{SlotFiles, SlotSpec};

/// Where a slot's SUMMA files live under its scratch.
pub(crate) const SUMMA_DIR: &str = "summa";

/// A prepared slot.
#[derive(Debug)]
pub(crate) struct Slot {
    pub files: SlotFiles,
    pub tables: Tables,
    /// The values `*_multp` parameters multiply, and every value not calibrated.
    pub priori: TrialParams,
    /// The slot's param.nml as prepared, with routing.
    pub namelist: Option<Namelist>,
    /// The catchment's area (m^2) for a lumped domain's flow.
    pub area_m2: Option<f64>,
    /// The plan of the parameter names seen last (resolved at the first trial).
    pub plan: Option<(Vec<String>, Plan)>,
}

impl Slot {
    /// Copies and rewrites the settings into the slot's scratch; `Err` says why not.
    pub(crate) fn prepare(spec: &SummaSpec, ctx: &SlotContext) -> Result<Slot, String> {
        let map = |path: &Path| ctx.staged.map(path).unwrap_or_else(|| path.to_path_buf());
        let [start, end] = window(spec)?;
        let slot_spec = SlotSpec {
            slot_dir: ctx.scratch.join(SUMMA_DIR),
            file_manager: map(&spec.file_manager),
            summa_settings: Some(map(&spec.settings())),
            control: spec.mizuroute_control.as_deref().map(map),
            mizu_settings: spec.mizuroute_settings().as_deref().map(map),
            prefix: format!("tidepool_{:02}", ctx.slot),
            sim_start: start,
            sim_end: end,
            forcing_dir: spec.forcing_dir.as_deref().map(map),
            qsim_variable: None,
            dt_qsim: None,
        };
        let mut files = SlotFiles::prepare(&slot_spec).map_err(|e| chain(&e))?;
        if let Some(name) = &spec.trial_params {
            files.trial_params = rename_trial_params(&files, name)?;
        }
        let tables = Tables::read(spec, &map)?;
        let priori_path = match &spec.priori_params {
            Some(path) => map(path),
            None => map(&spec.settings()).join(trial_param_name(spec, &slot_spec.file_manager)),
        };
        let priori = TrialParams::read(&priori_path).map_err(|e| chain(&e))?;
        let namelist = match &files.param_nml {
            Some(path) if path.exists() => Some(Namelist::read(path).map_err(|e| chain(&e))?),
            _ => None,
        };
        let area_m2 = match spec.mizuroute_exe {
            Some(_) => None,
            None => Some(lumped_area(&files, &slot_spec.file_manager)?),
        };
        Ok(Slot {
            files,
            tables,
            priori,
            namelist,
            area_m2,
            plan: None,
        })
    }

    /// The plan of `names`, resolved once and again only if the names change.
    pub(crate) fn resolve(&mut self, spec: &SummaSpec, names: Vec<String>) -> Result<(), String> {
        let current = self.plan.as_ref().is_some_and(|(known, _)| *known == names);
        if !current {
            let plan = self.tables.plan(spec, &names)?;
            self.plan = Some((names, plan));
        }
        Ok(())
    }
}

/// `simStartTime` and `simEndTime` in Unix seconds: a date alone starts at 00:00 and
/// ends at 23:00 (SUMMA's last hourly step of that day).
fn window(spec: &SummaSpec) -> Result<[i64; 2], String> {
    let Some([start, end]) = &spec.simulation else {
        return Err(
            "no simulation period: give [objective] calibration or [model] simulation".into(),
        );
    };
    let format = TimeFormat::new(None);
    let parse = |text: &str| format.parse(text).map_err(|e| e.to_string());
    let date_only = |text: &str| text.trim().len() == "YYYY-MM-DD".len();
    let end_shift = if date_only(end) { 23 * 3600 } else { 0 };
    Ok([parse(start)?, parse(end)? + end_shift])
}

/// The fileManager's `trialParamFile` (or `trial_params`), default `trialParams.nc`.
fn trial_param_name(spec: &SummaSpec, manager: &Path) -> String {
    if let Some(name) = &spec.trial_params {
        return name.clone();
    }
    KeyFile::read(manager)
        .ok()
        .and_then(|m| m.get("trialParamFile").map(str::to_string))
        .unwrap_or_else(|| "trialParams.nc".into())
}

/// Points the slot's fileManager at the trial parameter file `name` (`trial_params`).
fn rename_trial_params(files: &SlotFiles, name: &str) -> Result<PathBuf, String> {
    let mut manager = KeyFile::read(&files.file_manager).map_err(|e| chain(&e))?;
    match manager.get("trialParamFile") {
        Some(_) => manager.set("trialParamFile", name).map_err(|e| chain(&e))?,
        None => manager.insert("trialParamFile", name),
    }
    manager.write(&files.file_manager).map_err(|e| chain(&e))?;
    Ok(files.summa_settings.join(name))
}

/// The whole catchment's area from `attributes.nc` (the fileManager's `attributeFile`).
fn lumped_area(files: &SlotFiles, manager: &Path) -> Result<f64, String> {
    let name = KeyFile::read(manager)
        .ok()
        .and_then(|m| m.get("attributeFile").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("attributes.nc"));
    let attributes = Attributes::read(&files.summa_settings.join(name)).map_err(|e| chain(&e))?;
    Ok(attributes.total_area())
}
