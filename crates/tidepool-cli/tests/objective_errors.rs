//! What users see when `[objective]` is wrong: snapshots of stderr and the exit code of
//! `tidepool run`, with temporary paths filtered out. Malformed values are refused when
//! the config is read; the observation file is checked before the run starts.

mod util;

use std::path::Path;

const HEAD: &str = "[run]\nname = \"demo\"\n[model]\nkind = \"noop\"\n";

const OBJECTIVE: &str = "[objective]
metric = \"kge\"
calibration = [\"2013-01-01\", \"2013-01-04\"]
[objective.observed]
csv = \"q.csv\"
date = \"Date\"
value = \"Discharge\"
date_format = \"%d.%m.%Y\"
delimiter = \";\"
";

const OBSERVATIONS: &str =
    "Date;Discharge\n01.01.2013;1\n02.01.2013;2\n03.01.2013;3\n04.01.2013;4\n";

/// `tidepool run` on `HEAD` + `objective` next to the file `q.csv` holding `observations`.
fn run(objective: &str, observations: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.csv"), observations).unwrap();
    let config = dir.path().join("run.toml");
    std::fs::write(&config, format!("{HEAD}{objective}")).unwrap();
    let out = util::tidepool(&["run", config.to_str().unwrap()]);
    shown(&out, dir.path())
}

fn shown(out: &std::process::Output, dir: &Path) -> String {
    let text = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "[TMP]");
    format!("exit code: {:?}\n{text}", out.status.code())
}

#[test]
fn an_unknown_metric_lists_the_metrics() {
    let text = OBJECTIVE.replace("\"kge\"", "\"kge'\"");
    insta::assert_snapshot!("objective_unknown_metric", run(&text, OBSERVATIONS));
}

#[test]
fn a_direction_on_a_metric_term_is_refused() {
    let text = "[objective]\ncalibration = [\"2013-01-01\", \"2013-01-04\"]\n\
                [[objective.terms]]\nresponse = \"balance\"\ndirection = \"minimize\"\n\
                [[objective.terms]]\nmetric = \"nse\"\ndirection = \"maximize\"\n";
    insta::assert_snapshot!("objective_metric_direction", run(text, OBSERVATIONS));
}

#[test]
fn a_warmup_longer_than_the_calibration_is_refused() {
    let text = OBJECTIVE.replace("metric = \"kge\"\n", "metric = \"kge\"\nwarmup_days = 10\n");
    insta::assert_snapshot!("objective_long_warmup", run(&text, OBSERVATIONS));
}

#[test]
fn a_missing_column_names_the_columns_there_are() {
    let text = OBJECTIVE.replace("\"Discharge\"", "\"Discharge[ls-1]\"");
    insta::assert_snapshot!("objective_missing_column", run(&text, OBSERVATIONS));
}

#[test]
fn a_bad_date_names_the_line_and_the_format() {
    let observations = OBSERVATIONS.replace("03.01.2013", "2013-01-03");
    insta::assert_snapshot!("objective_bad_date", run(OBJECTIVE, &observations));
}

#[test]
fn a_period_outside_the_observations_gives_their_range() {
    let text = OBJECTIVE.replace(
        "\"2013-01-04\"]",
        "\"2013-01-04\"]\nevaluation = [\"2013-01-03\", \"2013-02-28\"]",
    );
    insta::assert_snapshot!("objective_period_outside", run(&text, OBSERVATIONS));
}
