//! Pure optimisers and samplers (ask/tell): DDS family, SCE-UA, uniform, LHS, Sobol, list.
//! No I/O, no clock, no global RNG: the same seed and the same order of observed
//! results give the same proposals, bit for bit.
//!
//! Every algorithm searches the unit box `[0,1]^d` of the (transformed) parameter
//! space and proposes trials in the user's space. Each holds a seeded ChaCha RNG in
//! its state; [`Optimizer::save`] turns the whole state into bytes and [`restore`]
//! rebuilds it, so a checkpointed run continues exactly as if it never stopped, and a
//! run replayed from its journal (the same proposals and the same observation order)
//! reaches the same state.
//!
//! Failed outcomes (and NaN or infinite values) never become the best. `dds`,
//! `async-dds` and `par-dds` count them against the budget; `pool-dds` counts them against the
//! budget but not as valid evaluations and keeps them out of the pool; the samplers
//! just record them.
//!
//! Layout:
//! - `params`: parameters, transforms, validation, the unit-box mapping;
//! - `perturb`: the DDS move (probability schedules, bound rules, integer moves);
//! - `ledger`: trial ids, trials in flight, best result;
//! - `dds`, `async_dds`, `pool_dds`, `par_dds`: the DDS family; `padds`: multi-objective DDS;
//! - `samplers`: uniform, Latin hypercube, Sobol; `list`: user-given rows;
//! - `sce_ua`: shuffled complex evolution (complexes stepping concurrently);
//! - `build`: selection by name, settings, checkpoints;
//! - `bench_fns`: Griewank, Ackley, Rastrigin, Rosenbrock;
//! - `error`: refused definitions and set-ups.

mod async_dds;
pub mod bench_fns;
mod build;
mod dds;
mod error;
mod ledger;
mod list;
mod padds;
mod par_dds;
mod params;
mod perturb;
mod pool_dds;
mod samplers;
mod sce_ua;

#[cfg(test)]
mod determinism_tests;

pub use async_dds::AsyncDds;
pub use build::{build, build_par_dds, restore, Algorithm, Settings};
pub use dds::{initial_samples, Dds, DdsOptions};
pub use error::{OptimError, ParamError};
pub use list::ListSampler;
pub use padds::{hypervolume, Archive, Member, Padds, Selection};
pub use par_dds::{ParDds, ParVariant};
pub use params::{Param, ParamSpace, Transform};
pub use perturb::{async_probability, dds_probability, reflect, BoundRule};
pub use pool_dds::{barrier_slot_time_lost, BatchRecord, PoolDds, PoolOptions};
pub use samplers::Sampler;
pub use sce_ua::{SceUa, SceUaOptions};

use serde::{Deserialize, Serialize};

/// Identifies a trial within one run; assigned by the optimiser in proposal order (0, 1, ...).
pub type TrialId = u64;

/// A parameter set to evaluate, in the user's parameter space (transforms undone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    pub id: TrialId,
    pub values: Vec<f64>,
}

/// What an evaluation gave back. Objectives are minimised.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    Value(f64),
    Failed,
}

/// The answer to `propose`.
#[derive(Debug, Clone, PartialEq)]
pub enum Proposal {
    /// Evaluate this trial.
    Trial(Trial),
    /// Nothing to propose until more results are observed (e.g. a batch barrier).
    Wait,
    /// The budget is spent or the search has stopped.
    Done,
}

/// The ask/tell interface every optimiser and sampler implements.
pub trait Optimizer: Send {
    /// Ask for the next trial.
    fn propose(&mut self) -> Proposal;
    /// Tell the result of a trial proposed earlier; results may arrive in any order.
    fn observe(&mut self, id: TrialId, outcome: Outcome);
    /// The best trial observed so far and its objective, if any.
    fn best(&self) -> Option<(Trial, f64)>;

    /// Like `observe`, but says when the id was never proposed or already observed.
    fn try_observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        self.observe(id, outcome);
        Ok(())
    }

    /// The whole state as bytes, for [`restore`].
    fn save(&self) -> Result<Vec<u8>, OptimError> {
        Err(OptimError::NoCheckpoint)
    }

    /// Tell a multi-objective optimiser (`padds`) trial `id`'s objectives, each
    /// minimised, in `[objective]` term order; failures go through `try_observe`.
    /// Single-objective optimisers refuse.
    fn try_observe_many(&mut self, id: TrialId, values: &[f64]) -> Result<(), OptimError> {
        let _ = values;
        Err(OptimError::NotMultiObjective { id })
    }

    /// How many objectives a multi-objective optimiser keeps apart; `None`: one.
    fn objectives(&self) -> Option<usize> {
        None
    }

    /// A multi-objective optimiser's archive of non-dominated trials with their
    /// objectives, in the order they joined; `None` for the others.
    fn pareto(&self) -> Option<Vec<(Trial, Vec<f64>)>> {
        None
    }

    /// For batch algorithms (`pool-dds`): the closed batches, to account for the slot
    /// time lost at barriers. `None` for algorithms without barriers.
    fn batches(&self) -> Option<&[BatchRecord]> {
        None
    }
}
