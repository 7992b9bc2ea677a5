//! Why a score could not be computed.

use crate::Metric;

/// Errors from scoring or from preparing a time series.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricError {
    #[error(
        "nothing left to score: {total} pairs, {missing} with a missing value, \
         {outside_period} outside the calibration period; check the observation file's \
         missing-value sentinel, the calibration period and that the simulated and \
         observed timestamps overlap"
    )]
    NothingToScore {
        total: usize,
        missing: usize,
        outside_period: usize,
    },
    #[error(
        "{metric}: the observed values have zero variance over the {pairs} scored pairs; \
         the metric is undefined (choose a longer period or another metric)"
    )]
    ConstantObserved { metric: Metric, pairs: usize },
    #[error(
        "{metric}: the simulated values have zero variance over the {pairs} scored pairs; \
         the correlation is undefined"
    )]
    ConstantSimulated { metric: Metric, pairs: usize },
    #[error(
        "{metric}: the observed values sum (or average) to zero over the {pairs} scored \
         pairs; the bias ratio is undefined (choose another metric or period)"
    )]
    ZeroObservedMean { metric: Metric, pairs: usize },
    #[error(
        "{metric}: the simulated values average to zero over the {pairs} scored pairs; \
         the coefficient of variation is undefined (choose another metric or period)"
    )]
    ZeroSimulatedMean { metric: Metric, pairs: usize },
    #[error(
        "{metric}: value {value} plus offset {epsilon} is not positive at pair {index}; \
         logarithms need positive flows (mark negative observations as missing)"
    )]
    NonPositiveLog {
        metric: Metric,
        index: usize,
        value: f64,
        epsilon: f64,
    },
    #[error("series lengths differ: {simulated} simulated values, {observed} observed values")]
    LengthMismatch { simulated: usize, observed: usize },
    #[error("series `{name}`: {times} timestamps but {values} values")]
    ShapeMismatch {
        name: String,
        times: usize,
        values: usize,
    },
    #[error(
        "series `{name}`: timestamps must strictly increase, but entry {index} ({time}) \
         does not come after entry {prev_index} ({prev_time}); sort the file and remove \
         duplicate rows"
    )]
    UnsortedTimes {
        name: String,
        index: usize,
        time: i64,
        prev_index: usize,
        prev_time: i64,
    },
    #[error("unknown metric `{name}`; choose one of {known}")]
    UnknownMetric { name: String, known: String },
    #[error("cannot read `{text}` as a date or time; expected the format {format}")]
    BadTime { text: String, format: String },
    #[error("calibration period is empty: start {start} is not before end {end}")]
    EmptyPeriod { start: i64, end: i64 },
}
