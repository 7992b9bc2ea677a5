//! `[optimizer]`: which search algorithm proposes the trials, and its settings.

use serde::Deserialize;
use tidepool_optim::{Algorithm, BoundRule, OptimError, SceUaOptions, Selection, Settings};

use super::RunConfig;
use crate::ConfigError;

/// `[optimizer]`: the algorithm and its settings; `[run] budget` and `seed` feed it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerSection {
    /// Default: `list` with `[trials] csv`, else `par-dds` for more than one slot in
    /// total and `dds` for one.
    #[serde(default)]
    pub algorithm: Option<Algorithm>,
    /// DDS neighbourhood size, in (0, 1].
    #[serde(default = "default_r")]
    pub r: f64,
    #[serde(default)]
    pub bound_rule: BoundRule,
    /// `pool-dds`: pool size (default min(20, 2 x slots)).
    #[serde(default)]
    pub pool_size: Option<usize>,
    /// `pool-dds`: batch size (default: the slots).
    #[serde(default)]
    pub batch_size: Option<usize>,
    /// `pool-dds`: batches without improvement before stopping.
    #[serde(default = "default_stagnation")]
    pub stagnation_limit: u32,
    /// `sce-ua`: `[optimizer.sce_ua]`, complexes, their sizes and convergence criteria.
    #[serde(default)]
    pub sce_ua: SceUaOptions,
    /// `padds`: how the archive member to perturb after a dominated candidate is
    /// drawn: `hvc` (hypervolume contribution), `crowding` or `ones`.
    #[serde(default)]
    pub selection: Selection,
}

fn default_r() -> f64 {
    0.2
}
fn default_stagnation() -> u32 {
    10
}

impl Default for OptimizerSection {
    fn default() -> Self {
        Self {
            algorithm: None,
            r: default_r(),
            bound_rule: BoundRule::default(),
            pool_size: None,
            batch_size: None,
            stagnation_limit: default_stagnation(),
            sce_ua: SceUaOptions::default(),
            selection: Selection::default(),
        }
    }
}

impl OptimizerSection {
    /// The algorithm to run: the configured one, else `list` when the run has a trials
    /// CSV, else `par-dds` for more than one slot in total and `dds` for one.
    pub fn resolved_algorithm(&self, has_trials_csv: bool, total_slots: usize) -> Algorithm {
        match (self.algorithm, has_trials_csv) {
            (Some(a), _) => a,
            (None, true) => Algorithm::List,
            (None, false) if total_slots > 1 => Algorithm::ParDds,
            (None, false) => Algorithm::Dds,
        }
    }

    /// The optimiser settings for `budget` evaluations.
    pub fn settings(&self, budget: u64) -> Settings {
        Settings {
            r: self.r,
            bound_rule: self.bound_rule,
            pool_size: self.pool_size,
            batch_size: self.batch_size,
            stagnation_limit: self.stagnation_limit,
            sce_ua: self.sce_ua,
            selection: self.selection,
            ..Settings::new(budget)
        }
    }
}

/// The name of an algorithm as written in the config.
pub fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Dds => "dds",
        Algorithm::AsyncDds => "async-dds",
        Algorithm::PoolDds => "pool-dds",
        Algorithm::ParDds => "par-dds",
        Algorithm::Uniform => "uniform",
        Algorithm::Lhs => "lhs",
        Algorithm::Sobol => "sobol",
        Algorithm::List => "list",
        Algorithm::SceUa => "sce-ua",
        Algorithm::Padds => "padds",
    }
}

impl RunConfig {
    /// `[optimizer.sce_ua]`: values no run could use, refused at the key.
    pub(super) fn validate_sce_ua(&self) -> Result<(), ConfigError> {
        let opts = &self.optimizer.sce_ua;
        let dim = self.parameters.len().max(1);
        match opts.check().and_then(|()| opts.sizes(dim).map(|_| ())) {
            Err(OptimError::Setting { key, value, reason }) => Err(self.invalid(
                &format!("optimizer.{key}"),
                format!("{reason}, got {value}"),
            )),
            _ => Ok(()),
        }
    }
}
