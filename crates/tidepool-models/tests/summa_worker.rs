//! `summa` slots with real processes on the fixture's settings: what reaches SUMMA
//! (its fileManager, the trial's parameters in trialParams.nc), and each way a trial
//! fails naming the executable: a missing output, a time limit, a non-finite flow.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tidepool_models::*;
use tokio_util::sync::CancellationToken;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/summa-bow")
}

struct Slot {
    dir: tempfile::TempDir,
    worker: Worker,
}

/// A slot whose SUMMA and mizuRoute are the given shell scripts.
async fn slot(summa: &str, mizuroute: &str, limits: (u64, u64), outlet: Option<i64>) -> Slot {
    let dir = tempfile::tempdir().unwrap();
    let script = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{text}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    };
    let settings = fixture().join("settings");
    let spec = WorkerSpec::Summa(SummaSpec {
        summa_exe: script("summa.exe", summa),
        file_manager: settings.join("SUMMA/fileManager.txt"),
        mizuroute_exe: Some(script("mizuRoute.exe", mizuroute)),
        mizuroute_control: Some(settings.join("mizuRoute/mizuroute.control")),
        priori_params: Some(settings.join("SUMMA/trialParams.priori.nc")),
        simulation: Some(["2008-07-15".into(), "2008-07-30".into()]),
        summa_timeout: Some(Duration::from_secs(limits.0)),
        mizuroute_timeout: Some(Duration::from_secs(limits.1)),
        outlet_reach: outlet,
        ..Default::default()
    });
    let ctx = SlotContext {
        node: "testnode".into(),
        slot: 3,
        scratch: dir.path().join("slot-3"),
        env: vec![],
        keep: KeepWorkdirs::All,
        sentinel: Sentinel::none(),
        staged: Default::default(),
    };
    let worker = Worker::start(&spec, &ctx).await.unwrap();
    Slot { dir, worker }
}

fn trial(k: f64) -> TrialInput {
    TrialInput {
        trial_id: 1,
        attempt: 1,
        params: vec![("k_soil_multp".into(), k)],
        timeout: None,
        kill_grace: Duration::from_millis(200),
    }
}

async fn run(slot: &mut Slot, k: f64) -> TrialOutcome {
    slot.worker
        .evaluate(&trial(k), &CancellationToken::new())
        .await
}

/// The reason and stderr tail of a failed trial.
fn failure(outcome: TrialOutcome) -> (String, String) {
    match outcome {
        TrialOutcome::Failed {
            reason,
            stderr_tail,
        } => (reason, stderr_tail),
        other => panic!("must fail: {other:?}"),
    }
}

/// SUMMA: the fixture's outputs under the slot's prefix, with the fileManager and the
/// trialParams file it got copied next to them for the test to read.
const SUMMA_OK: &str = r#"fm=$2
out=$(sed -n "s/^outputPath *'\([^']*\)'.*/\1/p" "$fm")
prefix=$(sed -n "s/^outFilePrefix *'\([^']*\)'.*/\1/p" "$fm")
settings=$(sed -n "s/^settingsPath *'\([^']*\)'.*/\1/p" "$fm")
cp "$fm" "$out/../seen-fileManager.txt"
cp "${settings}trialParams.nc" "$out/../seen-trialParams.nc"
cp FIXTURE/outputs/SUMMA/run1_day.nc "$out${prefix}_day.nc"
cp FIXTURE/outputs/SUMMA/run1_timestep.nc "$out${prefix}_timestep.nc""#;

/// mizuRoute: the fixture's routed flow under the slot's case name.
const ROUTE_OK: &str = r#"out=$(sed -n "s/^<output_dir> *\([^ ]*\).*/\1/p" "$1")
name=$(sed -n "s/^<case_name> *\([^ ]*\).*/\1/p" "$1")
cp FIXTURE/outputs/mizuRoute/run1.h.2008.nc "$out$name.h.2008-07-15-00000.nc""#;

fn with_fixture(script: &str) -> String {
    script.replace("FIXTURE", &fixture().display().to_string())
}

#[tokio::test]
async fn a_trial_writes_its_parameters_runs_both_and_returns_the_outlet_flow() {
    let mut slot = slot(
        &with_fixture(SUMMA_OK),
        &with_fixture(ROUTE_OK),
        (60, 60),
        None,
    )
    .await;
    let outcome = run(&mut slot, 0.5).await;
    let TrialOutcome::Ok {
        responses, series, ..
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        responses[OUTLET_REACH_RESPONSE], 71028585.0,
        "the highest mean flow"
    );
    assert_eq!(series["q"].values().len(), 16);
    let output = slot.dir.path().join("slot-3/summa/output");
    let manager = std::fs::read_to_string(output.join("seen-fileManager.txt")).unwrap();
    assert!(
        manager.contains("simStartTime         '2008-07-15 00:00'"),
        "{manager}"
    );
    assert!(
        manager.contains("simEndTime           '2008-07-30 23:00'"),
        "{manager}"
    );
    assert!(
        manager.contains("outFilePrefix        'tidepool_03'"),
        "{manager}"
    );
    // k_soil on every HRU is half the a-priori value.
    let seen =
        tidepool_summa::netcdf_io::TrialParams::read(&output.join("seen-trialParams.nc")).unwrap();
    let priori = tidepool_summa::netcdf_io::TrialParams::read(
        &fixture().join("settings/SUMMA/trialParams.priori.nc"),
    )
    .unwrap();
    let (got, base) = (seen.get("k_soil").unwrap(), priori.get("k_soil").unwrap());
    assert_eq!(got.values.len(), 118);
    for (x, x0) in got.values.iter().zip(&base.values) {
        assert!((x - 0.5 * x0).abs() <= 1e-12 * x0.abs(), "{x} vs {x0}");
    }
    assert_eq!(
        seen.get("theta_sat"),
        priori.get("theta_sat"),
        "not calibrated: kept"
    );
}

#[tokio::test]
async fn summa_without_its_output_fails_naming_summa_with_its_stderr() {
    let mut slot = slot(
        "echo 'wrote nothing' >&2",
        &with_fixture(ROUTE_OK),
        (60, 60),
        None,
    )
    .await;
    let (reason, stderr_tail) = failure(run(&mut slot, 1.0).await);
    assert!(
        reason.starts_with("SUMMA: exited 0 but wrote no "),
        "{reason}"
    );
    assert!(
        reason.contains("tidepool_03_day.nc"),
        "the file the control names for mizuRoute: {reason}"
    );
    assert!(stderr_tail.contains("wrote nothing"), "{stderr_tail}");
}

#[tokio::test]
async fn mizuroute_over_its_time_limit_fails_naming_it_and_the_key() {
    let mut slot = slot(
        &with_fixture(SUMMA_OK),
        "echo routing >&2; sleep 30",
        (60, 1),
        None,
    )
    .await;
    let (reason, stderr_tail) = failure(run(&mut slot, 1.0).await);
    assert!(reason.starts_with("mizuRoute: `"), "{reason}");
    assert!(
        reason.contains("mizuRoute.exe` ran over its time limit of 1 s (`mizuroute_timeout`)"),
        "{reason}"
    );
    assert!(stderr_tail.contains("routing"), "{stderr_tail}");
}

#[tokio::test]
async fn a_non_finite_flow_fails_the_trial() {
    let nan = format!(
        "{}\nncdump \"$out$name.h.2008-07-15-00000.nc\" | sed 's/18617.98/NaN/' > \"$out/x.cdl\"\n\
         rm \"$out$name.h.2008-07-15-00000.nc\"\nncgen -o \"$out$name.h.2008-07-15-00000.nc\" \"$out/x.cdl\"",
        with_fixture(ROUTE_OK)
    );
    let present =
        tidepool_testkit::which("ncdump").is_some() && tidepool_testkit::which("ncgen").is_some();
    if !tidepool_testkit::require(present, "ncdump and ncgen (Debian's netcdf-bin)") {
        return;
    }
    // The outlet's first value is NaN (a default outlet would be another reach).
    let mut slot = slot(&with_fixture(SUMMA_OK), &nan, (60, 60), Some(71028585)).await;
    let (reason, _) = failure(run(&mut slot, 1.0).await);
    assert!(reason.starts_with("mizuRoute: "), "{reason}");
    assert!(
        reason.contains("`IRFroutedRunoff` is not finite at time index 0"),
        "{reason}"
    );
}
