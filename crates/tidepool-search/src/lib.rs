//! The search of a run on its journal: exact replay on resume, and the resume policy.
//!
//! The journal has one writer, the coordinator's recorder, driven by the scheduler's
//! records: every proposal and every observation in the order the optimiser made and
//! saw them. This crate only reads it back.
//!
//! Resume is replay: [`Search::resume`] feeds the journal's recorded history
//! ([`tidepool_journal::JournalReader::replay`]) into a fresh optimiser built from the
//! same config and seed, checking that every replayed proposal is bit-identical to the
//! recorded one (a mismatch means the search changed and is refused). Trials that were
//! in flight at the interruption are handed out again first, with the same ids and
//! parameters; after that the optimiser continues exactly as the uninterrupted run would
//! have for the same order of results (for one slot: bit for bit). After a change of
//! the search settings that the user forces ([`Replay::IdsOnly`]) only trial ids are
//! checked: the recorded results are fed to the new optimiser, whose state then
//! approximates the recorded search.
//!
//! The policy ([`History`]): the first start records its [`SearchSetup`] (algorithm and
//! slot count) in the `started` event, and each resume a typed [`Resumed`] detail; a
//! resume builds the optimiser from the recorded set-up, and once a resume was forced,
//! every later one replays by ids only.
//!
//! Layout: `search` ([`Search`]), `policy` ([`History`], the event details), `error`
//! ([`SearchError`]).

mod error;
mod policy;
mod search;

pub use error::SearchError;
pub use policy::{record_resume, record_start, History, Resumed, SearchSetup};
pub use search::{Replay, Search};
pub use tidepool_journal::Journal;
pub use tidepool_optim::Optimizer;

/// Observations between two optimiser checkpoints in the journal.
pub const CHECKPOINT_EVERY: u64 = 1000;
