//! Faults with real processes on loopback: a SIGKILLed agent, crashing slots, trial
//! timeouts, stragglers, and SIGINT/SIGTERM to the coordinator.

mod pool_util;

use pool_util::*;
use std::time::{Duration, Instant};

fn done(s: &serde_json::Value) -> u64 {
    s["trials_done"].as_u64().unwrap_or(0)
}

#[test]
fn killed_agent_trials_are_rerun_elsewhere() {
    let total = 300_000;
    let dir = RunDir::new(total, 3, "[slots]\nper_node = 2\nheartbeat = \"2s\"\n");
    let coordinator = dir.spawn(&[]);
    dir.wait_status(Duration::from_secs(30), |s| {
        done(s) > 0 && s["slots_ready"] == 6
    });
    let agents = children(coordinator.id());
    assert_eq!(agents.len(), 3, "three local agents");
    signal(agents[0], SIGKILL);
    let out = wait_with_deadline(coordinator, Duration::from_secs(120));
    assert!(out.status.success(), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("lost agent"), "{stdout}");
    let status = dir.status().unwrap();
    assert_eq!(status["state"], "finished");
    assert_eq!(
        done(&status),
        total as u64,
        "every trial finished exactly once"
    );
    assert_eq!(status["trials_failed"], 0);
    assert!(wait_gone(&agents, Duration::from_secs(10)));
}

#[test]
fn crashed_slots_restart_and_trials_are_retried() {
    let dir = RunDir::new(500, 2, "[slots]\nper_node = 2\n");
    let out = dir
        .run()
        .env("TIDEPOOL_FAULT_CRASH_TRIALS", "5,17,300")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let status = dir.status().unwrap();
    assert_eq!(done(&status), 500);
    assert_eq!(status["trials_failed"], 0, "second attempts succeed");
}

#[test]
fn crashing_trials_fail_after_max_attempts() {
    let dir = RunDir::new(200, 1, "[slots]\nper_node = 2\nmax_attempts = 1\n");
    let out = dir
        .run()
        .env("TIDEPOOL_FAULT_CRASH_TRIALS", "3,9")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let status = dir.status().unwrap();
    assert_eq!(done(&status), 200);
    assert_eq!(status["trials_failed"], 2);
}

fn interrupt_with(sig: i32) {
    let dir = RunDir::new(2_000_000, 2, "[slots]\nper_node = 2\n");
    let coordinator = dir.spawn(&[]);
    let pid = coordinator.id();
    dir.wait_status(Duration::from_secs(60), |s| done(s) > 0);
    let agents = children(pid);
    assert_eq!(agents.len(), 2);
    signal(pid, sig);
    let started = Instant::now();
    let out = wait_with_deadline(coordinator, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    assert!(started.elapsed() < Duration::from_secs(30));
    let status = dir.status().unwrap();
    assert_eq!(status["state"], "interrupted");
    assert!(done(&status) < 2_000_000);
    assert!(
        wait_gone(&agents, Duration::from_secs(10)),
        "agents left behind"
    );
}

#[test]
fn sigint_stops_the_run_and_leaves_no_process() {
    interrupt_with(SIGINT);
}

#[test]
fn sigterm_stops_the_run_and_leaves_no_process() {
    interrupt_with(SIGTERM);
}

fn command_dir(rows: &[&str], slots: &str, stage: &str) -> RunDir {
    let dir = RunDir::new(0, 1, slots);
    let csv = format!("x\n{}\n", rows.join("\n"));
    std::fs::write(dir.tmp.path().join("trials.csv"), csv).unwrap();
    let config = std::fs::read_to_string(dir.config()).unwrap().replace(
        "kind = \"noop\"",
        &format!("kind = \"command\"\nstages = [{stage}]"),
    );
    std::fs::write(dir.config(), config).unwrap();
    dir
}

#[test]
fn trial_over_its_timeout_is_killed_and_recorded() {
    let dir = command_dir(
        &["0", "60"],
        "[slots]\nper_node = 2\ntimeout = \"1s\"\nkill_grace = \"1s\"\n",
        r#"["sleep", "{x}"]"#,
    );
    let started = Instant::now();
    let out = dir.run().output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the 60 s trial was cut short"
    );
    let status = dir.status().unwrap();
    assert_eq!(done(&status), 2);
    assert_eq!(status["trials_failed"], 1);
}

#[test]
fn straggler_is_duplicated_and_first_result_wins() {
    let claims = tempfile::tempdir().unwrap();
    let stage = format!(
        r#"["sh", "-c", "if mkdir {}/claim-{{trial}} 2>/dev/null; then sleep {{x}}; else sleep 0.05; fi"]"#,
        claims.path().display()
    );
    let rows = ["0.05", "0.05", "0.05", "0.05", "0.05", "0.05", "60"];
    let dir = command_dir(
        &rows,
        "[slots]\nper_node = 2\noverdue_factor = 1.5\n",
        &stage,
    );
    let started = Instant::now();
    let out = dir.run().output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the duplicate finished first"
    );
    let status = dir.status().unwrap();
    assert_eq!(done(&status), 7);
    assert_eq!(status["trials_failed"], 0);
}

#[test]
fn agents_exit_by_themselves_when_the_coordinator_dies() {
    let dir = RunDir::new(
        2_000_000,
        2,
        "[slots]\nper_node = 2\nheartbeat = \"500ms\"\n",
    );
    let coordinator = dir.spawn(&[]);
    dir.wait_status(Duration::from_secs(60), |s| done(s) > 0);
    let agents = children(coordinator.id());
    assert_eq!(agents.len(), 2);
    signal(coordinator.id(), SIGKILL);
    let out = wait_with_deadline(coordinator, Duration::from_secs(10));
    assert!(!out.status.success());
    assert!(
        wait_gone(&agents, Duration::from_secs(10)),
        "orphaned agents {agents:?}"
    );
}
