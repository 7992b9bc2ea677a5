//! SUMMA's fileManager: lines `key 'value' ! comment`; lines starting with `!` are
//! comments. The value is what lies between the quotes (a bare word is accepted too).

use super::lines::{Edited, Entry, Format};

/// A SUMMA fileManager, every line kept as read.
pub type KeyFile = Edited<FileManager>;

/// The fileManager's format.
#[derive(Debug, Clone, PartialEq)]
pub struct FileManager;

impl Format for FileManager {
    const FILE: &'static str = "SUMMA fileManager";

    fn entry(line: &str) -> Option<Entry> {
        entry(line)
    }

    fn new_line(key: &str, value: &str) -> String {
        format!("{key:<20} '{value}'\n")
    }
}

fn entry(line: &str) -> Option<Entry> {
    let start = line.len() - line.trim_start().len();
    let body = &line[start..];
    if body.is_empty() || body.starts_with('!') {
        return None;
    }
    let key_len = body.find(char::is_whitespace)?;
    let key = body[..key_len].to_string();
    let rest_at = start + key_len;
    let rest = &line[rest_at..];
    let value_at = rest_at + (rest.len() - rest.trim_start().len());
    let value = match line[value_at..].strip_prefix('\'') {
        Some(quoted) => {
            let close = quoted.find('\'')?;
            (value_at + 1)..(value_at + 1 + close)
        }
        None => {
            let word = &line[value_at..];
            let len = word.find(|c: char| c.is_whitespace() || c == '!');
            value_at..value_at + len.unwrap_or(word.len())
        }
    };
    if value.is_empty() && !line[value_at..].starts_with('\'') {
        return None;
    }
    Some(Entry { key, value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SettingsError;

    #[test]
    fn reads_quoted_values_and_keeps_the_comment_when_set() {
        let text = "! head\nsimStartTime         '2008-07-15 00:00' ! start \nstatePath 'x/'";
        let mut file = KeyFile::parse(text);
        assert_eq!(file.get("simStartTime"), Some("2008-07-15 00:00"));
        assert_eq!(file.get("statePath"), Some("x/"));
        assert_eq!(file.render(), text);
        file.set("simStartTime", "2001-01-01 00:00").unwrap();
        assert_eq!(
            file.render(),
            "! head\nsimStartTime         '2001-01-01 00:00' ! start \nstatePath 'x/'"
        );
    }

    #[test]
    fn set_of_an_absent_key_is_an_error_and_insert_appends() {
        let mut file = KeyFile::parse("a 'x' ! c\n! end\n");
        let err = file.set("b", "y").unwrap_err();
        assert!(matches!(err, SettingsError::MissingKey { ref key, .. } if key == "b"));
        file.insert("b", "y");
        assert_eq!(file.get("b"), Some("y"));
        assert_eq!(
            file.render(),
            format!("a 'x' ! c\n{:<20} 'y'\n! end\n", "b")
        );
    }

    #[test]
    fn a_bare_word_value_is_read() {
        let file = KeyFile::parse("tmZoneInfo utcTime ! zone\n");
        assert_eq!(file.get("tmZoneInfo"), Some("utcTime"));
    }
}
