//! The lookups behind [`Plan::resolve`]: the naming convention first (explicit
//! mappings win), then the target's kind from the tables, local before basin before
//! param.nml.

use super::{Kind, MapEntry, Mode, Plan, PlanError, Resolved};
use crate::paraminfo::ParamTable;
use crate::settings::Namelist;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The suffix of a multiplier name.
pub const MULTIPLIER_SUFFIX: &str = "_multp";
/// The derived canopy multiplier: scales the canopy's thickness.
pub const THICKNESS: &str = "thickness_multp";

impl Plan {
    /// Resolves every name against the tables and the namelist (see the module docs).
    pub fn resolve(
        names: &[String],
        local: &ParamTable,
        basin: &ParamTable,
        namelist: Option<&Namelist>,
        param_map: &BTreeMap<String, MapEntry>,
    ) -> Result<Plan, PlanError> {
        let tables = Tables {
            local,
            basin,
            namelist,
        };
        let params = names
            .iter()
            .map(|name| tables.resolve(name, param_map.get(name)))
            .collect::<Result<_, _>>()?;
        Ok(Plan { params })
    }
}

struct Tables<'a> {
    local: &'a ParamTable,
    basin: &'a ParamTable,
    namelist: Option<&'a Namelist>,
}

impl Tables<'_> {
    fn resolve(&self, name: &str, mapped: Option<&MapEntry>) -> Result<Resolved, PlanError> {
        let (target, mode, kind) = match mapped {
            Some(m) => (m.target.clone(), m.mode, m.kind),
            None => convention(name),
        };
        let kind = match kind {
            Some(kind) => kind,
            None => self.kind_of(name, &target)?,
        };
        if kind == Kind::MizuRoute && self.namelist.is_none() {
            return Err(PlanError::NoNamelist { name: name.into() });
        }
        let info = match kind {
            Kind::Local => self.local.get(&target),
            Kind::Basin => self.basin.get(&target),
            Kind::MizuRoute => None,
        };
        Ok(Resolved {
            name: name.to_string(),
            bounds: info
                .filter(|_| mode == Mode::Value)
                .map(|i| (i.lower, i.upper)),
            table_default: info.map(|i| i.default),
            target,
            kind,
            mode,
        })
    }

    fn kind_of(&self, name: &str, target: &str) -> Result<Kind, PlanError> {
        if self.local.get(target).is_some() {
            return Ok(Kind::Local);
        }
        if self.basin.get(target).is_some() {
            return Ok(Kind::Basin);
        }
        if self.namelist.is_some_and(|n| n.get(target).is_some()) {
            return Ok(Kind::MizuRoute);
        }
        let mut searched: Vec<PathBuf> = vec![self.local.path.clone(), self.basin.path.clone()];
        if let Some(path) = self.namelist.and_then(Namelist::path) {
            searched.push(path.to_path_buf());
        }
        Err(PlanError::Unknown {
            name: name.to_string(),
            target: target.to_string(),
            searched,
        })
    }
}

/// `(target, mode, kind if fixed)` by the naming convention.
fn convention(name: &str) -> (String, Mode, Option<Kind>) {
    if name == THICKNESS {
        return (
            "heightCanopyTop".into(),
            Mode::CanopyThickness,
            Some(Kind::Local),
        );
    }
    match name.strip_suffix(MULTIPLIER_SUFFIX) {
        Some(base) if !base.is_empty() => (base.to_string(), Mode::Multiplier, None),
        _ => (name.to_string(), Mode::Value, None),
    }
}
