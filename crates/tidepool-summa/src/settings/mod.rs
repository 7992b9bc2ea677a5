//! The settings files SUMMA and mizuRoute read, edited the way a person would edit them.
//!
//! Each file is a list of lines; a line that sets a key remembers where its value sits
//! (a byte range inside the line). `set` replaces only those bytes, so every other line,
//! and every other byte of the edited line (padding, comment), renders back unchanged:
//! a file parsed and rendered without edits is byte-for-byte the input.
//!
//! - [`KeyFile`]: SUMMA's fileManager, `key 'value' ! comment`.
//! - [`ControlFile`]: mizuRoute's control file, `<key> value ! comment`.
//! - [`Namelist`]: mizuRoute's `param.nml`, `&GROUP`, `name = value`, `/`.

mod control;
mod keyfile;
mod lines;
mod namelist;

pub use control::{Control, ControlFile};
pub use keyfile::{FileManager, KeyFile};
pub use lines::{Edited, Entry, Format};
pub use namelist::Namelist;

use std::path::PathBuf;

/// What went wrong reading or editing a settings file.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write settings file {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("key `{key}` is not in the {file}; add a line for it to the file, or use `insert`")]
    MissingKey { key: String, file: &'static str },
    #[error("value `{value}` of `{key}` in param.nml is not a number")]
    NotANumber { key: String, value: String },
}

/// Reads a settings file to a string, with the path in the error.
pub(crate) fn read_text(path: &std::path::Path) -> Result<String, SettingsError> {
    std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a rendered settings file, with the path in the error.
pub(crate) fn write_text(path: &std::path::Path, text: &str) -> Result<(), SettingsError> {
    std::fs::write(path, text).map_err(|source| SettingsError::Write {
        path: path.to_path_buf(),
        source,
    })
}
