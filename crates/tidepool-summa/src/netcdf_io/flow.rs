//! Series out of model outputs: a variable on `(time, X)` taken at the position along
//! `X` where a coordinate variable holds a given id, with its decoded time axis.
//!
//! - [`series_at`]: the generic read (the NetCDF response kind).
//! - [`routed_flow`]: mizuRoute's history file, the first present of
//!   [`ROUTED_VARIABLES`], at a reach id from `reachID` (default: the reach with the
//!   highest mean flow, i.e. the outlet).
//! - [`lumped_flow`]: SUMMA's `averageRoutedRunoff` (m/s) of a one-GRU domain times
//!   its area: m^3/s with no routing.

use super::read::{dims, f64s, i64s, open, text_attribute, variable};
use super::{cftime, NcError};
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
    table.series(path, column, 1.0)
}

/// The routed flow of `reach` (default: the reach with the highest mean flow).
pub fn routed_flow(path: &Path, reach: Option<i64>) -> Result<RoutedFlow, NcError> {
    let file = open(path)?;
    let name = first_present(&file, path, &ROUTED_VARIABLES)?;
    let table = Table::read(&file, path, name, "reachID")?;
    let column = match reach {
        Some(id) => table.position(path, "reachID", id)?,
        None => table.highest_mean(),
    };
    let series = table.series(path, column, 1.0)?;
    table.check_finite(path, column)?;
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
    let series = table.series(path, 0, area_m2)?;
    table.check_finite(path, 0)?;
    Ok(series)
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

/// A 2-D variable with its coordinate ids and decoded times.
struct Table {
    variable: String,
    values: Vec<f64>,
    coords: Vec<i64>,
    times: Vec<i64>,
    time_first: bool,
}

impl Table {
    fn read(
        file: &netcdf::File,
        path: &Path,
        name: &str,
        coord_var: &str,
    ) -> Result<Table, NcError> {
        let var = variable(file, path, name)?;
        let coord = variable(file, path, coord_var)?;
        let coord_dim = match dims(&coord).as_slice() {
            [d] => d.clone(),
            found => return Err(shape(path, coord_var, "one dimension", found)),
        };
        let var_dims = dims(&var);
        let (time_dim, time_first) = match var_dims.as_slice() {
            [t, x] if *x == coord_dim => (t.clone(), true),
            [x, t] if *x == coord_dim => (t.clone(), false),
            found => return Err(shape(path, name, &format!("(time, {coord_dim})"), found)),
        };
        let time_var = file
            .variable(&time_dim)
            .map_or_else(|| variable(file, path, "time"), Ok)?;
        let times = decode_times(&time_var, path, name)?;
        Ok(Table {
            variable: name.to_string(),
            values: f64s(&var, path)?,
            coords: i64s(&coord, path)?,
            times,
            time_first,
        })
    }

    fn value(&self, t: usize, column: usize) -> f64 {
        match self.time_first {
            true => self.values[t * self.coords.len() + column],
            false => self.values[column * self.times.len() + t],
        }
    }

    fn column(&self, column: usize) -> impl Iterator<Item = f64> + '_ {
        (0..self.times.len()).map(move |t| self.value(t, column))
    }

    fn position(&self, path: &Path, coord_var: &str, value: i64) -> Result<usize, NcError> {
        self.coords
            .iter()
            .position(|&c| c == value)
            .ok_or_else(|| NcError::CoordNotFound {
                path: path.to_path_buf(),
                coord_var: coord_var.to_string(),
                value,
                count: self.coords.len(),
                first: self.coords.first().copied(),
            })
    }

    /// The column with the highest mean (non-finite values make a column lose).
    fn highest_mean(&self) -> usize {
        let n = self.times.len().max(1) as f64;
        let mean = |c: usize| self.column(c).sum::<f64>() / n;
        (0..self.coords.len())
            .map(|c| (c, mean(c)))
            .filter(|(_, m)| m.is_finite())
            .fold(None, |best: Option<(usize, f64)>, (c, m)| match best {
                Some((_, bm)) if bm >= m => best,
                _ => Some((c, m)),
            })
            .map_or(0, |(c, _)| c)
    }

    fn series(&self, path: &Path, column: usize, factor: f64) -> Result<Series, NcError> {
        let values = self.column(column).map(|v| v * factor).collect();
        Series::new(SERIES_NAME, self.times.clone(), values).map_err(|source| NcError::Series {
            path: path.to_path_buf(),
            variable: self.variable.clone(),
            source,
        })
    }

    fn check_finite(&self, path: &Path, column: usize) -> Result<(), NcError> {
        match self.column(column).position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(index) => Err(NcError::NotFinite {
                path: path.to_path_buf(),
                variable: self.variable.clone(),
                index,
                column,
            }),
        }
    }
}

fn decode_times(time_var: &netcdf::Variable, path: &Path, name: &str) -> Result<Vec<i64>, NcError> {
    let units = text_attribute(time_var, "units").unwrap_or_default();
    let calendar = text_attribute(time_var, "calendar");
    let raw = f64s(time_var, path)?;
    cftime::decode(&units, calendar.as_deref(), &raw).map_err(|source| NcError::Time {
        path: path.to_path_buf(),
        variable: name.to_string(),
        source,
    })
}

fn shape(path: &Path, variable: &str, expected: &str, found: &[String]) -> NcError {
    NcError::Shape {
        path: path.to_path_buf(),
        variable: variable.to_string(),
        expected: expected.to_string(),
        found: found.to_vec(),
    }
}
