//! `[objective]` in a run config: read with the rest, refused at the offending value
//! (file, line, column), and its observation file checked before the run starts.

use std::path::Path;
use tidepool_config::{ConfigError, RunConfig};

const HEAD: &str = "[run]\nname = \"demo\"\n[model]\nkind = \"noop\"\n";

const OBJECTIVE: &str = "[objective]
metric = \"kge\"
calibration = [\"2013-01-01\", \"2013-01-04\"]
[objective.observed]
csv = \"data/q.csv\"
date = \"date\"
value = \"q\"
";

fn parse_in(dir: &Path, text: &str) -> Result<RunConfig, ConfigError> {
    RunConfig::from_str(text, &dir.join("run.toml"))
}

/// (line, column, key, message) of an error.
fn at(err: &ConfigError) -> (usize, usize, String, String) {
    let problem = err
        .key_problem()
        .unwrap_or_else(|| panic!("not located: {err}"));
    (
        problem.at.line,
        problem.at.column,
        problem.key.to_string(),
        problem.message.to_string(),
    )
}

fn write_observations(dir: &Path, rows: &str) {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/q.csv"), format!("date,q\n{rows}")).unwrap();
}

const FOUR_DAYS: &str = "2013-01-01,1\n2013-01-02,2\n2013-01-03,3\n2013-01-04,4\n";

#[test]
fn an_objective_is_read_and_loads_its_observations_in_preflight() {
    let dir = tempfile::tempdir().unwrap();
    write_observations(dir.path(), FOUR_DAYS);
    let cfg = parse_in(dir.path(), &format!("{HEAD}{OBJECTIVE}")).unwrap();
    cfg.preflight().unwrap();
    let objective = cfg.load_objective().unwrap().unwrap();
    assert_eq!(
        objective.observed("kge").unwrap().values(),
        &[1.0, 2.0, 3.0, 4.0]
    );
    assert!(parse_in(dir.path(), HEAD)
        .unwrap()
        .load_objective()
        .unwrap()
        .is_none());
}

#[test]
fn malformed_values_are_refused_at_load_where_they_were_written() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // unknown metric: serde, at the value
        (
            OBJECTIVE.replace("\"kge\"", "\"kgee\""),
            (6, 10),
            "objective.metric",
        ),
        // unknown key in the observed table
        (
            format!("{OBJECTIVE}colum = 3\n"),
            (12, 1),
            "objective.observed.colum",
        ),
        // warm-up as long as the calibration
        (
            OBJECTIVE.replace("metric = \"kge\"\n", "metric = \"kge\"\nwarmup_days = 4\n"),
            (7, 15),
            "objective.warmup_days",
        ),
        // a bad date in the period
        (
            OBJECTIVE.replace("\"2013-01-04\"", "\"2013-13-04\""),
            (7, 30),
            "objective.calibration[1]",
        ),
        // a zero factor
        (
            format!("{OBJECTIVE}factor = 0\n"),
            (12, 10),
            "objective.observed.factor",
        ),
    ];
    for (objective, place, key) in cases {
        let err = parse_in(dir.path(), &format!("{HEAD}{objective}")).unwrap_err();
        let (line, column, got_key, message) = at(&err);
        assert_eq!((line, column), place, "{key}: {err}");
        assert_eq!(got_key, key, "{err}");
        assert!(!message.is_empty());
    }
}

#[test]
fn term_errors_name_the_term_by_index() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}[objective]\ncalibration = [\"2013-01-01\", \"2013-01-04\"]\n\
         [[objective.terms]]\nresponse = \"loss\"\ndirection = \"minimize\"\n\
         [[objective.terms]]\nmetric = \"nse\"\ndirection = \"maximize\"\n"
    );
    let err = parse_in(dir.path(), &text).unwrap_err();
    let (line, column, key, message) = at(&err);
    assert_eq!(key, "objective.terms[1].direction");
    assert_eq!((line, column), (12, 13));
    assert!(message.contains("nse is maximised"), "{message}");

    let unknown = text.replace(
        "metric = \"nse\"\ndirection = \"maximize\"",
        "metric = \"nash\"",
    );
    let err = parse_in(dir.path(), &unknown).unwrap_err();
    let (line, column, key, message) = at(&err);
    assert_eq!(
        (line, column, key.as_str()),
        (11, 10, "objective.terms[1].metric")
    );
    assert!(
        message.contains("expected one of `kge`, `kge2012`"),
        "{message}"
    );
}

#[test]
fn preflight_refuses_missing_files_columns_and_periods_outside_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = parse_in(dir.path(), &format!("{HEAD}{OBJECTIVE}")).unwrap();
    let (line, _, key, message) = at(&cfg.preflight().unwrap_err());
    assert_eq!(
        (line, key.as_str()),
        (9, "objective.observed.csv"),
        "{message}"
    );

    write_observations(dir.path(), FOUR_DAYS);
    let cfg = parse_in(
        dir.path(),
        &format!(
            "{HEAD}{}",
            OBJECTIVE.replace("value = \"q\"", "value = \"Q\"")
        ),
    )
    .unwrap();
    let (line, column, _, message) = at(&cfg.preflight().unwrap_err());
    assert_eq!((line, column), (11, 9));
    assert!(message.contains("its columns are `date`, `q`"), "{message}");

    let late = OBJECTIVE.replace(
        "\"2013-01-04\"]",
        "\"2013-01-04\"]\nevaluation = [\"2013-01-03\", \"2013-01-09\"]",
    );
    let cfg = parse_in(dir.path(), &format!("{HEAD}{late}")).unwrap();
    let (line, column, key, message) = at(&cfg.preflight().unwrap_err());
    assert_eq!(
        (line, column, key.as_str()),
        (8, 14, "objective.evaluation")
    );
    assert!(
        message.contains("runs from 2013-01-01 to 2013-01-04"),
        "{message}"
    );
}

#[test]
fn a_changed_objective_is_a_changed_search() {
    let dir = tempfile::tempdir().unwrap();
    let a = parse_in(dir.path(), &format!("{HEAD}{OBJECTIVE}")).unwrap();
    let b = parse_in(
        dir.path(),
        &format!("{HEAD}{}", OBJECTIVE.replace("kge", "nse")),
    )
    .unwrap();
    assert_eq!(b.search_differences(&a), vec!["objective".to_string()]);
}
