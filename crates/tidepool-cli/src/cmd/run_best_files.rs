//! The best trial's files that the report reads: `RUNDIR/best/best.json` (objective,
//! metric, parameters, terms, periods) and, per metric term, `hydrograph-<term>.csv`
//! (`time,observed,simulated`, an empty cell for a missing value), from the re-run of
//! the best trial scored with the run's `[objective]`.

use super::run_end::{BestTrial, BEST_DIR};
use anyhow::Context;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tidepool_metrics::{format_time, Series};
use tidepool_objective::{Objective, Sense, TermKind};

/// `best/best.json`.
#[derive(Debug, Serialize)]
pub struct BestJson {
    pub trial: u64,
    /// The minimised objective recorded for the trial.
    pub objective: f64,
    pub label: String,
    pub shown: f64,
    /// The re-run's minimised objective, when it was scored (equal to `objective` for a
    /// deterministic model).
    pub rerun_objective: Option<f64>,
    pub parameters: BTreeMap<String, f64>,
    pub terms: BTreeMap<String, f64>,
    pub calibration: Option<[String; 2]>,
    pub evaluation: Option<[String; 2]>,
    pub warmup_end: Option<String>,
}

/// What the re-run gave back, if it finished.
pub struct Rerun<'a> {
    pub responses: &'a BTreeMap<String, f64>,
    pub series: &'a BTreeMap<String, Series>,
}

/// Write `best.json` and the hydrographs; returns `best.json`'s path.
pub fn write(
    run_dir: &Path,
    best: &BestTrial,
    sense: &Sense,
    objective: Option<&Objective>,
    rerun: Option<Rerun<'_>>,
) -> anyhow::Result<PathBuf> {
    let dir = run_dir.join(BEST_DIR);
    remove_old_hydrographs(&dir)?;
    let mut file = BestJson {
        trial: best.trial,
        objective: best.objective,
        label: sense.label.clone(),
        shown: sense.shown(best.objective),
        rerun_objective: None,
        parameters: best.params.clone(),
        terms: best.responses.clone(),
        calibration: None,
        evaluation: None,
        warmup_end: None,
    };
    if let Some(objective) = objective {
        if let Some(periods) = objective.periods() {
            file.calibration = Some(periods.calibration.inclusive());
            file.evaluation = periods.evaluation.map(|w| w.inclusive());
            file.warmup_end = periods.warmup_end().map(format_time);
        }
        if let Some(rerun) = &rerun {
            let score = objective
                .score(rerun.responses, rerun.series)
                .context("cannot score the re-run of the best trial")?;
            file.rerun_objective = Some(score.objective);
            for (term, text) in hydrographs(objective, rerun.series) {
                let path = dir.join(format!("hydrograph-{term}.csv"));
                tidepool_rundir::write_atomic(&path, text.as_bytes())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
    }
    let path = dir.join("best.json");
    let json = serde_json::to_string_pretty(&file)? + "\n";
    tidepool_rundir::write_atomic(&path, json.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Remove the hydrographs of an earlier end of this run (a resumed run), creating
/// `dir` only when it is missing (one listing, no `mkdir` and `stat`, on the shared
/// filesystem when [`super::run_end::write_best_parameters`] made it just before).
fn remove_old_hydrographs(dir: &Path) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()));
        }
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("hydrograph-") && name.ends_with(".csv") {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// `(term, CSV text)` for each metric term whose simulated series the re-run gave.
fn hydrographs(objective: &Objective, series: &BTreeMap<String, Series>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for term in objective.terms() {
        let TermKind::Metric(metric) = &term.kind else {
            continue;
        };
        let simulated = match &metric.simulated {
            Some(name) => series.get(name),
            None if series.len() == 1 => series.values().next(),
            None => None,
        };
        if let Some(simulated) = simulated {
            let window = objective.periods().map(|p| {
                let span = p.span();
                (p.calibration.start.min(span.start), span.end)
            });
            out.push((term.name.clone(), csv(&metric.observed, simulated, window)));
        }
    }
    out
}

/// Rows at the simulated times inside `window` (`[start, end)`), observed where there
/// is an observation at that time.
fn csv(observed: &Series, simulated: &Series, window: Option<(i64, i64)>) -> String {
    let obs: HashMap<i64, f64> = observed
        .times()
        .iter()
        .copied()
        .zip(observed.values().iter().copied())
        .collect();
    let mut text = String::from("time,observed,simulated\n");
    let cell = |x: Option<f64>| {
        x.filter(|v| v.is_finite())
            .map_or(String::new(), |v| format!("{v:?}"))
    };
    for (&t, &sim) in simulated.times().iter().zip(simulated.values()) {
        if window.is_some_and(|(start, end)| t < start || t >= end) {
            continue;
        }
        let _ = writeln!(
            text,
            "{},{},{}",
            format_time(t),
            cell(obs.get(&t).copied()),
            cell(Some(sim))
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_simulation_inside_the_window_with_observed_where_known() {
        let day = 86_400;
        let obs = Series::new("obs", vec![day, 3 * day], vec![1.5, 2.5]).unwrap();
        let sim = Series::new(
            "q",
            (0..5).map(|d| d * day).collect(),
            vec![0.1, 0.2, 0.3, f64::NAN, 0.5],
        )
        .unwrap();
        let text = csv(&obs, &sim, Some((day, 4 * day)));
        assert_eq!(
            text,
            "time,observed,simulated\n1970-01-02,1.5,0.2\n1970-01-03,,0.3\n1970-01-04,2.5,\n"
        );
    }
}
