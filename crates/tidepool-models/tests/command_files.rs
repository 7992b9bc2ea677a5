//! `command` models from files, with real processes: a slot work directory made from
//! `template_dir` (links, copies), templates rendered per trial with formats, steps with
//! their own env, directory and timeout, and responses read from output files.

use std::path::Path;
use std::time::Duration;
use tidepool_models::*;
use tokio_util::sync::CancellationToken;

/// The model: reads `k` from its templated params.txt, scales the forcing column `p`
/// by it into out.csv (with the dates), and appends to its state file. With k = 0 it
/// writes nothing.
const MODEL: &str = r#"#!/bin/sh
k=$(awk '$1=="k" {print $3}' params.txt)
[ "$k" = "0" ] && exit 0
echo "date,q" > out.csv
awk -v k="$k" -F, 'NR>1 {printf "%s,%.6f\n", $1, k*$2}' forcing.csv >> out.csv
echo written >> state.txt
"#;

fn template_dir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("model");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("model.sh"), MODEL).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("model.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.join("forcing.csv"),
        "date,p\n2012-01-01,1\n2012-01-02,2\n2012-01-03,3\n",
    )
    .unwrap();
    std::fs::write(dir.join("state.txt"), "initial\n").unwrap();
    std::fs::write(dir.join("params.txt.tpl"), "k = {{k}}\nc = {{ cmax }}\n").unwrap();
    dir
}

fn spec(template: &Path) -> WorkerSpec {
    let text = format!(
        r#"
kind = "command"
template_dir = "{}"
copy = ["state.txt"]
templates = ["params.txt.tpl"]
formats = {{ cmax = "E12.5" }}
steps = [
  {{ run = ["./model.sh"] }},
  {{ run = ["sh", "-c", "echo \"PEAK $PEAKV\" > report.txt; echo kge=0.25 >> report.txt"], env = {{ PEAKV = "12.5" }}, dir = "sub" }},
]
[responses.q]
kind = "csv"
file = "out.csv"
column = "q"
date_column = "date"
[responses.peak]
kind = "keyword"
file = "sub/report.txt"
keyword = "PEAK"
column = 1
[responses.objective]
kind = "regex"
file = "sub/report.txt"
pattern = 'kge=(\S+)'
"#,
        template.display()
    );
    toml::from_str(&text).unwrap()
}

fn ctx(scratch: &Path) -> SlotContext {
    SlotContext {
        node: "testnode".into(),
        slot: 0,
        scratch: scratch.to_path_buf(),
        env: vec![],
        keep: KeepWorkdirs::Failed,
        sentinel: Sentinel::none(),
        staged: Default::default(),
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

#[tokio::test]
async fn a_slot_work_dir_gets_templates_and_gives_series_and_scalars() {
    let root = tempfile::tempdir().unwrap();
    let template = template_dir(root.path());
    let scratch = root.path().join("slot-0");
    let mut worker = Worker::start(&spec(&template), &ctx(&scratch))
        .await
        .unwrap();
    let work = scratch.join("work");
    assert!(std::fs::symlink_metadata(work.join("forcing.csv"))
        .unwrap()
        .file_type()
        .is_symlink());

    let cancel = CancellationToken::new();
    let outcome = worker
        .evaluate(&trial(1, &[("k", 0.5), ("cmax", 1234.5)], None), &cancel)
        .await;
    let TrialOutcome::Ok {
        objective,
        responses,
        series,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    // The template rendered with Fortran E12.5 for cmax and the shortest decimal for k.
    assert_eq!(
        std::fs::read_to_string(work.join("params.txt")).unwrap(),
        "k = 0.5\nc =  0.12345E+04\n"
    );
    assert_eq!(objective, Some(0.25));
    assert_eq!(responses, [("peak".to_string(), 12.5)].into());
    let q = &series["q"];
    // 2012-01-01 is day 15340 of Unix time; q = k * p = 0.5 * (1, 2, 3).
    let day0 = 15_340 * 86_400;
    assert_eq!(q.times(), &[day0, day0 + 86_400, day0 + 2 * 86_400]);
    assert_eq!(q.values(), &[0.5, 1.0, 1.5]);
    // The state file was copied, so the model's write did not reach the template.
    assert_eq!(
        std::fs::read_to_string(template.join("state.txt")).unwrap(),
        "initial\n"
    );
    assert_eq!(
        std::fs::read_to_string(work.join("state.txt")).unwrap(),
        "initial\nwritten\n"
    );
    // Per-trial logs and params.json stay in the trial directory as before; after a
    // success that directory is recycled.
    assert!(work.join("params.json").is_file());

    // A trial whose model writes no output does not read the previous trial's file.
    let outcome = worker
        .evaluate(&trial(2, &[("k", 0.0), ("cmax", 1.0)], None), &cancel)
        .await;
    let TrialOutcome::Failed { reason, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        reason,
        format!(
            "response `q` from {}: the file does not exist: the model did not write it",
            work.join("out.csv").display()
        )
    );
    assert!(scratch.join("trial-2-1/stage-1.err").is_file());
    worker.shutdown().await;
    assert!(!work.exists(), "the work dir goes with the slot");
    assert!(template.join("model.sh").is_file());
}

#[tokio::test]
async fn a_step_timeout_stops_that_step() {
    let root = tempfile::tempdir().unwrap();
    let spec: WorkerSpec = toml::from_str(
        r#"
kind = "command"
steps = [{ run = ["sleep", "30"], timeout = "200ms" }, { run = ["echo", "1"] }]
"#,
    )
    .unwrap();
    let mut worker = Worker::start(&spec, &ctx(root.path())).await.unwrap();
    let started = std::time::Instant::now();
    let outcome = worker
        .evaluate(
            &trial(1, &[], Some(Duration::from_secs(60))),
            &CancellationToken::new(),
        )
        .await;
    assert!(
        matches!(outcome, TrialOutcome::TimedOut { .. }),
        "{outcome:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    worker.shutdown().await;
}

#[tokio::test]
async fn templates_without_a_template_dir_render_into_the_trial_dir() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("in.txt"), "a __A__ b __B__\n").unwrap();
    let text = format!(
        r#"
kind = "command"
stages = [["cat", "in.txt"]]
templates = [{{ file = "{}", style = "literal" }}]
formats = {{ __B__ = "%.3e" }}
"#,
        root.path().join("in.txt").display()
    );
    let spec: WorkerSpec = toml::from_str(&text).unwrap();
    let scratch = root.path().join("slot");
    let mut ctx = ctx(&scratch);
    ctx.keep = KeepWorkdirs::All;
    let mut worker = Worker::start(&spec, &ctx).await.unwrap();
    let outcome = worker
        .evaluate(
            &trial(3, &[("__A__", 2.0), ("__B__", 0.00125)], None),
            &CancellationToken::new(),
        )
        .await;
    assert!(matches!(outcome, TrialOutcome::Ok { .. }), "{outcome:?}");
    assert_eq!(
        std::fs::read_to_string(scratch.join("trial-3-1/stage-1.out")).unwrap(),
        "a 2 b 1.250e-03\n"
    );
    worker.shutdown().await;
}

#[tokio::test]
async fn keep_workdirs_all_leaves_the_work_dir_after_the_slot() {
    let root = tempfile::tempdir().unwrap();
    let template = template_dir(root.path());
    let scratch = root.path().join("slot-0");
    let mut ctx = ctx(&scratch);
    ctx.keep = KeepWorkdirs::All;
    let mut worker = Worker::start(&spec(&template), &ctx).await.unwrap();
    let outcome = worker
        .evaluate(
            &trial(1, &[("k", 2.0), ("cmax", 1.0)], None),
            &CancellationToken::new(),
        )
        .await;
    assert!(matches!(outcome, TrialOutcome::Ok { .. }), "{outcome:?}");
    worker.shutdown().await;
    // q = 2 * p for p = 1, 2, 3, as the model wrote it.
    assert_eq!(
        std::fs::read_to_string(scratch.join("work/out.csv")).unwrap(),
        "date,q\n2012-01-01,2.000000\n2012-01-02,4.000000\n2012-01-03,6.000000\n"
    );
    assert!(scratch.join("trial-1-1/stage-1.out").is_file());
}
