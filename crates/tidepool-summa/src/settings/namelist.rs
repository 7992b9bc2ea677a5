//! mizuRoute's `param.nml`: a Fortran namelist, groups `&NAME ... /` holding lines
//! `name = value`. One assignment per line (as mizuRoute's files have it); names are
//! case-insensitive, as in Fortran; numbers may use Fortran exponents (`1.0d-3`).

use super::lines::{trimmed_range, Entry, Lines};
use super::{read_text, write_text, SettingsError};
use crate::paraminfo::fortran_f64;
use std::path::{Path, PathBuf};

/// A namelist file, every line kept as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Namelist {
    lines: Lines,
    path: Option<PathBuf>,
}

impl Namelist {
    pub fn parse(text: &str) -> Namelist {
        Namelist {
            lines: Lines::parse(text, entry),
            path: None,
        }
    }

    /// Reads the file and remembers its path (named in errors about its parameters).
    pub fn read(path: &Path) -> Result<Namelist, SettingsError> {
        let mut list = Namelist::parse(&read_text(path)?);
        list.path = Some(path.to_path_buf());
        Ok(list)
    }

    pub fn write(&self, path: &Path) -> Result<(), SettingsError> {
        write_text(path, &self.render())
    }

    /// The file this namelist was read from, if it was read from one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The value of `name` as a number, if present and numeric.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.lines
            .get(&name.to_ascii_lowercase())
            .and_then(fortran_f64)
    }

    /// The raw text of `name`'s value.
    pub fn get_text(&self, name: &str) -> Option<&str> {
        self.lines.get(&name.to_ascii_lowercase())
    }

    /// Replaces the value of an existing `name` with `value` (shortest exact decimal).
    pub fn set(&mut self, name: &str, value: f64) -> Result<(), SettingsError> {
        let text = format_number(value);
        match self.lines.set(&name.to_ascii_lowercase(), &text) {
            true => Ok(()),
            false => Err(SettingsError::MissingKey {
                key: name.to_string(),
                file: "mizuRoute param.nml",
            }),
        }
    }

    /// The names assigned in the file (lower case).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.lines.keys()
    }

    /// The file as read, with the edits made since.
    pub fn render(&self) -> String {
        self.lines.render()
    }
}

/// Rust's shortest round-trip form, which Fortran's list-directed read accepts
/// (`1000`, `0.025`, `1e-10`).
fn format_number(value: f64) -> String {
    format!("{value}")
}

fn entry(line: &str) -> Option<Entry> {
    let body = line.trim_start();
    if body.starts_with(['!', '&', '/']) || body.is_empty() {
        return None;
    }
    let eq = line.find('=')?;
    let key = line[..eq].trim();
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    let end = line[eq..]
        .find(['!', ',', '/'])
        .map_or(line.len(), |i| eq + i);
    Some(Entry {
        key: key.to_ascii_lowercase(),
        value: trimmed_range(line, eq + 1, end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NML: &str =
        "&IRF_UH\n  velo   = 1\n  diff   = 1000.0 ! m2/s\n/\n&KWT\n  MANN_N = 2.5d-2\n/\n";

    #[test]
    fn reads_numbers_in_any_case_and_fortran_form() {
        let list = Namelist::parse(NML);
        assert_eq!(list.get("velo"), Some(1.0));
        assert_eq!(list.get("diff"), Some(1000.0));
        assert_eq!(list.get("mann_n"), Some(0.025));
        assert_eq!(list.get("nope"), None);
        assert_eq!(list.render(), NML);
    }

    #[test]
    fn set_rewrites_one_value_only() {
        let mut list = Namelist::parse(NML);
        list.set("diff", 250.5).unwrap();
        let want = NML.replace("1000.0 ! m2/s", "250.5 ! m2/s");
        assert_eq!(list.render(), want);
        assert!(list.set("fshape", 1.0).is_err());
    }
}
