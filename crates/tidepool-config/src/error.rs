//! Errors reading a run config or a trials CSV.

use std::path::PathBuf;

/// What went wrong with a configuration file, naming the file, key and line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: key `{key}`: {message}\nhint: fix this key (see docs/config.md for every key and its type)")]
    Parse {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
    #[error("{path}: key `{key}`: {message}")]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
    },
    #[error("trials CSV {path}: {message}")]
    TrialsCsv { path: PathBuf, message: String },
    #[error("trials CSV {path}, line {line}: {message}")]
    TrialsRow {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("cannot read trials CSV {path}: {source}")]
    TrialsRead {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
}
