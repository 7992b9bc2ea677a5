//! Reading the end of a trial's output files on scratch: the stderr tail that travels
//! back with a failure, and the last line of stdout that carries the objective.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// At most this many bytes of stderr travel back with a failure.
pub const STDERR_TAIL_BYTES: u64 = 4096;

/// How much of the end of stdout is read to find its last line.
const STDOUT_WINDOW_BYTES: u64 = 64 * 1024;

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

/// The end of a stdout file, enough to hold its last line.
pub(crate) fn stdout_end(path: &Path) -> std::io::Result<String> {
    let bytes = read_tail(path, 0, STDOUT_WINDOW_BYTES)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
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
    fn missing_file_says_so() {
        let tail = stderr_tail(Path::new("/nonexistent/tidepool/err"), 0);
        assert!(
            tail.contains("cannot read /nonexistent/tidepool/err"),
            "{tail}"
        );
    }
}
