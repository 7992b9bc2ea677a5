//! The line model shared by the settings formats: each line kept verbatim (with its
//! line ending), plus, for lines that set a key, where the key's value sits; and
//! [`Edited`], a file of such lines in a [`Format`] (the fileManager's, the control
//! file's), with the reading, editing and writing they share.

use super::{read_text, write_text, SettingsError};
use std::marker::PhantomData;
use std::ops::Range;
use std::path::Path;

/// How one settings format finds a key's value in a line, and writes a new line.
pub trait Format {
    /// The file's name in errors ("SUMMA fileManager").
    const FILE: &'static str;
    /// The key and value span of a line (without its line ending), if it sets a key.
    fn entry(line: &str) -> Option<Entry>;
    /// A new line setting `key` to `value` (with its line ending).
    fn new_line(key: &str, value: &str) -> String;
}

/// A settings file in format `F`, every line kept as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Edited<F> {
    lines: Lines,
    format: PhantomData<F>,
}

impl<F: Format> Edited<F> {
    pub fn parse(text: &str) -> Self {
        Edited {
            lines: Lines::parse(text, F::entry),
            format: PhantomData,
        }
    }

    pub fn read(path: &Path) -> Result<Self, SettingsError> {
        Ok(Self::parse(&read_text(path)?))
    }

    pub fn write(&self, path: &Path) -> Result<(), SettingsError> {
        write_text(path, &self.render())
    }

    /// The value of `key` (without quotes or angle brackets).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.lines.get(key)
    }

    /// Replaces the value of an existing key; the padding and comment stay.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingsError> {
        match self.lines.set(key, value) {
            true => Ok(()),
            false => Err(SettingsError::MissingKey {
                key: key.to_string(),
                file: F::FILE,
            }),
        }
    }

    /// Sets `key`, adding a line for it after the last key if it is absent.
    pub fn insert(&mut self, key: &str, value: &str) {
        if !self.lines.set(key, value) {
            let text = F::new_line(key, value);
            self.lines.append(Line {
                entry: F::entry(text.trim_end()),
                text,
            });
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.lines.keys()
    }

    /// The file as read, with the edits made since.
    pub fn render(&self) -> String {
        self.lines.render()
    }
}

/// One line of a settings file, verbatim, and the value span if it sets a key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub text: String,
    pub entry: Option<Entry>,
}

/// A key and the byte range of its value inside the line's text.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: Range<usize>,
}

/// Lines of a file, parsed by `entry_of` (which finds the key and value span of a line).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lines {
    lines: Vec<Line>,
}

impl Lines {
    pub fn parse(text: &str, entry_of: impl Fn(&str) -> Option<Entry>) -> Lines {
        let lines = text
            .split_inclusive('\n')
            .map(|raw| Line {
                text: raw.to_string(),
                entry: entry_of(raw.trim_end_matches(['\n', '\r'])),
            })
            .collect();
        Lines { lines }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        let line = self.find(key)?;
        let entry = line.entry.as_ref()?;
        Some(&line.text[entry.value.clone()])
    }

    /// Replaces the value bytes of `key`; false if the key is absent.
    pub fn set(&mut self, key: &str, value: &str) -> bool {
        let Some(line) = self.lines.iter_mut().rev().find(|l| is_key(l, key)) else {
            return false;
        };
        let entry = line.entry.as_mut().expect("found by key");
        line.text.replace_range(entry.value.clone(), value);
        entry.value = entry.value.start..entry.value.start + value.len();
        true
    }

    /// Appends a new line after the last line that sets a key (or at the end).
    pub fn append(&mut self, line: Line) {
        let at = self
            .lines
            .iter()
            .rposition(|l| l.entry.is_some())
            .map_or(self.lines.len(), |i| i + 1);
        if let Some(prev) = at.checked_sub(1).and_then(|i| self.lines.get_mut(i)) {
            if !prev.text.ends_with('\n') {
                prev.text.push('\n');
            }
        }
        self.lines.insert(at, line);
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .filter_map(|l| l.entry.as_ref().map(|e| e.key.as_str()))
    }

    pub fn render(&self) -> String {
        self.lines.iter().map(|l| l.text.as_str()).collect()
    }

    /// The last line setting `key`: the one a reader that overwrites on repeat keeps.
    fn find(&self, key: &str) -> Option<&Line> {
        self.lines.iter().rev().find(|l| is_key(l, key))
    }
}

fn is_key(line: &Line, key: &str) -> bool {
    line.entry.as_ref().is_some_and(|e| e.key == key)
}

/// The byte range of `inner` trimmed of surrounding whitespace, offset by `start`.
pub(crate) fn trimmed_range(text: &str, start: usize, end: usize) -> Range<usize> {
    let inner = &text[start..end];
    let lead = inner.len() - inner.trim_start().len();
    let trail = inner.len() - inner.trim_end().len();
    (start + lead)..(end - trail).max(start + lead)
}
