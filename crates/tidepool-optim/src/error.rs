//! Errors: refused parameter definitions and refused optimiser set-ups.

use thiserror::Error;

use crate::TrialId;

/// A parameter definition that cannot be searched.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParamError {
    #[error("parameter `{name}`: lower bound {lower} must be below upper bound {upper}; swap or widen the bounds")]
    EmptyRange {
        name: String,
        lower: f64,
        upper: f64,
    },
    #[error("parameter `{name}`: a bound is NaN or infinite; give finite numbers")]
    NotFinite { name: String },
    #[error("parameter `{name}`: a {transform} transform needs positive bounds, got lower {lower}; raise the lower bound or use transform `none`")]
    NonPositiveLog {
        name: String,
        transform: &'static str,
        lower: f64,
    },
    #[error("parameter `{name}`: initial value {initial} is outside [{lower}, {upper}]; move it inside the bounds")]
    InitialOutside {
        name: String,
        initial: f64,
        lower: f64,
        upper: f64,
    },
    #[error("parameter `{name}` is defined twice; give each parameter a unique name")]
    Duplicate { name: String },
    #[error("parameter `{name}`: an integer parameter needs at least two integers inside [{lower}, {upper}]; widen the bounds")]
    NoInteger {
        name: String,
        lower: f64,
        upper: f64,
    },
    #[error("the parameter space is empty; define at least one parameter")]
    Empty,
}

/// A set-up or a call the optimisers refuse.
#[derive(Debug, Error)]
pub enum OptimError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error("setting `{key}` = {value} is invalid: {reason}")]
    Setting {
        key: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("list row {row} has {got} values but the space has {expected} parameters; give one value per parameter")]
    RowLength {
        row: usize,
        got: usize,
        expected: usize,
    },
    #[error("list row {row}: value {value} of parameter `{name}` is outside [{lower}, {upper}]; fix the row or widen the bounds")]
    RowOutside {
        row: usize,
        name: String,
        value: f64,
        lower: f64,
        upper: f64,
    },
    #[error("trial {id} was never proposed or was already observed; pass each proposed trial's result once")]
    UnknownTrial { id: TrialId },
    #[error("cannot encode the optimiser state")]
    Encode(#[source] postcard::Error),
    #[error(
        "cannot decode the optimiser state: the checkpoint is damaged or from another version"
    )]
    Decode(#[source] postcard::Error),
    #[error("trial {id}: this optimiser minimises {objectives} objectives kept apart; tell it the vector (try_observe_many), not one value")]
    NeedsVector { id: TrialId, objectives: usize },
    #[error("trial {id}: {got} objectives given, the optimiser minimises {expected}; pass one value per `[objective]` term")]
    VectorLength {
        id: TrialId,
        got: usize,
        expected: usize,
    },
    #[error("trial {id}: this optimiser minimises one objective; a vector of objectives needs a multi-objective algorithm (`padds`)")]
    NotMultiObjective { id: TrialId },
    #[error("this optimiser cannot save its state; use one built by tidepool_optim::build")]
    NoCheckpoint,
}
