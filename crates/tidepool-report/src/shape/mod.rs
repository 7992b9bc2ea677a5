//! Pure data shaping, tested on hand-made inputs: the running best (`progress`), slot
//! rows with their trials, gate intervals and utilisation (`timeline`), the slot time
//! lost at batch barriers (`barrier`), failures by reason (`failures`), the Pareto
//! front of a multi-objective run (`pareto`).

pub mod barrier;
pub mod failures;
pub mod pareto;
pub mod progress;
pub mod timeline;
