//! End-to-end runs through the real binary: coordinator, local agents, noop slots.

mod pool_util;

use pool_util::*;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

#[test]
fn noop_ensemble_runs_every_trial_and_reports_status() {
    let dir = RunDir::new(5000, 2, "[slots]\nper_node = 4\n");
    let out = dir.run().arg("--json").output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["state"], "finished");
    assert_eq!(summary["trials_done"], 5000);
    let status = dir.status().expect("status --json parses");
    for key in [
        "state",
        "trials_done",
        "trials_failed",
        "budget",
        "slots_busy",
        "best_objective",
        "best_parameters",
    ] {
        assert!(status.get(key).is_some(), "status lacks {key}: {status}");
    }
    assert_eq!(status["state"], "finished");
    assert_eq!(status["trials_failed"], 0);
    assert_eq!(status["budget"], 5000);
    assert_eq!(status["slots_total"], 8);
    let slots = status["slots"].as_array().unwrap();
    assert!(slots
        .iter()
        .all(|s| s["ready_s"].as_f64() >= s["start_s"].as_f64()));
    let run_dir = dir.run_dir();
    let mode = std::fs::metadata(run_dir.join("secret"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let connect: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("connect.json")).unwrap()).unwrap();
    assert!(connect["address"]
        .as_str()
        .unwrap()
        .starts_with("127.0.0.1:"));
    let human = tidepool().arg("status").arg(&run_dir).output().unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("finished") && text.contains("5000/5000"),
        "{text}"
    );
}

#[test]
fn start_gate_spaces_slot_starts() {
    let dir = RunDir::new(
        100_000,
        3,
        "[slots]\nper_node = 3\nstart_concurrency = 1\nstart_interval = \"20ms\"\n",
    );
    let out = dir.run().output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let status = dir.status().unwrap();
    let mut starts: Vec<(f64, f64)> = status["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start_s"].as_f64().unwrap(),
                s["ready_s"].as_f64().unwrap(),
            )
        })
        .collect();
    starts.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(starts.len(), 9);
    for pair in starts.windows(2) {
        assert!(
            pair[1].0 >= pair[0].1,
            "one slot starting at a time: {pair:?}"
        );
        assert!(
            pair[1].0 - pair[0].0 >= 0.019,
            "start_interval respected: {pair:?}"
        );
    }
}

#[test]
fn config_typo_is_reported_with_key_and_line() {
    let dir = RunDir::new(10, 1, "[slots]\nper_nod = 2\n");
    let out = dir.run().output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("slots.per_nod") && err.contains("run.toml:8"),
        "{err}"
    );
}

#[test]
fn status_of_a_missing_run_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tidepool().arg("status").arg(tmp.path()).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("status.json") && err.contains("hint"), "{err}");
}

#[test]
fn agents_exit_when_the_run_ends() {
    let dir = RunDir::new(2000, 2, "");
    let child = dir.spawn(&[]);
    let pid = child.id();
    std::thread::sleep(Duration::from_millis(200));
    let agents = children(pid);
    let out = wait_with_deadline(child, Duration::from_secs(60));
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        wait_gone(&agents, Duration::from_secs(5)),
        "agents {agents:?} still running"
    );
}
