//! Pure optimisers and samplers (ask/tell): DDS family, uniform, LHS, Sobol, list.
//! No I/O, no clock, no global RNG: the same seed and the same order of observed
//! results give the same proposals, bit for bit.

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
}
