//! Selection by name: [`Algorithm`], [`Settings`], [`build`], and checkpoints
//! ([`restore`] undoes [`Optimizer::save`]).

use serde::{Deserialize, Serialize};

use crate::async_dds::AsyncDds;
use crate::dds::{Dds, DdsOptions};
use crate::error::OptimError;
use crate::list::ListSampler;
use crate::padds::{Padds, Selection};
use crate::par_dds::{ParDds, ParVariant};
use crate::params::ParamSpace;
use crate::perturb::BoundRule;
use crate::pool_dds::{BatchRecord, PoolDds, PoolOptions};
use crate::samplers::Sampler;
use crate::sce_ua::{SceUa, SceUaOptions};
use crate::{Optimizer, Outcome, Proposal, Trial, TrialId};

/// The algorithms a run config can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    Dds,
    AsyncDds,
    PoolDds,
    ParDds,
    Uniform,
    Lhs,
    Sobol,
    List,
    SceUa,
    Padds,
}

/// Algorithm settings; `Settings::new(budget)` gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Total evaluations (samples for the samplers; ignored by `list`).
    pub budget: u64,
    /// DDS neighbourhood size r.
    pub r: f64,
    pub bound_rule: BoundRule,
    /// `pool-dds` pool size; default min(20, 2 * slots).
    pub pool_size: Option<usize>,
    /// `pool-dds` batch size; default = slots.
    pub batch_size: Option<usize>,
    /// `pool-dds` batches without improvement before stopping.
    pub stagnation_limit: u32,
    /// Rows for `list`, in the space's parameter order (read by the config's trials CSV reader).
    pub list_rows: Option<Vec<Vec<f64>>>,
    /// `sce-ua`: complexes, their sizes and the convergence criteria.
    #[serde(default)]
    pub sce_ua: SceUaOptions,
    /// `padds`: how many objectives (the `[objective]` terms), at least 2.
    pub objectives: usize,
    /// `padds`: the archive member a dominated candidate's successor starts from.
    pub selection: Selection,
}

impl Settings {
    pub fn new(budget: u64) -> Self {
        Settings {
            budget,
            r: 0.2,
            bound_rule: BoundRule::Reflect,
            pool_size: None,
            batch_size: None,
            stagnation_limit: 10,
            list_rows: None,
            sce_ua: SceUaOptions::default(),
            objectives: 0,
            selection: Selection::default(),
        }
    }

    fn check(&self, algorithm: Algorithm) -> Result<(), OptimError> {
        let bad = |key, value: String, reason| Err(OptimError::Setting { key, value, reason });
        if self.budget == 0 && algorithm != Algorithm::List {
            return bad("budget", "0".into(), "give at least one evaluation");
        }
        if !(self.r > 0.0 && self.r <= 1.0) {
            return bad("r", self.r.to_string(), "r must be in (0, 1]");
        }
        if self.pool_size == Some(0) || self.batch_size == Some(0) {
            return bad("pool_size/batch_size", "0".into(), "must be at least 1");
        }
        if self.stagnation_limit == 0 {
            return bad("stagnation_limit", "0".into(), "must be at least 1");
        }
        self.sce_ua.check()?;
        if algorithm == Algorithm::Padds && self.objectives < 2 {
            let value = self.objectives.to_string();
            return bad("objectives", value, "padds needs at least two objectives");
        }
        Ok(())
    }
}

/// Builds the named algorithm for `slots` parallel evaluation slots.
pub fn build(
    algorithm: Algorithm,
    space: ParamSpace,
    settings: &Settings,
    seed: u64,
    slots: usize,
) -> Result<Box<dyn Optimizer>, OptimError> {
    settings.check(algorithm)?;
    let slots = slots.max(1);
    let dds = DdsOptions {
        budget: settings.budget,
        r: settings.r,
        bound_rule: settings.bound_rule,
    };
    let n = settings.budget;
    let state = match algorithm {
        Algorithm::Dds => State::Dds(Dds::new(space, dds, seed)),
        Algorithm::AsyncDds => State::AsyncDds(AsyncDds::new(space, dds, slots as u64, seed)),
        Algorithm::ParDds => State::ParDds(ParDds::new(
            space,
            dds,
            ParVariant::default(),
            slots as u64,
            seed,
        )),
        Algorithm::PoolDds => {
            let opts = PoolOptions {
                budget: n,
                pool_size: settings.pool_size.unwrap_or((2 * slots).min(20)),
                batch_size: settings.batch_size.unwrap_or(slots),
                r: settings.r,
                stagnation_limit: settings.stagnation_limit,
            };
            State::PoolDds(PoolDds::new(space, opts, seed))
        }
        Algorithm::Padds => State::Padds(Padds::new(
            space,
            dds,
            settings.selection,
            settings.objectives,
            seed,
        )),
        Algorithm::Uniform => State::Sampler(Sampler::uniform(space, n, seed)),
        Algorithm::Lhs => State::Sampler(Sampler::lhs(space, n, seed)),
        Algorithm::Sobol => State::Sampler(Sampler::sobol(space, n, seed)?),
        Algorithm::List => {
            let rows = settings.list_rows.clone().ok_or(OptimError::Setting {
                key: "list_rows",
                value: "none".into(),
                reason: "the list sampler needs rows ([trials] csv)",
            })?;
            let list = ListSampler::new(rows);
            list.check(&space)?;
            State::List(list)
        }
        Algorithm::SceUa => State::SceUa(SceUa::new(space, n, &settings.sce_ua, seed)?),
    };
    Ok(Box::new(state))
}

/// `par-dds` with some of its changes to `async-dds` switched off, for bench/optim.
pub fn build_par_dds(
    space: ParamSpace,
    settings: &Settings,
    variant: ParVariant,
    seed: u64,
    slots: usize,
) -> Result<Box<dyn Optimizer>, OptimError> {
    settings.check(Algorithm::ParDds)?;
    let dds = DdsOptions {
        budget: settings.budget,
        r: settings.r,
        bound_rule: settings.bound_rule,
    };
    let opt = ParDds::new(space, dds, variant, slots.max(1) as u64, seed);
    Ok(Box::new(State::ParDds(opt)))
}

/// Rebuilds an optimiser from the bytes of [`Optimizer::save`].
pub fn restore(bytes: &[u8]) -> Result<Box<dyn Optimizer>, OptimError> {
    let state: State = postcard::from_bytes(bytes).map_err(OptimError::Decode)?;
    Ok(Box::new(state))
}

/// Every algorithm behind one serialisable type: the checkpoint format.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum State {
    Dds(Dds),
    AsyncDds(AsyncDds),
    PoolDds(PoolDds),
    ParDds(ParDds),
    Sampler(Sampler),
    List(ListSampler),
    SceUa(SceUa),
    Padds(Padds),
}

macro_rules! each {
    ($self:expr, $x:ident => $body:expr) => {
        match $self {
            State::Dds($x) => $body,
            State::AsyncDds($x) => $body,
            State::PoolDds($x) => $body,
            State::ParDds($x) => $body,
            State::Sampler($x) => $body,
            State::List($x) => $body,
            State::SceUa($x) => $body,
            State::Padds($x) => $body,
        }
    };
}

impl Optimizer for State {
    fn propose(&mut self) -> Proposal {
        each!(self, x => x.propose())
    }

    /// An unknown or repeated id cannot change the search and is ignored here;
    /// `try_observe` reports it.
    fn observe(&mut self, id: TrialId, outcome: Outcome) {
        let _ignored = self.try_observe(id, outcome);
    }

    fn try_observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        each!(self, x => x.try_observe(id, outcome))
    }

    fn best(&self) -> Option<(Trial, f64)> {
        match self {
            State::List(x) => x.best(),
            State::Dds(x) => x.ledger().best_trial(),
            State::AsyncDds(x) => x.ledger().best_trial(),
            State::PoolDds(x) => x.ledger().best_trial(),
            State::ParDds(x) => x.ledger().best_trial(),
            State::Sampler(x) => x.ledger().best_trial(),
            State::SceUa(x) => x.ledger().best_trial(),
            State::Padds(x) => x.ledger().best_trial(),
        }
    }

    fn try_observe_many(&mut self, id: TrialId, values: &[f64]) -> Result<(), OptimError> {
        match self {
            State::Padds(x) => x.try_observe_many(id, values),
            _ => Err(OptimError::NotMultiObjective { id }),
        }
    }

    fn objectives(&self) -> Option<usize> {
        match self {
            State::Padds(x) => Some(x.objectives()),
            _ => None,
        }
    }

    fn pareto(&self) -> Option<Vec<(Trial, Vec<f64>)>> {
        let State::Padds(x) = self else {
            return None;
        };
        let space = &x.ledger().space;
        let front = x.archive().members().iter().map(|m| {
            let trial = Trial {
                id: m.id,
                values: space.denormalise(&m.unit),
            };
            (trial, m.objectives.clone())
        });
        Some(front.collect())
    }

    fn save(&self) -> Result<Vec<u8>, OptimError> {
        postcard::to_allocvec(self).map_err(OptimError::Encode)
    }

    fn batches(&self) -> Option<&[BatchRecord]> {
        match self {
            State::PoolDds(x) => Some(x.records()),
            _ => None,
        }
    }
}
