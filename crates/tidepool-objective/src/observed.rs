//! Reading an observed series from a CSV or whitespace table: a date column and a value
//! column (by header name or 0-based index), dates in a given or ISO format, no-data
//! values skipped (empty cells, `nan`, `NA`, infinities and the listed sentinels), a
//! unit factor applied, optionally daily means of sub-daily data.
//!
//! Rows whose value is missing are left out of the series, so it holds observations
//! only; their dates must still read and increase, since a file out of order is wrong.

use crate::spec::{Column, ObservedSpec};
use crate::ObjectiveError;
use std::path::Path;
use tidepool_metrics::{parse_time, Series};

/// How fields are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delimiter {
    Char(u8),
    Whitespace,
}

impl Delimiter {
    /// `whitespace`, or one ASCII character.
    pub(crate) fn parse(text: &str) -> Option<Delimiter> {
        match text.as_bytes() {
            b"whitespace" => Some(Delimiter::Whitespace),
            [c] if c.is_ascii() => Some(Delimiter::Char(*c)),
            _ => None,
        }
    }
}

/// One row of the table: its 1-based line and its trimmed fields.
type Row = (u64, Vec<String>);

/// Read the observed series of `spec`; `key` is where `spec` was written
/// (`objective.observed`), for errors.
pub(crate) fn read(
    spec: &ObservedSpec,
    base_dir: &Path,
    key: &str,
) -> Result<Series, ObjectiveError> {
    let path = base_dir.join(&spec.csv);
    let read_error = |source| ObjectiveError::Read {
        key: format!("{key}.csv"),
        path: path.clone(),
        source,
    };
    let text = std::fs::read_to_string(&path).map_err(read_error)?;
    let delimiter = spec
        .delimiter
        .as_deref()
        .and_then(Delimiter::parse)
        .unwrap_or(Delimiter::Char(b','));
    let mut rows = rows(&text, delimiter).map_err(read_error)?.into_iter();
    let header = if spec.header {
        rows.next().map(|(_, h)| h)
    } else {
        None
    };
    let table = Table { path, key, header };
    let date = table.column(&spec.date, "date")?;
    let value = table.column(&spec.value, "value")?;
    let series = table.series(rows, &date, &value, spec)?;
    Ok(match spec.daily {
        Some(crate::spec::Daily::Mean) => series.daily_mean(|_| false),
        None => series,
    })
}

fn rows(text: &str, delimiter: Delimiter) -> Result<Vec<Row>, std::io::Error> {
    match delimiter {
        Delimiter::Whitespace => Ok(text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| {
                (
                    i as u64 + 1,
                    line.split_whitespace().map(str::to_string).collect(),
                )
            })
            .collect()),
        Delimiter::Char(c) => {
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(c)
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes());
            let mut out = Vec::new();
            for record in reader.records() {
                let record = record.map_err(std::io::Error::other)?;
                let line = record.position().map_or(0, |p| p.line());
                if record.iter().all(str::is_empty) {
                    continue;
                }
                out.push((line, record.iter().map(str::to_string).collect()));
            }
            Ok(out)
        }
    }
}

/// A column resolved to its position, with the label errors use.
struct Resolved {
    index: usize,
    label: String,
}

struct Table<'a> {
    path: std::path::PathBuf,
    key: &'a str,
    header: Option<Vec<String>>,
}

impl Table<'_> {
    fn column(&self, column: &Column, field: &str) -> Result<Resolved, ObjectiveError> {
        let key = format!("{}.{field}", self.key);
        let names = self.header.clone().unwrap_or_default();
        match column {
            Column::Name(name) => {
                if self.header.is_none() {
                    return Err(ObjectiveError::NameWithoutHeader {
                        key,
                        path: self.path.clone(),
                        column: name.clone(),
                    });
                }
                match names.iter().position(|n| n == name) {
                    Some(index) => Ok(Resolved {
                        index,
                        label: format!("`{name}`"),
                    }),
                    None => Err(ObjectiveError::NoColumn {
                        key,
                        path: self.path.clone(),
                        column: name.clone(),
                        columns: names,
                    }),
                }
            }
            Column::Index(index) => match names.get(*index) {
                Some(name) => Ok(Resolved {
                    index: *index,
                    label: format!("`{name}`"),
                }),
                None if self.header.is_some() => Err(ObjectiveError::ColumnIndex {
                    key,
                    path: self.path.clone(),
                    index: *index,
                    count: names.len(),
                    columns: names,
                }),
                None => Ok(Resolved {
                    index: *index,
                    label: format!("{index} (0-based)"),
                }),
            },
        }
    }

    fn series(
        &self,
        rows: impl Iterator<Item = Row>,
        date: &Resolved,
        value: &Resolved,
        spec: &ObservedSpec,
    ) -> Result<Series, ObjectiveError> {
        let (mut times, mut values) = (Vec::new(), Vec::new());
        let mut previous: Option<(i64, u64)> = None;
        let mut count = 0;
        for (line, fields) in rows {
            count += 1;
            // Both cells first: a wrong delimiter shows as a short row, not a bad date.
            let text = self.cell(line, &fields, value, "value")?;
            let time = self.time(line, &fields, date, spec)?;
            if let Some((prev_time, prev_line)) = previous {
                if time <= prev_time {
                    return Err(ObjectiveError::Unsorted {
                        key: format!("{}.csv", self.key),
                        path: self.path.clone(),
                        line,
                        prev_line,
                    });
                }
            }
            previous = Some((time, line));
            if let Some(v) = self.value(line, text, value, spec)? {
                times.push(time);
                values.push(v * spec.factor);
            }
        }
        if values.is_empty() {
            return Err(ObjectiveError::NoObservations {
                key: format!("{}.value", self.key),
                path: self.path.clone(),
                column: value.label.clone(),
                rows: count,
            });
        }
        let name = self.path.display().to_string();
        Ok(Series::new(name, times, values).expect("times checked to increase"))
    }

    fn cell<'r>(
        &self,
        line: u64,
        fields: &'r [String],
        column: &Resolved,
        field: &str,
    ) -> Result<&'r str, ObjectiveError> {
        fields
            .get(column.index)
            .map(String::as_str)
            .ok_or_else(|| ObjectiveError::ShortRow {
                key: format!("{}.{field}", self.key),
                path: self.path.clone(),
                line,
                column: column.label.clone(),
                fields: fields.len(),
            })
    }

    fn time(
        &self,
        line: u64,
        fields: &[String],
        date: &Resolved,
        spec: &ObservedSpec,
    ) -> Result<i64, ObjectiveError> {
        let text = self.cell(line, fields, date, "date")?;
        let format = spec.date_format.as_deref();
        let field = if format.is_some() {
            "date_format"
        } else {
            "date"
        };
        parse_time(text, format).map_err(|_| ObjectiveError::BadDate {
            key: format!("{}.{field}", self.key),
            path: self.path.clone(),
            line,
            column: date.label.clone(),
            text: text.to_string(),
            format: format.map(Box::from),
        })
    }

    /// The value of a row, or `None` when it is missing.
    fn value(
        &self,
        line: u64,
        text: &str,
        value: &Resolved,
        spec: &ObservedSpec,
    ) -> Result<Option<f64>, ObjectiveError> {
        if is_missing_text(text) {
            return Ok(None);
        }
        let v: f64 = text.parse().map_err(|_| ObjectiveError::BadValue {
            key: format!("{}.value", self.key),
            path: self.path.clone(),
            line,
            column: value.label.clone(),
            text: text.to_string(),
        })?;
        Ok((v.is_finite() && !spec.missing.contains(&v)).then_some(v))
    }
}

/// Empty cells, `nan`, `NA`, `N/A` (any case) mean no data.
fn is_missing_text(text: &str) -> bool {
    text.is_empty()
        || ["nan", "na", "n/a"]
            .iter()
            .any(|m| text.eq_ignore_ascii_case(m))
}
