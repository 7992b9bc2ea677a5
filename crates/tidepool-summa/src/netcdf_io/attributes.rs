//! `attributes.nc`: the ids SUMMA keys its units by (`hruId(hru)`, `gruId(gru)`), the
//! GRU each HRU belongs to (`hru2gruId`) and the HRU areas (`HRUarea`, m^2). The ids keep
//! their NetCDF integer type, so `trialParams.nc` gets the same type SUMMA expects.

use super::read::{expect_dims, f64s, i64s, open, variable};
use super::NcError;
use std::path::Path;

/// The integer type ids are stored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// NetCDF `int` (32-bit), as SUMMA's own files have them.
    Int,
    /// NetCDF `int64`.
    Int64,
}

/// Ids along one dimension, with the type they are written as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    pub values: Vec<i64>,
    pub kind: IdKind,
}

/// What tidepool needs of `attributes.nc`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attributes {
    pub hru_ids: Ids,
    pub gru_ids: Ids,
    /// The GRU id of each HRU.
    pub hru2gru: Vec<i64>,
    /// Area of each HRU, m^2.
    pub hru_area: Vec<f64>,
}

impl Attributes {
    pub fn read(path: &Path) -> Result<Attributes, NcError> {
        let file = open(path)?;
        let hru_ids = read_ids(&file, path, "hruId", "hru")?;
        let gru_ids = read_ids(&file, path, "gruId", "gru")?;
        let map = variable(&file, path, "hru2gruId")?;
        expect_dims(&map, path, &["hru"])?;
        let area = variable(&file, path, "HRUarea")?;
        expect_dims(&area, path, &["hru"])?;
        Ok(Attributes {
            hru_ids,
            gru_ids,
            hru2gru: i64s(&map, path)?,
            hru_area: f64s(&area, path)?,
        })
    }

    /// The area of each GRU (m^2): the sum of its HRUs' areas, in `gru_ids` order.
    pub fn gru_areas(&self) -> Vec<f64> {
        self.gru_ids
            .values
            .iter()
            .map(|gru| {
                self.hru2gru
                    .iter()
                    .zip(&self.hru_area)
                    .filter(|(g, _)| *g == gru)
                    .map(|(_, a)| a)
                    .sum()
            })
            .collect()
    }

    /// The whole domain's area (m^2).
    pub fn total_area(&self) -> f64 {
        self.hru_area.iter().sum()
    }
}

/// An id variable on `dim`, with its integer type.
pub(crate) fn read_ids(
    file: &netcdf::File,
    path: &Path,
    name: &str,
    dim: &str,
) -> Result<Ids, NcError> {
    let var = variable(file, path, name)?;
    expect_dims(&var, path, &[dim])?;
    Ok(Ids {
        values: i64s(&var, path)?,
        kind: id_kind(&var),
    })
}

pub(crate) fn id_kind(var: &netcdf::Variable) -> IdKind {
    use netcdf::types::{IntType, NcVariableType};
    match var.vartype() {
        NcVariableType::Int(IntType::I64 | IntType::U64 | IntType::U32) => IdKind::Int64,
        _ => IdKind::Int,
    }
}
