//! Writing `trialParams.nc` atomically: the new contents go to a temporary file in the
//! target's directory (same file system, so the rename is atomic), which is renamed over
//! the target. When the target already holds every variable with the same dimensions,
//! the temporary file starts as a copy of it and only the values are written (the
//! variables' attributes and any extra variables stay); otherwise it is built afresh.

use super::attributes::{IdKind, Ids};
use super::read::dims;
use super::trial_params::{ParamDim, TrialParams};
use super::NcError;
use std::path::{Path, PathBuf};

impl TrialParams {
    /// Writes these parameters to `path`, atomically (temp file + rename).
    pub fn write_atomic(&self, path: &Path) -> Result<(), NcError> {
        self.check_lengths(path)?;
        let temp = temp_path(path);
        let result = match self.fits(path) {
            true => copy(path, &temp).and_then(|()| self.update(&temp)),
            false => self.rebuild(&temp),
        };
        let result = result.and_then(|()| {
            std::fs::rename(&temp, path).map_err(|source| NcError::Io {
                action: "rename the new trial parameter file onto",
                path: path.to_path_buf(),
                source,
            })
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    /// True when `path` has every variable of ours on the same dimension and length.
    fn fits(&self, path: &Path) -> bool {
        let Ok(file) = netcdf::open(path) else {
            return false;
        };
        let same = |name: &str, dim: &str, len: usize| {
            file.variable(name)
                .is_some_and(|v| dims(&v) == [dim] && v.len() == len)
        };
        same("hruId", "hru", self.hru_ids.values.len())
            && same("gruId", "gru", self.gru_ids.values.len())
            && self
                .params
                .iter()
                .all(|p| same(&p.name, p.dim.name(), p.values.len()))
    }

    fn update(&self, temp: &Path) -> Result<(), NcError> {
        let mut file = netcdf::append(temp).map_err(|source| write_error(temp, source))?;
        put_ids(&mut file, temp, "hruId", &self.hru_ids)?;
        put_ids(&mut file, temp, "gruId", &self.gru_ids)?;
        for var in &self.params {
            put(&mut file, temp, &var.name, &var.values)?;
        }
        file.close().map_err(|source| write_error(temp, source))
    }

    fn rebuild(&self, temp: &Path) -> Result<(), NcError> {
        let err = |source| write_error(temp, source);
        let mut file = netcdf::create_with(temp, netcdf::Options::NETCDF4).map_err(err)?;
        file.add_dimension("hru", self.hru_ids.values.len())
            .map_err(err)?;
        file.add_dimension("gru", self.gru_ids.values.len())
            .map_err(err)?;
        add_ids(&mut file, temp, "hruId", ParamDim::Hru, &self.hru_ids)?;
        add_ids(&mut file, temp, "gruId", ParamDim::Gru, &self.gru_ids)?;
        for var in &self.params {
            let mut v = file
                .add_variable::<f64>(&var.name, &[var.dim.name()])
                .map_err(err)?;
            v.set_fill_value(f64::NAN).map_err(err)?;
            v.put_values(&var.values, ..).map_err(err)?;
        }
        file.close().map_err(err)
    }
}

fn add_ids(
    file: &mut netcdf::FileMut,
    temp: &Path,
    name: &str,
    dim: ParamDim,
    ids: &Ids,
) -> Result<(), NcError> {
    let err = |source| write_error(temp, source);
    let long_name = match dim {
        ParamDim::Hru => "Index of hydrological response unit (HRU)",
        ParamDim::Gru => "Index of grouped response unit (GRU)",
    };
    let mut var = match ids.kind {
        IdKind::Int => file.add_variable::<i32>(name, &[dim.name()]),
        IdKind::Int64 => file.add_variable::<i64>(name, &[dim.name()]),
    }
    .map_err(err)?;
    var.put_attribute("units", "-").map_err(err)?;
    var.put_attribute("long_name", long_name).map_err(err)?;
    drop(var);
    put_ids(file, temp, name, ids)
}

fn put_ids(file: &mut netcdf::FileMut, temp: &Path, name: &str, ids: &Ids) -> Result<(), NcError> {
    let mut var = file.variable_mut(name).ok_or_else(|| missing(temp, name))?;
    var.put_values(&ids.values, ..)
        .map_err(|source| write_error(temp, source))
}

fn put(file: &mut netcdf::FileMut, temp: &Path, name: &str, values: &[f64]) -> Result<(), NcError> {
    let mut var = file.variable_mut(name).ok_or_else(|| missing(temp, name))?;
    var.put_values(values, ..)
        .map_err(|source| write_error(temp, source))
}

fn copy(from: &Path, to: &Path) -> Result<(), NcError> {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|source| NcError::Io {
            action: "copy the trial parameter file to",
            path: to.to_path_buf(),
            source,
        })
}

/// `.<name>.tmp-<pid>` next to `path`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or("trialParams.nc".into(), |n| n.to_string_lossy());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

fn write_error(path: &Path, source: netcdf::Error) -> NcError {
    NcError::Write {
        path: path.to_path_buf(),
        source,
    }
}

fn missing(path: &Path, name: &str) -> NcError {
    NcError::MissingVariable {
        path: path.to_path_buf(),
        variable: name.to_string(),
    }
}
