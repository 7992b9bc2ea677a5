//! From calibrated parameter names to what SUMMA and mizuRoute read.
//!
//! A name says what it is (the `summa_calib` convention): a plain SUMMA name
//! (`theta_sat`) is the absolute value, local (per HRU) if localParamInfo.txt lists it,
//! basin (per GRU) if basinParamInfo.txt does, a mizuRoute parameter if `param.nml`
//! assigns it; `<name>_multp` is a multiplier of that parameter's a-priori values; and
//! `thickness_multp` is derived: `heightCanopyTop = heightCanopyBottom + (top - bottom)
//! a-priori x multiplier`, applied after `heightCanopyBottom_multp`. Names that follow
//! no convention are mapped explicitly ([`MapEntry`]).
//!
//! [`Plan::resolve`] does the lookups once (module `resolve`); [`Plan::apply`] turns one
//! trial's values into a `trialParams` and a `param.nml` (module `apply`), starting from the
//! a-priori ones so that every parameter not calibrated keeps its value.

mod apply;
mod resolve;

use std::path::PathBuf;

/// Which file a parameter goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Per HRU, in trialParams.nc (localParamInfo.txt).
    Local,
    /// Per GRU, in trialParams.nc (basinParamInfo.txt).
    Basin,
    /// mizuRoute's param.nml.
    MizuRoute,
}

/// How a searched value becomes the parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The value itself.
    Value,
    /// A factor on the a-priori value(s).
    Multiplier,
    /// `heightCanopyTop = heightCanopyBottom + (top - bottom)_apriori x value`.
    CanopyThickness,
}

/// An explicit mapping for a name outside the convention (`[model.param_map]`).
#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub target: String,
    /// `Value` or `Multiplier`.
    pub mode: Mode,
    /// Looked up in the tables when `None`.
    pub kind: Option<Kind>,
}

/// One calibrated parameter, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The name the calibration searches (`k_soil_multp`).
    pub name: String,
    /// The SUMMA or mizuRoute parameter it sets (`k_soil`).
    pub target: String,
    pub kind: Kind,
    pub mode: Mode,
    /// Default bounds: a parameter table's `lower | upper` for a local or basin value.
    pub bounds: Option<(f64, f64)>,
    /// The parameter table's default (the a-priori value when the file lacks one).
    pub table_default: Option<f64>,
}

/// Every calibrated parameter, resolved, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub params: Vec<Resolved>,
}

impl Plan {
    pub fn get(&self, name: &str) -> Option<&Resolved> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The default bounds of `name`, if its table gives them.
    pub fn bounds(&self, name: &str) -> Option<(f64, f64)> {
        self.get(name).and_then(|p| p.bounds)
    }

    /// True if any parameter goes to param.nml.
    pub fn has_mizuroute(&self) -> bool {
        self.params.iter().any(|p| p.kind == Kind::MizuRoute)
    }
}

/// What went wrong resolving or applying the parameters.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error("parameter `{name}`: `{target}` is in none of {searched:?}; check the spelling, or map it in [model.param_map]")]
    Unknown {
        name: String,
        target: String,
        searched: Vec<PathBuf>,
    },
    #[error("parameter `{name}` is a mizuRoute parameter but no param.nml was given; set mizuroute_control")]
    NoNamelist { name: String },
    #[error("parameter `{name}`: no a-priori value of `{target}` (not in the a-priori trialParams, and its table has no default); set priori_params to a file that has it")]
    NoPriori { name: String, target: String },
    #[error("no value given for parameter `{name}`")]
    MissingValue { name: String },
    #[error("a value was given for `{name}`, which is not a calibrated parameter")]
    UnexpectedValue { name: String },
    #[error("parameter `{name}`: cannot set `{target}` in param.nml ({reason})")]
    Namelist {
        name: String,
        target: String,
        reason: String,
    },
}
