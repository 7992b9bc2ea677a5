//! Writing `trialParams.nc` atomically: the new contents go to a temporary file in the
//! target's directory (same file system, so the rename is atomic), which is renamed over
//! the target. When the target already holds every variable with the same dimensions,
//! the temporary file starts as a copy of it and only the values are written (the
//! variables' attributes and any extra variables stay); otherwise it is built afresh.
//!
//! The file is written in a classic format (64-bit offset; CDF-5 when the ids are
//! int64), never NetCDF-4: HDF5 opens files under an `flock`, and libnetcdf opens them
//! without close-on-exec, so a program another slot of the same process starts while
//! the file is open inherits the lock, and SUMMA cannot open its trialParams.nc until
//! that program ends. A NetCDF-4 target (such as a setup's own trialParams.nc) is
//! therefore rebuilt rather than updated in place; classic files, which libnetcdf opens
//! without locks, are updated in place from then on.

use super::attributes::{id_kind, IdKind, Ids};
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

    /// True when `path` is a classic file with every variable of ours on the same
    /// dimension and length, the ids in the same integer type, parameters as doubles.
    fn fits(&self, path: &Path) -> bool {
        if !is_classic(path) {
            return false;
        }
        let Ok(file) = netcdf::open(path) else {
            return false;
        };
        let same = |name: &str, dim: &str, len: usize| {
            file.variable(name)
                .is_some_and(|v| dims(&v) == [dim] && v.len() == len)
        };
        let same_ids = |name: &str, dim: &str, ids: &Ids| {
            same(name, dim, ids.values.len())
                && file.variable(name).is_some_and(|v| id_kind(&v) == ids.kind)
        };
        same_ids("hruId", "hru", &self.hru_ids)
            && same_ids("gruId", "gru", &self.gru_ids)
            && self.params.iter().all(|p| {
                same(&p.name, p.dim.name(), p.values.len())
                    && file.variable(&p.name).is_some_and(|v| is_double(&v))
            })
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
        let int64 = [&self.hru_ids, &self.gru_ids]
            .iter()
            .any(|i| i.kind == IdKind::Int64);
        let format = match int64 {
            true => netcdf::Options::_64BIT_DATA,
            false => netcdf::Options::_64BIT_OFFSET,
        };
        let mut file = netcdf::create_with(temp, format).map_err(err)?;
        file.add_dimension("hru", self.hru_ids.values.len())
            .map_err(err)?;
        file.add_dimension("gru", self.gru_ids.values.len())
            .map_err(err)?;
        add_ids(&mut file, temp, "hruId", ParamDim::Hru, self.hru_ids.kind)?;
        add_ids(&mut file, temp, "gruId", ParamDim::Gru, self.gru_ids.kind)?;
        for var in &self.params {
            let mut v = file
                .add_variable::<f64>(&var.name, &[var.dim.name()])
                .map_err(err)?;
            v.set_fill_value(f64::NAN).map_err(err)?;
        }
        // Everything defined first: a classic file leaves define mode once.
        file.enddef().map_err(err)?;
        put_ids(&mut file, temp, "hruId", &self.hru_ids)?;
        put_ids(&mut file, temp, "gruId", &self.gru_ids)?;
        for var in &self.params {
            put(&mut file, temp, &var.name, &var.values)?;
        }
        file.close().map_err(err)
    }
}

fn is_double(var: &netcdf::Variable) -> bool {
    use netcdf::types::{FloatType, NcVariableType};
    matches!(var.vartype(), NcVariableType::Float(FloatType::F64))
}

/// A classic-format file (`CDF\x01`, `\x02`, `\x05`), which libnetcdf opens without
/// HDF5 and its locks.
fn is_classic(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic[..3] == *b"CDF" && matches!(magic[3], 1 | 2 | 5))
}

fn add_ids(
    file: &mut netcdf::FileMut,
    temp: &Path,
    name: &str,
    dim: ParamDim,
    kind: IdKind,
) -> Result<(), NcError> {
    let err = |source| write_error(temp, source);
    let long_name = match dim {
        ParamDim::Hru => "Index of hydrological response unit (HRU)",
        ParamDim::Gru => "Index of grouped response unit (GRU)",
    };
    let mut var = match kind {
        IdKind::Int => file.add_variable::<i32>(name, &[dim.name()]),
        IdKind::Int64 => file.add_variable::<i64>(name, &[dim.name()]),
    }
    .map_err(err)?;
    var.put_attribute("units", "-").map_err(err)?;
    var.put_attribute("long_name", long_name).map_err(err)?;
    Ok(())
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
