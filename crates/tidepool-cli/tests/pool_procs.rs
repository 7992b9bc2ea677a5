//! Processes and resources with real runs (issue 12, items 6-9): slots spread over idle
//! slots instead of queueing behind running trials, model processes that do not outlive
//! a killed agent, scratch that is cleaned up, and listeners that unauthenticated
//! peers cannot exhaust.

mod pool_util;

use pool_util::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

/// A command model that appends its workdir to `log`, sleeps `sleep` seconds and prints
/// `objective`.
fn logging_stage(log: &Path, sleep: &str, objective: &str) -> String {
    format!(
        r#"["sh", "-c", "echo $TIDEPOOL_WORKDIR >> {}; sleep {sleep}; echo {objective}"]"#,
        log.display()
    )
}

/// `(agent, slot)` of every trial the log names, by trial id; the re-run of the best
/// trial at the end of the run (on the coordinator's node-local scratch,
/// `tidepool-best-<pid>/work`, on no slot) is left out.
fn slots_by_trial(log: &Path) -> BTreeMap<u64, (u32, u32)> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut ran = BTreeMap::new();
    let rerun = |l: &&str| l.contains("/best/work/") || l.contains("/tidepool-best-");
    for line in text.lines().filter(|l| !rerun(l)) {
        let part = |prefix: &str| {
            line.split('/')
                .find_map(|c| c.strip_prefix(prefix))
                .and_then(|rest| rest.split('-').next())
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("no {prefix} in {line}"))
        };
        let (agent, slot, trial) = (part("agent-"), part("slot-"), part("trial-"));
        ran.insert(trial, (agent as u32, slot as u32));
    }
    ran
}

fn with_model(dir: &RunDir, stage: &str) {
    let config = std::fs::read_to_string(dir.config()).unwrap().replace(
        "kind = \"noop\"",
        &format!("kind = \"command\"\nstages = [{stage}]"),
    );
    std::fs::write(dir.config(), config).unwrap();
}

#[test]
fn long_trials_spread_over_every_slot_of_a_list() {
    let dir = RunDir::new(4, 1, "[slots]\nper_node = 4\n");
    let log = dir.tmp.path().join("ran.log");
    with_model(&dir, &logging_stage(&log, "2", "1"));
    let out = dir.run().output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let ran = slots_by_trial(&log);
    assert_eq!(ran.len(), 4, "{ran:?}");
    let slots: BTreeSet<_> = ran.values().collect();
    assert_eq!(slots.len(), 4, "each slot runs one trial: {ran:?}");
}

#[test]
fn async_dds_gives_every_idle_slot_a_trial_before_queueing() {
    let dir = RunDir::new(0, 2, "[slots]\nper_node = 3\n");
    let log = dir.tmp.path().join("ran.log");
    with_model(&dir, &logging_stage(&log, "3", "{x}"));
    let config = std::fs::read_to_string(dir.config())
        .unwrap()
        .replace("name = \"t\"\n", "name = \"t\"\nbudget = 12\n")
        .replace(
            "[trials]\ncsv = \"trials.csv\"\n",
            "[optimizer]\nalgorithm = \"async-dds\"\n",
        );
    std::fs::write(dir.config(), config).unwrap();
    let out = dir.run().output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let ran = slots_by_trial(&log);
    assert_eq!(ran.len(), 12, "{ran:?}");
    let first: BTreeSet<_> = ran.values().take(6).collect();
    assert_eq!(first.len(), 6, "the first six trials on six slots: {ran:?}");
}

/// Processes whose command line is exactly `argv`.
fn processes_running(argv: &[&str]) -> Vec<u32> {
    let want: Vec<u8> = argv
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == want))
        .filter(|pid| alive(*pid))
        .collect()
}

fn parent_of(pid: u32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .and_then(|p| p.trim().parse().ok())
        .unwrap()
}

#[test]
fn a_killed_agent_leaves_no_model_process_behind() {
    // Agent 0's trials sleep "forever" (a duration unique to this test run, to find
    // them); agent 1's finish at once, so the trials rerun there complete.
    let forever = format!("1030.{}", std::process::id());
    let dir = RunDir::new(40, 2, "[slots]\nper_node = 1\nheartbeat = \"500ms\"\n");
    let stage = format!(
        r#"["sh", "-c", "case $TIDEPOOL_WORKDIR in */agent-0/*) sleep {forever} & sleep {forever}; wait;; esac; sleep 0.2; echo 1"]"#
    );
    with_model(&dir, &stage);
    let coordinator = dir.spawn(&[]);
    let started = std::time::Instant::now();
    let sleeps = loop {
        let found = processes_running(&["sleep", &forever]);
        if found.len() == 2 {
            break found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "agent 0 never ran a trial"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let shell = parent_of(sleeps[0]);
    let agent = parent_of(shell);
    assert!(children(coordinator.id()).contains(&agent), "agent {agent}");
    signal(agent, SIGKILL);
    let out = wait_with_deadline(coordinator, Duration::from_secs(60));
    assert!(out.status.success(), "{}", show(&out));
    let left = || processes_running(&["sleep", &forever]);
    let gone = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        left().is_empty()
    });
    for pid in left() {
        signal(pid, SIGKILL);
    }
    assert!(gone, "model processes outlived their agent");
    let status = dir.status().unwrap();
    assert_eq!(status["trials_done"], 40, "{status}");
    assert_eq!(status["trials_failed"], 0, "{status}");
}

/// Every directory under `root`, relative to it.
fn dirs_under(root: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.file_type().unwrap().is_dir() {
                let rel = entry
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .display()
                    .to_string();
                found.insert(rel);
                todo.push(entry.path());
            }
        }
    }
    found
}

/// A run of 6 trials on one slot, rows 2 and 4 failing, with `keep_workdirs = keep`;
/// returns the directories left under the agents' scratch (TMPDIR) and the export.
fn run_with_keep(keep: Option<&str>) -> (BTreeSet<String>, String) {
    let slots = match keep {
        Some(keep) => format!("[slots]\nper_node = 1\nkeep_workdirs = \"{keep}\"\n"),
        None => "[slots]\nper_node = 1\n".to_string(),
    };
    let dir = RunDir::new(6, 1, &slots);
    with_model(
        &dir,
        r#"["sh", "-c", "echo out > file.txt; case {x} in 2|4) echo bad >&2; exit 3;; esac; echo 1"]"#,
    );
    let out = dir.run().output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let export = tidepool()
        .args(["export", "--csv"])
        .arg(dir.run_dir())
        .output()
        .unwrap();
    assert!(export.status.success(), "{}", show(&export));
    // Local agents' scratch: TMPDIR/tidepool-nodes/NAME/node-K/tidepool-RUN/agent-N/...
    let left = dirs_under(dir.tmp.path())
        .into_iter()
        .filter(|d| d.starts_with("tidepool-nodes"))
        .map(|d| d.split('/').skip(4).collect::<Vec<_>>().join("/"))
        .collect();
    (left, String::from_utf8_lossy(&export.stdout).into_owned())
}

#[test]
fn only_failed_trial_directories_stay_by_default_and_the_failure_names_them() {
    let (left, export) = run_with_keep(None);
    let trials: Vec<&String> = left.iter().filter(|d| d.contains("trial-")).collect();
    assert_eq!(
        trials,
        ["agent-0/slot-0/trial-2-1", "agent-0/slot-0/trial-4-1"],
        "{left:?}"
    );
    assert!(!left.iter().any(|d| d.contains(".spare")), "{left:?}");
    let kept_lines = export
        .lines()
        .filter(|l| l.contains("trial directory kept: "))
        .count();
    assert_eq!(kept_lines, 2, "{export}");
    assert!(export.contains("slot-0/trial-2-1"), "{export}");
}

#[test]
fn keep_workdirs_none_leaves_no_scratch_and_all_keeps_every_trial() {
    let (left, _) = run_with_keep(Some("none"));
    assert!(left.is_empty(), "scratch left behind: {left:?}");
    let (left, _) = run_with_keep(Some("all"));
    let trials = left.iter().filter(|d| d.contains("/trial-")).count();
    assert_eq!(trials, 6, "{left:?}");
}

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024.0
}

#[test]
fn unauthenticated_connections_cannot_exhaust_the_coordinator() {
    use std::io::Write;
    // 40 trials of 0.5 s on two slots: ~10 s of run after the slots are ready, so the
    // flood below meets a running coordinator (status.json, which says the first trials
    // are done, is rewritten every 5 s).
    let dir = RunDir::new(40, 1, "[slots]\nper_node = 2\n");
    with_model(&dir, r#"["sh", "-c", "sleep 0.5; echo 1"]"#);
    let coordinator = dir.spawn(&[]);
    let status = dir.wait_status(Duration::from_secs(60), |s| {
        s["trials_done"].as_u64().unwrap_or(0) > 0
    });
    let connect: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.run_dir().join("connect.json")).unwrap())
            .unwrap();
    let address = connect["address"].as_str().unwrap().to_string();
    // Each peer announces a frame of almost 16 MiB and sends 4 MiB of it, then idles.
    let flood: Vec<_> = (0..64)
        .map(|_| {
            let address = address.clone();
            std::thread::spawn(move || {
                let mut peer = std::net::TcpStream::connect(&address).ok()?;
                let _ = peer.write_all(&(16u32 * 1024 * 1024 - 1).to_be_bytes());
                let _ = peer.write_all(&vec![7u8; 4 * 1024 * 1024]);
                Some(peer)
            })
        })
        .collect();
    let peers: Vec<_> = flood.into_iter().map(|t| t.join().unwrap()).collect();
    std::thread::sleep(Duration::from_millis(500));
    let peak = peak_rss_mb(coordinator.id());
    drop(peers);
    let out = wait_with_deadline(coordinator, Duration::from_secs(120));
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        peak < 100.0,
        "coordinator peak RSS {peak:.0} MB under the flood"
    );
    assert_eq!(dir.status().unwrap()["trials_done"], 40, "{status}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = stdout.lines().filter(|l| l.contains("rejected")).count();
    assert!(
        lines <= 10,
        "rejections are not logged one by one:\n{stdout}"
    );
}
