//! [`ReportError`]: what can stop a report, with the file or figure it concerns.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot read the run's journal")]
    Journal(#[from] tidepool_journal::JournalError),
    #[error("cannot read {path}: {source}; the best trial's files are written at the end of a run, check that the run ended and the file is readable")]
    ReadBest {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} line {line}: {problem}; it is written by `tidepool run` at the end of a run, remove it and run again to have it rewritten")]
    BadBest {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error("cannot draw the figure `{figure}`: {problem}")]
    Figure {
        figure: &'static str,
        problem: String,
    },
}

pub type Result<T, E = ReportError> = std::result::Result<T, E>;
