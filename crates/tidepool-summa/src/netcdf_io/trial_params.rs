//! `trialParams.nc` in memory: the ids and one `f64` variable per parameter, each on
//! its dimension (`hru` for local parameters, `gru` for basin ones). Reading keeps the
//! file's order of variables; writing is in [`super::write`].

use super::attributes::{read_ids, Attributes, Ids};
use super::read::{dims, f64s, open};
use super::NcError;
use std::path::Path;

/// The dimension a parameter lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamDim {
    /// Per HRU: local parameters (localParamInfo.txt).
    Hru,
    /// Per GRU: basin parameters (basinParamInfo.txt).
    Gru,
}

impl ParamDim {
    pub fn name(self) -> &'static str {
        match self {
            ParamDim::Hru => "hru",
            ParamDim::Gru => "gru",
        }
    }
}

/// One parameter variable.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamVar {
    pub name: String,
    pub dim: ParamDim,
    pub values: Vec<f64>,
}

/// The contents of a `trialParams.nc`.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialParams {
    pub hru_ids: Ids,
    pub gru_ids: Ids,
    pub params: Vec<ParamVar>,
}

impl TrialParams {
    /// No parameters yet, the ids (and their types) taken from `attributes.nc`.
    pub fn from_attributes(attributes: &Attributes) -> TrialParams {
        TrialParams {
            hru_ids: attributes.hru_ids.clone(),
            gru_ids: attributes.gru_ids.clone(),
            params: Vec::new(),
        }
    }

    /// Takes the ids (values and integer type) from `attributes.nc`, as SUMMA matches
    /// trialParams to its HRUs and GRUs by them. Lengths are checked when writing.
    pub fn set_ids(&mut self, attributes: &Attributes) {
        self.hru_ids = attributes.hru_ids.clone();
        self.gru_ids = attributes.gru_ids.clone();
    }

    pub fn read(path: &Path) -> Result<TrialParams, NcError> {
        let file = open(path)?;
        let hru_ids = read_ids(&file, path, "hruId", "hru")?;
        let gru_ids = read_ids(&file, path, "gruId", "gru")?;
        let mut params = Vec::new();
        for var in file.variables() {
            let name = var.name();
            if name == "hruId" || name == "gruId" {
                continue;
            }
            let dim = match dims(&var).as_slice() {
                [d] if d == "hru" => ParamDim::Hru,
                [d] if d == "gru" => ParamDim::Gru,
                found => {
                    return Err(NcError::Shape {
                        path: path.to_path_buf(),
                        variable: name,
                        expected: "(hru) or (gru)".into(),
                        found: found.to_vec(),
                    })
                }
            };
            let values = f64s(&var, path)?;
            params.push(ParamVar { name, dim, values });
        }
        Ok(TrialParams {
            hru_ids,
            gru_ids,
            params,
        })
    }

    pub fn get(&self, name: &str) -> Option<&ParamVar> {
        self.params.iter().find(|p| p.name == name)
    }

    /// How many values a variable on `dim` has.
    pub fn len_of(&self, dim: ParamDim) -> usize {
        match dim {
            ParamDim::Hru => self.hru_ids.values.len(),
            ParamDim::Gru => self.gru_ids.values.len(),
        }
    }

    /// Sets (or adds) a parameter; a single value is spread over the dimension.
    pub fn set(&mut self, name: &str, dim: ParamDim, values: Vec<f64>) {
        let values = match values.as_slice() {
            [one] => vec![*one; self.len_of(dim)],
            _ => values,
        };
        let var = ParamVar {
            name: name.to_string(),
            dim,
            values,
        };
        match self.params.iter_mut().find(|p| p.name == name) {
            Some(slot) => *slot = var,
            None => self.params.push(var),
        }
    }

    /// Every variable has as many values as its dimension (checked before writing).
    pub(crate) fn check_lengths(&self, path: &Path) -> Result<(), NcError> {
        for var in &self.params {
            let expected = self.len_of(var.dim);
            if var.values.len() != expected {
                return Err(NcError::Length {
                    path: path.to_path_buf(),
                    variable: var.name.clone(),
                    dimension: var.dim.name().into(),
                    expected,
                    found: var.values.len(),
                });
            }
        }
        Ok(())
    }
}
