//! `python` slots with the real test venv (numpy, pandas): one import per slot, results,
//! exceptions, crashes, timeouts, cancels, and a protocol that survives user prints.
//! Skips visibly when the venv is absent; under CI=true its absence fails.

use std::path::{Path, PathBuf};
use std::time::Duration;
use tidepool_models::*;
use tokio_util::sync::CancellationToken;

const MODEL: &str = r#"
import os, subprocess, sys, time
import pandas as pd

IMPORTS = {"count": 0}
IMPORTS["count"] += 1

def objective(p):
    print("user output on stdout", p)
    sys.stdout.flush()
    os.write(1, b"raw write to fd 1\n")
    series = pd.Series([p["x"], p["y"]])
    return {"objective": float(series.sum()), "imports": IMPORTS["count"],
            "pid": os.getpid(), "x_first": 1.0 if list(p)[0] == "x" else 0.0}

def plain(p):
    return p["x"] * 2

def fails(p):
    raise ValueError("bad parameter x=%s" % p["x"])

def dies(p):
    sys.stderr.write("about to die\n")
    sys.stderr.flush()
    os._exit(7)

def sleeps(p):
    child = subprocess.Popen(["sleep", "30"])
    with open("child.pid", "w") as f:
        f.write(str(child.pid))
    time.sleep(30)

def not_a_number(p):
    return "high"

def nan(p):
    return {"objective": float("nan"), "peak": float("inf")}

def with_workdir(p, workdir):
    with open(os.path.join(workdir, "seen.txt"), "w") as f:
        f.write(str(p["x"]))
    return {"cwd_is_workdir": 1.0 if os.getcwd() == workdir else 0.0}

def with_default(p, scale=3.0):
    return p["x"] * scale

def listed(p):
    import numpy as np
    return {"q": [p["x"] * i for i in range(3)], "e": np.array([1.0, np.nan, None], dtype=float),
            "start": "2012-01-01", "step_seconds": 3600, "peak": 4.5}

def panda(p):
    index = pd.date_range("2012-01-01", periods=3, freq="D")
    return pd.Series([p["x"], float("nan"), 2.0], index=index, name="flow")

def pandas_in_dict(p):
    index = pd.date_range("2012-01-01 06:00", periods=2, freq="h", tz="Etc/GMT-6")
    return {"objective": 0.5, "q": pd.Series([1.0, 2.0], index=index)}

def no_start(p):
    return {"q": [1.0, 2.0]}
"#;

const BROKEN: &str = "raise ImportError('missing thing: libfoo')\n";

fn venv_python() -> Option<PathBuf> {
    let venv = std::env::var_os("TIDEPOOL_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/tidepool/test-venv")
        });
    let python = venv.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    let what = format!(
        "the test venv at {} (set TIDEPOOL_TEST_VENV)",
        venv.display()
    );
    tidepool_testkit::require(false, &what);
    None
}

struct Slot {
    dir: tempfile::TempDir,
    ctx: SlotContext,
}

fn slot_dir() -> Slot {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("usermodel.py"), MODEL).unwrap();
    std::fs::write(dir.path().join("broken.py"), BROKEN).unwrap();
    let ctx = SlotContext {
        node: "testnode".into(),
        slot: 1,
        scratch: dir.path().join("slot-1"),
        env: vec![],
        keep: KeepWorkdirs::Failed,
        sentinel: Sentinel::none(),
        staged: Default::default(),
    };
    Slot { dir, ctx }
}

fn spec(python: &Path, dir: &Path, function: &str) -> WorkerSpec {
    WorkerSpec::Python(PythonSpec {
        function: function.into(),
        python: python.to_path_buf(),
        path: vec![dir.to_path_buf()],
    })
}

async fn start(function: &str) -> Option<(Slot, Worker)> {
    let python = venv_python()?;
    let slot = slot_dir();
    let worker = Worker::start(&spec(&python, slot.dir.path(), function), &slot.ctx)
        .await
        .unwrap();
    Some((slot, worker))
}

fn trial(id: u64, timeout: Option<Duration>) -> TrialInput {
    TrialInput {
        trial_id: id,
        attempt: 1,
        params: vec![("x".into(), 1.5), ("y".into(), 2.0)],
        timeout,
        kill_grace: Duration::from_secs(2),
    }
}

async fn run(worker: &mut Worker, trial: &TrialInput) -> TrialOutcome {
    worker.evaluate(trial, &CancellationToken::new()).await
}

fn gone(pid: i32) -> bool {
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
async fn imports_once_and_evaluates_many_trials_despite_user_prints() {
    let Some((slot, mut worker)) = start("usermodel:objective").await else {
        return;
    };
    let mut pids = Vec::new();
    for id in 0..3 {
        let outcome = run(&mut worker, &trial(id, None)).await;
        let TrialOutcome::Ok {
            objective,
            responses,
            ..
        } = outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!(objective, Some(3.5));
        assert_eq!(responses["imports"], 1.0);
        assert_eq!(responses["x_first"], 1.0);
        pids.push(responses["pid"]);
    }
    assert!(pids.iter().all(|p| *p == pids[0]), "{pids:?}");
    let stderr = std::fs::read_to_string(slot.ctx.scratch.join("python.err")).unwrap();
    assert!(stderr.contains("user output on stdout") && stderr.contains("raw write to fd 1"));
    worker.shutdown().await;
    assert!(gone(pids[0] as i32), "interpreter outlived shutdown");
}

#[tokio::test]
async fn a_plain_number_is_the_objective_and_a_nan_one_fails_the_trial() {
    let Some((_slot, mut worker)) = start("usermodel:plain").await else {
        return;
    };
    let outcome = run(&mut worker, &trial(1, None)).await;
    assert!(matches!(outcome, TrialOutcome::Ok { objective: Some(x), .. } if x == 3.0));
    worker.shutdown().await;
    let Some((_slot, mut worker)) = start("usermodel:nan").await else {
        return;
    };
    let outcome = run(&mut worker, &trial(1, None)).await;
    let TrialOutcome::Failed { reason, .. } = outcome else {
        panic!("a NaN objective must fail the trial: {outcome:?}")
    };
    assert!(reason.contains("is nan, not a finite number"), "{reason}");
    assert!(worker.is_alive(), "the interpreter serves the next trial");
    worker.shutdown().await;
}

#[tokio::test]
async fn an_exception_fails_the_trial_with_its_traceback_and_the_slot_lives_on() {
    let Some((_slot, mut worker)) = start("usermodel:fails").await else {
        return;
    };
    for id in 0..2 {
        let outcome = run(&mut worker, &trial(id, None)).await;
        let TrialOutcome::Failed {
            reason,
            stderr_tail,
        } = outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!(reason, "ValueError: bad parameter x=1.5");
        assert!(stderr_tail.contains("Traceback") && stderr_tail.contains("in fails"));
        assert!(worker.is_alive());
    }
    let Some((_slot, mut worker)) = start("usermodel:not_a_number").await else {
        return;
    };
    let outcome = run(&mut worker, &trial(1, None)).await;
    assert!(
        matches!(&outcome, TrialOutcome::Failed { reason, .. } if reason.contains("expected a number")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn the_interpreter_dying_is_a_crash() {
    let Some((_slot, mut worker)) = start("usermodel:dies").await else {
        return;
    };
    let outcome = run(&mut worker, &trial(1, None)).await;
    let TrialOutcome::Crashed {
        reason,
        stderr_tail,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(reason, "the interpreter exited with code 7");
    assert_eq!(stderr_tail, "about to die\n");
    assert!(!worker.is_alive());
    let again = run(&mut worker, &trial(2, None)).await;
    assert!(matches!(again, TrialOutcome::Crashed { .. }), "{again:?}");
}

#[tokio::test]
async fn a_timeout_kills_the_interpreter_and_its_children() {
    let Some((slot, mut worker)) = start("usermodel:sleeps").await else {
        return;
    };
    let Worker::Python(python) = &worker else {
        panic!("not a python worker")
    };
    let interpreter = python.pid as i32;
    let outcome = run(&mut worker, &trial(1, Some(Duration::from_millis(1500)))).await;
    assert!(
        matches!(outcome, TrialOutcome::TimedOut { .. }),
        "{outcome:?}"
    );
    assert!(!worker.is_alive());
    let child: i32 = std::fs::read_to_string(slot.ctx.scratch.join("work/child.pid"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(gone(child), "model subprocess {child} outlived the timeout");
    assert!(gone(interpreter), "interpreter outlived the timeout");
}

#[tokio::test]
async fn cancel_stops_the_trial() {
    let Some((_slot, mut worker)) = start("usermodel:sleeps").await else {
        return;
    };
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        trigger.cancel();
    });
    let outcome = worker.evaluate(&trial(1, None), &cancel).await;
    assert_eq!(outcome, TrialOutcome::Cancelled);
    assert!(!worker.is_alive());
}

#[tokio::test]
async fn an_import_error_means_not_ready_with_the_traceback() {
    let Some(python) = venv_python() else { return };
    let slot = slot_dir();
    let err = Worker::start(&spec(&python, slot.dir.path(), "broken:run"), &slot.ctx)
        .await
        .unwrap_err();
    let ModelError::NotReady {
        reason,
        stderr_tail,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(reason.contains("cannot import `broken:run`"), "{reason}");
    assert!(
        reason.contains("ImportError: missing thing: libfoo"),
        "{reason}"
    );
    assert!(stderr_tail.contains("broken.py"), "{stderr_tail}");
    let err = Worker::start(
        &spec(&python, slot.dir.path(), "usermodel:absent"),
        &slot.ctx,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("AttributeError"), "{err}");
}

#[tokio::test]
async fn a_missing_interpreter_cannot_be_spawned() {
    let slot = slot_dir();
    let spec = spec(Path::new("/nonexistent/bin/python"), slot.dir.path(), "m:f");
    let err = Worker::start(&spec, &slot.ctx).await.unwrap_err();
    assert!(
        matches!(&err, ModelError::Spawn { program, slot: 1, .. } if program == "/nonexistent/bin/python"),
        "{err}"
    );
}

#[tokio::test]
async fn a_two_argument_function_gets_the_slot_work_dir() {
    let Some((slot, mut worker)) = start("usermodel:with_workdir").await else {
        return;
    };
    let outcome = run(&mut worker, &trial(1, None)).await;
    let TrialOutcome::Ok { responses, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(responses["cwd_is_workdir"], 1.0);
    let seen = std::fs::read_to_string(slot.ctx.scratch.join("work/seen.txt")).unwrap();
    assert_eq!(seen, "1.5");
    worker.shutdown().await;

    // A second argument with a default (not named workdir) keeps its default.
    let Some((_slot, mut worker)) = start("usermodel:with_default").await else {
        return;
    };
    let outcome = run(&mut worker, &trial(1, None)).await;
    assert!(
        matches!(outcome, TrialOutcome::Ok { objective: Some(x), .. } if x == 4.5),
        "{outcome:?}"
    );
    worker.shutdown().await;
}

/// 2012-01-01T00:00Z in Unix seconds: 15340 days.
const JAN1_2012: i64 = 15_340 * 86_400;

#[tokio::test]
async fn lists_with_a_start_become_regular_series() {
    let Some((_slot, mut worker)) = start("usermodel:listed").await else {
        return;
    };
    let outcome = run(&mut worker, &trial(1, None)).await;
    let TrialOutcome::Ok {
        responses, series, ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(responses, [("peak".to_string(), 4.5)].into());
    let q = &series["q"];
    assert_eq!(q.times(), &[JAN1_2012, JAN1_2012 + 3600, JAN1_2012 + 7200]);
    assert_eq!(q.values(), &[0.0, 1.5, 3.0]);
    let e = &series["e"];
    assert_eq!(e.values()[0], 1.0);
    assert!(e.values()[1].is_nan() && e.values()[2].is_nan());
    worker.shutdown().await;
}

#[tokio::test]
async fn pandas_series_keep_their_datetime_index_in_utc() {
    let Some((_slot, mut worker)) = start("usermodel:panda").await else {
        return;
    };
    let outcome = run(&mut worker, &trial(1, None)).await;
    let TrialOutcome::Ok { series, .. } = outcome else {
        panic!("{outcome:?}")
    };
    let flow = &series["flow"];
    assert_eq!(
        flow.times(),
        &[JAN1_2012, JAN1_2012 + 86_400, JAN1_2012 + 2 * 86_400]
    );
    assert_eq!(flow.values()[0], 1.5);
    assert!(flow.values()[1].is_nan());
    worker.shutdown().await;

    let Some((_slot, mut worker)) = start("usermodel:pandas_in_dict").await else {
        return;
    };
    let outcome = run(&mut worker, &trial(1, None)).await;
    let TrialOutcome::Ok {
        objective, series, ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(objective, Some(0.5));
    // 06:00 at UTC+6 (Etc/GMT-6) is midnight UTC.
    assert_eq!(series["q"].times(), &[JAN1_2012, JAN1_2012 + 3600]);
    worker.shutdown().await;
}

#[tokio::test]
async fn a_list_without_a_start_fails_the_trial_saying_so() {
    let Some((_slot, mut worker)) = start("usermodel:no_start").await else {
        return;
    };
    let outcome = run(&mut worker, &trial(1, None)).await;
    let TrialOutcome::Failed { reason, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        reason,
        "TypeError: series 'q' need a \"start\" date in the returned dict"
    );
    worker.shutdown().await;
}
