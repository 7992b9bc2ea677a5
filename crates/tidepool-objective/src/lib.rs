//! What a trial is scored on, and how its score is shown.
//!
//! The `[objective]` table of a run config ([`ObjectiveSpec`]) names one or several
//! terms: a goodness-of-fit metric (tidepool-metrics) of a simulated series the model
//! returns against an observed series read from a CSV file, or a scalar response the
//! model reports, used directly. [`Objective::load`] checks the spec, reads the
//! observations once and checks that the periods lie inside them; the loaded
//! [`Objective`] is serialisable, so it travels to the agents and they never read the
//! observation file. [`Objective::score`] turns a trial's scalars and series into a
//! [`Score`]: one minimised objective (the weighted sum of each term's distance from
//! perfect) and every term's own value on the calibration and evaluation periods.
//! [`Sense`] maps the minimised number back to what people read (`kge 0.912`).
//!
//! Pure apart from reading the observation files.
//!
//! ```
//! use std::collections::BTreeMap;
//! use tidepool_metrics::Series;
//! use tidepool_objective::{Objective, ObjectiveSpec, Sense};
//! let spec: ObjectiveSpec = toml::from_str(r#"
//!     response = "loss"
//!     direction = "maximize"
//! "#).unwrap();
//! let objective = Objective::load(&spec, std::path::Path::new(".")).unwrap();
//! let scalars = BTreeMap::from([("loss".to_string(), 0.5)]);
//! let score = objective.score(&scalars, &BTreeMap::<String, Series>::new()).unwrap();
//! assert_eq!(score.objective, -0.5);
//! assert_eq!(Sense::of(&spec).describe(score.objective), "loss 0.500");
//! ```
//!
//! Layout:
//! - `spec`: the `[objective]` table as written;
//! - `validate`: checks that need no file, and the planned terms;
//! - `periods`: calibration, warm-up and evaluation as Unix-second windows;
//! - `observed`: reading an observed series from a CSV or whitespace table;
//! - `coverage`: the periods against the observed data;
//! - `objective`: [`Objective`], its terms and [`Score`];
//! - `distances`: [`Distances`], the terms' distances kept apart (multi-objective);
//! - `sense`: [`Sense`], the minimised objective as shown;
//! - `error`: [`ObjectiveError`].

mod coverage;
mod distances;
mod error;
mod objective;
mod observed;
mod periods;
mod sense;
mod spec;
mod validate;

pub use distances::Distances;
pub use error::ObjectiveError;
pub use objective::{MetricTerm, Objective, Score, Term, TermKind};
pub use periods::{Periods, Window};
pub use sense::{number, Sense};
pub use spec::{Column, Daily, Goal, ObjectiveSpec, ObservedSpec, TermSpec};
pub use validate::{term_names, validate};
