//! Reading observation files: formats, missing values, unit factor, daily means, and
//! errors that name the file, the line, the column and the key.

use std::path::Path;
use tidepool_objective::{Objective, ObjectiveError, ObjectiveSpec};

const DAY: i64 = 86_400;
/// 2013-01-01 in days since 1970-01-01.
const JAN1: i64 = 15_706;

/// The observed series of a one-term KGE objective over `file` with `observed` keys.
fn load(
    dir: &Path,
    file: &str,
    observed: &str,
    period: [&str; 2],
) -> Result<Objective, ObjectiveError> {
    std::fs::write(dir.join("obs.txt"), file).unwrap();
    let toml = format!(
        "metric = \"kge\"\ncalibration = [\"{}\", \"{}\"]\n[observed]\ncsv = \"obs.txt\"\n{observed}",
        period[0], period[1]
    );
    let spec: ObjectiveSpec = toml::from_str(&toml).unwrap();
    Objective::load(&spec, dir)
}

fn values(objective: &Objective) -> (Vec<i64>, Vec<f64>) {
    let s = objective.observed("kge").unwrap();
    (s.times().to_vec(), s.values().to_vec())
}

const JAN: [&str; 2] = ["2013-01-01", "2013-01-04"];

#[test]
fn european_dates_semicolons_sentinels_and_a_unit_factor() {
    let dir = tempfile::tempdir().unwrap();
    let file = "Date;rain;Discharge[ls-1]\n01.01.2013;0;1500\n02.01.2013;0;-9999\n\
                03.01.2013;0;nan\n04.01.2013;1;NA\n05.01.2013;1;\n06.01.2013;1;2500\n";
    let keys = "date = \"Date\"\nvalue = \"Discharge[ls-1]\"\ndate_format = \"%d.%m.%Y\"\n\
                delimiter = \";\"\nmissing = [-9999.0]\nfactor = 0.001\n";
    let objective = load(dir.path(), file, keys, ["2013-01-01", "2013-01-06"]).unwrap();
    let (times, values) = values(&objective);
    assert_eq!(times, vec![JAN1 * DAY, (JAN1 + 5) * DAY]);
    assert_eq!(values, vec![1500.0 * 0.001, 2500.0 * 0.001]);
}

#[test]
fn whitespace_tables_without_header_by_index() {
    let dir = tempfile::tempdir().unwrap();
    let file = "2013-01-01  7.0 1.0\n\n2013-01-02\t8.0  2.0\n2013-01-03 9.0 3.0\n2013-01-04 1 4\n";
    let keys = "date = 0\nvalue = 2\ndelimiter = \"whitespace\"\nheader = false\n";
    let objective = load(dir.path(), file, keys, JAN).unwrap();
    assert_eq!(values(&objective).1, vec![1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn hourly_observations_become_daily_means() {
    // Day d (0..4) hour h: d * 10 + h, so the daily mean is d * 10 + 11.5; one hour of
    // day 1 is missing (-1 sentinel), which leaves the mean of the other 23 hours.
    let dir = tempfile::tempdir().unwrap();
    let mut file = String::from("time,q\n");
    for d in 0..4 {
        for h in 0..24 {
            let v = if d == 1 && h == 0 {
                -1.0
            } else {
                (d * 10 + h) as f64
            };
            file.push_str(&format!("2013-01-{:02} {h:02}:00,{v}\n", d + 1));
        }
    }
    let keys = "date = \"time\"\nvalue = \"q\"\ndaily = \"mean\"\nmissing = [-1.0]\n";
    let objective = load(dir.path(), &file, keys, JAN).unwrap();
    let (times, values) = values(&objective);
    assert_eq!(times, (0..4).map(|d| (JAN1 + d) * DAY).collect::<Vec<_>>());
    let day1 = (1..24).map(|h| (10 + h) as f64).sum::<f64>() / 23.0;
    assert_eq!(values, vec![11.5, day1, 31.5, 41.5]);
}

/// The error of loading `file` with `keys` over January 1-4.
fn error(file: &str, keys: &str) -> ObjectiveError {
    let dir = tempfile::tempdir().unwrap();
    let err = load(dir.path(), file, keys, JAN).unwrap_err();
    let text = err
        .to_string()
        .replace(&dir.path().display().to_string(), "[TMP]");
    match err {
        ObjectiveError::Spec { .. } => panic!("not a file error: {text}"),
        other => {
            eprintln!("{text}");
            other
        }
    }
}

fn message(file: &str, keys: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let err = load(dir.path(), file, keys, JAN).unwrap_err();
    let text = err
        .to_string()
        .replace(&dir.path().display().to_string(), "[TMP]");
    (err.key().unwrap().to_string(), text)
}

const GOOD: &str = "date,q\n2013-01-01,1\n2013-01-02,2\n2013-01-03,3\n2013-01-04,4\n";

#[test]
fn a_missing_column_names_the_columns_there_are() {
    let (key, text) = message(GOOD, "date = \"date\"\nvalue = \"Q\"\n");
    assert_eq!(key, "objective.observed.value");
    assert_eq!(
        text,
        "the observation file [TMP]/obs.txt has no column `Q`; its columns are `date`, `q`; \
         give one of these names or a 0-based index"
    );
    let (key, text) = message(GOOD, "date = 5\nvalue = \"q\"\n");
    assert_eq!(key, "objective.observed.date");
    assert!(
        text.contains("has 2 columns (`date`, `q`), so there is no column 5"),
        "{text}"
    );
}

#[test]
fn bad_cells_name_the_line_and_column() {
    let file = "date,q\n2013-01-01,1\n2013-01-02,2\n2013-01-33,3\n";
    let (key, text) = message(file, "date = \"date\"\nvalue = \"q\"\n");
    assert_eq!(key, "objective.observed.date");
    assert!(
        text.contains("obs.txt, line 4, column `date`: cannot read `2013-01-33` as a date"),
        "{text}"
    );
    let file = "date,q\n2013-01-01,1\n2013-01-02,dry\n";
    let (key, text) = message(file, "date = \"date\"\nvalue = \"q\"\n");
    assert_eq!(key, "objective.observed.value");
    assert!(
        text.contains("line 3, column `q`: cannot read `dry` as a number"),
        "{text}"
    );
    let file = "date,q\n2013-01-01,1\n2013-01-03,2\n2013-01-02,3\n";
    let (_, text) = message(file, "date = \"date\"\nvalue = \"q\"\n");
    assert!(
        text.contains("the date on line 4 does not come after the one on line 3"),
        "{text}"
    );
    let file = "2013-01-01;1\n";
    let (_, text) = message(file, "date = 0\nvalue = 1\nheader = false\n");
    assert!(
        text.contains("line 1: the row has 1 fields, so no column 1 (0-based)"),
        "{text}"
    );
}

#[test]
fn periods_must_lie_inside_the_observed_data_and_hold_observations() {
    let dir = tempfile::tempdir().unwrap();
    let keys = "date = \"date\"\nvalue = \"q\"\n";
    let err = load(dir.path(), GOOD, keys, ["2012-12-31", "2013-01-04"]).unwrap_err();
    assert_eq!(err.key(), Some("objective.calibration"));
    assert!(
        err.to_string().contains("the calibration period 2012-12-31 to 2013-01-04 is not inside the observed data of obs.txt, which runs from 2013-01-01 to 2013-01-04"),
        "{err}"
    );
    let gap = "date,q\n2013-01-01,1\n2013-01-02,nan\n2013-01-03,nan\n2013-01-04,4\n";
    let err = load(dir.path(), gap, keys, ["2013-01-02", "2013-01-04"]).unwrap_err();
    assert!(
        err.to_string().contains("holds 1 observed value(s)"),
        "{err}"
    );
    let err = load(dir.path(), "date,q\n2013-01-01,nan\n", keys, JAN).unwrap_err();
    assert!(
        matches!(err, ObjectiveError::NoObservations { rows: 1, .. }),
        "{err}"
    );
    let err = error(GOOD, "date = 0\nvalue = 1\nheader = false\n");
    assert!(
        matches!(err, ObjectiveError::BadDate { line: 1, .. }),
        "{err}"
    );
}

#[test]
fn a_missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "metric = \"kge\"\ncalibration = [\"2013-01-01\", \"2013-01-04\"]\n\
                [observed]\ncsv = \"data/none.csv\"\ndate = 0\nvalue = 1\n";
    let err = Objective::load(&toml::from_str(toml).unwrap(), dir.path()).unwrap_err();
    assert_eq!(err.key(), Some("objective.observed.csv"));
    assert!(err.to_string().contains("data/none.csv"), "{err}");
}
