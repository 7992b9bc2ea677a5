//! `[model]` deserialises into `tidepool_models::WorkerSpec`, a tagged enum whose
//! variants do not reject unknown keys themselves. This check does: every key written
//! under `[model]` must survive a round trip through the parsed spec.

use crate::error::{ConfigError, Location};
use crate::keyspan::{span_of, Target};
use std::path::Path;
use std::sync::Arc;
use tidepool_models::WorkerSpec;

/// Fail on any key under `[model]` that the chosen `kind` does not use; `written` is
/// the whole file as a table, `text` its text.
pub fn check(
    written: &toml::Table,
    text: &Arc<str>,
    path: &Path,
    spec: &WorkerSpec,
) -> Result<(), ConfigError> {
    let Some(toml::Value::Table(model)) = written.get("model") else {
        return Ok(());
    };
    let known = toml::Table::try_from(spec).map_err(|e| ConfigError::Invalid {
        path: path.to_path_buf(),
        key: String::from("model"),
        message: e.to_string(),
        hint: None,
        at: None,
    })?;
    for key in model.keys() {
        if !known.contains_key(key) {
            return Err(unknown(text, path, key, &known));
        }
    }
    Ok(())
}

fn unknown(text: &Arc<str>, path: &Path, key: &str, known: &toml::Table) -> ConfigError {
    let expected: Vec<&str> = known.keys().map(String::as_str).collect();
    let key_path = format!("model.{key}");
    let span = span_of(text, &key_path, Target::Key);
    ConfigError::Parse {
        path: path.to_path_buf(),
        key: key_path,
        message: format!(
            "unknown key `{key}` for this model kind; expected one of: {}",
            expected.join(", ")
        ),
        hint: Some("fix this key (see docs/config.md for the keys of each model kind)".into()),
        at: span.map(|span| Location::boxed(text, span)),
    }
}
