//! What can go wrong importing a SYMFLUENCE config: each error names the file and the
//! key (as written: flat, or its nested path) and says what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read the SYMFLUENCE config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not valid YAML: {message}", path.display())]
    Yaml { path: PathBuf, message: String },
    #[error(
        "{} is not a SYMFLUENCE config: its top level is not a mapping of keys\n\
         hint: give the YAML file you pass to `symfluence` (flat `KEY: value` lines, or \
         nested `system:`, `domain:`, ... sections)",
        path.display()
    )]
    NotAMapping { path: PathBuf },
    #[error("{}: `{key}` is `{value}`, expected {expected}", path.display())]
    BadValue {
        path: PathBuf,
        key: String,
        value: String,
        expected: String,
    },
    #[error("{}: `{key}` is missing\nhint: {hint}", path.display())]
    Missing {
        path: PathBuf,
        key: String,
        hint: String,
    },
    #[error(
        "{}: `{key}` is `{value}`: {reason}\nhint: write it as \"START, END\" with dates \
         YYYY-MM-DD or YYYY-MM-DD HH:MM, e.g. \"2004-01-01, 2007-12-31\"",
        path.display()
    )]
    BadPeriod {
        path: PathBuf,
        key: String,
        value: String,
        reason: String,
    },
    #[error(
        "{}: `{key}` is `{value}`, a metric tidepool does not compute\nhint: use one of \
         KGE, KGEp, NSE, logNSE, RMSE, MAE, PBIAS, R2 (or write [objective] by hand after \
         the import)",
        path.display()
    )]
    UnknownMetric {
        path: PathBuf,
        key: String,
        value: String,
    },
    #[error(
        "{}: `{key}` is `default` and the environment sets neither SYMFLUENCE_DATA_DIR nor \
         SYMFLUENCE_DATA\nhint: write the data directory into the config, or export \
         SYMFLUENCE_DATA_DIR=/path/to/SYMFLUENCE_data as for `symfluence` itself",
        path.display()
    )]
    NoDataDir { path: PathBuf, key: String },
    #[error(
        "{}: nothing to calibrate: `{local}` and `{basin}` are empty\nhint: list the SUMMA \
         parameters to calibrate, e.g. PARAMS_TO_CALIBRATE: k_soil,theta_sat",
        path.display()
    )]
    NoParameters {
        path: PathBuf,
        local: String,
        basin: String,
    },
    #[error(
        "{}: `{key}` has no bounds for `{name}`, and it is not a mizuRoute parameter \
         SYMFLUENCE knows bounds for (velo, diff, mann_n, wscale, fshape, tscale)\n\
         hint: give its bounds in PARAMETER_BOUNDS: {{{name}: [lower, upper]}}",
        path.display()
    )]
    NoMizuBounds {
        path: PathBuf,
        key: String,
        name: String,
    },
    #[error(
        "`--symfluence-version {value}` is not a version this importer knows\nhint: give \
         the release that runs this config (`symfluence --version`), from 0.7.0 to 0.9.2"
    )]
    Version { value: String },
    #[error(
        "{} exists; not overwriting it\nhint: pass --force to replace it, or choose \
         another file with -o",
        path.display()
    )]
    Exists { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
