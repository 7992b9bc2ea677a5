//! `tidepool report RUNDIR`: after a real run with two local agents (real processes,
//! sockets and journal), the report is written, its slot sections come from the slot
//! events the run journalled, and the command's output is snapshot-tested.

mod util;

use std::path::Path;
use tidepool_journal::{JournalReader, SlotEventKind};

/// A pool-dds run of 24 trials on 2 agents x 2 slots; trials with x < 0 fail.
fn run_pool_dds(dir: &Path) -> std::path::PathBuf {
    let run_dir = dir.join("run");
    let config = dir.join("calib.toml");
    std::fs::write(
        &config,
        format!(
            r#"[run]
name = "rep"
dir = "{}"
budget = 24
seed = 5
[launch]
mode = "local"
agents = 2
[slots]
per_node = 2
fail_fast = 0
[model]
kind = "command"
stages = [["sh", "-c", "awk -v x={{x}} 'BEGIN {{ if (x < 0) {{ print \"negative x\" > \"/dev/stderr\"; exit 3 }} print x * x }}'"]]
[optimizer]
algorithm = "pool-dds"
[[parameters]]
name = "x"
lower = -1.0
upper = 3.0
"#,
            run_dir.display()
        ),
    )
    .unwrap();
    let out = util::tidepool(&["run", config.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    run_dir
}

#[test]
fn a_run_journals_its_slot_events_and_its_report_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = run_pool_dds(dir.path());
    let events = JournalReader::open(&run_dir)
        .unwrap()
        .slot_events()
        .unwrap();
    let count = |kind| events.iter().filter(|e| e.kind == kind).count();
    assert_eq!(
        (count(SlotEventKind::Started), count(SlotEventKind::Ready)),
        (4, 4),
        "{events:?}"
    );
    let mut slots: Vec<(String, u32, u32)> = events
        .iter()
        .map(|e| (e.node.clone(), e.agent, e.slot))
        .collect();
    slots.sort();
    slots.dedup();
    assert_eq!(slots.len(), 4, "{slots:?}");

    let out = util::tidepool(&["report", run_dir.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let report = run_dir.join("report.html");
    assert_eq!(json["report"], report.to_str().unwrap());
    assert_eq!(
        (json["state"].as_str(), json["trials"].as_u64()),
        (Some("finished"), Some(24))
    );
    // progress, traces, best values, utilisation, gate, barriers (no hydrograph)
    assert_eq!(json["figures"], 6);
    let html = std::fs::read_to_string(&report).unwrap();
    for heading in [
        "Slot utilisation",
        "Slot start and ready",
        "Slot time lost at batch barriers",
        "Failures by reason",
    ] {
        assert!(html.contains(&format!("<h2>{heading}</h2>")), "{heading}");
    }
    // The run's end wrote best/best.json (no [objective], so no hydrograph files).
    assert!(
        html.contains("the objective scores no series"),
        "best trial section"
    );
    assert!(!html.contains("appears when the run ends"));
    // The seed fixes the initial pool, which holds trials with x < 0.
    assert!(
        html.contains("<td>stage 1: `sh` exited with code 3</td>")
            && html.contains("<td>negative x</td>"),
        "{html}"
    );

    let other = dir.path().join("other.html");
    let out = util::tidepool(&[
        "report",
        run_dir.to_str().unwrap(),
        "-o",
        other.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(other.exists());
    let text =
        String::from_utf8_lossy(&out.stdout).replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!(text, @"wrote the report of run [TMP]/run (finished, 24 trials, 6 figures) to [TMP]/other.html");
}

#[test]
fn a_directory_without_a_journal_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = util::tidepool(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stderr).replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!(text);
}
