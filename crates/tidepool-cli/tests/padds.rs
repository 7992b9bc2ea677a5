//! `padds` end to end through the real binary: HYMOD (`examples/hymod-exe`) calibrated
//! on two objectives kept apart, KGE of the high flows and KGE of the low flows (days
//! above / at or below the observed median); then `tidepool export --pareto` and
//! `tidepool report`. The exported front is checked against the non-dominated subset
//! of every trial, computed here from `tidepool export --csv` by brute force.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;

const OBSERVED: &str = r#"observed = { csv = "../hymod-data/hymod_input.csv", date = "Date", value = "Discharge[ls-1]", date_format = "%d.%m.%Y", delimiter = ";", factor = 0.048457655636567586 }"#;

/// The example with `[objective]` replaced by two terms and `[optimizer]` by padds.
fn padds_example(dir: &Path, hymod: &Path, budget: u64) -> PathBuf {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for part in ["hymod-data", "hymod-exe"] {
        let status = Command::new("cp")
            .arg("-a")
            .arg(examples.join(part))
            .arg(dir)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let config = dir.join("hymod-exe/tidepool.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace(
        "../../target/release/tidepool-hymod",
        &hymod.display().to_string(),
    );
    let start = text.find("\n[objective]\n").unwrap() + 1;
    let end = text.find("[[parameters]]").unwrap();
    let objective = format!(
        "[objective]\ncalibration = [\"2013-01-01\", \"2016-12-31\"]\n\
         [[objective.terms]]\nname = \"kge_high\"\nmetric = \"kge_high\"\nsimulated = \"q\"\n{OBSERVED}\n\
         [[objective.terms]]\nname = \"kge_low\"\nmetric = \"kge_low\"\nsimulated = \"q\"\n{OBSERVED}\n\n\
         [optimizer]\nalgorithm = \"padds\"\n\n"
    );
    let text = format!("{}{objective}{}", &text[..start], &text[end..]);
    let text = text.replace("budget = 1000", &format!("budget = {budget}"));
    std::fs::write(&config, text).unwrap();
    config
}

fn tidepool(args: &[&str]) -> (String, String) {
    let out = util::tidepool(args);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{args:?}\n{stdout}\n{stderr}");
    (stdout, stderr)
}

/// Rows of a CSV text as maps from column to cell.
fn rows(csv: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

#[test]
fn padds_calibrates_hymod_on_two_objectives_exports_its_front_and_reports_it() {
    let Some(hymod) = util::hymod_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = padds_example(dir.path(), &hymod, 60);
    let run_dir = dir.path().join("run");
    let run_dir = run_dir.to_str().unwrap();
    let (stdout, _) = tidepool(&[
        "run",
        config.to_str().unwrap(),
        "--run-dir",
        run_dir,
        "--json",
    ]);
    let line: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(line["state"], "finished", "{stdout}");
    assert_eq!(line["trials_done"], 60);

    // every trial's terms, from the trials export
    let (all, _) = tidepool(&["export", run_dir, "--csv"]);
    let trials: Vec<(String, f64, f64)> = rows(&all)
        .into_iter()
        .filter(|r| r["status"] == "ok")
        .map(|r| {
            (
                r["trial_id"].clone(),
                r["kge_high"].parse().unwrap(),
                r["kge_low"].parse().unwrap(),
            )
        })
        .collect();
    assert!(trials.len() >= 55, "{all}");
    // brute force: trials no other trial beats in one KGE without losing in the other
    let dominated = |a: &(String, f64, f64)| {
        trials
            .iter()
            .any(|b| b.1 >= a.1 && b.2 >= a.2 && (b.1 > a.1 || b.2 > a.2))
    };
    let mut expect: Vec<String> = trials
        .iter()
        .filter(|t| !dominated(t))
        .map(|t| t.0.clone())
        .collect();
    expect.sort();

    let (front_csv, _) = tidepool(&["export", run_dir, "--pareto"]);
    let front = rows(&front_csv);
    assert_eq!(
        front_csv.lines().next().unwrap(),
        "trial,cmax,bexp,alpha,Ks,Kq,kge_high,kge_low,kge_high_minimised,kge_low_minimised"
    );
    let mut got: Vec<String> = front.iter().map(|r| r["trial"].clone()).collect();
    got.sort();
    assert_eq!(got, expect, "{front_csv}");
    for r in &front {
        let shown: f64 = r["kge_high"].parse().unwrap();
        let minimised: f64 = r["kge_high_minimised"].parse().unwrap();
        assert!((shown - (1.0 - minimised)).abs() < 1e-12, "{r:?}");
    }

    let (json, _) = tidepool(&["export", run_dir, "--pareto", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        json["objectives"],
        serde_json::json!(["kge_high", "kge_low"])
    );
    assert_eq!(json["members"].as_array().unwrap().len(), front.len());

    tidepool(&["report", run_dir]);
    let html = std::fs::read_to_string(Path::new(run_dir).join("report.html")).unwrap();
    let section = html
        .find("<section id=\"pareto\">")
        .expect("the front in the report");
    let caption = format!("Pareto front: {} of 60 trials", front.len());
    assert!(html[section..].contains(&caption), "{caption}");
}

#[test]
fn padds_with_one_objective_term_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("run.toml");
    std::fs::write(
        &config,
        "[run]\nname = \"one\"\nbudget = 10\n[model]\nkind = \"noop\"\n\
         [[parameters]]\nname = \"k\"\nlower = 0\nupper = 1\n\
         [objective]\nresponse = \"loss\"\ndirection = \"minimize\"\n\
         [optimizer]\nalgorithm = \"padds\"\n",
    )
    .unwrap();
    let out = util::tidepool(&["run", config.to_str().unwrap()]);
    let text =
        String::from_utf8_lossy(&out.stderr).replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!(
        "padds_one_term",
        format!("exit code: {:?}\n{text}", out.status.code())
    );
}
