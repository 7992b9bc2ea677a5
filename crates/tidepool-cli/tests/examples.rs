//! The HYMOD examples on SPOTPY's data, end to end through the real binary with two
//! local agents: `examples/hymod-exe` (templates, a CSV response, `[stage] exe` packed
//! at the first start) and `examples/hymod-python` (a python slot returning the
//! series), each reaching SPOTPY's KGE; a run stopped with SIGTERM and resumed loses no
//! trial and ends with its report. Each example is copied to a temporary directory
//! with the model program made the `tidepool-hymod` built beside the binary under test.

mod pool_util;
mod util;

use pool_util::{show, signal, wait_with_deadline, SIGTERM};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tidepool_journal::{EventKind, JournalReader};

/// SPOTPY 1.6.7's DDS reaches KGE 0.8153 (mean of 30 seeds) in 1,000 evaluations
/// (bench/hymod); both examples must come within 0.01 of it.
const SPOTPY_KGE: f64 = 0.8153;

/// The examples tree copied into `dir` (`hymod-data`, and `name`), the exe path in
/// `name/tidepool.toml` replaced by `hymod`. Returns the copied config.
fn copy_example(dir: &Path, name: &str, hymod: &Path) -> PathBuf {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for part in ["hymod-data", name] {
        let status = Command::new("cp")
            .arg("-a")
            .arg(examples.join(part))
            .arg(dir)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let config = dir.join(name).join("tidepool.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace(
        "../../target/release/tidepool-hymod",
        &hymod.display().to_string(),
    );
    std::fs::write(&config, text).unwrap();
    let _ = std::fs::remove_dir_all(dir.join(name).join("runs"));
    config
}

/// `tidepool run CONFIG --agents 2 --json ARGS`: exit code and the final JSON line.
fn run(config: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = Command::new(util::bin())
        .arg("run")
        .arg(config)
        .args(["--agents", "2", "--json"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let line = serde_json::from_str(last).unwrap_or(serde_json::Value::Null);
    (out.status.code(), line, show(&out))
}

fn check_reaches_spotpy(line: &serde_json::Value, context: &str) {
    assert_eq!(line["state"], "finished", "{context}");
    assert_eq!(line["trials_done"], 1000, "{context}");
    assert_eq!(line["trials_failed"], 0, "{context}");
    assert_eq!(line["metric"], "kge", "{context}");
    let kge = line["best_metric"].as_f64().unwrap();
    let minimised = line["best_objective"].as_f64().unwrap();
    assert!((kge - (1.0 - minimised)).abs() < 1e-12, "{context}");
    assert!((kge - SPOTPY_KGE).abs() < 0.01, "kge {kge}: {context}");
    let report = PathBuf::from(line["report"].as_str().unwrap());
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("Observed and simulated"), "{context}");
    assert!(html.matches("<svg").count() >= 5, "{context}");
}

#[test]
fn hymod_exe_calibrates_from_its_files_staged_on_two_agents() {
    let Some(hymod) = util::hymod_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = copy_example(dir.path(), "hymod-exe", &hymod);
    let run_dir = dir.path().join("run");
    let run_dir_arg = run_dir.display().to_string();
    let (code, line, context) = run(&config, &["--run-dir", &run_dir_arg]);
    assert_eq!(code, Some(0), "{context}");
    check_reaches_spotpy(&line, &context);
    // packed at the first start, into the run directory
    let archives: Vec<_> = std::fs::read_dir(run_dir.join("stage"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "tpk"))
        .collect();
    assert_eq!(archives.len(), 1, "{context}");
    // the best trial's files: parameters, its output, the hydrograph scored again
    let best = run_dir.join("best");
    let params: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(best.join("parameters.json")).unwrap())
            .unwrap();
    assert_eq!(params.as_object().unwrap().len(), 5);
    let best_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(best.join("best.json")).unwrap()).unwrap();
    let rerun = best_json["rerun_objective"].as_f64().unwrap();
    assert!((rerun - line["best_objective"].as_f64().unwrap()).abs() < 1e-12);
    assert!(best.join("work/work/q.csv").is_file(), "{context}");
    let hydrograph = std::fs::read_to_string(best.join("hydrograph-kge_q.csv")).unwrap();
    assert_eq!(
        hydrograph.lines().count(),
        1 + 1461,
        "2013..2016 daily rows"
    );
}

#[test]
fn hymod_python_returns_its_series_to_the_objective() {
    let dir = tempfile::tempdir().unwrap();
    let Some(hymod) = util::hymod_binary() else {
        return;
    };
    let config = copy_example(dir.path(), "hymod-python", &hymod);
    let (code, line, context) = run(&config, &[]);
    assert_eq!(code, Some(0), "{context}");
    check_reaches_spotpy(&line, &context);
}

#[test]
fn a_hymod_run_stopped_by_sigterm_resumes_to_the_budget_with_nothing_lost() {
    let Some(hymod) = util::hymod_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = copy_example(dir.path(), "hymod-exe", &hymod);
    let run_dir = dir.path().join("hymod-exe/runs/hymod-exe");
    let child = Command::new(util::bin())
        .arg("run")
        .arg(&config)
        .args(["--agents", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while observed(&run_dir) < 100 {
        assert!(Instant::now() < deadline, "the run did not get going");
        std::thread::sleep(Duration::from_millis(100));
    }
    signal(child.id(), SIGTERM);
    let out = wait_with_deadline(child, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    let first = observed(&run_dir);
    assert!(first < 1000, "stopped before the budget: {first}");
    let (code, line, context) = run(&config, &[]);
    assert_eq!(code, Some(0), "{context}");
    check_reaches_spotpy(&line, &context);
    let reader = JournalReader::open(&run_dir).unwrap();
    let observations = reader.observations().unwrap();
    assert_eq!(observations.len(), 1000);
    let mut ids: Vec<u64> = observations.iter().map(|o| o.trial_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1000, "no trial observed twice");
    let kinds: Vec<EventKind> = reader.events().unwrap().iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&EventKind::Interrupted), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&EventKind::Finished), "{kinds:?}");
}

/// Observed trials so far, from the run's journal (0 before it exists).
fn observed(run_dir: &Path) -> usize {
    JournalReader::open(run_dir)
        .and_then(|r| r.observations())
        .map_or(0, |o| o.len())
}

#[test]
fn check_prints_what_the_hymod_run_would_do_without_touching_anything() {
    let Some(hymod) = util::hymod_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = copy_example(dir.path(), "hymod-exe", &hymod);
    let out = util::tidepool(&["check", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        !dir.path().join("hymod-exe/runs").exists(),
        "check wrote nothing"
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let tmp = dir.path().display().to_string();
    let text = text
        .replace(&tmp, "[TMP]")
        .replace(&hymod.display().to_string(), "[HYMOD]");
    insta::assert_snapshot!(text);
    let out = util::tidepool(&["check", config.to_str().unwrap(), "--json"]);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["algorithm"], "dds");
    assert_eq!(plan["parameters"].as_array().unwrap().len(), 5);
}
