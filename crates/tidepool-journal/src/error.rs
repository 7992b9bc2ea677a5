//! What can go wrong with a journal, naming the file and the trial involved.

use std::path::PathBuf;

/// Errors from opening, writing or reading a run journal.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "no journal in {run_dir}: it is not a tidepool run directory, or its run never \
         started; check the path, or start a run there with `tidepool run CONFIG`"
    )]
    NoJournal { run_dir: PathBuf },
    #[error(
        "{path} already exists: this run directory holds a run; resume it, or choose a \
         new run directory"
    )]
    AlreadyExists { path: PathBuf },
    #[error("{path}: parameter `{name}` is defined twice; give each parameter its own name")]
    DuplicateParameter { path: PathBuf, name: String },
    #[error("cannot create the journal {path}: {source}")]
    CreateFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create the run directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} has journal schema version {found}, newer than this tidepool supports \
         ({supported}); open it with the newer tidepool that wrote it"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path} is not a tidepool journal (schema version {found}); check the run directory")]
    NotAJournal { path: PathBuf, found: i64 },
    #[error("journal {path}: {action}: {source}")]
    Sqlite {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "journal {path}: trial {trial} has {got} parameter values, the run defines {expected}"
    )]
    ParameterCount {
        path: PathBuf,
        trial: u64,
        got: usize,
        expected: usize,
    },
    #[error("journal {path}: trial {trial}: parameter `{name}` is {value}; only finite values can be recorded")]
    NonFiniteParameter {
        path: PathBuf,
        trial: u64,
        name: String,
        value: f64,
    },
    #[error("journal {path}: trial {trial} finished with status `{status}`, which is not a final status")]
    NotFinal {
        path: PathBuf,
        trial: u64,
        status: crate::TrialStatus,
    },
    #[error("journal {path}: trial {trial}: {problem}")]
    BadRecord {
        path: PathBuf,
        trial: u64,
        problem: String,
    },
    #[error("journal {path}: stored {what} is corrupt: {problem}")]
    Corrupt {
        path: PathBuf,
        what: &'static str,
        problem: String,
    },
    #[error("journal {path}: writing the CSV export failed: {source}")]
    Export {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error(
        "journal {path}: the writer stopped after an earlier error, so nothing more is \
         recorded: {cause}; the batches committed before it are kept, resume the run"
    )]
    WriterStopped { path: PathBuf, cause: String },
}

/// Shorthand for this crate's results.
pub type Result<T, E = JournalError> = std::result::Result<T, E>;

/// Attach the journal path and the action to an SQLite error.
pub(crate) fn sql<'a>(
    path: &'a std::path::Path,
    action: &'static str,
) -> impl FnOnce(rusqlite::Error) -> JournalError + 'a {
    move |source| JournalError::Sqlite {
        path: path.to_path_buf(),
        action,
        source,
    }
}
