//! Compares every metric, and the daily-aggregation pipeline, with an independent
//! numpy/pandas implementation (tests/reference/metrics.py) on the same random series.
//! Needs the test venv at TIDEPOOL_TEST_VENV (default ~/.cache/tidepool/test-venv);
//! skips visibly when it is absent, and fails instead when CI=true.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use tidepool_metrics::{
    prepare, score_values, Metric, MissingPolicy, Period, ScoreOptions, Series,
};

const DAY: i64 = 86_400;

fn venv_python() -> Option<PathBuf> {
    let venv = std::env::var_os("TIDEPOOL_TEST_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tidepool/test-venv"))
        })?;
    let python = venv.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    let msg = format!("Python at {} (set TIDEPOOL_TEST_VENV)", python.display());
    tidepool_testkit::require(false, &msg);
    None
}

/// A small deterministic generator (SplitMix64), so the series are the same every run.
struct SplitMix(u64);

impl SplitMix {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Hourly flows over `days` days: a seasonal signal with noise, the simulation a biased,
/// noisy copy; about 3% of observations are -9999 or NaN, plus one fully missing day.
fn random_series(seed: u64, days: i64) -> (Vec<i64>, Vec<f64>, Vec<f64>) {
    let mut rng = SplitMix(seed);
    let times: Vec<i64> = (0..days * 24)
        .map(|h| 1_600_000_000 - 1_600_000_000 % DAY + h * 3600)
        .collect();
    let mut sim = Vec::new();
    let mut obs = Vec::new();
    for (i, _) in times.iter().enumerate() {
        let season = 10.0 + 8.0 * (i as f64 / 24.0 / 58.0).sin();
        let o = season * (0.5 + rng.unit());
        let s = 1.1 * o + 2.0 * (rng.unit() - 0.4);
        let u = rng.unit();
        let o = if u < 0.015 || i / 24 == 7 {
            -9999.0
        } else if u < 0.03 {
            f64::NAN
        } else {
            o
        };
        sim.push(s.max(0.0));
        obs.push(o);
    }
    (times, sim, obs)
}

fn run_reference(python: &PathBuf, csv: &PathBuf, period: Period) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/metrics.py");
    let out = Command::new(python)
        .arg(&script)
        .arg(csv)
        .args([period.start.to_string(), period.end.to_string()])
        .output()
        .expect("start the venv's python");
    assert!(
        out.status.success(),
        "reference failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("reference prints JSON")
}

fn assert_close(what: &str, ours: f64, theirs: f64) {
    let tol = 1e-10 * theirs.abs().max(1.0);
    assert!(
        (ours - theirs).abs() <= tol,
        "{what}: ours {ours}, numpy {theirs}"
    );
}

#[test]
fn metrics_match_numpy_and_pandas_on_random_series() {
    let Some(python) = venv_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    for seed in [1u64, 2, 3] {
        let (times, sim, obs) = random_series(seed, 60);
        let csv = dir.path().join(format!("series-{seed}.csv"));
        let mut file = std::fs::File::create(&csv).unwrap();
        writeln!(file, "time,sim,obs").unwrap();
        for ((t, s), o) in times.iter().zip(&sim).zip(&obs) {
            writeln!(file, "{t},{s:?},{o:?}").unwrap();
        }
        drop(file);
        let period = Period::new(times[0] + 5 * DAY, times[0] + 50 * DAY).unwrap();
        let reference = run_reference(&python, &csv, period);

        let policy = MissingPolicy::default();
        for metric in Metric::ALL {
            let ours = score_values(metric, &sim, &obs, &policy).unwrap();
            let theirs = reference["hourly"][metric.name()].as_f64().unwrap();
            assert_close(&format!("seed {seed} hourly {metric}"), ours, theirs);
        }

        let options = ScoreOptions {
            period: Some(period),
            daily: true,
            missing: policy,
        };
        let sim = Series::new("sim", times.clone(), sim).unwrap();
        let obs = Series::new("obs", times, obs).unwrap();
        let prepared = prepare(&sim, &obs, &options).unwrap();
        assert_eq!(
            prepared.sim.len() as u64,
            reference["daily"]["pairs"].as_u64().unwrap()
        );
        for metric in [Metric::Kge, Metric::Nse] {
            let theirs = reference["daily"][metric.name()].as_f64().unwrap();
            assert_close(
                &format!("seed {seed} daily {metric}"),
                prepared.score(metric).unwrap(),
                theirs,
            );
        }
    }
}
