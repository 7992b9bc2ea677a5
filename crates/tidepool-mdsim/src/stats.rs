//! What the simulator served, as JSON: written to the stats file every 100 ms, on
//! SIGUSR1 (SIGUSR2 also restarts the peak backlog) and at exit, atomically (a temporary file renamed into place), so a reader
//! never sees half a file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::queue::{Admission, Queue, Shape};

/// The queue and the per-operation counts, shared by the filesystem and the writer.
pub struct Books {
    start: Instant,
    queue: Queue,
    by_op: BTreeMap<&'static str, u64>,
}

pub type SharedBooks = Arc<Mutex<Books>>;

impl Books {
    pub fn new(shape: Shape) -> SharedBooks {
        Arc::new(Mutex::new(Books {
            start: Instant::now(),
            queue: Queue::new(shape),
            by_op: BTreeMap::new(),
        }))
    }

    /// Counts one `op` and admits it to the queue; returns when it is to be answered.
    pub fn admit(&mut self, op: &'static str) -> Instant {
        *self.by_op.entry(op).or_default() += 1;
        let now = self.start.elapsed().as_nanos() as u64;
        let Admission { answer_at_ns, .. } = self.queue.admit(now);
        self.start + std::time::Duration::from_nanos(answer_at_ns)
    }

    pub fn reset_peak(&mut self) {
        self.queue.reset_peak();
    }

    pub fn snapshot(&mut self) -> Snapshot {
        let now = self.start.elapsed();
        let shape = self.queue.shape();
        Snapshot {
            capacity_per_sec: shape.capacity_per_sec,
            latency_us: shape.latency_ns / 1000,
            uptime_s: now.as_secs_f64(),
            served: self.queue.served(),
            by_op: self.by_op.clone(),
            backlog: self.queue.backlog_at(now.as_nanos() as u64),
            peak_backlog: self.queue.peak_backlog(),
            wait_s_total: self.queue.wait_ns_total() as f64 / 1e9,
        }
    }
}

/// One stats file.
#[derive(Debug, Serialize)]
pub struct Snapshot {
    pub capacity_per_sec: u64,
    pub latency_us: u64,
    pub uptime_s: f64,
    /// Metadata operations served (the sum of `by_op`).
    pub served: u64,
    pub by_op: BTreeMap<&'static str, u64>,
    /// Operations queued at the time of the snapshot.
    pub backlog: u64,
    /// The highest backlog since the start or the last SIGUSR2.
    pub peak_backlog: u64,
    /// Time operations spent waiting for the server, summed.
    pub wait_s_total: f64,
}

/// Writes `books` to `path`, atomically.
pub fn write(books: &SharedBooks, path: &Path) -> std::io::Result<()> {
    let snapshot = books.lock().expect("books").snapshot();
    let mut tmp = PathBuf::from(path);
    tmp.as_mut_os_string().push(".tmp");
    let json = serde_json::to_vec(&snapshot).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}
