//! The NetCDF files of one evaluation, through the `netcdf` crate (libnetcdf).
//!
//! Inputs: `attributes.nc` (HRU and GRU ids, the HRU-to-GRU map, HRU areas) and
//! `trialParams.nc` (the parameters SUMMA reads: `hruId(hru)`, `gruId(gru)`, one `f64`
//! variable per parameter on `hru` or `gru`), written atomically: a temporary file in the
//! same directory, renamed over the target, so SUMMA never sees half a file; in a
//! classic format, which opens without HDF5's file locks (see `write`).
//!
//! Outputs: a variable indexed along one dimension by a coordinate value (`series_at`:
//! the mizuRoute flow of reach 71028585 is found by its id in `reachID`, never by
//! position), with its time axis decoded from CF `units`/`calendar` ([`cftime`]).

mod attributes;
pub mod cftime;
mod flow;
mod read;
mod table;
mod trial_params;
mod write;

pub use attributes::{Attributes, IdKind, Ids};
pub use flow::{lumped_flow, routed_flow, series_at, RoutedFlow, ROUTED_VARIABLES};
pub use trial_params::{ParamDim, ParamVar, TrialParams};

use std::path::PathBuf;

/// What went wrong with a NetCDF file; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum NcError {
    #[error("cannot open NetCDF file {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: netcdf::Error,
    },
    #[error("{path} has no variable `{variable}`")]
    MissingVariable { path: PathBuf, variable: String },
    #[error("{path} has none of the variables {tried:?}; is it the right output file?")]
    NoneOf { path: PathBuf, tried: Vec<String> },
    #[error("{path} has no dimension `{dimension}`")]
    MissingDimension { path: PathBuf, dimension: String },
    #[error("cannot read `{variable}` in {path}")]
    Read {
        path: PathBuf,
        variable: String,
        #[source]
        source: netcdf::Error,
    },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: netcdf::Error,
    },
    #[error("cannot {action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{variable}` in {path} has dimensions {found:?}; expected {expected}")]
    Shape {
        path: PathBuf,
        variable: String,
        expected: String,
        found: Vec<String>,
    },
    #[error("`{variable}` in {path} has {found} values; expected {expected} (its dimension `{dimension}`)")]
    Length {
        path: PathBuf,
        variable: String,
        dimension: String,
        expected: usize,
        found: usize,
    },
    #[error("{path}: no `{coord_var}` equals {value} (it holds {count} values, e.g. {first:?})")]
    CoordNotFound {
        path: PathBuf,
        coord_var: String,
        value: i64,
        count: usize,
        first: Option<i64>,
    },
    #[error("{path}: `{variable}` is not finite at time index {index} (column {column})")]
    NotFinite {
        path: PathBuf,
        variable: String,
        index: usize,
        column: usize,
    },
    #[error("{path}: the time of `{variable}`")]
    Time {
        path: PathBuf,
        variable: String,
        #[source]
        source: cftime::TimeError,
    },
    #[error("{path}: `{variable}`")]
    Series {
        path: PathBuf,
        variable: String,
        #[source]
        source: tidepool_metrics::MetricError,
    },
    #[error("{path}: lumped flow needs one GRU, found {grus}; route with mizuRoute instead")]
    NotLumped { path: PathBuf, grus: usize },
}
