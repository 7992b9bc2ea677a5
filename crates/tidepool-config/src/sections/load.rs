//! Reading a config file: a missing file, a file that is not UTF-8 text, an empty
//! file and a file without `[run]` or `[model]` each get their own error about the
//! file; every other error names the key, with the line and column of its value.

use super::RunConfig;
use crate::error::{ConfigError, Location};
use crate::{locate, model_keys, plain};
use std::path::Path;
use std::sync::Arc;

/// The tables every run config must have, with what to write.
const REQUIRED: [(&str, &str); 2] = [
    ("run", "add `[run]` with at least `name = \"...\"`"),
    (
        "model",
        "add `[model]` with the model to run, e.g. `kind = \"command\"` and `stages = [[\"./model\", \"{k}\"]]` (see docs/config.md)",
    ),
];

impl RunConfig {
    /// Read and check a config file.
    pub fn load(path: &Path) -> Result<RunConfig, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => ConfigError::NotFound {
                path: path.to_path_buf(),
            },
            _ => ConfigError::Read {
                path: path.to_path_buf(),
                source,
            },
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ConfigError::NotUtf8 {
            path: path.to_path_buf(),
            offset: e.utf8_error().valid_up_to(),
        })?;
        Self::from_str(&text, path)
    }

    /// Parse and check config text; `path` names the file in errors and anchors
    /// relative paths.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str, path: &Path) -> Result<RunConfig, ConfigError> {
        let shared: Arc<str> = Arc::from(text);
        let mut table: toml::Table =
            toml::from_str(text).map_err(|e| parse_error(&shared, path, &e, SYNTAX))?;
        if table.is_empty() {
            return Err(ConfigError::Empty {
                path: path.to_path_buf(),
            });
        }
        if let Some((table, hint)) = REQUIRED.iter().find(|(t, _)| !table.contains_key(*t)) {
            return Err(ConfigError::MissingTable {
                path: path.to_path_buf(),
                table: table.to_string(),
                hint: hint.to_string(),
            });
        }
        let filled = crate::summa_params::fill_bounds(&mut table, path)?;
        let typed = match filled {
            false => toml::from_str(text),
            true => table.clone().try_into(),
        };
        let mut cfg: RunConfig = typed.map_err(|e| {
            model_keys::refine(parse_error(&shared, path, &e, KEYS), &table, &shared)
        })?;
        model_keys::check(&table, &shared, path, &cfg.model)?;
        cfg.source = path.to_path_buf();
        cfg.text = Arc::clone(&shared);
        cfg.validate().map_err(|e| e.located_in(&shared))?;
        Ok(cfg)
    }
}

const SYNTAX: &str = "this is not valid TOML here (see https://toml.io for the syntax)";
const KEYS: &str = "fix this key (see docs/config.md for every key and its type)";
const VALUES: &str = "fix this value (see docs/config.md for every key and its type)";

fn parse_error(text: &Arc<str>, path: &Path, err: &toml::de::Error, hint: &str) -> ConfigError {
    let span = err.span().unwrap_or(0..0);
    let key = locate::key_path_at(text, span.start);
    let hint = match hint {
        KEYS if !err.message().starts_with("unknown field") => VALUES,
        other => other,
    };
    ConfigError::Parse {
        path: path.to_path_buf(),
        key,
        message: plain::plain(err.message()),
        hint: Some(hint.to_string()),
        at: Some(Location::boxed(text, span)),
    }
}
