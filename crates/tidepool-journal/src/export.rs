//! The trials table as CSV: one row per trial in proposal order, a column per parameter
//! and per named response. Times are RFC 3339 UTC; missing values are empty cells.

use crate::error::{JournalError, Result};
use crate::reader::JournalReader;
use crate::records::TrialRecord;
use std::collections::BTreeSet;
use std::io::Write;

const LEADING: [&str; 5] = [
    "trial_id",
    "proposal_seq",
    "observed_seq",
    "status",
    "objective",
];
const TRAILING: [&str; 8] = [
    "node",
    "slot",
    "attempt",
    "queued_at",
    "started_at",
    "finished_at",
    "failure_reason",
    "stderr_tail",
];

/// A column right after `objective` holding the objective as people read it (e.g.
/// `kge` = 1 - the minimised objective).
pub struct ShownColumn<'a> {
    pub name: String,
    pub value: &'a dyn Fn(f64) -> f64,
}

/// Write every trial of the journal as CSV to `out`; returns the number of rows.
/// A response whose name is already a column is written as `response_<name>`.
/// `shown` adds its column unless a parameter or response already has its name.
pub fn write_csv(
    reader: &JournalReader,
    out: impl Write,
    shown: Option<&ShownColumn<'_>>,
) -> Result<usize> {
    reader.snapshot(|reader| write_snapshot(reader, out, shown))
}

fn write_snapshot(
    reader: &JournalReader,
    out: impl Write,
    shown: Option<&ShownColumn<'_>>,
) -> Result<usize> {
    let mut responses = BTreeSet::new();
    reader.for_each_trial(|trial| {
        responses.extend(trial.responses.into_keys());
        Ok(())
    })?;
    let shown = shown.filter(|s| {
        !responses.contains(&s.name)
            && !reader.parameters().contains(&s.name)
            && !LEADING.contains(&s.name.as_str())
            && !TRAILING.contains(&s.name.as_str())
    });
    let responses: Vec<String> = responses.into_iter().collect();
    let mut csv = csv::Writer::from_writer(out);
    let fail = |source| JournalError::Export {
        path: reader.path().to_path_buf(),
        source,
    };
    let mut columns = header(reader.parameters(), &responses);
    if let Some(shown) = shown {
        columns.insert(LEADING.len(), shown.name.clone());
    }
    csv.write_record(columns).map_err(fail)?;
    let mut rows = 0;
    reader.for_each_trial(|trial| {
        rows += 1;
        let mut cells = row(&trial, &responses);
        if let Some(shown) = shown {
            cells.insert(LEADING.len(), number(trial.objective.map(shown.value)));
        }
        csv.write_record(cells).map_err(fail)
    })?;
    csv.flush().map_err(|e| fail(e.into()))?;
    Ok(rows)
}

fn header(parameters: &[String], responses: &[String]) -> Vec<String> {
    let fixed: Vec<&str> = LEADING.iter().chain(&TRAILING).copied().collect();
    let mut columns: Vec<String> = LEADING.iter().map(|c| c.to_string()).collect();
    columns.extend(parameters.iter().cloned());
    for name in responses {
        let taken = fixed.contains(&name.as_str()) || parameters.contains(name);
        columns.push(if taken {
            format!("response_{name}")
        } else {
            name.clone()
        });
    }
    columns.extend(TRAILING.iter().map(|c| c.to_string()));
    columns
}

fn row(trial: &TrialRecord, responses: &[String]) -> Vec<String> {
    let mut cells = vec![
        trial.id.to_string(),
        trial.proposal_seq.to_string(),
        opt(trial.observed_seq),
        trial.status.to_string(),
        number(trial.objective),
    ];
    cells.extend(trial.params.iter().map(|v| number(Some(*v))));
    cells.extend(
        responses
            .iter()
            .map(|name| number(trial.responses.get(name).copied())),
    );
    cells.extend([
        trial.node.clone().unwrap_or_default(),
        opt(trial.slot),
        trial.attempt.to_string(),
        time(trial.queued_at),
        time(trial.started_at),
        time(trial.finished_at),
        trial.failure_reason.clone().unwrap_or_default(),
        trial.stderr_tail.clone().unwrap_or_default(),
    ]);
    cells
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Shortest form that reads back exactly (exponent for very large or small numbers);
/// NaN and absent values are empty cells.
pub(crate) fn number(value: Option<f64>) -> String {
    value
        .filter(|v| !v.is_nan())
        .map(|v| format!("{v:?}"))
        .unwrap_or_default()
}

fn time(seconds: Option<f64>) -> String {
    seconds.map(rfc3339).unwrap_or_default()
}

/// Unix seconds as `YYYY-MM-DDThh:mm:ss.sssZ` (proleptic Gregorian, UTC).
pub(crate) fn rfc3339(seconds: f64) -> String {
    let millis = (seconds * 1000.0).round() as i64;
    let (days, ms_of_day) = (millis.div_euclid(86_400_000), millis.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let secs = ms_of_day / 1000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        ms_of_day % 1000
    )
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format_as_rfc3339_utc() {
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00.000Z");
        // `date -u -d @1795537638.25 +%FT%T` = 2026-11-24T16:27:18
        assert_eq!(rfc3339(1_795_537_638.25), "2026-11-24T16:27:18.250Z");
        assert_eq!(rfc3339(951_782_400.0), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(-1.0), "1969-12-31T23:59:59.000Z");
    }

    #[test]
    fn responses_named_like_columns_are_prefixed() {
        let params = vec!["k".to_string(), "nse".to_string()];
        let responses = vec!["kge".to_string(), "nse".to_string(), "status".to_string()];
        let columns = header(&params, &responses);
        assert_eq!(
            columns[5..10],
            ["k", "nse", "kge", "response_nse", "response_status"]
        );
        assert_eq!(columns.last().map(String::as_str), Some("stderr_tail"));
    }
}
