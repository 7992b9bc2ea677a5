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

/// A parse error inside `[model]` that serde could only place at the whole table (its
/// tagged enums lose spans): an unknown field is looked for among the keys of
/// `[model]`'s sub-tables (`model.responses.q.colum`), and the error pointed at it.
pub fn refine(err: ConfigError, written: &toml::Table, text: &Arc<str>) -> ConfigError {
    let ConfigError::Parse {
        path,
        key,
        message,
        hint,
        at,
    } = err
    else {
        return err;
    };
    let field = message
        .strip_prefix("unknown key `")
        .or_else(|| message.strip_prefix("unknown field `"))
        .and_then(|rest| rest.split('`').next());
    let found = match (key.as_str(), field, written.get("model")) {
        ("model", Some(field), Some(toml::Value::Table(model))) => find_key(model, field, "model"),
        _ => None,
    };
    let Some((key_path, span)) =
        found.and_then(|p| span_of(text, &p, Target::Key).map(|span| (p, span)))
    else {
        return ConfigError::Parse {
            path,
            key,
            message,
            hint,
            at,
        };
    };
    ConfigError::Parse {
        path,
        key: key_path,
        message,
        hint,
        at: Some(Location::boxed(text, span)),
    }
}

/// The path of the first key named `field` in the sub-tables of `table`.
fn find_key(table: &toml::Table, field: &str, prefix: &str) -> Option<String> {
    for (key, value) in table {
        let path = format!("{prefix}.{key}");
        match value {
            toml::Value::Table(sub) if sub.contains_key(field) => {
                return Some(format!("{path}.{field}"))
            }
            toml::Value::Table(sub) => {
                if let Some(found) = find_key(sub, field, &path) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
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
