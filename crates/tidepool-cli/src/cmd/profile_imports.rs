//! `--python-imports`: the traced command's stderr goes through a pipe; a thread keeps
//! Python's `import time:` lines for the report and passes every other line through to
//! our stderr untouched, as it arrives.

use anyhow::Context;
use std::io::{BufRead, BufReader, Write};
use std::sync::mpsc;
use std::time::Duration;
use tidepool_trace::report::IMPORT_TIME_PREFIX;
use tidepool_trace::SpawnOptions;

/// How long to wait for the last lines once the traced command has exited (a
/// daemonised descendant may hold the pipe open).
const DRAIN: Duration = Duration::from_secs(2);

/// The thread reading the command's stderr.
pub struct Reader {
    lines: mpsc::Receiver<Vec<String>>,
}

/// Spawn options that set PYTHONPROFILEIMPORTTIME and send stderr to the reader.
pub fn capture() -> anyhow::Result<(SpawnOptions, Reader)> {
    let options = SpawnOptions {
        env: vec![("PYTHONPROFILEIMPORTTIME".into(), "1".into())],
        stderr: None,
    };
    let (options, read_end) = options
        .with_stderr_pipe()
        .context("cannot create a pipe for the command's stderr")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(filter(read_end));
    });
    Ok((options, Reader { lines: rx }))
}

fn filter(read_end: std::fs::File) -> Vec<String> {
    let mut kept = Vec::new();
    let mut err = std::io::stderr();
    for line in BufReader::new(read_end).split(b'\n') {
        let Ok(line) = line else { break };
        if line.starts_with(IMPORT_TIME_PREFIX.as_bytes()) {
            kept.push(String::from_utf8_lossy(&line).into_owned());
        } else {
            let _ = err.write_all(&line);
            let _ = err.write_all(b"\n");
        }
    }
    kept
}

impl Reader {
    /// The import-time lines, once the pipe is closed (or after a short wait).
    pub fn finish(self) -> Vec<String> {
        self.lines.recv_timeout(DRAIN).unwrap_or_default()
    }
}
