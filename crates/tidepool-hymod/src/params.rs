//! The parameter file: one `name = value` per line, `#` starts a comment, blank lines
//! are ignored. Exactly the five names `cmax`, `bexp`, `alpha`, `Ks`, `Kq`, each once.
//! The examples render it from `params.txt.tpl` (`cmax = {{cmax}}`, ...).

use std::path::Path;

use crate::error::HymodError;
use crate::model::Params;

const KEYS: [&str; 5] = ["cmax", "bexp", "alpha", "Ks", "Kq"];

/// Reads and checks the parameter file at `path`.
pub fn read_params(path: &Path) -> Result<Params, HymodError> {
    let text = std::fs::read_to_string(path).map_err(|source| HymodError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_params(&text, path)
}

/// Parses the text of a parameter file (`path` names it in errors).
pub fn parse_params(text: &str, path: &Path) -> Result<Params, HymodError> {
    let mut found: [Option<(f64, usize)>; 5] = [None; 5];
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let (key, value) = split_line(content, path, line)?;
        let slot = KEYS
            .iter()
            .position(|k| *k == key)
            .ok_or_else(|| HymodError::UnknownKey {
                path: path.to_path_buf(),
                line,
                key: key.to_string(),
            })?;
        if let Some((_, first)) = found[slot] {
            let key = key.to_string();
            return Err(HymodError::Duplicate {
                path: path.to_path_buf(),
                line,
                key,
                first,
            });
        }
        let number = parse_number(value, key, path, line)?;
        check_range(key, number, path, line)?;
        found[slot] = Some((number, line));
    }
    let value = |i: usize| {
        found[i].map(|(v, _)| v).ok_or(HymodError::Missing {
            path: path.to_path_buf(),
            key: KEYS[i],
        })
    };
    Ok(Params {
        cmax: value(0)?,
        bexp: value(1)?,
        alpha: value(2)?,
        ks: value(3)?,
        kq: value(4)?,
    })
}

fn split_line<'a>(
    content: &'a str,
    path: &Path,
    line: usize,
) -> Result<(&'a str, &'a str), HymodError> {
    match content.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim(), value.trim())),
        _ => Err(HymodError::Syntax {
            path: path.to_path_buf(),
            line,
            text: content.to_string(),
        }),
    }
}

fn parse_number(value: &str, key: &str, path: &Path, line: usize) -> Result<f64, HymodError> {
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(HymodError::NotANumber {
            path: path.to_path_buf(),
            line,
            key: key.to_string(),
            text: value.to_string(),
        }),
    }
}

/// The ranges in which the equations are defined: a positive capacity, a non-negative
/// shape, a split fraction in [0, 1] and reservoir fractions in (0, 1) (the outflow
/// divides by 1 - k).
fn check_range(key: &str, value: f64, path: &Path, line: usize) -> Result<(), HymodError> {
    let (ok, expected) = match key {
        "cmax" => (value > 0.0, "cmax must be > 0 (mm)"),
        "bexp" => (value >= 0.0, "bexp must be >= 0"),
        "alpha" => ((0.0..=1.0).contains(&value), "alpha must lie in [0, 1]"),
        _ => (value > 0.0 && value < 1.0, "Ks and Kq must lie in (0, 1)"),
    };
    if ok {
        return Ok(());
    }
    let key = key.to_string();
    Err(HymodError::OutOfRange {
        path: path.to_path_buf(),
        line,
        key,
        value,
        expected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Params, String> {
        parse_params(text, Path::new("params.txt")).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_five_parameters_with_comments_and_blank_lines() {
        let p = parse("# HYMOD\ncmax = 412.33\n\nbexp=0.1725 # shape\nalpha = 8.127e-1\nKs = 0.0404\nKq = 0.5592\n");
        let expected = Params {
            cmax: 412.33,
            bexp: 0.1725,
            alpha: 0.8127,
            ks: 0.0404,
            kq: 0.5592,
        };
        assert_eq!(p, Ok(expected));
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let base = "cmax = 1\nbexp = 1\nalpha = 0.5\nKs = 0.1\n";
        insta::assert_snapshot!(parse(base).unwrap_err(), @"params.txt: parameter `Kq` is missing; add a line `Kq = VALUE`");
        insta::assert_snapshot!(parse(&format!("{base}Kq = 0.5\nks = 0.2\n")).unwrap_err(), @"params.txt:6: unknown parameter `ks`; the parameters are cmax, bexp, alpha, Ks, Kq");
        insta::assert_snapshot!(parse(&format!("{base}Kq = {{{{kq}}}}\n")).unwrap_err(), @"params.txt:5: `Kq` = `{{kq}}` is not a number");
        insta::assert_snapshot!(parse(&format!("{base}Kq = 1\n")).unwrap_err(), @"params.txt:5: `Kq` = 1 is out of range: Ks and Kq must lie in (0, 1)");
        insta::assert_snapshot!(parse(&format!("{base}cmax = 2\n")).unwrap_err(), @"params.txt:5: parameter `cmax` given twice (first on line 1)");
        insta::assert_snapshot!(parse("cmax 412\n").unwrap_err(), @"params.txt:1: expected `name = value`, found `cmax 412`");
    }
}
