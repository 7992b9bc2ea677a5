//! Why an objective could not be set up or a trial not scored.
//!
//! Set-up errors carry the config key they come from (`objective.terms[1].metric`,
//! `objective.observed.value`), and, for the observation file, its path, the line and
//! the column; the config crate points at the key's value with them. Score-time errors
//! become a failed trial's reason. Every message says what to do.

use crate::periods::Window;
use std::path::PathBuf;
use tidepool_metrics::{format_time, MetricError};

/// Errors from [`crate::Objective::load`], [`crate::validate`] and
/// [`crate::Objective::score`].
#[derive(Debug, thiserror::Error)]
pub enum ObjectiveError {
    /// A value of `[objective]` that reads but is not allowed.
    #[error("{message}")]
    Spec { key: String, message: String },
    #[error(
        "cannot read the observation file {}: {source}; check the path (relative to the \
         config file's directory)", path.display()
    )]
    Read {
        key: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the observation file {} has no column `{column}`; its columns are {}; give one of \
         these names or a 0-based index", path.display(), quoted(columns)
    )]
    NoColumn {
        key: String,
        path: PathBuf,
        column: String,
        columns: Vec<String>,
    },
    #[error(
        "the observation file {} has {count} columns ({}), so there is no column {index} \
         (indices count from 0)", path.display(), quoted(columns)
    )]
    ColumnIndex {
        key: String,
        path: PathBuf,
        index: usize,
        count: usize,
        columns: Vec<String>,
    },
    #[error(
        "the column `{column}` is given by name, but `header = false` says the observation \
         file {} has no header row; give a 0-based index instead", path.display()
    )]
    NameWithoutHeader {
        key: String,
        path: PathBuf,
        column: String,
    },
    #[error(
        "the observation file {}, line {line}: the row has {fields} fields, so no column \
         {column}; check `delimiter` (\",\", \";\", \"whitespace\")", path.display()
    )]
    ShortRow {
        key: String,
        path: PathBuf,
        line: u64,
        column: String,
        fields: usize,
    },
    #[error(
        "the observation file {}, line {line}, column {column}: cannot read `{text}` as a \
         date; {}", path.display(), date_advice(format.as_deref())
    )]
    BadDate {
        key: String,
        path: PathBuf,
        line: u64,
        column: String,
        text: String,
        /// The `date_format` given, if any.
        format: Option<Box<str>>,
    },
    #[error(
        "the observation file {}, line {line}, column {column}: cannot read `{text}` as a \
         number; list no-data markers that are numbers in `missing` (empty cells, nan and \
         NA are always missing)", path.display()
    )]
    BadValue {
        key: String,
        path: PathBuf,
        line: u64,
        column: String,
        text: String,
    },
    #[error(
        "the observation file {}: the date on line {line} does not come after the one on \
         line {prev_line}; sort the file by date and remove duplicate rows", path.display()
    )]
    Unsorted {
        key: String,
        path: PathBuf,
        line: u64,
        prev_line: u64,
    },
    #[error(
        "the observation file {} holds no observed value in column {column} ({rows} rows, \
         all missing); check `value` and `missing`", path.display()
    )]
    NoObservations {
        key: String,
        path: PathBuf,
        column: String,
        rows: usize,
    },
    #[error("cannot read `{text}` as a date or date-time ({source}); write e.g. \"2013-01-01\"")]
    BadPeriod {
        key: String,
        text: String,
        #[source]
        source: MetricError,
    },
    #[error(
        "the {what} period {} is not inside the observed data of {}, which runs from {} \
         to {}; choose a period inside it",
        period.describe(), path.display(), format_time(*first), format_time(*last)
    )]
    PeriodOutside {
        key: String,
        what: &'static str,
        period: Window,
        path: PathBuf,
        /// The first and last observation, Unix seconds.
        first: i64,
        last: i64,
    },
    #[error(
        "the {what} period {} holds {count} observed value(s) in {}; a metric needs at \
         least 2: choose a period with observations", period.describe(), path.display()
    )]
    PeriodSparse {
        key: String,
        what: &'static str,
        period: Window,
        path: PathBuf,
        count: usize,
    },
    #[error(
        "term `{term}`: the model returned no series; a metric term scores a simulated \
         series, so the model must return one (a CSV response with a date column, or a \
         Python dict holding a series)"
    )]
    NoSeries { term: String },
    #[error(
        "term `{term}`: the model returned several series ({}); name the one to score with \
         `simulated`",
        quoted(available)
    )]
    WhichSeries {
        term: String,
        available: Vec<String>,
    },
    #[error(
        "term `{term}`: the model returned no series `{wanted}`; it returned {}; fix \
         `simulated` or the model's outputs",
        quoted(available)
    )]
    MissingSeries {
        term: String,
        wanted: String,
        available: Vec<String>,
    },
    #[error(
        "term `{term}`: the model returned no response `{response}`; it returned {}; fix \
         `response` or the model's outputs",
        quoted(available)
    )]
    MissingResponse {
        term: String,
        response: String,
        available: Vec<String>,
    },
    #[error(
        "term `{term}`: the response `{response}` is {value}, not a finite number; the \
         model must report a finite value or fail the trial"
    )]
    NonFiniteResponse {
        term: String,
        response: String,
        value: f64,
    },
    #[error("term `{term}` on the {period} period: {source}")]
    Metric {
        term: String,
        period: &'static str,
        #[source]
        source: MetricError,
    },
}

impl ObjectiveError {
    /// The config key this error comes from (to point at its value), if it comes from one.
    pub fn key(&self) -> Option<&str> {
        use ObjectiveError::*;
        match self {
            Spec { key, .. }
            | Read { key, .. }
            | NoColumn { key, .. }
            | ColumnIndex { key, .. }
            | NameWithoutHeader { key, .. }
            | ShortRow { key, .. }
            | BadDate { key, .. }
            | BadValue { key, .. }
            | Unsorted { key, .. }
            | NoObservations { key, .. }
            | BadPeriod { key, .. }
            | PeriodOutside { key, .. }
            | PeriodSparse { key, .. } => Some(key),
            NoSeries { .. }
            | WhichSeries { .. }
            | MissingSeries { .. }
            | MissingResponse { .. }
            | NonFiniteResponse { .. }
            | Metric { .. } => None,
        }
    }

    pub(crate) fn spec(key: impl Into<String>, message: impl Into<String>) -> Self {
        ObjectiveError::Spec {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// `` `a`, `b` `` or `none`.
fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What was expected of a date, and what to do.
fn date_advice(format: Option<&str>) -> String {
    match format {
        Some(format) => {
            format!("expected {format}; check that `date_format` matches every date of the file")
        }
        None => "expected YYYY-MM-DD[ HH:MM[:SS]]; set `date_format` (e.g. \"%d.%m.%Y\")".into(),
    }
}
