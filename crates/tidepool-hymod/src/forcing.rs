//! The forcing file: SPOTPY's `hymod_input.csv` layout. A header line, then one row per
//! day: date (`DD.MM.YYYY` as SPOTPY writes it, or ISO `YYYY-MM-DD`), rainfall (mm/day),
//! potential evapotranspiration (mm/day), and any further columns (the observed
//! discharge), which are not read. The separator is `;` when the header holds one, else
//! `,` (SPOTPY decides the same way).

use std::path::Path;

use crate::error::HymodError;

/// The daily forcing: dates as Unix seconds (midnight UTC), rainfall and PET in mm/day.
#[derive(Debug, Clone, PartialEq)]
pub struct Forcing {
    pub days: Vec<i64>,
    pub precip: Vec<f64>,
    pub pet: Vec<f64>,
}

/// Reads the forcing file at `path`.
pub fn read_forcing(path: &Path) -> Result<Forcing, HymodError> {
    let text = std::fs::read_to_string(path).map_err(|source| HymodError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_forcing(&text, path)
}

/// Parses the text of a forcing file (`path` names it in errors).
pub fn parse_forcing(text: &str, path: &Path) -> Result<Forcing, HymodError> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("").trim_end_matches('\r');
    let delimiter = if header.contains(';') { ';' } else { ',' };
    let names: Vec<&str> = header.split(delimiter).map(str::trim).collect();
    if names.len() < 3 {
        return Err(HymodError::Header {
            path: path.to_path_buf(),
            header: header.to_string(),
        });
    }
    let mut forcing = Forcing {
        days: Vec::new(),
        precip: Vec::new(),
        pet: Vec::new(),
    };
    for (index, raw) in lines.enumerate() {
        let row = raw.trim();
        if row.is_empty() {
            continue;
        }
        let cells: Vec<&str> = row.split(delimiter).map(str::trim).collect();
        let cell = |column: usize| Cell {
            path,
            line: index + 2,
            column,
            name: names[column],
        };
        let text_at = |column: usize| {
            cells
                .get(column)
                .copied()
                .ok_or_else(|| cell(column).error("missing cell".into()))
        };
        forcing.days.push(cell(0).date(text_at(0)?)?);
        forcing.precip.push(cell(1).number(text_at(1)?)?);
        forcing.pet.push(cell(2).number(text_at(2)?)?);
    }
    if forcing.days.is_empty() {
        return Err(HymodError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(forcing)
}

/// Where a cell sits, for its error.
struct Cell<'a> {
    path: &'a Path,
    line: usize,
    column: usize,
    name: &'a str,
}

impl Cell<'_> {
    fn error(&self, problem: String) -> HymodError {
        HymodError::Cell {
            path: self.path.to_path_buf(),
            line: self.line,
            column: self.column + 1,
            name: self.name.to_string(),
            problem,
        }
    }

    fn date(&self, text: &str) -> Result<i64, HymodError> {
        use std::sync::OnceLock;
        use tidepool_metrics::TimeFormat;
        static EUROPEAN: OnceLock<TimeFormat> = OnceLock::new();
        static ISO: OnceLock<TimeFormat> = OnceLock::new();
        EUROPEAN
            .get_or_init(|| TimeFormat::new(Some("%d.%m.%Y")))
            .parse(text)
            .or_else(|_| ISO.get_or_init(|| TimeFormat::new(None)).parse(text))
            .map_err(|_| self.error(format!("`{text}` is not a date (DD.MM.YYYY or YYYY-MM-DD)")))
    }

    fn number(&self, text: &str) -> Result<f64, HymodError> {
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.error(format!(
                "`{text}` is not a finite number (mm/day); fill the gap"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Forcing, String> {
        parse_forcing(text, Path::new("in.csv")).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_spotpy_layout_and_iso_dates() {
        let f = parse("Date;rain;PET;Q\n01.01.2012;2.5;0.35;nan\n2012-01-02;0;0.26;1.0\n").unwrap();
        assert_eq!(f.days, vec![1_325_376_000, 1_325_376_000 + 86_400]);
        assert_eq!(f.precip, vec![2.5, 0.0]);
        assert_eq!(f.pet, vec![0.35, 0.26]);
        let comma = parse("date,rain,pet\n2012-01-01,1,2\n").unwrap();
        assert_eq!(comma.precip, vec![1.0]);
    }

    #[test]
    fn errors_name_line_and_column() {
        insta::assert_snapshot!(parse("Date;rain;PET\n01.01.2012;x;0.3\n").unwrap_err(), @"in.csv:2: column 2 (`rain`): `x` is not a finite number (mm/day); fill the gap");
        insta::assert_snapshot!(parse("Date;rain;PET\n01.01.2012;1;0.3\n32.01.2012;1;0.3\n").unwrap_err(), @"in.csv:3: column 1 (`Date`): `32.01.2012` is not a date (DD.MM.YYYY or YYYY-MM-DD)");
        insta::assert_snapshot!(parse("Date;rain;PET\n01.01.2012;1\n").unwrap_err(), @"in.csv:2: column 3 (`PET`): missing cell");
        insta::assert_snapshot!(parse("Date rain PET\n").unwrap_err(), @"in.csv:1: the header needs at least 3 columns (date, rainfall mm/day, PET mm/day) separated by `;` or `,`, found `Date rain PET`");
        insta::assert_snapshot!(parse("Date;rain;PET\n").unwrap_err(), @"in.csv: no data rows after the header");
    }
}
