//! Parameter sets from a CSV file: a header naming the parameters (any order, each
//! exactly once, no other columns) and one parameter set per row.

use crate::error::ConfigError;
use std::path::Path;

/// Read `path` and return one `Vec<f64>` per row, values in `param_names` order.
pub fn read_trials_csv(path: &Path, param_names: &[String]) -> Result<Vec<Vec<f64>>, ConfigError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|source| ConfigError::TrialsRead {
            path: path.to_path_buf(),
            source,
        })?;
    let header = reader.headers().map_err(|source| ConfigError::TrialsRead {
        path: path.to_path_buf(),
        source,
    })?;
    let columns = column_order(path, header, param_names)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|source| ConfigError::TrialsRead {
            path: path.to_path_buf(),
            source,
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        rows.push(parse_row(path, line, &record, &columns, param_names)?);
    }
    if rows.is_empty() {
        return Err(ConfigError::TrialsCsv {
            path: path.to_path_buf(),
            message: "has a header but no rows; add one parameter set per row".into(),
        });
    }
    Ok(rows)
}

/// For each parameter, the index of its column.
fn column_order(
    path: &Path,
    header: &csv::StringRecord,
    names: &[String],
) -> Result<Vec<usize>, ConfigError> {
    for column in header.iter() {
        if !names.iter().any(|n| n == column) {
            return Err(ConfigError::TrialsCsv {
                path: path.to_path_buf(),
                message: format!(
                    "column `{column}` is not a parameter; the columns must be exactly the [[parameters]] names: {}",
                    names.join(", ")
                ),
            });
        }
    }
    names
        .iter()
        .map(|name| {
            let matches: Vec<usize> = header
                .iter()
                .enumerate()
                .filter(|(_, c)| c == name)
                .map(|(i, _)| i)
                .collect();
            match matches.as_slice() {
                [one] => Ok(*one),
                [] => Err(ConfigError::TrialsCsv {
                    path: path.to_path_buf(),
                    message: format!("no column for parameter `{name}`; add it to the header"),
                }),
                _ => Err(ConfigError::TrialsCsv {
                    path: path.to_path_buf(),
                    message: format!("parameter `{name}` has more than one column"),
                }),
            }
        })
        .collect()
}

fn parse_row(
    path: &Path,
    line: u64,
    record: &csv::StringRecord,
    columns: &[usize],
    names: &[String],
) -> Result<Vec<f64>, ConfigError> {
    columns
        .iter()
        .zip(names)
        .map(|(&col, name)| {
            let text = record.get(col).unwrap_or("");
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| ConfigError::TrialsRow {
                    path: path.to_path_buf(),
                    line,
                    message: format!("value `{text}` for `{name}` is not a finite number"),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn reads_rows_in_parameter_order() {
        let file = write("b,a\n2,1\n4.5,3\n");
        let rows = read_trials_csv(file.path(), &names()).unwrap();
        assert_eq!(rows, vec![vec![1.0, 2.0], vec![3.0, 4.5]]);
    }

    #[test]
    fn rejects_unknown_and_missing_columns() {
        let file = write("a,c\n1,2\n");
        let err = read_trials_csv(file.path(), &names())
            .unwrap_err()
            .to_string();
        assert!(err.contains("column `c` is not a parameter"), "{err}");
        let file = write("a\n1\n");
        let err = read_trials_csv(file.path(), &names())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no column for parameter `b`"), "{err}");
    }

    #[test]
    fn names_the_line_of_a_bad_value() {
        let file = write("a,b\n1,2\n1,x\n");
        let err = read_trials_csv(file.path(), &names())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3") && err.contains("`x` for `b`"),
            "{err}"
        );
    }
}
