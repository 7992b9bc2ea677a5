//! [`Plan::apply`]: one trial's values onto copies of the a-priori parameters. Values
//! and multipliers first, in the plan's order; the derived canopy top last, so that it
//! builds on the new canopy bottom.

use super::{Kind, Mode, Plan, PlanError, Resolved};
use crate::netcdf_io::{ParamDim, TrialParams};
use crate::settings::Namelist;

const CANOPY_BOTTOM: &str = "heightCanopyBottom";
const CANOPY_TOP: &str = "heightCanopyTop";

impl Plan {
    /// The trial's `trialParams` (and `param.nml`, when a namelist is given): each
    /// calibrated parameter set from `values` (by name), everything else a-priori.
    pub fn apply(
        &self,
        values: &[(String, f64)],
        priori: &TrialParams,
        namelist: Option<&Namelist>,
    ) -> Result<(TrialParams, Option<Namelist>), PlanError> {
        if let Some((name, _)) = values.iter().find(|(n, _)| self.get(n).is_none()) {
            return Err(PlanError::UnexpectedValue { name: name.clone() });
        }
        let mut trial = priori.clone();
        let mut list = namelist.cloned();
        let (derived, direct): (Vec<&Resolved>, Vec<&Resolved>) = self
            .params
            .iter()
            .partition(|p| p.mode == Mode::CanopyThickness);
        for param in direct.into_iter().chain(derived) {
            let value = value_of(values, &param.name)?;
            match param.kind {
                Kind::MizuRoute => set_namelist(param, value, namelist, list.as_mut())?,
                Kind::Local | Kind::Basin => set_trial(param, value, priori, &mut trial)?,
            }
        }
        Ok((trial, list))
    }
}

fn value_of(values: &[(String, f64)], name: &str) -> Result<f64, PlanError> {
    values
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
        .ok_or_else(|| PlanError::MissingValue { name: name.into() })
}

fn set_trial(
    param: &Resolved,
    value: f64,
    priori: &TrialParams,
    trial: &mut TrialParams,
) -> Result<(), PlanError> {
    let dim = match param.kind {
        Kind::Basin => ParamDim::Gru,
        _ => ParamDim::Hru,
    };
    let values = match param.mode {
        Mode::Value => vec![value; trial.len_of(dim)],
        Mode::Multiplier => {
            let base = apriori(priori, &param.target, param.table_default, dim, param)?;
            base.iter().map(|b| b * value).collect()
        }
        Mode::CanopyThickness => {
            let top = apriori(priori, CANOPY_TOP, param.table_default, dim, param)?;
            let bottom = apriori(priori, CANOPY_BOTTOM, None, dim, param)?;
            let new_bottom = apriori(trial, CANOPY_BOTTOM, None, dim, param)?;
            (0..top.len())
                .map(|i| new_bottom[i] + (top[i] - bottom[i]) * value)
                .collect()
        }
    };
    let dim = priori.get(&param.target).map_or(dim, |v| v.dim);
    trial.set(&param.target, dim, values);
    Ok(())
}

/// The a-priori values of `target`: from the file, else the table default spread.
fn apriori(
    priori: &TrialParams,
    target: &str,
    default: Option<f64>,
    dim: ParamDim,
    param: &Resolved,
) -> Result<Vec<f64>, PlanError> {
    if let Some(var) = priori.get(target) {
        return Ok(var.values.clone());
    }
    match default {
        Some(d) => Ok(vec![d; priori.len_of(dim)]),
        None => Err(PlanError::NoPriori {
            name: param.name.clone(),
            target: target.into(),
        }),
    }
}

fn set_namelist(
    param: &Resolved,
    value: f64,
    priori: Option<&Namelist>,
    list: Option<&mut Namelist>,
) -> Result<(), PlanError> {
    let (Some(priori), Some(list)) = (priori, list) else {
        return Err(PlanError::NoNamelist {
            name: param.name.clone(),
        });
    };
    let value = match param.mode {
        Mode::Multiplier => {
            let base = priori
                .get(&param.target)
                .ok_or_else(|| PlanError::NoPriori {
                    name: param.name.clone(),
                    target: param.target.clone(),
                })?;
            base * value
        }
        _ => value,
    };
    list.set(&param.target, value)
        .map_err(|e| PlanError::Namelist {
            name: param.name.clone(),
            target: param.target.clone(),
            reason: e.to_string(),
        })
}
