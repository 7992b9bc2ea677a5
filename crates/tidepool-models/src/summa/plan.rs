//! The parameter plan of a summa model: its calibrated names resolved through the
//! param-info tables named by the fileManager (`globalHruParamFile`,
//! `globalGruParamFile`) and mizuRoute's `param.nml`, with `[model.param_map]` for names
//! outside the `summa_calib` convention. The config resolves it before a run (an
//! unknown name is a config error; omitted bounds come from the tables), each slot
//! once at its first trial.

use super::spec::{ParamKind, ParamMode, SummaSpec};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tidepool_summa::paraminfo::{self, ParamTable};
use tidepool_summa::params::{Kind, MapEntry, Mode, Plan};
use tidepool_summa::settings::{ControlFile, KeyFile, Namelist};

/// The tables a plan is resolved against, read from the model's source settings.
#[derive(Debug)]
pub struct Tables {
    pub local: ParamTable,
    pub basin: ParamTable,
    /// mizuRoute's param.nml, with routing.
    pub namelist: Option<Namelist>,
}

impl Tables {
    /// Reads the tables; `map` gives the path actually read for a configured one (the
    /// node's staged copy).
    pub fn read(spec: &SummaSpec, map: &dyn Fn(&Path) -> PathBuf) -> Result<Tables, String> {
        let manager = KeyFile::read(&map(&spec.file_manager)).map_err(|e| chain(&e))?;
        let settings = map(&spec.settings());
        let table = |key: &str, default: &str| {
            let name = manager.get(key).unwrap_or(default);
            paraminfo::read(&settings.join(name)).map_err(|e| chain(&e))
        };
        let local = table("globalHruParamFile", "localParamInfo.txt")?;
        let basin = table("globalGruParamFile", "basinParamInfo.txt")?;
        let namelist = match (&spec.mizuroute_control, spec.mizuroute_settings()) {
            (Some(control), Some(dir)) => source_namelist(&map(control), &map(&dir))?,
            _ => None,
        };
        Ok(Tables {
            local,
            basin,
            namelist,
        })
    }

    /// The plan of `names`; an unknown name says which files were searched.
    pub fn plan(&self, spec: &SummaSpec, names: &[String]) -> Result<Plan, String> {
        Plan::resolve(
            names,
            &self.local,
            &self.basin,
            self.namelist.as_ref(),
            &map_entries(spec),
        )
        .map_err(|e| chain(&e))
    }
}

/// The source `param.nml`: the control's `<param_nml>` file name in mizuRoute's
/// settings directory; `None` when the control names none.
fn source_namelist(control: &Path, dir: &Path) -> Result<Option<Namelist>, String> {
    let control = ControlFile::read(control).map_err(|e| chain(&e))?;
    let Some(name) = control
        .get("param_nml")
        .and_then(|p| Path::new(p).file_name().map(PathBuf::from))
    else {
        return Ok(None);
    };
    Namelist::read(&dir.join(name))
        .map(Some)
        .map_err(|e| chain(&e))
}

fn map_entries(spec: &SummaSpec) -> BTreeMap<String, MapEntry> {
    spec.param_map
        .iter()
        .map(|(name, entry)| {
            let mode = match entry.mode {
                ParamMode::Value => Mode::Value,
                ParamMode::Multiplier => Mode::Multiplier,
            };
            let kind = entry.kind.map(|kind| match kind {
                ParamKind::Local => Kind::Local,
                ParamKind::Basin => Kind::Basin,
                ParamKind::Mizuroute => Kind::MizuRoute,
            });
            let target = entry.target.clone();
            (name.clone(), MapEntry { target, mode, kind })
        })
        .collect()
}

/// An error with its causes, `a: b: c`.
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text += &format!(": {cause}");
        source = cause.source();
    }
    text
}
