//! Pure data shaping, tested on hand-made inputs: the running best (`progress`), slot
//! rows with their trials, gate intervals and utilisation (`timeline`), the slot time
//! lost at batch barriers (`barrier`), failures by reason (`failures`).

pub mod barrier;
pub mod failures;
pub mod progress;
pub mod timeline;
