//! Reading the end of a trial's output files on scratch: the stderr tail that travels
//! back with a failure, and the last line of stdout that carries the objective.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// At most this many bytes of stderr travel back with a failure.
pub const STDERR_TAIL_BYTES: u64 = 4096;

/// How much of the end of stdout is read first to find its last line; a longer last
/// line is read with a window four times as large, and so on up to the limit.
const STDOUT_WINDOW_BYTES: u64 = 64 * 1024;

/// The longest result line read (the last line of a command's stdout, or a python
/// slot's result as JSON): 1 MiB. A longer one fails the trial saying so, rather than
/// being cut and read as something else.
pub const MAX_RESULT_LINE_BYTES: u64 = 1024 * 1024;

/// [`MAX_RESULT_LINE_BYTES`] for messages: `1 MiB`.
pub(crate) fn limit_text() -> String {
    format!("{} MiB", MAX_RESULT_LINE_BYTES >> 20)
}

/// The last non-empty line of a file, trimmed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LastLine {
    Line(String),
    /// Longer than the limit it was read with.
    TooLong,
}

/// The last `max` bytes of `path` after byte `from`, as text (invalid UTF-8 replaced).
/// A file that cannot be read yields a note saying so, which is what the user needs to
/// see in place of the tail.
pub(crate) fn tail_text(path: &Path, from: u64, max: u64) -> String {
    match read_tail(path, from, max) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            text.trim_start_matches('\u{FFFD}').to_string()
        }
        Err(err) => format!("(cannot read {}: {err})", path.display()),
    }
}

/// The stderr tail of a trial: at most [`STDERR_TAIL_BYTES`] after `from`.
pub(crate) fn stderr_tail(path: &Path, from: u64) -> String {
    tail_text(path, from, STDERR_TAIL_BYTES)
}

/// The last non-empty line of `path` (empty if there is none), read whole as long as
/// it holds at most `limit` bytes.
pub(crate) fn last_line(path: &Path, limit: u64) -> std::io::Result<LastLine> {
    let len = std::fs::metadata(path)?.len();
    let mut window = STDOUT_WINDOW_BYTES.min(limit + STDOUT_WINDOW_BYTES);
    loop {
        let bytes = read_tail(path, 0, window)?;
        let whole = window >= len;
        let text = String::from_utf8_lossy(&bytes);
        let text = text.trim_end();
        let line = match text.rfind('\n') {
            Some(newline) => Some(&text[newline + 1..]),
            None if whole => Some(text),
            None => None,
        };
        if let Some(line) = line {
            let line = line.trim();
            return Ok(match line.len() as u64 > limit {
                true => LastLine::TooLong,
                false => LastLine::Line(line.to_string()),
            });
        }
        if window >= limit + STDOUT_WINDOW_BYTES {
            return Ok(LastLine::TooLong);
        }
        window = (window * 4).min(limit + STDOUT_WINDOW_BYTES);
    }
}

fn read_tail(path: &Path, from: u64, max: u64) -> std::io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let start = from.max(len.saturating_sub(max));
    if start >= len {
        return Ok(Vec::new());
    }
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::with_capacity((len - start) as usize);
    file.take(len - start).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_end_and_respects_the_start_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("err");
        let text: String = (0..2000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, &text).unwrap();
        let tail = stderr_tail(&path, 0);
        assert!(tail.len() <= STDERR_TAIL_BYTES as usize);
        assert!(tail.ends_with("line 1999\n"));
        assert!(!tail.contains("line 0\n"));
        let after = tail_text(&path, text.len() as u64 - 10, 4096);
        assert_eq!(after, "line 1999\n");
    }

    #[test]
    fn tail_drops_a_cut_multibyte_character() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("err");
        std::fs::write(&path, "ééé").unwrap();
        assert_eq!(tail_text(&path, 0, 5), "éé");
    }

    #[test]
    fn the_last_line_is_read_whole_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let wide = "7".repeat(300 * 1024);
        std::fs::write(&path, format!("log\n{wide}\n\n  \n")).unwrap();
        assert_eq!(
            last_line(&path, 1 << 20).unwrap(),
            LastLine::Line(wide.clone())
        );
        assert_eq!(last_line(&path, 200 * 1024).unwrap(), LastLine::TooLong);
        std::fs::write(&path, &wide).unwrap();
        assert_eq!(last_line(&path, 1 << 20).unwrap(), LastLine::Line(wide));
        std::fs::write(&path, "first\n  second  \n").unwrap();
        assert_eq!(
            last_line(&path, 1 << 20).unwrap(),
            LastLine::Line("second".into())
        );
        std::fs::write(&path, "").unwrap();
        assert_eq!(last_line(&path, 10).unwrap(), LastLine::Line(String::new()));
    }

    #[test]
    fn missing_file_says_so() {
        let tail = stderr_tail(Path::new("/nonexistent/tidepool/err"), 0);
        assert!(
            tail.contains("cannot read /nonexistent/tidepool/err"),
            "{tail}"
        );
    }
}
