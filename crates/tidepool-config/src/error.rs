//! Errors reading a run config or a trials CSV.
//!
//! An error that comes from a key carries a [`Location`]: the line, the column and the
//! byte span of the offending value (or key) with the file's text, so the binary can
//! print a source excerpt with a caret. Its `Display` form is one line,
//! `FILE:LINE:COLUMN: key `KEY`: MESSAGE`, plus a `hint:` line when there is one.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where in a config file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte range of the offending value (or key) in `text`.
    pub span: Range<usize>,
    /// The whole file, for the excerpt.
    pub text: Arc<str>,
}

impl Location {
    /// The location of `span` in `text`, boxed as errors hold it.
    pub fn boxed(text: &Arc<str>, span: Range<usize>) -> Box<Self> {
        Box::new(Self::new(text, span))
    }

    /// The location of `span` in `text`.
    pub fn new(text: &Arc<str>, span: Range<usize>) -> Self {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
        Self {
            line: text[..start].bytes().filter(|&b| b == b'\n').count() + 1,
            column: text[line_start..start].chars().count() + 1,
            span: start..end,
            text: Arc::clone(text),
        }
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `FILE:LINE:COLUMN` or, without a location, `FILE`.
pub struct Place<'a>(pub &'a Path, pub Option<&'a Location>);

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(at) => write!(f, "{}:{}:{}", self.0.display(), at.line, at.column),
            None => write!(f, "{}", self.0.display()),
        }
    }
}

/// ` \nhint: HINT` when there is a hint.
pub struct HintLine<'a>(pub &'a Option<String>);

impl fmt::Display for HintLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(hint) => write!(f, "\nhint: {hint}"),
            None => Ok(()),
        }
    }
}

/// What went wrong with a configuration file, naming the file, key, line and column.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} not found\nhint: check the path, or write a run config there (docs/config.md has an example; examples/rosenbrock/calib.toml is one)")]
    NotFound { path: PathBuf },
    #[error("config file {path} is not UTF-8 text (invalid byte at offset {offset})\nhint: a run config is a TOML text file; is this the right file?")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path} is empty\nhint: a run config needs at least `[run]` with `name` and `[model]` with `kind` (see docs/config.md)")]
    Empty { path: PathBuf },
    #[error("config file {path} has no `[{table}]` table\nhint: {hint}")]
    MissingTable {
        path: PathBuf,
        table: String,
        hint: String,
    },
    /// Syntax, type and unknown-key errors found while reading the TOML.
    #[error("{}: key `{key}`: {message}{}", Place(path, at.as_deref()), HintLine(hint))]
    Parse {
        path: PathBuf,
        key: String,
        message: String,
        hint: Option<String>,
        at: Option<Box<Location>>,
    },
    /// A value that reads but is not allowed (a check on one key or across keys).
    #[error("{}: key `{key}`: {message}{}", Place(path, at.as_deref()), HintLine(hint))]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
        hint: Option<String>,
        at: Option<Box<Location>>,
    },
    #[error("trials CSV {path}: {message}")]
    TrialsCsv { path: PathBuf, message: String },
    #[error("trials CSV {path}, line {line}: {message}")]
    TrialsRow {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("cannot read trials CSV {path}: {source}")]
    TrialsRead {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
}

/// The parts of an error that comes from a key, for rendering with a source excerpt.
#[derive(Debug, Clone, Copy)]
pub struct KeyProblem<'a> {
    pub path: &'a Path,
    pub key: &'a str,
    pub message: &'a str,
    pub hint: Option<&'a str>,
    pub at: &'a Location,
}

impl ConfigError {
    /// The file, key, message, hint and location of an error that comes from a key.
    pub fn key_problem(&self) -> Option<KeyProblem<'_>> {
        match self {
            ConfigError::Parse {
                path,
                key,
                message,
                hint,
                at: Some(at),
            }
            | ConfigError::Invalid {
                path,
                key,
                message,
                hint,
                at: Some(at),
            } => Some(KeyProblem {
                path,
                key,
                message,
                hint: hint.as_deref(),
                at,
            }),
            _ => None,
        }
    }

    /// The location, for errors that come from a key.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ConfigError::Parse { at, .. } | ConfigError::Invalid { at, .. } => at.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_characters() {
        let text: Arc<str> = Arc::from("[run]\nname = \"é\" x\n");
        let at = Location::new(&text, text.find('x').unwrap()..text.len());
        assert_eq!((at.line, at.column), (2, 12));
    }
}
