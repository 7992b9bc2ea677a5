//! Errors of binding an optimiser to its journal.

use tidepool_journal::JournalError;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the run journal failed")]
    Journal(#[from] JournalError),
    #[error(
        "cannot resume: the journal's trial {id} was {recorded} but the optimiser now proposes {now}; \
         the search settings (parameters, algorithm, seed, budget) differ from the run's. \
         Restore the original config, or start a new run directory"
    )]
    Diverged {
        id: u64,
        recorded: String,
        now: String,
    },
    #[error("cannot resume: the optimiser refused the recorded result of trial {id}: {reason}")]
    Replay { id: u64, reason: String },
}
