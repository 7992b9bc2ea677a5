//! SUMMA's parameter tables, `localParamInfo.txt` (per HRU) and `basinParamInfo.txt`
//! (per GRU): lines `name | default | lower | upper`, `!` comments, one quoted Fortran
//! format line, numbers in Fortran syntax (`1.0d-3`, `1.d0`, `-2.5D+02`). A table gives
//! each parameter's a-priori default and the bounds a calibration uses when the config
//! names none.

use std::path::{Path, PathBuf};

/// One row of a parameter table.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInfo {
    pub name: String,
    pub default: f64,
    pub lower: f64,
    pub upper: f64,
}

/// A parameter table and the file it came from (named in errors).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamTable {
    pub path: PathBuf,
    pub entries: Vec<ParamInfo>,
}

impl ParamTable {
    pub fn get(&self, name: &str) -> Option<&ParamInfo> {
        self.entries.iter().find(|p| p.name == name)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ParamInfoError {
    #[error("cannot read parameter table {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: expected `name | default | lower | upper`, found `{text}`")]
    Row {
        path: PathBuf,
        line: usize,
        text: String,
    },
}

/// Reads a `localParamInfo.txt` / `basinParamInfo.txt`.
pub fn read(path: &Path) -> Result<ParamTable, ParamInfoError> {
    let text = std::fs::read_to_string(path).map_err(|source| ParamInfoError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let entries = parse(&text).map_err(|(line, text)| ParamInfoError::Row {
        path: path.to_path_buf(),
        line,
        text,
    })?;
    Ok(ParamTable {
        path: path.to_path_buf(),
        entries,
    })
}

/// The rows of a table's text; a bad row as `(line number, line)`.
pub fn parse(text: &str) -> Result<Vec<ParamInfo>, (usize, String)> {
    rows(text, body, row)
}

/// A line without its `!` comment; `None` for blanks, comments and the format line.
fn body(raw: &str) -> Option<&str> {
    let body = raw.split('!').next().unwrap_or("").trim();
    (!body.is_empty() && !body.starts_with('\'')).then_some(body)
}

/// Each line's `body` (`None`: a comment or blank) parsed by `row`; the first line that
/// does not parse as `(line number, line)`.
pub(crate) fn rows<'t, T>(
    text: &'t str,
    body: impl Fn(&'t str) -> Option<&'t str>,
    row: impl Fn(&'t str) -> Option<T>,
) -> Result<Vec<T>, (usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(index, raw)| body(raw).map(|b| (index, raw, b)))
        .map(|(index, raw, b)| row(b).ok_or_else(|| (index + 1, raw.to_string())))
        .collect()
}

fn row(body: &str) -> Option<ParamInfo> {
    let cells: Vec<&str> = body.split('|').map(str::trim).collect();
    let [name, default, lower, upper] = cells.as_slice() else {
        return None;
    };
    Some(ParamInfo {
        name: name.to_string(),
        default: fortran_f64(default)?,
        lower: fortran_f64(lower)?,
        upper: fortran_f64(upper)?,
    })
}

/// A Fortran real: `1.0d-3`, `1.d0`, `-2.5D+02`, `1e-9`, `360`, `.5`. Not `inf`/`nan`.
pub fn fortran_f64(text: &str) -> Option<f64> {
    let text = text.trim();
    let ok = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E' | 'd' | 'D'));
    if !ok {
        return None;
    }
    text.replace(['d', 'D'], "e").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_numbers() {
        assert_eq!(fortran_f64("1.0d-3"), Some(1.0e-3));
        assert_eq!(fortran_f64("1.d0"), Some(1.0));
        assert_eq!(fortran_f64("-2.5D+02"), Some(-250.0));
        assert_eq!(fortran_f64("360"), Some(360.0));
        assert_eq!(fortran_f64(".5"), Some(0.5));
        assert_eq!(fortran_f64("1e-9"), Some(1e-9));
        assert_eq!(fortran_f64("nan"), None);
        assert_eq!(fortran_f64("inf"), None);
        assert_eq!(fortran_f64("1.0q3"), None);
        assert_eq!(fortran_f64(""), None);
    }

    #[test]
    fn rows_skip_comments_and_the_format_line() {
        let text = "! c\n'(a25,1x,3(a1,1x,f12.4,1x))' ! format\nk | 1.0d-3 | 1.0d-9 | 0.1 ! x\n";
        let rows = parse(text).unwrap();
        assert_eq!(
            rows,
            vec![ParamInfo {
                name: "k".into(),
                default: 1e-3,
                lower: 1e-9,
                upper: 0.1
            }]
        );
        assert_eq!(parse("a | 1 | 2\n").unwrap_err().0, 1);
    }
}
