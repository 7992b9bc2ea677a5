//! mizuRoute's control file: lines `<key> value ! comment`, read up to the `!`; lines
//! starting with `!` (also `!<key>`) are comments. The value may hold spaces
//! (`<restart_date> yyyy-mm-dd hh:mm:ss`): it is the text between `>` and `!`, trimmed.

use super::lines::{trimmed_range, Edited, Entry, Format};

/// A mizuRoute control file, every line kept as read.
pub type ControlFile = Edited<Control>;

/// The control file's format.
#[derive(Debug, Clone, PartialEq)]
pub struct Control;

impl Format for Control {
    const FILE: &'static str = "mizuRoute control file";

    fn entry(line: &str) -> Option<Entry> {
        entry(line)
    }

    fn new_line(key: &str, value: &str) -> String {
        format!("{:<23} {value}\n", format!("<{key}>"))
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
