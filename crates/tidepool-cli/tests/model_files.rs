//! Command models from files through the real binary: a template directory made into
//! each slot's work directory, a templated parameter file with Fortran and printf
//! formats, a model writing a dated CSV and a summary, responses read back and
//! journalled; and what users see for malformed templates and response tables.

mod pool_util;

use pool_util::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Reads a and b from params.txt, writes q = a * p + b on the forcing's dates to
/// out.csv, and a summary with the total of q.
const MODEL: &str = r#"#!/bin/sh
set -e
a=$(awk '$1=="a" {print $2}' params.txt)
b=$(awk '$1=="b" {print $2}' params.txt)
echo "date,q" > out.csv
awk -v a="$a" -v b="$b" -F, 'NR>1 {printf "%s,%.6f\n", $1, a*$2+b}' forcing.csv >> out.csv
awk -F, 'NR>1 {s+=$2} END {printf "RESULTS\ntotal %.6f m3\nmean=%.6f\n", s, s/(NR-1)}' out.csv > summary.txt
"#;

const CONFIG: &str = r#"[run]
name = "files"
dir = "run"
[launch]
mode = "local"
agents = 2
[slots]
per_node = 2
[model]
kind = "command"
template_dir = "model"
templates = ["params.txt.tpl"]
formats = { a = "F8.3", b = "%.4e" }
steps = [{ run = ["./model.sh"], timeout = "30s" }]
[model.responses.q]
kind = "csv"
file = "out.csv"
column = "q"
date_column = "date"
[model.responses.total]
kind = "keyword"
file = "summary.txt"
keyword = "RESULTS"
line = 1
column = 1
[model.responses.mean]
kind = "regex"
file = "summary.txt"
pattern = 'mean=(\S+)'
[[parameters]]
name = "a"
lower = 0
upper = 10
[[parameters]]
name = "b"
lower = -10
upper = 10
[trials]
csv = "trials.csv"
"#;

const TRIALS: [(f64, f64); 6] = [
    (0.5, 1.0),
    (1.25, -2.0),
    (2.0, 0.5),
    (3.125, 0.0),
    (0.001, 4.0),
    (9.75, -0.25),
];

fn write_model(root: &Path) {
    let model = root.join("model");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(model.join("model.sh"), MODEL).unwrap();
    std::fs::set_permissions(
        model.join("model.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::fs::write(
        model.join("forcing.csv"),
        "date,p\n2013-01-01,1\n2013-01-02,2\n2013-01-03,3\n2013-01-04,4\n",
    )
    .unwrap();
    std::fs::write(model.join("params.txt.tpl"), "a {{a}}\nb {{ b }}\n").unwrap();
}

#[test]
fn a_model_from_files_runs_and_its_responses_are_journalled() {
    let tmp = tempfile::tempdir().unwrap();
    write_model(tmp.path());
    let mut csv = String::from("a,b\n");
    for (a, b) in TRIALS {
        csv.push_str(&format!("{a},{b}\n"));
    }
    std::fs::write(tmp.path().join("trials.csv"), csv).unwrap();
    std::fs::write(tmp.path().join("run.toml"), CONFIG).unwrap();
    let out = tidepool()
        .arg("run")
        .arg(tmp.path().join("run.toml"))
        .arg("--json")
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["trials_done"], 6, "{summary}");
    assert_eq!(summary["trials_failed"], 0, "{summary}");

    let export = tidepool()
        .args(["export", &path_str(&tmp.path().join("run")), "--csv"])
        .output()
        .unwrap();
    assert!(export.status.success(), "{}", show(&export));
    let text = String::from_utf8(export.stdout).unwrap();
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (a_at, b_at, total_at, mean_at) = (col("a"), col("b"), col("total"), col("mean"));
    let mut seen = 0;
    for row in rows {
        let cells: Vec<&str> = row.split(',').collect();
        let (a, b): (f64, f64) = (cells[a_at].parse().unwrap(), cells[b_at].parse().unwrap());
        // Independently: the sum over p = 1..4 of a * p + b is 10 a + 4 b (the formats
        // F8.3 and %.4e keep these values exact).
        let total = 10.0 * a + 4.0 * b;
        let got_total: f64 = cells[total_at].parse().unwrap();
        let got_mean: f64 = cells[mean_at].parse().unwrap();
        assert!(
            (got_total - total).abs() < 1e-6,
            "{row}: total {got_total} vs {total}"
        );
        assert!(
            (got_mean - total / 4.0).abs() < 1e-6,
            "{row}: mean {got_mean}"
        );
        seen += 1;
    }
    assert_eq!(seen, 6, "{text}");
}

/// stderr and exit code of `tidepool run` on `config` in `dir`, paths as `[TMP]`.
fn refused(dir: &Path, config: &str) -> String {
    std::fs::write(dir.join("run.toml"), config).unwrap();
    let out = tidepool()
        .arg("run")
        .arg(dir.join("run.toml"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!dir.join("run").exists(), "the run started");
    let text = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "[TMP]");
    format!("exit code: {:?}\n{text}", out.status.code())
}

fn without_trials(config: &str) -> String {
    config.replace("[trials]\ncsv = \"trials.csv\"\n", "")
}

#[test]
fn an_unknown_template_placeholder_is_refused_with_its_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    write_model(tmp.path());
    std::fs::write(
        tmp.path().join("model/params.txt.tpl"),
        "a {{a}}\nb {{ b }}\nc {{cmax}}\n",
    )
    .unwrap();
    insta::assert_snapshot!(
        "unknown_template_placeholder",
        refused(tmp.path(), &without_trials(CONFIG))
    );
}

#[test]
fn a_misspelt_response_key_is_pointed_at() {
    let tmp = tempfile::tempdir().unwrap();
    write_model(tmp.path());
    let config = without_trials(CONFIG).replace("line = 1\n", "lines = 1\n");
    insta::assert_snapshot!("misspelt_response_key", refused(tmp.path(), &config));
}

#[test]
fn a_bad_format_and_a_regex_without_a_group_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write_model(tmp.path());
    let config = without_trials(CONFIG).replace("\"F8.3\"", "\"F8\"");
    insta::assert_snapshot!("bad_format", refused(tmp.path(), &config));
    let config = without_trials(CONFIG).replace(r"'mean=(\S+)'", r"'mean=\S+'");
    insta::assert_snapshot!("regex_without_group", refused(tmp.path(), &config));
}
