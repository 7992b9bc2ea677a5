//! The `[objective]` of the import: metric, periods, the observed flow file.
//!
//! SYMFLUENCE scores the routed flow against
//! `<observations>/streamflow/preprocessed/<DOMAIN>_streamflow_processed.csv` in m3/s,
//! taking the first column whose name mentions a date or time and the first that
//! mentions flow or discharge; the import picks the same columns when the file is
//! here, else SYMFLUENCE's usual `datetime` and `discharge_cms`. `CALIBRATION_TIMESTEP:
//! daily` (both series resampled to daily means before scoring) is `daily = "mean"`;
//! `native` and `hourly` score the series as they are.

use super::error::ImportError;
use super::source::Source;
use std::path::{Path, PathBuf};

/// Metric names as SYMFLUENCE writes them (and its aliases), with tidepool's name.
const METRICS: &[(&str, &str)] = &[
    ("kge", "kge"),
    ("kling_gupta", "kge"),
    ("kgep", "kge2012"),
    ("kge_prime", "kge2012"),
    ("nse", "nse"),
    ("nash_sutcliffe", "nse"),
    ("lognse", "lognse"),
    ("log_nse", "lognse"),
    ("rmse", "rmse"),
    ("mae", "mae"),
    ("pbias", "pbias"),
    ("r2", "r2"),
    ("r_squared", "r2"),
];

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Objective {
    pub metric: &'static str,
    pub calibration: (String, String),
    pub evaluation: Option<(String, String)>,
    pub csv: PathBuf,
    pub date: String,
    pub value: String,
    /// False when the observed file was not found at import time.
    pub found: bool,
    /// Score on daily means (`CALIBRATION_TIMESTEP: daily`).
    pub daily: bool,
}

pub fn objective(src: &Source, observations: &Path) -> Result<Objective, ImportError> {
    let written = src
        .str("OPTIMIZATION_METRIC")
        .unwrap_or_else(|| "KGE".into());
    let metric = METRICS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&written))
        .map(|(_, t)| *t)
        .ok_or_else(|| ImportError::UnknownMetric {
            path: src.path.clone(),
            key: src.shown("OPTIMIZATION_METRIC"),
            value: written.clone(),
        })?;
    let calibration = calibration(src)?;
    let evaluation = period(src, "EVALUATION_PERIOD")?;
    let (date, value, found) = columns(observations);
    let daily = match src
        .str("CALIBRATION_TIMESTEP")
        .map(|t| t.to_ascii_lowercase())
    {
        None => false,
        Some(t) if t == "daily" => true,
        Some(t) if t == "native" || t == "hourly" => false,
        Some(_) => return Err(src.bad("CALIBRATION_TIMESTEP", "native, hourly or daily")),
    };
    Ok(Objective {
        daily,
        metric,
        calibration,
        evaluation,
        csv: observations.to_owned(),
        date,
        value,
        found,
    })
}

fn calibration(src: &Source) -> Result<(String, String), ImportError> {
    if let Some(p) = period(src, "CALIBRATION_PERIOD")? {
        return Ok(p);
    }
    match (
        src.str("CALIBRATION_START_DATE"),
        src.str("CALIBRATION_END_DATE"),
    ) {
        (Some(a), Some(b)) => checked(src, "CALIBRATION_START_DATE", a, b),
        _ => Err(ImportError::Missing {
            path: src.path.clone(),
            key: src.shown("CALIBRATION_PERIOD"),
            hint: "set CALIBRATION_PERIOD: \"START, END\" (or CALIBRATION_START_DATE and \
                   CALIBRATION_END_DATE): tidepool scores the trials on it"
                .into(),
        }),
    }
}

/// A `"START, END"` period, checked; `None` when absent.
pub fn period(src: &Source, key: &str) -> Result<Option<(String, String)>, ImportError> {
    let Some(text) = src.str(key).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [a, b] = parts[..] else {
        return Err(bad_period(
            src,
            key,
            "it is not two dates separated by a comma",
        ));
    };
    checked(src, key, a.to_owned(), b.to_owned()).map(Some)
}

fn checked(src: &Source, key: &str, a: String, b: String) -> Result<(String, String), ImportError> {
    let time = |t: &str| {
        tidepool_metrics::parse_time(t, None)
            .map_err(|_| bad_period(src, key, &format!("`{t}` is not a date")))
    };
    if time(&a)? > time(&b)? {
        return Err(bad_period(src, key, "it ends before it starts"));
    }
    Ok((a, b))
}

fn bad_period(src: &Source, key: &str, reason: &str) -> ImportError {
    ImportError::BadPeriod {
        path: src.path.clone(),
        key: src.shown(key),
        value: src.str(key).unwrap_or_default(),
        reason: reason.to_owned(),
    }
}

/// The date and flow columns of the observed file, as SYMFLUENCE picks them.
fn columns(path: &Path) -> (String, String, bool) {
    let header = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.lines().next().map(str::to_owned));
    let Some(header) = header else {
        return ("datetime".into(), "discharge_cms".into(), false);
    };
    let cols: Vec<&str> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    let pick = |words: &[&str], fallback: &str| {
        cols.iter()
            .find(|c| words.iter().any(|w| c.to_lowercase().contains(w)))
            .map_or_else(|| fallback.to_owned(), |c| (*c).to_owned())
    };
    let date = pick(&["date", "time"], "datetime");
    let value = pick(&["flow", "discharge", "q_", "streamflow"], "discharge_cms");
    (date, value, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(yaml: &str) -> Source {
        Source::parse(Path::new("c.yaml"), yaml).unwrap()
    }

    #[test]
    fn metric_names_map_to_tidepool() {
        let o = objective(
            &src("OPTIMIZATION_METRIC: KGEp\nCALIBRATION_PERIOD: \"2004-01-01, 2007-12-31\"\nEVALUATION_PERIOD: 2008-01-01,2009-12-31\n"),
            Path::new("/nonexistent.csv"),
        )
        .unwrap();
        assert_eq!(o.metric, "kge2012");
        assert!(!o.daily);
        assert_eq!(o.calibration, ("2004-01-01".into(), "2007-12-31".into()));
        assert_eq!(
            o.evaluation,
            Some(("2008-01-01".into(), "2009-12-31".into()))
        );
        assert_eq!(
            (o.date.as_str(), o.value.as_str(), o.found),
            ("datetime", "discharge_cms", false)
        );
    }

    #[test]
    fn bad_periods_and_metrics_are_errors_naming_the_key() {
        let obs = Path::new("/x.csv");
        for (yaml, key) in [
            ("CALIBRATION_PERIOD: 2004-01-01\n", "CALIBRATION_PERIOD"),
            (
                "CALIBRATION_PERIOD: 2007-01-01, 2004-01-01\n",
                "CALIBRATION_PERIOD",
            ),
            (
                "CALIBRATION_PERIOD: 2004-13-01, 2005-01-01\n",
                "CALIBRATION_PERIOD",
            ),
            (
                "CALIBRATION_PERIOD: 2004-01-01, 2005-01-01\nOPTIMIZATION_METRIC: MARE\n",
                "OPTIMIZATION_METRIC",
            ),
            ("OPTIMIZATION_METRIC: KGE\n", "CALIBRATION_PERIOD"),
            (
                "CALIBRATION_PERIOD: 2004-01-01, 2005-01-01\nCALIBRATION_TIMESTEP: weekly\n",
                "CALIBRATION_TIMESTEP",
            ),
        ] {
            let err = objective(&src(yaml), obs).unwrap_err().to_string();
            assert!(err.contains(&format!("`{key}`")), "{yaml}: {err}");
        }
    }

    #[test]
    fn columns_are_picked_from_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("q.csv");
        std::fs::write(&f, "station,DateTime,Discharge_cms\nx,2004-01-01,1\n").unwrap();
        assert_eq!(
            columns(&f),
            ("DateTime".into(), "Discharge_cms".into(), true)
        );
    }
}
