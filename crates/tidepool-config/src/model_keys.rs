//! `[model]` deserialises into `tidepool_models::WorkerSpec`, a tagged enum whose
//! variants do not reject unknown keys themselves. This check does: every key written
//! under `[model]` must survive a round trip through the parsed spec.

use crate::error::ConfigError;
use crate::locate;
use std::path::Path;
use tidepool_models::WorkerSpec;

/// Fail on any key under `[model]` that the chosen `kind` does not use.
pub fn check(text: &str, path: &Path, spec: &WorkerSpec) -> Result<(), ConfigError> {
    let written: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        line: locate::line_of(text, e.span().map(|s| s.start).unwrap_or(0)),
        key: String::from("model"),
        message: e.message().to_string(),
    })?;
    let Some(toml::Value::Table(model)) = written.get("model") else {
        return Ok(());
    };
    let known = toml::Table::try_from(spec).map_err(|e| ConfigError::Invalid {
        path: path.to_path_buf(),
        key: String::from("model"),
        message: e.to_string(),
    })?;
    for key in model.keys() {
        if !known.contains_key(key) {
            return Err(unknown(text, path, key, &known));
        }
    }
    Ok(())
}

fn unknown(text: &str, path: &Path, key: &str, known: &toml::Table) -> ConfigError {
    let expected: Vec<&str> = known.keys().map(String::as_str).collect();
    let header = locate::line_of_table(text, "model").unwrap_or(1);
    let line = text
        .lines()
        .enumerate()
        .skip(header)
        .find(|(_, l)| l.split('=').next().map(str::trim) == Some(key))
        .map(|(i, _)| i + 1)
        .unwrap_or(header);
    ConfigError::Parse {
        path: path.to_path_buf(),
        line,
        key: format!("model.{key}"),
        message: format!(
            "unknown key `{key}` for this model kind; expected one of: {}",
            expected.join(", ")
        ),
    }
}
