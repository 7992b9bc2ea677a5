//! The `summa_calib` multiplier table (`multiplier_bounds.txt`): CSV lines
//! `name,initial,lower,upper`, `#` comments. Each name is `<summa parameter>_multp`: a
//! factor on that parameter's a-priori values, searched between `lower` and `upper`.

use crate::paraminfo::{fortran_f64, rows};
use std::path::{Path, PathBuf};

/// One multiplier with its starting value and bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Multiplier {
    pub name: String,
    pub initial: f64,
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum MultiplierError {
    #[error("cannot read multiplier table {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: expected `name,initial,lower,upper`, found `{text}`")]
    Row {
        path: PathBuf,
        line: usize,
        text: String,
    },
}

/// Reads a `multiplier_bounds.txt`.
pub fn read(path: &Path) -> Result<Vec<Multiplier>, MultiplierError> {
    let text = std::fs::read_to_string(path).map_err(|source| MultiplierError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|(line, text)| MultiplierError::Row {
        path: path.to_path_buf(),
        line,
        text,
    })
}

/// The rows of a table's text; a bad row as `(line number, line)`.
pub fn parse(text: &str) -> Result<Vec<Multiplier>, (usize, String)> {
    rows(text, body, row)
}

/// A line trimmed; `None` for blanks and `#` comments.
fn body(raw: &str) -> Option<&str> {
    let body = raw.trim();
    (!body.is_empty() && !body.starts_with('#')).then_some(body)
}

fn row(body: &str) -> Option<Multiplier> {
    let cells: Vec<&str> = body.split(',').map(str::trim).collect();
    let [name, initial, lower, upper] = cells.as_slice() else {
        return None;
    };
    Some(Multiplier {
        name: name.to_string(),
        initial: fortran_f64(initial)?,
        lower: fortran_f64(lower)?,
        upper: fortran_f64(upper)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_a_bad_row() {
        let rows = parse("# head\nk_soil_multp,1.000000,0.048681,1.532371\n").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "k_soil_multp");
        assert_eq!(rows[0].upper, 1.532371);
        assert_eq!(parse("x,1,2\n").unwrap_err(), (1, "x,1,2".to_string()));
    }
}
