//! The run configuration file (TOML): typed sections with errors that name the key.
//!
//! A run config has the sections `[run]`, `[launch]`, `[slots]`, `[model]`,
//! `[[parameters]]`, `[trials]`, `[optimizer]`, `[stage]` and `[objective]` (its types
//! live in tidepool-objective). Every table rejects unknown keys, so a typo is an
//! error naming the file, the key path (`slots.per_node`), the line and the column,
//! never a silent default. Relative paths are resolved against the config file's directory.
//!
//! ```
//! let cfg = tidepool_config::RunConfig::from_str(
//!     "[run]\nname = \"demo\"\n[model]\nkind = \"noop\"\n",
//!     std::path::Path::new("/runs/demo.toml"),
//! )
//! .unwrap();
//! assert_eq!(cfg.slots.start_concurrency, 8);
//! ```
//!
//! Layout:
//! - `sections`: the typed sections and their defaults; `sections::optimizer` is
//!   `[optimizer]`, `sections::search_keys` the keys a resume must not change.
//! - `duration`: durations written as seconds or `"500ms"`, `"30s"`, `"5m"`, `"2h"`.
//! - `locate`: from a byte offset in the file to its line and key path.
//! - `keyspan`: from a key path to the span of its value, for checks after parsing.
//! - `plain`: serde's messages in plain words.
//! - `preflight`: what would make every trial fail (unknown placeholders, no stages,
//!   a missing program, `[trials]` with `[optimizer]`, an observation file that does
//!   not load or does not cover the periods), caught before the run starts.
//! - `stage_inputs`: what `[stage]` packs at the first start (a venv, executables,
//!   directories) exists and is of the right kind.
//! - `model_keys`: unknown-key check for `[model]` (whose type lives in tidepool-models).
//! - `model_files`: pre-flight of a command model from files (template directory,
//!   templates, formats, steps, responses) and its paths as the agents use them.
//! - `model_summa`: a summa model's paths, simulation window and pre-flight;
//!   `summa_params`: its parameter names resolved, omitted bounds from the tables.
//! - `trials_csv`: parameter sets read from a CSV file, one per row.
//! - `error`: [`ConfigError`].

pub mod duration;
pub mod error;
pub mod keyspan;
pub mod locate;
mod model_files;
pub mod model_keys;
mod model_summa;
mod plain;
mod preflight;
pub mod sections;
mod stage_inputs;
mod summa_params;
pub mod trials_csv;

pub use error::{ConfigError, KeyProblem, Location};
pub use sections::{
    algorithm_name, objective_names_of_text, sense_of_text, LaunchSection, OptimizerSection,
    ParameterDef, RunConfig, RunSection, SlotsSection, StageSection, TrialsSection,
};
pub use trials_csv::read_trials_csv;
