//! `command` slots with real processes: stages, placeholders, results, failures,
//! timeouts and cancels, and what stays on scratch.

use std::path::{Path, PathBuf};
use std::time::Duration;
use tidepool_models::*;
use tokio_util::sync::CancellationToken;

struct Slot {
    _dir: tempfile::TempDir,
    scratch: PathBuf,
    worker: Worker,
}

async fn slot(stages: &[&[&str]], env: &[(&str, &str)]) -> Slot {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("slot-0");
    let spec = WorkerSpec::Command(CommandSpec {
        stages: stages
            .iter()
            .map(|s| s.iter().map(|a| a.to_string()).collect())
            .collect(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    });
    let ctx = SlotContext {
        node: "testnode".into(),
        slot: 0,
        scratch: scratch.clone(),
        env: vec![("FROM_CONTEXT".into(), "ctx".into())],
        keep: KeepWorkdirs::Failed,
        sentinel: Sentinel::none(),
        staged: Default::default(),
    };
    let worker = Worker::start(&spec, &ctx).await.unwrap();
    Slot {
        _dir: dir,
        scratch,
        worker,
    }
}

fn trial(id: u64, params: &[(&str, f64)], timeout: Option<Duration>) -> TrialInput {
    TrialInput {
        trial_id: id,
        attempt: 1,
        params: params.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
        timeout,
        kill_grace: Duration::from_secs(2),
    }
}

async fn run(slot: &mut Slot, trial: &TrialInput) -> TrialOutcome {
    slot.worker.evaluate(trial, &CancellationToken::new()).await
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The `trial-*` directories on a slot's scratch.
fn trial_dirs(scratch: &Path) -> Vec<String> {
    entries(scratch)
        .into_iter()
        .filter(|name| name.starts_with("trial-"))
        .collect()
}

fn process_gone(pid: i32) -> bool {
    for _ in 0..300 {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat) if stat.contains(") Z ") => return true,
            Ok(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    false
}

#[tokio::test]
async fn stages_run_in_order_with_placeholders_env_and_params_json() {
    let out = tempfile::tempdir().unwrap();
    let seen = out.path().join("seen");
    let seen_text = seen.to_str().unwrap();
    let stage1: &[&str] = &[
        "/bin/sh",
        "-c",
        "printf '%s|%s|%s|%s|%s|%s|%s' \"$1\" \"$TIDEPOOL_PARAM_K_SAT\" \"$TIDEPOOL_TRIAL\" \
         \"$FROM_CONTEXT\" \"$FROM_SPEC\" \"$(cat params.json)\" \"$(pwd)\" > stage1.txt",
        "sh",
        "{k_sat}/{trial}/{attempt}/{workdir}",
    ];
    let stage2: &[&str] = &[
        "/bin/sh",
        "-c",
        "cp stage1.txt \"$SEEN\"; echo log line; echo '{\"objective\": 0.75, \"kge\": 0.5}'",
    ];
    let mut slot = slot(
        &[stage1, stage2],
        &[("FROM_SPEC", "spec"), ("SEEN", seen_text)],
    )
    .await;
    let outcome = run(&mut slot, &trial(42, &[("k_sat", 0.25), ("n", 3.0)], None)).await;
    let TrialOutcome::Ok {
        objective,
        responses,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(objective, Some(0.75));
    assert_eq!(responses.get("kge"), Some(&0.5));
    let workdir = slot.scratch.join("trial-42-1");
    let workdir = workdir.to_str().unwrap();
    let expected =
        format!("0.25/42/1/{workdir}|0.25|42|ctx|spec|{{\"k_sat\":0.25,\"n\":3.0}}|{workdir}");
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), expected);
    assert_eq!(trial_dirs(&slot.scratch), Vec::<String>::new());
    slot.worker.shutdown().await;
    assert!(
        entries(&slot.scratch).is_empty(),
        "{:?}",
        entries(&slot.scratch)
    );
}

#[tokio::test]
async fn every_trial_starts_in_a_clean_directory_even_when_recycled() {
    let out = tempfile::tempdir().unwrap();
    let stage: &[&str] = &[
        "/bin/sh",
        "-c",
        "ls -A | tr '\\n' ' ' > \"$SEEN_DIR/ls-$TIDEPOOL_TRIAL\"; cat params.json stage-1.out stage-1.err >> \"$SEEN_DIR/ls-$TIDEPOOL_TRIAL\"; \
         mkdir sub; touch sub/x junk; echo stale-output; echo stale-error >&2",
    ];
    let seen_dir = out.path().to_str().unwrap();
    let mut slot = slot(&[stage], &[("SEEN_DIR", seen_dir)]).await;
    for id in 1..=3 {
        let outcome = run(&mut slot, &trial(id, &[("x", id as f64)], None)).await;
        assert!(matches!(outcome, TrialOutcome::Ok { .. }), "{outcome:?}");
        let listing = std::fs::read_to_string(out.path().join(format!("ls-{id}"))).unwrap();
        assert_eq!(
            listing,
            format!("params.json stage-1.err stage-1.out {{\"x\":{id}.0}}")
        );
    }
    assert_eq!(trial_dirs(&slot.scratch), Vec::<String>::new());
}

#[tokio::test]
async fn a_number_on_the_last_line_is_the_objective_and_no_output_is_none() {
    let mut slot = slot(&[&["/bin/sh", "-c", "echo working; echo -2.5e-1"]], &[]).await;
    let outcome = run(&mut slot, &trial(1, &[], None)).await;
    assert!(matches!(outcome, TrialOutcome::Ok { objective: Some(x), .. } if x == -0.25));
    let mut slot = self::slot(&[&["/bin/true"]], &[]).await;
    let outcome = run(&mut slot, &trial(2, &[], None)).await;
    assert!(
        matches!(
            outcome,
            TrialOutcome::Ok {
                objective: None,
                ..
            }
        ),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn non_zero_exit_fails_with_code_and_stderr_tail_and_stops_the_pipeline() {
    let stage1: &[&str] = &[
        "/bin/sh",
        "-c",
        "i=0; while [ $i -lt 2000 ]; do echo \"noise $i\" >&2; i=$((i+1)); done; \
         echo 'fatal: bad forcing' >&2; exit 3",
    ];
    let stage2: &[&str] = &["/bin/sh", "-c", "touch ran-stage-2"];
    let mut slot = slot(&[stage1, stage2], &[]).await;
    let outcome = run(&mut slot, &trial(5, &[], None)).await;
    let TrialOutcome::Failed {
        reason,
        stderr_tail,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(reason, "stage 1: `/bin/sh` exited with code 3");
    assert!(stderr_tail.len() <= STDERR_TAIL_BYTES as usize);
    assert!(
        stderr_tail.contains("fatal: bad forcing\n[tidepool] trial directory kept: "),
        "the tail ends with where the trial directory was kept: {stderr_tail}"
    );
    let kept = slot.scratch.join("trial-5-1");
    assert_eq!(
        entries(&kept),
        ["params.json", "stage-1.err", "stage-1.out"]
    );
}

#[tokio::test]
async fn death_by_signal_is_reported_by_name() {
    let mut slot = slot(&[&["/bin/sh", "-c", "kill -SEGV $$"]], &[]).await;
    let outcome = run(&mut slot, &trial(1, &[], None)).await;
    assert!(
        matches!(&outcome, TrialOutcome::Failed { reason, .. } if reason.ends_with("killed by signal SIGSEGV")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group() {
    let stage: &[&str] = &["/bin/sh", "-c", "sleep 30 & echo $! > bg.pid; wait"];
    let mut slot = slot(&[stage], &[]).await;
    let outcome = run(&mut slot, &trial(9, &[], Some(Duration::from_millis(300)))).await;
    assert!(
        matches!(outcome, TrialOutcome::TimedOut { .. }),
        "{outcome:?}"
    );
    let pidfile = slot.scratch.join("trial-9-1").join("bg.pid");
    let bg: i32 = std::fs::read_to_string(pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        process_gone(bg),
        "background process {bg} outlived the timeout"
    );
}

#[tokio::test]
async fn timeout_escalates_to_sigkill_when_sigterm_is_ignored() {
    let stage: &[&str] = &["/bin/sh", "-c", "trap '' TERM; echo stuck >&2; sleep 30"];
    let mut slot = slot(&[stage], &[]).await;
    let mut input = trial(3, &[], Some(Duration::from_millis(200)));
    input.kill_grace = Duration::from_millis(200);
    let started = std::time::Instant::now();
    let outcome = run(&mut slot, &input).await;
    assert!(started.elapsed() < Duration::from_secs(20));
    let TrialOutcome::TimedOut { stderr_tail } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        stderr_tail.starts_with("stuck\n[tidepool] trial directory kept: "),
        "{stderr_tail}"
    );
}

#[tokio::test]
async fn cancel_kills_the_stage_and_removes_the_directory() {
    let mut slot = slot(&[&["/bin/sleep", "30"]], &[]).await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        trigger.cancel();
    });
    let outcome = slot.worker.evaluate(&trial(4, &[], None), &cancel).await;
    assert_eq!(outcome, TrialOutcome::Cancelled);
    assert_eq!(trial_dirs(&slot.scratch), Vec::<String>::new());
}

#[tokio::test]
async fn a_missing_program_or_unknown_placeholder_fails_the_trial() {
    let mut slot = slot(&[&["/nonexistent/model"]], &[]).await;
    let outcome = run(&mut slot, &trial(1, &[], None)).await;
    assert!(
        matches!(&outcome, TrialOutcome::Failed { reason, .. }
            if reason.starts_with("stage 1: cannot start `/nonexistent/model`")),
        "{outcome:?}"
    );
    let mut slot = self::slot(&[&["/bin/echo", "{alpah}"]], &[]).await;
    let outcome = run(&mut slot, &trial(1, &[("alpha", 1.0)], None)).await;
    assert!(
        matches!(&outcome, TrialOutcome::Failed { reason, .. } if reason.contains("`{alpah}`")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_broken_json_result_fails_the_trial() {
    let mut slot = slot(&[&["/bin/sh", "-c", "echo '{\"kge\": oops}'"]], &[]).await;
    let outcome = run(&mut slot, &trial(1, &[], None)).await;
    assert!(
        matches!(&outcome, TrialOutcome::Failed { reason, .. } if reason.contains("not a valid JSON object")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn only_the_latest_failed_directories_are_kept() {
    let mut slot = slot(&[&["/bin/false"]], &[]).await;
    let total = KEEP_FAILED_TRIALS as u64 + 3;
    for id in 0..total {
        let outcome = run(&mut slot, &trial(id, &[], None)).await;
        assert!(matches!(outcome, TrialOutcome::Failed { .. }));
    }
    let kept = entries(&slot.scratch);
    assert_eq!(kept.len(), KEEP_FAILED_TRIALS);
    assert!(!kept.contains(&"trial-0-1".to_string()));
    assert!(kept.contains(&format!("trial-{}-1", total - 1)));
}

#[tokio::test]
async fn an_empty_pipeline_is_rejected_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = SlotContext {
        node: "testnode".into(),
        slot: 3,
        scratch: dir.path().to_path_buf(),
        env: vec![],
        keep: KeepWorkdirs::Failed,
        sentinel: Sentinel::none(),
        staged: Default::default(),
    };
    for stages in [vec![], vec![vec![]]] {
        let spec = WorkerSpec::Command(CommandSpec {
            stages,
            ..Default::default()
        });
        let err = Worker::start(&spec, &ctx).await.unwrap_err();
        assert!(
            matches!(err, ModelError::InvalidSpec { slot: 3, .. }),
            "{err}"
        );
    }
}
