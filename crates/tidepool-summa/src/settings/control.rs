//! mizuRoute's control file: lines `<key> value ! comment`, read up to the `!`; lines
//! starting with `!` (also `!<key>`) are comments. The value may hold spaces
//! (`<restart_date> yyyy-mm-dd hh:mm:ss`): it is the text between `>` and `!`, trimmed.

use super::lines::{trimmed_range, Entry, Line, Lines};
use super::{read_text, write_text, SettingsError};
use std::path::Path;

/// A mizuRoute control file, every line kept as read.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlFile {
    lines: Lines,
}

impl ControlFile {
    pub fn parse(text: &str) -> ControlFile {
        ControlFile {
            lines: Lines::parse(text, entry),
        }
    }

    pub fn read(path: &Path) -> Result<ControlFile, SettingsError> {
        Ok(ControlFile::parse(&read_text(path)?))
    }

    pub fn write(&self, path: &Path) -> Result<(), SettingsError> {
        write_text(path, &self.render())
    }

    /// The value of `key`, given without its angle brackets (`input_dir`).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.lines.get(key)
    }

    /// Replaces the value of an existing key; the padding and comment stay.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingsError> {
        match self.lines.set(key, value) {
            true => Ok(()),
            false => Err(SettingsError::MissingKey {
                key: key.to_string(),
                file: "mizuRoute control file",
            }),
        }
    }

    /// Sets `key`, adding a line `<key> value` after the last key if it is absent.
    pub fn insert(&mut self, key: &str, value: &str) {
        if !self.lines.set(key, value) {
            let text = format!("{:<23} {value}\n", format!("<{key}>"));
            self.lines.append(Line {
                entry: entry(text.trim_end()),
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

fn entry(line: &str) -> Option<Entry> {
    let open = line.len() - line.trim_start().len();
    if !line[open..].starts_with('<') {
        return None;
    }
    let close = open + line[open..].find('>')?;
    let key = line[open + 1..close].trim().to_string();
    let end = line[close..].find('!').map_or(line.len(), |i| close + i);
    Some(Entry {
        key,
        value: trimmed_range(line, close + 1, end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_with_spaces_and_skips_commented_keys() {
        let text = "<restart_date>  yyyy-mm-dd hh:mm:ss  ! when\n!<fname_state_in> X ! off\n";
        let file = ControlFile::parse(text);
        assert_eq!(file.get("restart_date"), Some("yyyy-mm-dd hh:mm:ss"));
        assert_eq!(file.get("fname_state_in"), None);
        assert_eq!(file.render(), text);
    }

    #[test]
    fn set_replaces_only_the_value() {
        let mut file = ControlFile::parse("<case_name>   run1     ! name \n");
        file.set("case_name", "proc_07").unwrap();
        assert_eq!(file.render(), "<case_name>   proc_07     ! name \n");
        assert!(file.set("nope", "x").is_err());
        file.insert("dt_qsim", "3600");
        assert_eq!(file.get("dt_qsim"), Some("3600"));
    }
}
