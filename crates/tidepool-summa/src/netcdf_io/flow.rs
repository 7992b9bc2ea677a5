//! Series out of model outputs: a variable on `(time, X)` taken at the position along
//! `X` where a coordinate variable holds a given id, with its decoded time axis.
//!
//! - [`series_at`]: the generic read (the NetCDF response kind).
//! - [`routed_flow`]: mizuRoute's history file, the first present of
//!   [`ROUTED_VARIABLES`], at a reach id from `reachID` (default: the reach with the
//!   highest mean flow, i.e. the outlet).
//! - [`lumped_flow`]: SUMMA's `averageRoutedRunoff` (m/s) of a one-GRU domain times
//!   its area: m^3/s with no routing.

use super::read::open;
use super::table::Table;
use super::NcError;
use std::path::Path;
use tidepool_metrics::Series;

/// mizuRoute's routed flow variables, in the order they are looked for.
pub const ROUTED_VARIABLES: [&str; 4] = [
    "IRFroutedRunoff",
    "KWTroutedRunoff",
    "averageRoutedRunoff",
    "dlayRunoff",
];

/// SUMMA's own routed runoff (m/s), instantaneous or as an output statistic.
const SUMMA_RUNOFF: [&str; 2] = ["averageRoutedRunoff", "averageRoutedRunoff_mean"];

/// The name of every series read here (what `[objective]` calls `simulated = "q"`).
pub const SERIES_NAME: &str = "q";

/// The flow at one reach of a mizuRoute output.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutedFlow {
    pub reach_id: i64,
    pub variable: String,
    /// m^3/s, one value per output time step.
    pub series: Series,
}

/// `variable` (dims `(time, X)` or `(X, time)`) where `coord_var` (dim `X`) is `value`.
pub fn series_at(
    path: &Path,
    variable_name: &str,
    coord_var: &str,
    value: i64,
) -> Result<Series, NcError> {
    let file = open(path)?;
    let table = Table::read(&file, path, variable_name, coord_var)?;
    let column = table.position(path, coord_var, value)?;
    table.series(path, SERIES_NAME, table.column(path, column)?)
}

/// The routed flow of `reach` (default: the reach with the highest mean flow).
pub fn routed_flow(path: &Path, reach: Option<i64>) -> Result<RoutedFlow, NcError> {
    let file = open(path)?;
    let name = first_present(&file, path, &ROUTED_VARIABLES)?;
    let table = Table::read(&file, path, name, "reachID")?;
    let column = match reach {
        Some(id) => table.position(path, "reachID", id)?,
        None => table.highest_mean(path)?,
    };
    let values = table.column(path, column)?;
    table.check_finite(path, &values, column)?;
    let series = table.series(path, SERIES_NAME, values)?;
    Ok(RoutedFlow {
        reach_id: table.coords[column],
        variable: name.to_string(),
        series,
    })
}

/// SUMMA's routed runoff of a one-GRU domain times `area_m2`: flow in m^3/s.
pub fn lumped_flow(path: &Path, area_m2: f64) -> Result<Series, NcError> {
    let file = open(path)?;
    let name = first_present(&file, path, &SUMMA_RUNOFF)?;
    let table = Table::read(&file, path, name, "gru")
        .or_else(|_| Table::read(&file, path, name, "gruId"))?;
    if table.coords.len() != 1 {
        return Err(NcError::NotLumped {
            path: path.to_path_buf(),
            grus: table.coords.len(),
        });
    }
    let values = table.column(path, 0)?;
    table.check_finite(path, &values, 0)?;
    table.series(
        path,
        SERIES_NAME,
        values.iter().map(|v| v * area_m2).collect(),
    )
}

fn first_present<'a>(
    file: &netcdf::File,
    path: &Path,
    names: &[&'a str],
) -> Result<&'a str, NcError> {
    names
        .iter()
        .copied()
        .find(|n| file.variable(n).is_some())
        .ok_or_else(|| NcError::NoneOf {
            path: path.to_path_buf(),
            tried: names.iter().map(|n| n.to_string()).collect(),
        })
}
