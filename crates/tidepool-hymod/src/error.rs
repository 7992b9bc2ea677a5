//! Errors of the model's files: each names the file, and the line and key or column
//! where it can, and says what to do.

use std::path::PathBuf;

/// What went wrong reading the parameters or the forcing, or writing the flow.
#[derive(Debug, thiserror::Error)]
pub enum HymodError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: expected `name = value`, found `{text}`")]
    Syntax {
        path: PathBuf,
        line: usize,
        text: String,
    },
    #[error(
        "{path}:{line}: unknown parameter `{key}`; the parameters are cmax, bexp, alpha, Ks, Kq"
    )]
    UnknownKey {
        path: PathBuf,
        line: usize,
        key: String,
    },
    #[error("{path}:{line}: parameter `{key}` given twice (first on line {first})")]
    Duplicate {
        path: PathBuf,
        line: usize,
        key: String,
        first: usize,
    },
    #[error("{path}:{line}: `{key}` = `{text}` is not a number")]
    NotANumber {
        path: PathBuf,
        line: usize,
        key: String,
        text: String,
    },
    #[error("{path}:{line}: `{key}` = {value} is out of range: {expected}")]
    OutOfRange {
        path: PathBuf,
        line: usize,
        key: String,
        value: f64,
        expected: &'static str,
    },
    #[error("{path}: parameter `{key}` is missing; add a line `{key} = VALUE`")]
    Missing { path: PathBuf, key: &'static str },
    #[error("{path}:1: the header needs at least 3 columns (date, rainfall mm/day, PET mm/day) separated by `;` or `,`, found `{header}`")]
    Header { path: PathBuf, header: String },
    #[error("{path}:{line}: column {column} (`{name}`): {problem}")]
    Cell {
        path: PathBuf,
        line: usize,
        column: usize,
        name: String,
        problem: String,
    },
    #[error("{path}: no data rows after the header")]
    Empty { path: PathBuf },
}
