//! `[model] kind = "summa"` as data: where SUMMA, mizuRoute and their settings are,
//! the periods, the outlet reach and the time limits of each executable.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// SUMMA's default time limit (SYMFLUENCE's): 2 h.
pub const DEFAULT_SUMMA_TIMEOUT: Duration = Duration::from_secs(7200);
/// mizuRoute's default time limit: 1 h.
pub const DEFAULT_MIZUROUTE_TIMEOUT: Duration = Duration::from_secs(3600);

/// A SUMMA (+ mizuRoute) model run natively by the slot: parameters written into
/// `trialParams.nc` (and `param.nml`), the executables run on scratch, the routed flow
/// at the outlet reach returned as the series `q`. Paths are absolute once the config
/// has resolved them against its own directory.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SummaSpec {
    /// `summa_sundials.exe` or `summa.exe`.
    pub summa_exe: PathBuf,
    /// SUMMA's fileManager (`key 'value' ! comment`).
    pub file_manager: PathBuf,
    /// mizuRoute's executable; omitted (with `mizuroute_control`) for a lumped domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mizuroute_exe: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mizuroute_control: Option<PathBuf>,
    /// SUMMA's settings directory; default: the fileManager's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings_dir: Option<PathBuf>,
    /// mizuRoute's settings directory; default: the control file's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mizuroute_settings_dir: Option<PathBuf>,
    /// The parameter file SUMMA reads, a name in the settings directory; default: the
    /// fileManager's `trialParamFile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_params: Option<String>,
    /// A-priori values for `*_multp` parameters; default: the settings directory's
    /// trial parameter file as found before any trial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priori_params: Option<PathBuf>,
    /// `[start, end]` of the spin-up; SUMMA's `simStartTime` is its start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spinup: Option<[String; 2]>,
    /// `[start, end]` of what SUMMA simulates (`simStartTime`, `simEndTime`). Filled by
    /// the config from `spinup` and `[objective]`'s periods when not written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation: Option<[String; 2]>,
    /// The reach whose routed flow is `q`; default: the one with the highest mean flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet_reach: Option<i64>,
    #[serde(
        default,
        with = "crate::duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub summa_timeout: Option<Duration>,
    #[serde(
        default,
        with = "crate::duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub mizuroute_timeout: Option<Duration>,
    /// Overrides the fileManager's `forcingPath` (e.g. a tree staged with `[stage] dirs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forcing_dir: Option<PathBuf>,
    /// Parameter names that do not follow the `summa_calib` convention.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub param_map: BTreeMap<String, ParamTarget>,
}

/// `[model.param_map] my_k = { target = "k_soil", mode = "multiplier" }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamTarget {
    pub target: String,
    #[serde(default)]
    pub mode: ParamMode,
    /// Looked up in the param-info files when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ParamKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamMode {
    /// The absolute value.
    #[default]
    Value,
    /// A multiplier of the a-priori value.
    Multiplier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamKind {
    /// Per HRU (localParamInfo.txt).
    Local,
    /// Per GRU (basinParamInfo.txt).
    Basin,
    /// mizuRoute's param.nml.
    Mizuroute,
}

impl SummaSpec {
    /// SUMMA's time limit (default [`DEFAULT_SUMMA_TIMEOUT`]).
    pub fn summa_limit(&self) -> Duration {
        self.summa_timeout.unwrap_or(DEFAULT_SUMMA_TIMEOUT)
    }

    /// mizuRoute's time limit (default [`DEFAULT_MIZUROUTE_TIMEOUT`]).
    pub fn mizuroute_limit(&self) -> Duration {
        self.mizuroute_timeout.unwrap_or(DEFAULT_MIZUROUTE_TIMEOUT)
    }

    /// SUMMA's settings directory: `settings_dir`, else the fileManager's directory.
    pub fn settings(&self) -> PathBuf {
        self.settings_dir
            .clone()
            .unwrap_or_else(|| parent(&self.file_manager))
    }

    /// mizuRoute's settings directory, with routing.
    pub fn mizuroute_settings(&self) -> Option<PathBuf> {
        self.mizuroute_settings_dir
            .clone()
            .or_else(|| self.mizuroute_control.as_deref().map(parent))
    }

    /// Every path of the spec, for resolving and staging them in one place.
    pub fn paths_mut(&mut self) -> Vec<&mut PathBuf> {
        let mut paths = vec![&mut self.summa_exe, &mut self.file_manager];
        paths.extend(self.mizuroute_exe.as_mut());
        paths.extend(self.mizuroute_control.as_mut());
        paths.extend(self.settings_dir.as_mut());
        paths.extend(self.mizuroute_settings_dir.as_mut());
        paths.extend(self.priori_params.as_mut());
        paths.extend(self.forcing_dir.as_mut());
        paths
    }
}

fn parent(path: &std::path::Path) -> PathBuf {
    path.parent().map(PathBuf::from).unwrap_or_default()
}
