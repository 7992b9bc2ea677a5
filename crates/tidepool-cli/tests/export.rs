//! `tidepool export RUNDIR --csv`: spawns the real binary on a journal written through
//! the journal's API.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use tidepool_journal::{FinishedTrial, Journal, ProposedTrial, StartedTrial, TrialStatus};

fn tidepool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tidepool"))
        .args(args)
        .output()
        .expect("run the tidepool binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Three trials: one ok and observed, one failed with a multi-line stderr tail, one
/// still queued. 2000-01-01T00:00:00Z is Unix time 946684800.
fn write_run(dir: &Path) {
    let names = vec!["k".to_string(), "s_max".to_string()];
    let journal = Journal::create(dir, &names, "[run]\nseed = 3\n").unwrap();
    for (id, params) in [
        (0, vec![0.5, 120.0]),
        (1, vec![0.25, 1e-7]),
        (2, vec![1.0, 3.5]),
    ] {
        let queued_at = 946_684_800.0 + id as f64;
        journal
            .proposed(&ProposedTrial {
                id,
                params,
                queued_at,
            })
            .unwrap();
    }
    for id in [0, 1] {
        let started = StartedTrial {
            id,
            node: "cn042".into(),
            slot: id as u32 + 2,
            attempt: 1,
            started_at: 946_684_810.5,
        };
        journal.started(started).unwrap();
    }
    let responses = BTreeMap::from([("kge".to_string(), 0.875), ("pbias".to_string(), -3.0)]);
    let ok = FinishedTrial {
        finished_at: 946_684_820.25,
        ..FinishedTrial::ok(0, Some(0.125), responses)
    };
    journal.finished(ok).unwrap();
    let failed = FinishedTrial {
        finished_at: 946_684_830.0,
        ..FinishedTrial::unsuccessful(
            1,
            TrialStatus::Failed,
            "exit status 2",
            "line one, \"quoted\"\nline two",
        )
    };
    journal.finished(failed).unwrap();
    journal.observed(0, Some(0.125)).unwrap();
    journal.observed(1, None).unwrap();
    journal.close().unwrap();
}

const EXPECTED: &str = "\
trial_id,proposal_seq,observed_seq,status,objective,k,s_max,kge,pbias,node,slot,attempt,queued_at,started_at,finished_at,failure_reason,stderr_tail
0,0,0,ok,0.125,0.5,120.0,0.875,-3.0,cn042,2,1,2000-01-01T00:00:00.000Z,2000-01-01T00:00:10.500Z,2000-01-01T00:00:20.250Z,,
1,1,1,failed,,0.25,1e-7,,,cn042,3,1,2000-01-01T00:00:01.000Z,2000-01-01T00:00:10.500Z,2000-01-01T00:00:30.000Z,exit status 2,\"line one, \"\"quoted\"\"
line two\"
2,2,,queued,,1.0,3.5,,,,,0,2000-01-01T00:00:02.000Z,,,,
";

#[test]
fn csv_to_stdout_has_a_row_per_trial_and_a_column_per_parameter_and_response() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path());
    let out = tidepool(&["export", dir.path().to_str().unwrap(), "--csv"]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), EXPECTED);
}

#[test]
fn csv_to_a_file_with_a_json_summary() {
    let dir = tempfile::tempdir().unwrap();
    write_run(dir.path());
    let file = dir.path().join("trials.csv");
    let out = tidepool(&[
        "export",
        dir.path().to_str().unwrap(),
        "--csv",
        "-o",
        file.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["trials"], 3);
    assert_eq!(summary["output"], file.to_str().unwrap());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), EXPECTED);

    let out = tidepool(&["export", dir.path().to_str().unwrap(), "--csv", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("add `-o FILE`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_directory_without_a_journal_is_named_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("runs/bow");
    let out = tidepool(&["export", run_dir.to_str().unwrap(), "--csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("no journal in {}", run_dir.display())),
        "{stderr}"
    );
    assert!(stderr.contains("tidepool run CONFIG"), "{stderr}");

    let unwritable = dir.path().join("missing-dir/trials.csv");
    write_run(dir.path());
    let out = tidepool(&[
        "export",
        dir.path().to_str().unwrap(),
        "--csv",
        "-o",
        unwritable.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("check that its directory exists"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_format_flag_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let out = tidepool(&["export", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--csv"), "{}", text(&out.stderr));
}
