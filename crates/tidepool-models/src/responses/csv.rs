//! `kind = "csv"`: one column of a CSV (or whitespace) table. With `date_column` the
//! column becomes a series on the dates (read by `tidepool_metrics::TimeFormat`, with
//! `date_format` if given); without, the table must have exactly one data row and the
//! value is a scalar. Empty cells and the `missing` sentinels read as NaN.

use super::{parse_number, Extracted, Extractor};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tidepool_metrics::{Series, TimeFormat};

/// `[model.responses.NAME] kind = "csv"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvResponse {
    pub file: PathBuf,
    pub column: Column,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_column: Option<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_format: Option<String>,
    #[serde(default)]
    pub delimiter: Delimiter,
    /// Lines skipped before the table (before its header row).
    #[serde(default)]
    pub skip: usize,
    /// Whether the table's first row names the columns.
    #[serde(default = "yes")]
    pub header: bool,
    /// Cells that stand for a missing value (besides empty cells), e.g. "-9999".
    #[serde(default)]
    pub missing: Vec<String>,
}

fn yes() -> bool {
    true
}

/// A column by its header name or its 0-based index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Column {
    Index(usize),
    Name(String),
}

/// `","` (the default), any other single character, or `"whitespace"` (runs of spaces
/// and tabs, as in Fortran tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Delimiter {
    Char(u8),
    Whitespace,
}

impl Default for Delimiter {
    fn default() -> Self {
        Delimiter::Char(b',')
    }
}

impl TryFrom<String> for Delimiter {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        match text.as_bytes() {
            b"whitespace" => Ok(Delimiter::Whitespace),
            [byte] if byte.is_ascii() => Ok(Delimiter::Char(*byte)),
            _ => Err(format!(
                "delimiter `{text}` is neither one ASCII character nor \"whitespace\""
            )),
        }
    }
}

impl From<Delimiter> for String {
    fn from(d: Delimiter) -> String {
        match d {
            Delimiter::Whitespace => "whitespace".into(),
            Delimiter::Char(c) => char::from(c).to_string(),
        }
    }
}

impl Extractor for CsvResponse {
    fn extract(&self, name: &str, text: &str) -> Result<Extracted, String> {
        let mut rows = self.rows(text)?;
        let header = match self.header {
            true if rows.is_empty() => return Err("the file has no header row".into()),
            true => Some(rows.remove(0)),
            false => None,
        };
        let value_at = self.index(&self.column, header.as_deref())?;
        let date_at = match &self.date_column {
            Some(column) => Some(self.index(column, header.as_deref())?),
            None => None,
        };
        let format = TimeFormat::new(self.date_format.as_deref());
        let mut times = Vec::with_capacity(rows.len());
        let mut values = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let line = i + 1 + self.skip + usize::from(self.header);
            values.push(self.cell_value(row, value_at, line)?);
            if let Some(at) = date_at {
                let cell = cell(row, at, line)?;
                let time = format
                    .parse(cell)
                    .map_err(|err| format!("row {line}: {err}"))?;
                times.push(time);
            }
        }
        match date_at {
            Some(_) => Series::new(name, times, values)
                .map(Extracted::Series)
                .map_err(|err| err.to_string()),
            None if values.len() == 1 => Ok(Extracted::Scalar(values[0])),
            None => Err(format!(
                "{} data rows and no `date_column`: give the date column to read a series, \
                 or write a single row for a scalar",
                values.len()
            )),
        }
    }
}

impl CsvResponse {
    /// The table's rows (after `skip` lines; empty lines dropped) as cells.
    fn rows(&self, text: &str) -> Result<Vec<Vec<String>>, String> {
        let body: String = text
            .lines()
            .skip(self.skip)
            .filter(|l| !l.trim().is_empty())
            .flat_map(|l| [l, "\n"])
            .collect();
        match self.delimiter {
            Delimiter::Whitespace => Ok(body
                .lines()
                .map(|l| l.split_whitespace().map(String::from).collect())
                .collect()),
            Delimiter::Char(byte) => ::csv::ReaderBuilder::new()
                .delimiter(byte)
                .has_headers(false)
                .flexible(true)
                .trim(::csv::Trim::All)
                .from_reader(body.as_bytes())
                .records()
                .map(|r| {
                    r.map(|record| record.iter().map(String::from).collect())
                        .map_err(|err| format!("not a readable CSV table: {err}"))
                })
                .collect(),
        }
    }

    fn index(&self, column: &Column, header: Option<&[String]>) -> Result<usize, String> {
        match (column, header) {
            (Column::Index(i), _) => Ok(*i),
            (Column::Name(name), Some(header)) => header
                .iter()
                .position(|h| h.trim_matches('"') == name)
                .ok_or_else(|| format!("no column `{name}` in the header ({})", header.join(", "))),
            (Column::Name(name), None) => Err(format!(
                "column `{name}` is given by name but `header = false`; give its 0-based index"
            )),
        }
    }

    fn cell_value(&self, row: &[String], at: usize, line: usize) -> Result<f64, String> {
        let text = cell(row, at, line)?;
        if text.is_empty() || self.missing.iter().any(|m| m == text) {
            return Ok(f64::NAN);
        }
        parse_number(text)
            .ok_or_else(|| format!("row {line}, column {at}: `{text}` is not a number"))
    }
}

fn cell(row: &[String], at: usize, line: usize) -> Result<&str, String> {
    row.get(at).map(String::as_str).ok_or_else(|| {
        format!(
            "row {line} has {} columns, no column {at} (columns count from 0)",
            row.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(toml_text: &str) -> CsvResponse {
        toml::from_str(&format!("file = \"q.csv\"\n{toml_text}")).unwrap()
    }

    #[test]
    fn a_dated_column_is_a_series_with_missing_values() {
        let r = response("column = \"q\"\ndate_column = \"date\"\nmissing = [\"-9999\"]");
        let text = "date,q,et\n2012-01-01,1.5,0.1\n2012-01-02,,0.2\n2012-01-03,-9999,0\n\
                    2012-01-04,2.5e-1,0\n";
        let Extracted::Series(s) = r.extract("q", text).unwrap() else {
            panic!("not a series")
        };
        // 2012-01-01T00:00Z is 15340 days after 1970-01-01.
        let day0 = 15_340 * 86_400;
        assert_eq!(
            s.times(),
            &[day0, day0 + 86_400, day0 + 2 * 86_400, day0 + 3 * 86_400]
        );
        assert_eq!(s.values()[0], 1.5);
        assert!(s.values()[1].is_nan() && s.values()[2].is_nan());
        assert_eq!(s.values()[3], 0.25);
        assert_eq!(s.name(), "q");
    }

    #[test]
    fn a_whitespace_table_by_index_with_skipped_lines_and_a_date_format() {
        let r = response(
            "column = 2\ndate_column = 0\ndate_format = \"%d/%m/%Y\"\ndelimiter = \"whitespace\"\n\
             skip = 2\nheader = false",
        );
        let text = "HYMOD output\n  units: mm/d\n01/02/2012  x  3.0\n02/02/2012  x  4.0D+00\n";
        let Extracted::Series(s) = r.extract("q", text).unwrap() else {
            panic!("not a series")
        };
        let feb1 = (15_340 + 31) * 86_400;
        assert_eq!(s.times(), &[feb1, feb1 + 86_400]);
        assert_eq!(s.values(), &[3.0, 4.0]);
    }

    #[test]
    fn one_row_without_dates_is_a_scalar() {
        let r = response("column = \"kge\"\ndelimiter = \";\"");
        assert_eq!(
            r.extract("kge", "nse;kge\n0.7;0.81\n").unwrap(),
            Extracted::Scalar(0.81)
        );
        let err = r
            .extract("kge", "nse;kge\n0.7;0.81\n0.1;0.2\n")
            .unwrap_err();
        assert!(err.contains("2 data rows and no `date_column`"), "{err}");
    }

    #[test]
    fn missing_columns_and_bad_cells_say_where() {
        let r = response("column = \"flow\"");
        let err = r.extract("q", "date,q\n2012-01-01,1\n").unwrap_err();
        assert_eq!(err, "no column `flow` in the header (date, q)");
        let r = response("column = 5\ndate_column = 0");
        let err = r.extract("q", "date,q\n2012-01-01,1\n").unwrap_err();
        assert!(err.starts_with("row 2 has 2 columns, no column 5"), "{err}");
        let r = response("column = 1");
        let err = r.extract("q", "date,q\n2012-01-01,high\n").unwrap_err();
        assert_eq!(err, "row 2, column 1: `high` is not a number");
        let bad = toml::from_str::<CsvResponse>("file = \"q\"\ncolumn = 1\ndelimiter = \"ab\"");
        assert!(bad.unwrap_err().to_string().contains("\"whitespace\""));
    }
}
