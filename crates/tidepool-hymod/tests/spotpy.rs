//! The binary against SPOTPY 1.6.7's own python HYMOD, run in the bench venv
//! (`TIDEPOOL_BENCH_HYMOD_VENV`, default `~/.cache/tidepool/bench-hymod-venv`, made by
//! `bench/hymod`); skipped visibly when that venv is absent.

mod util;

use std::path::PathBuf;

fn bench_venv_python() -> Option<PathBuf> {
    let dir = std::env::var_os("TIDEPOOL_BENCH_HYMOD_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/tidepool/bench-hymod-venv"))
        })?;
    let python = dir.join("bin/python");
    let what = format!(
        "SPOTPY 1.6.7 in the bench venv {} (run bench/hymod)",
        dir.display()
    );
    tidepool_testkit::require(python.exists(), &what).then_some(python)
}

/// SPOTPY's setup reads the forcing itself (its copy in the wheel); the script prints
/// the model's raw output (mm/day) and the setup's scored simulation (l/s from day 367).
const SPOTPY: &str = r#"
import json, sys
from spotpy.examples.spot_setup_hymod_python import spot_setup
from spotpy.examples.hymod_python.hymod import hymod
setup = spot_setup()
x = [float(v) for v in sys.argv[1:]]
raw = hymod(setup.Precip, setup.PET, *x)
print(json.dumps({"raw": [float(v) for v in raw], "scored": [float(v) for v in setup.simulation(x)],
                  "dates": [d.strftime("%Y-%m-%d") for d in setup.date]}))
"#;

#[test]
fn flows_agree_with_spotpy_hymod_to_1e_9() {
    let Some(python) = bench_venv_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let factor = 1.783 * 1000.0 * 1000.0 / (60.0 * 60.0 * 24.0);
    for set in &util::SETS {
        let ours = util::run_binary(dir.path(), set);
        let args: Vec<String> = set.iter().map(|v| format!("{v:?}")).collect();
        let theirs: serde_json::Value =
            serde_json::from_str(&util::python(&python, SPOTPY, &args)).unwrap();
        let floats = |key: &str| -> Vec<f64> {
            theirs[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        };
        let dates: Vec<String> = theirs["dates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().into())
            .collect();
        let our_dates: Vec<String> = ours.iter().map(|(d, _)| d.clone()).collect();
        assert_eq!(our_dates, dates);
        let q: Vec<f64> = ours.iter().map(|(_, q)| *q).collect();
        util::assert_close(&format!("raw {set:?}"), &q, &floats("raw"), 1e-9);
        let scored: Vec<f64> = q[366..].iter().map(|v| v * factor).collect();
        util::assert_close(&format!("l/s {set:?}"), &scored, &floats("scored"), 1e-9);
        assert!(
            q.iter().any(|v| *v > 0.0),
            "a flow series of zeros proves nothing"
        );
    }
}

/// SPOTPY's `kge` of its setup (l/s, from day 367) for the parameter set.
const SPOTPY_KGE: &str = r#"
import sys
import spotpy
from spotpy.examples.spot_setup_hymod_python import spot_setup
setup = spot_setup()
x = [float(v) for v in sys.argv[1:]]
print(repr(float(spotpy.objectivefunctions.kge(setup.evaluation(), setup.simulation(x)))))
"#;

/// The examples score the binary's mm/day against the observations times
/// 86400 / 1.783e6 (l/s -> mm/day) over 2013-2016: the same KGE as SPOTPY's l/s one.
#[test]
fn the_examples_objective_gives_spotpys_kge() {
    let Some(python) = bench_venv_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let observed = observed_mm_per_day();
    let start = tidepool_metrics::parse_time("2013-01-01", None).unwrap();
    // Period is half-open: the inclusive last day 2016-12-31 ends at 2017-01-01.
    let end = tidepool_metrics::parse_time("2017-01-01", None).unwrap();
    let options = tidepool_metrics::ScoreOptions {
        period: Some(tidepool_metrics::Period::new(start, end).unwrap()),
        ..Default::default()
    };
    for set in &util::SETS {
        let rows = util::run_binary(dir.path(), set);
        let times = rows
            .iter()
            .map(|(d, _)| tidepool_metrics::parse_time(d, None).unwrap())
            .collect();
        let sim = tidepool_metrics::Series::new("q", times, rows.iter().map(|(_, q)| *q).collect())
            .unwrap();
        let pairs = tidepool_metrics::prepare(&sim, &observed, &options).unwrap();
        assert_eq!(pairs.sim.len(), 1461);
        let ours = pairs.score(tidepool_metrics::Metric::Kge).unwrap();
        let args: Vec<String> = set.iter().map(|v| format!("{v:?}")).collect();
        let theirs: f64 = util::python(&python, SPOTPY_KGE, &args)
            .trim()
            .parse()
            .unwrap();
        assert!(
            (ours - theirs).abs() < 1e-9,
            "{set:?}: {ours} vs SPOTPY {theirs}"
        );
    }
}

/// The observed discharge of the example data in mm/day (`nan` rows left out).
fn observed_mm_per_day() -> tidepool_metrics::Series {
    let text = std::fs::read_to_string(util::forcing()).unwrap();
    let (mut times, mut values) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(';').collect();
        let q: f64 = cells[3].trim().parse().unwrap();
        if q.is_finite() {
            times.push(tidepool_metrics::parse_time(cells[0], Some("%d.%m.%Y")).unwrap());
            values.push(q * 86_400.0 / 1.783e6);
        }
    }
    tidepool_metrics::Series::new("observed", times, values).unwrap()
}
