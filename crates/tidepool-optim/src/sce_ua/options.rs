//! The settings of SCE-UA and their resolution against the dimension: the defaults are
//! SPOTPY 1.6.7's (`ngs = 20`, `kstop = 100`, `pcento = peps = 1e-7`) and Duan et al.'s
//! (`m = 2n + 1` points per complex, `q = n + 1` per simplex, `beta = m` steps).

use serde::{Deserialize, Serialize};

use crate::error::OptimError;

/// SCE-UA settings (`[optimizer.sce_ua]` in a run config; a key left out keeps its
/// default); `None` sizes follow the dimension n.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SceUaOptions {
    /// Number of complexes (ngs).
    pub complexes: usize,
    /// Points per complex (npg); default 2n + 1.
    pub complex_size: Option<usize>,
    /// Points per simplex, the sub-complex (nps); default n + 1.
    pub simplex_size: Option<usize>,
    /// Evolution steps of each complex between shuffles (nspl); default the complex size.
    pub evolution_steps: Option<usize>,
    /// Shuffling loops over which the best value's change is measured.
    pub kstop: u32,
    /// Stop when the best value changed by less than this percentage over `kstop` loops.
    pub pcento: f64,
    /// Stop when the population's normalised geometric range falls below this.
    pub peps: f64,
}

impl Default for SceUaOptions {
    fn default() -> Self {
        SceUaOptions {
            complexes: 20,
            complex_size: None,
            simplex_size: None,
            evolution_steps: None,
            kstop: 100,
            pcento: 1e-7,
            peps: 1e-7,
        }
    }
}

/// The sizes of one run, resolved for its dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sizes {
    pub ngs: usize,
    pub npg: usize,
    pub nps: usize,
    pub nspl: usize,
}

impl Sizes {
    /// The population: ngs complexes of npg points.
    pub fn population(&self) -> usize {
        self.ngs * self.npg
    }
}

fn bad(key: &'static str, value: impl ToString, reason: &'static str) -> OptimError {
    OptimError::Setting {
        key,
        value: value.to_string(),
        reason,
    }
}

impl SceUaOptions {
    /// Refuses values no dimension could use; the error names the key
    /// (`sce_ua.complexes`, ...).
    pub fn check(&self) -> Result<(), OptimError> {
        let size = |key, v: Option<usize>, least: usize, reason| match v {
            Some(n) if n < least => Err(bad(key, n, reason)),
            _ => Ok(()),
        };
        size(
            "sce_ua.complexes",
            Some(self.complexes),
            1,
            "give at least one complex",
        )?;
        size(
            "sce_ua.complex_size",
            self.complex_size,
            2,
            "a complex needs at least 2 points",
        )?;
        size(
            "sce_ua.simplex_size",
            self.simplex_size,
            2,
            "a simplex needs at least 2 points (a best and a worst)",
        )?;
        size(
            "sce_ua.evolution_steps",
            self.evolution_steps,
            1,
            "must be at least 1",
        )?;
        if self.kstop == 0 {
            return Err(bad("sce_ua.kstop", 0, "must be at least 1"));
        }
        for (key, v) in [("sce_ua.pcento", self.pcento), ("sce_ua.peps", self.peps)] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(bad(key, v, "must be a non-negative number"));
            }
        }
        Ok(())
    }

    /// The sizes for `dim` parameters; a simplex larger than its complex is refused.
    pub fn sizes(&self, dim: usize) -> Result<Sizes, OptimError> {
        let npg = self.complex_size.unwrap_or(2 * dim + 1);
        let nps = self.simplex_size.unwrap_or(dim + 1);
        if nps > npg {
            return Err(bad(
                "sce_ua.simplex_size",
                nps,
                "the simplex cannot hold more points than its complex (complex_size)",
            ));
        }
        Ok(Sizes {
            ngs: self.complexes,
            npg,
            nps,
            nspl: self.evolution_steps.unwrap_or(npg),
        })
    }
}
