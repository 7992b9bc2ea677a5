//! A variable on `(time, X)` (or `(X, time)`) with the ids of `X` from a coordinate
//! variable and its decoded time axis. Values are read a column at a time, never the
//! whole variable: an hourly mizuRoute history of thousands of reaches over years is
//! gigabytes, and one trial needs one reach.

use super::read::{dims, f64s, i64s, text_attribute, variable};
use super::{cftime, NcError};
use std::path::Path;
use tidepool_metrics::Series;

/// How many values the highest-mean scan reads at once.
const BLOCK: usize = 1 << 22;

/// A 2-D variable, its coordinate ids and its decoded times.
pub(crate) struct Table<'f> {
    var: netcdf::Variable<'f>,
    pub variable: String,
    pub coords: Vec<i64>,
    pub times: Vec<i64>,
    time_first: bool,
}

impl<'f> Table<'f> {
    pub fn read(
        file: &'f netcdf::File,
        path: &Path,
        name: &str,
        coord_var: &str,
    ) -> Result<Table<'f>, NcError> {
        let var = variable(file, path, name)?;
        let coord = variable(file, path, coord_var)?;
        let coord_dim = match dims(&coord).as_slice() {
            [d] => d.clone(),
            found => return Err(shape(path, coord_var, "one dimension", found)),
        };
        let (time_dim, time_first) = match dims(&var).as_slice() {
            [t, x] if *x == coord_dim => (t.clone(), true),
            [x, t] if *x == coord_dim => (t.clone(), false),
            found => return Err(shape(path, name, &format!("(time, {coord_dim})"), found)),
        };
        let time_var = file
            .variable(&time_dim)
            .map_or_else(|| variable(file, path, "time"), Ok)?;
        Ok(Table {
            times: decode_times(&time_var, path, name)?,
            coords: i64s(&coord, path)?,
            variable: name.to_string(),
            var,
            time_first,
        })
    }

    /// The values of one column (one reach), in time order.
    pub fn column(&self, path: &Path, column: usize) -> Result<Vec<f64>, NcError> {
        let values = match self.time_first {
            true => self.var.get_values::<f64, _>((.., column)),
            false => self.var.get_values::<f64, _>((column, ..)),
        };
        values.map_err(|source| self.read_error(path, source))
    }

    pub fn position(&self, path: &Path, coord_var: &str, value: i64) -> Result<usize, NcError> {
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

    /// The column with the highest mean. A non-finite value in any column is an error:
    /// a NaN at the true outlet must fail the trial, not move the outlet elsewhere.
    pub fn highest_mean(&self, path: &Path) -> Result<usize, NcError> {
        let sums = self.column_sums(path)?;
        if let Some(c) = sums.iter().position(|s| !s.is_finite()) {
            self.check_finite(path, &self.column(path, c)?, c)?;
        }
        let best = sums.iter().enumerate().filter(|(_, s)| s.is_finite()).fold(
            None,
            |best: Option<(usize, f64)>, (c, &s)| match best {
                Some((_, b)) if b >= s => best,
                _ => Some((c, s)),
            },
        );
        Ok(best.map_or(0, |(c, _)| c))
    }

    /// The sum of each column, read in blocks of whole time steps.
    fn column_sums(&self, path: &Path) -> Result<Vec<f64>, NcError> {
        let rows = (BLOCK / self.coords.len().max(1)).max(1);
        self.sums_in_blocks(path, rows)
    }

    fn sums_in_blocks(&self, path: &Path, rows: usize) -> Result<Vec<f64>, NcError> {
        let (nt, nc) = (self.times.len(), self.coords.len());
        if !self.time_first {
            let sum = |c| self.column(path, c).map(|v| v.iter().sum());
            return (0..nc).map(sum).collect();
        }
        let mut sums = vec![0.0; nc];
        for start in (0..nt).step_by(rows) {
            let end = (start + rows).min(nt);
            let block = self
                .var
                .get_values::<f64, _>((start..end, ..))
                .map_err(|source| self.read_error(path, source))?;
            for (i, v) in block.iter().enumerate() {
                sums[i % nc] += v;
            }
        }
        Ok(sums)
    }

    /// `values` on the table's times, as the series `name`.
    pub fn series(&self, path: &Path, name: &str, values: Vec<f64>) -> Result<Series, NcError> {
        Series::new(name, self.times.clone(), values).map_err(|source| NcError::Series {
            path: path.to_path_buf(),
            variable: self.variable.clone(),
            source,
        })
    }

    /// An error unless every value is finite (NaN flow is a failed trial).
    pub fn check_finite(&self, path: &Path, values: &[f64], column: usize) -> Result<(), NcError> {
        match values.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(index) => Err(NcError::NotFinite {
                path: path.to_path_buf(),
                variable: self.variable.clone(),
                index,
                column,
            }),
        }
    }

    fn read_error(&self, path: &Path, source: netcdf::Error) -> NcError {
        NcError::Read {
            path: path.to_path_buf(),
            variable: self.variable.clone(),
            source,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `q(time, seg)` = 10 x t + seg id, 5 steps, 3 reaches (ids 10, 20, 30).
    fn write(path: &Path) {
        write_with(path, None);
    }

    /// The same, with NaN at (time 1, reach index `nan_in`) if given.
    fn write_with(path: &Path, nan_in: Option<usize>) {
        let mut file = netcdf::create_with(path, netcdf::Options::_64BIT_OFFSET).unwrap();
        file.add_dimension("time", 5).unwrap();
        file.add_dimension("seg", 3).unwrap();
        file.add_variable::<f64>("time", &["time"])
            .unwrap()
            .put_attribute("units", "days since 2000-01-01")
            .unwrap();
        file.add_variable::<i32>("reachID", &["seg"]).unwrap();
        file.add_variable::<f64>("q", &["time", "seg"]).unwrap();
        file.enddef().unwrap();
        let q: Vec<f64> = (0..15)
            .map(|i| (10 * (i / 3) + 10 * (i % 3 + 1)) as f64)
            .collect();
        let mut q = q;
        if let Some(c) = nan_in {
            q[3 + c] = f64::NAN;
        }
        file.variable_mut("q").unwrap().put_values(&q, ..).unwrap();
        let ids = [10, 20, 30];
        file.variable_mut("reachID")
            .unwrap()
            .put_values(&ids, ..)
            .unwrap();
        let days = [0.0, 1.0, 2.0, 3.0, 4.0];
        file.variable_mut("time")
            .unwrap()
            .put_values(&days, ..)
            .unwrap();
        file.close().unwrap();
    }

    #[test]
    fn sums_are_the_same_in_any_block_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.nc");
        write(&path);
        let file = netcdf::open(&path).unwrap();
        let table = Table::read(&file, &path, "q", "reachID").unwrap();
        // Column c (id 10(c+1)): sum over t of 10 t + 10 (c+1) = 100 + 50 (c+1).
        let want = vec![150.0, 200.0, 250.0];
        for rows in [1, 2, 3, 5, 100] {
            assert_eq!(
                table.sums_in_blocks(&path, rows).unwrap(),
                want,
                "rows {rows}"
            );
        }
        assert_eq!(table.highest_mean(&path).unwrap(), 2);
        assert_eq!(
            table.column(&path, 1).unwrap(),
            vec![20.0, 30.0, 40.0, 50.0, 60.0]
        );
    }

    #[test]
    fn a_nan_in_the_highest_reach_is_an_error_not_another_outlet() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.nc");
        write_with(&path, Some(2));
        let file = netcdf::open(&path).unwrap();
        let table = Table::read(&file, &path, "q", "reachID").unwrap();
        match table.highest_mean(&path) {
            Err(NcError::NotFinite { index, column, .. }) => assert_eq!((index, column), (1, 2)),
            other => panic!("expected NotFinite at (1, 2), got {other:?}"),
        }
    }
}
