//! Reading a model's result from the last non-empty line of its stdout: a number (the
//! objective), a JSON object of named numeric responses with an optional `objective`,
//! or nothing the model meant as a result (objective absent). An objective must be a
//! finite number: `inf`, `-Infinity`, `NaN` or `1e999` (in any case) fail the trial,
//! since an optimiser would otherwise take `-inf` as the best result there is.

use std::collections::BTreeMap;

/// A model's result.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Reading {
    pub objective: Option<f64>,
    pub responses: BTreeMap<String, f64>,
}

/// Output that looks like a result but cannot be read as one.
#[derive(Debug, PartialEq, thiserror::Error)]
pub(crate) enum ReadingError {
    #[error("last line of stdout is not a valid JSON object ({detail}): {line}")]
    BadJson { line: String, detail: String },
    #[error("response `{key}` in the last line of stdout is {found}; expected a number")]
    NotANumber { key: String, found: String },
    #[error(
        "the objective `{found}` on the last line of stdout is not a finite number; \
         report a finite value, or exit non-zero to fail the trial"
    )]
    NonFinite { found: String },
    #[error(
        "the last line of stdout holds a number too large to be finite: {line}; \
         an objective must be a finite number"
    )]
    OutOfRange { line: String },
}

/// Reads the last non-empty line of `stdout`. A line that is neither a number nor starts
/// with `{` is ordinary output: the objective is absent. A line starting with `{` must be
/// a JSON object whose values are numbers.
pub(crate) fn read_last_line(stdout: &str) -> Result<Reading, ReadingError> {
    let Some(line) = stdout.lines().map(str::trim).rfind(|l| !l.is_empty()) else {
        return Ok(Reading::default());
    };
    if line.starts_with('{') {
        return read_object(line);
    }
    let objective = line.parse::<f64>().ok();
    if objective.is_some_and(|x| !x.is_finite()) {
        return Err(ReadingError::NonFinite {
            found: shorten(line),
        });
    }
    Ok(Reading {
        objective,
        responses: BTreeMap::new(),
    })
}

fn read_object(line: &str) -> Result<Reading, ReadingError> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(line).map_err(|err| {
            // serde_json refuses numbers beyond f64 (`1e999`) rather than making them inf.
            match err.to_string().starts_with("number out of range") {
                true => ReadingError::OutOfRange {
                    line: shorten(line),
                },
                false => ReadingError::BadJson {
                    line: shorten(line),
                    detail: err.to_string(),
                },
            }
        })?;
    let mut reading = Reading::default();
    for (key, value) in object {
        let number = value.as_f64().ok_or_else(|| ReadingError::NotANumber {
            key: key.clone(),
            found: shorten(&value.to_string()),
        })?;
        if key == "objective" {
            reading.objective = Some(number);
        } else {
            reading.responses.insert(key, number);
        }
    }
    Ok(reading)
}

fn shorten(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_on_the_last_non_empty_line_is_the_objective() {
        let r = read_last_line("starting\nstep 1\n0.8125\n\n  \n").unwrap();
        assert_eq!(r.objective, Some(0.8125));
        assert!(r.responses.is_empty());
        assert_eq!(read_last_line("-1e-3").unwrap().objective, Some(-0.001));
    }

    #[test]
    fn a_json_object_gives_responses_and_optional_objective() {
        let r = read_last_line("log\n{\"objective\": 0.5, \"kge\": 0.7, \"nse\": 0.6}\n").unwrap();
        assert_eq!(r.objective, Some(0.5));
        assert_eq!(r.responses.len(), 2);
        assert_eq!(r.responses["kge"], 0.7);
        let r = read_last_line("{\"peak\": 12}").unwrap();
        assert_eq!(r.objective, None);
        assert_eq!(r.responses["peak"], 12.0);
    }

    #[test]
    fn empty_or_plain_text_output_has_no_objective() {
        assert_eq!(read_last_line("").unwrap(), Reading::default());
        assert_eq!(read_last_line("done\n").unwrap(), Reading::default());
    }

    #[test]
    fn non_finite_objectives_are_errors_in_any_spelling() {
        for text in [
            "-inf",
            "inf",
            "+INF",
            "1e999",
            "-1E999",
            "infinity",
            "-Infinity",
            "nan",
            "NaN",
        ] {
            let err = read_last_line(&format!("log\n{text}\n")).unwrap_err();
            assert_eq!(
                err,
                ReadingError::NonFinite { found: text.into() },
                "{text}"
            );
            assert!(err.to_string().contains("not a finite number"), "{err}");
        }
        let err = read_last_line("{\"objective\": -1e999}").unwrap_err();
        assert!(matches!(err, ReadingError::OutOfRange { .. }), "{err}");
        assert!(err.to_string().contains("finite"), "{err}");
    }

    #[test]
    fn broken_json_and_non_numbers_are_errors() {
        let err = read_last_line("{\"kge\": 0.7").unwrap_err();
        assert!(matches!(err, ReadingError::BadJson { .. }), "{err}");
        let err = read_last_line("{\"kge\": \"high\"}").unwrap_err();
        assert_eq!(
            err,
            ReadingError::NotANumber {
                key: "kge".into(),
                found: "\"high\"".into()
            }
        );
    }
}
