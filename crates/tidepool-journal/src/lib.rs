//! The per-run SQLite journal: config snapshot, trials, observation order, checkpoints.
