//! Goodness-of-fit metrics for hydrological simulations, and the time-series handling
//! in front of them: alignment on timestamps, calibration-period selection, daily
//! aggregation, and missing values (NaN, sentinels such as -9999, optionally any
//! negative observation) that are skipped, never scored.
//!
//! Pure functions, no I/O. Every [`Metric`] has a [`Direction`] and an objective form
//! ([`Metric::objective`], the distance from a perfect fit) that an optimiser minimises.
//!
//! ```
//! use tidepool_metrics::{prepare, Metric, ScoreOptions, Series};
//! let sim = Series::new("sim", vec![0, 86_400, 172_800], vec![1.0, 2.0, 3.5]).unwrap();
//! let obs = Series::new("obs", vec![0, 86_400, 172_800], vec![1.0, -9999.0, 3.0]).unwrap();
//! let pairs = prepare(&sim, &obs, &ScoreOptions::default()).unwrap();
//! assert_eq!(pairs.missing, 1);
//! let kge = pairs.score(Metric::Kge).unwrap();
//! assert!(Metric::Kge.objective(kge) >= 0.0);
//! ```
//!
//! Layout:
//! - `metric`: the [`Metric`] names, directions and objectives;
//! - `formulas`: the formulas over valid pairs;
//! - `moments`: means, spreads and correlation;
//! - `missing`: the [`MissingPolicy`] and the removal of missing pairs;
//! - `series`: [`Series`] on Unix-second timestamps, alignment, [`Period`], daily means;
//! - `time`: dates and times in files, read as Unix seconds;
//! - `prepare`: the pipeline from raw series to scored pairs;
//! - `error`: [`MetricError`].

mod error;
mod formulas;
mod metric;
mod missing;
mod moments;
mod prepare;
mod series;
mod time;

pub use error::MetricError;
pub use metric::{Direction, Metric};
pub use missing::{valid_pairs, MissingPolicy, ValidPairs};
pub use prepare::{prepare, score_values, Prepared, ScoreOptions};
pub use series::{align, Aligned, Period, Series};
pub use time::{format_time, parse_time, TimeFormat};
