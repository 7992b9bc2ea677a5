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

/// The values of column `name` in a CSV text.
fn column(csv: &str, name: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let index = header.iter().position(|h| *h == name).expect("column");
    lines
        .map(|l| l.split(',').nth(index).unwrap_or("").to_string())
        .collect()
}

#[test]
fn local_agents_have_distinct_node_names() {
    let dir = RunDir::new(8, 2, "[slots]\nper_node = 1\n");
    let config = std::fs::read_to_string(dir.config()).unwrap().replace(
        "kind = \"noop\"",
        "kind = \"command\"\nstages = [[\"sleep\", \"0.3\"]]",
    );
    std::fs::write(dir.config(), config).unwrap();
    let out = dir.run().output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let host = nix_hostname();
    let export = tidepool()
        .args(["export", "--csv"])
        .arg(dir.run_dir())
        .output()
        .unwrap();
    let mut nodes = column(&String::from_utf8_lossy(&export.stdout), "node");
    nodes.sort();
    nodes.dedup();
    assert_eq!(nodes, [format!("{host}/0"), format!("{host}/1")]);
    let status = dir.status().unwrap();
    let mut hosts: Vec<&str> = status["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["host"].as_str().unwrap())
        .collect();
    hosts.sort();
    assert_eq!(hosts, [format!("{host}/0"), format!("{host}/1")]);
}

fn nix_hostname() -> String {
    let out = std::process::Command::new("hostname").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn log_lines_have_no_colour_unless_asked() {
    let dir = RunDir::new(20, 1, "");
    let plain = dir.run().arg("-v").env_remove("NO_COLOR").output().unwrap();
    assert!(plain.status.success(), "{}", show(&plain));
    let text = String::from_utf8_lossy(&plain.stderr);
    assert!(
        text.contains("agent joined"),
        "no log lines to check: {text}"
    );
    assert!(!text.contains('\u{1b}'), "ANSI codes on a pipe: {text:?}");
    let dir = RunDir::new(20, 1, "");
    let forced = dir
        .run()
        .args(["-v", "--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stderr).contains('\u{1b}'));
    let dir = RunDir::new(20, 1, "");
    let no_color = dir
        .run()
        .args(["-v", "--color", "always"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    // An explicit --color always wins over NO_COLOR, as with cargo.
    assert!(String::from_utf8_lossy(&no_color.stderr).contains('\u{1b}'));
}
