//! The optimiser bound to the run journal.
//!
//! A [`Search`] wraps any [`Optimizer`] and is itself an [`Optimizer`], so the
//! coordinator drives it like any other. Every proposal and every observation goes to
//! the [`Journal`] in the order the optimiser saw it; optimiser checkpoints are written
//! every [`CHECKPOINT_EVERY`] observations.
//!
//! Resume is replay: [`Search::resume`] feeds the journal's recorded history
//! ([`tidepool_journal::JournalReader::replay`]) into a fresh optimiser built from the
//! same config and seed, checking that every replayed proposal is bit-identical to the
//! recorded one (a mismatch means the search changed and is refused). Trials that were
//! in flight at the interruption are handed out again first, with the same ids and
//! parameters; after that the optimiser continues exactly as the uninterrupted run would
//! have for the same order of results (for one slot: bit for bit).
//!
//! After a change of the search settings that the user forces, [`Search::resume_changed`]
//! replays the same history checking only trial ids: the recorded results are fed to
//! the new optimiser, whose state then approximates the recorded search.
//!
//! The journal is shared (`Arc<Journal>`) with the coordinator's recorder, which writes
//! where and when each trial ran.
//!
//! Journal errors cannot be returned through `propose`/`observe`; the first one is kept,
//! the search stops proposing, and [`Search::error`] hands it to the caller.
//!
//! Layout: `search` ([`Search`]), `error` ([`SearchError`]).

mod error;
mod search;

pub use error::SearchError;
pub use search::{Search, CHECKPOINT_EVERY};
pub use tidepool_journal::Journal;
pub use tidepool_optim::Optimizer;
