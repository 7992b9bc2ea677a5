//! The `[objective]` table as written in a run config: the single-term shorthand
//! (`metric`, `simulated`, `[objective.observed]`, or `response` + `direction` at the
//! top level) or `[[objective.terms]]`, with the periods shared by every term.
//!
//! These types only read what was written; [`crate::validate`] checks it and turns it
//! into terms, [`crate::Objective::load`] reads the observations.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tidepool_metrics::Metric;

/// `[objective]`: what a trial is scored on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveSpec {
    /// Shorthand for one metric term: the metric.
    #[serde(default)]
    pub metric: Option<Metric>,
    /// Shorthand: the simulated series (optional when the model returns exactly one).
    #[serde(default)]
    pub simulated: Option<String>,
    /// Shorthand: the observation file.
    #[serde(default)]
    pub observed: Option<ObservedSpec>,
    /// Shorthand for one scalar term: the response used directly.
    #[serde(default)]
    pub response: Option<String>,
    /// Shorthand: which way the response improves (scalar terms only).
    #[serde(default)]
    pub direction: Option<Goal>,
    /// Shorthand: the term's name (default `<metric>_<simulated>`, or the response).
    #[serde(default)]
    pub name: Option<String>,
    /// Calibration period `[start, end]`, inclusive days (`2013-01-01`) or date-times.
    #[serde(default)]
    pub calibration: Option<[String; 2]>,
    /// Days at the start of the calibration period that are not scored.
    #[serde(default)]
    pub warmup_days: u32,
    /// Evaluation period `[start, end]`, scored on every trial too, never optimised.
    #[serde(default)]
    pub evaluation: Option<[String; 2]>,
    /// Several weighted terms (instead of the shorthand).
    #[serde(default)]
    pub terms: Vec<TermSpec>,
}

/// `[[objective.terms]]`: one term of a combined objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermSpec {
    /// Default `<metric>_<simulated>` (or `<metric>` without `simulated`), or the response.
    #[serde(default)]
    pub name: Option<String>,
    /// Weight of the term's distance from perfect in the combined objective.
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default)]
    pub metric: Option<Metric>,
    #[serde(default)]
    pub simulated: Option<String>,
    #[serde(default)]
    pub observed: Option<ObservedSpec>,
    #[serde(default)]
    pub response: Option<String>,
    #[serde(default)]
    pub direction: Option<Goal>,
}

fn one() -> f64 {
    1.0
}

/// Which way a scalar response improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Goal {
    #[serde(rename = "minimize", alias = "minimise")]
    Minimize,
    #[serde(rename = "maximize", alias = "maximise")]
    Maximize,
}

/// `[objective.observed]`: an observed series in a CSV or whitespace table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedSpec {
    /// The file, relative to the config file's directory.
    pub csv: PathBuf,
    /// The date (or date-time) column: a header name or a 0-based index.
    pub date: Column,
    /// The value column: a header name or a 0-based index.
    pub value: Column,
    /// chrono/strftime format of the dates (`%d.%m.%Y`); default ISO.
    #[serde(default)]
    pub date_format: Option<String>,
    /// Field separator: one character (default `,`), or `whitespace`.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Whether the first row holds column names (default true).
    #[serde(default = "yes")]
    pub header: bool,
    /// Values meaning "no data"; empty cells, `nan` and `NA` are always missing.
    #[serde(default)]
    pub missing: Vec<f64>,
    /// Multiplies every observed value (unit conversion, e.g. 0.001 for l/s -> m3/s).
    #[serde(default = "one")]
    pub factor: f64,
    /// `mean`: aggregate both series to daily means (UTC days) before scoring.
    #[serde(default)]
    pub daily: Option<Daily>,
}

fn yes() -> bool {
    true
}

/// How sub-daily data are aggregated to days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Daily {
    Mean,
}

/// A column of a table, by header name or 0-based index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Column {
    Name(String),
    Index(usize),
}

impl std::fmt::Display for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Column::Name(name) => write!(f, "`{name}`"),
            Column::Index(index) => write!(f, "{index} (0-based)"),
        }
    }
}

impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Column, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Column;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a column name (a string) or a 0-based column index")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Column, E> {
                Ok(Column::Name(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Column, E> {
                usize::try_from(v)
                    .map(Column::Index)
                    .map_err(|_| E::custom("column index too large"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Column, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom(format!(
                        "a column index counts from 0, got {v}; give a name or an index >= 0"
                    ))),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
