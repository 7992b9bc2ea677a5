//! Operations per 100 ms bucket, in total and per filesystem.

use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::time::Duration;

/// Width of one bucket.
pub const BUCKET: Duration = Duration::from_millis(100);

/// One bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineRow {
    pub start_s: f64,
    pub total: u64,
    /// One count per entry of [`Timeline::filesystems`].
    pub by_filesystem: Vec<u64>,
}

/// The whole run in buckets, empty ones included.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub bucket_s: f64,
    pub filesystems: Vec<String>,
    pub buckets: Vec<TimelineRow>,
}

/// Bucket index of a time.
pub fn bucket_of(at: Duration) -> usize {
    (at.as_millis() / BUCKET.as_millis()) as usize
}

/// Highest bucket count, as operations per second.
pub fn peak_per_sec(counts: &[u64]) -> u64 {
    let per_bucket = counts.iter().copied().max().unwrap_or(0);
    per_bucket * (1000 / BUCKET.as_millis() as u64)
}

impl Timeline {
    /// From per-bucket counts per filesystem (all vectors of the same length).
    pub fn new(filesystems: Vec<String>, counts: &[Vec<u64>], buckets: usize) -> Self {
        let rows = (0..buckets)
            .map(|i| {
                let by_filesystem: Vec<u64> = counts.iter().map(|c| c[i]).collect();
                TimelineRow {
                    start_s: (i as u128 * BUCKET.as_millis()) as f64 / 1000.0,
                    total: by_filesystem.iter().sum(),
                    by_filesystem,
                }
            })
            .collect();
        Self {
            bucket_s: BUCKET.as_secs_f64(),
            filesystems,
            buckets: rows,
        }
    }

    pub fn to_csv(&self) -> String {
        let mut out = String::from("bucket_start_s");
        for fs in &self.filesystems {
            out.push(',');
            out.push_str(&csv_field(fs));
        }
        out.push('\n');
        for row in &self.buckets {
            let _ = write!(out, "{:.1}", row.start_s);
            for n in &row.by_filesystem {
                let _ = write!(out, ",{n}");
            }
            out.push('\n');
        }
        out
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_peak() {
        assert_eq!(bucket_of(Duration::from_millis(99)), 0);
        assert_eq!(bucket_of(Duration::from_millis(100)), 1);
        assert_eq!(peak_per_sec(&[3, 40, 7]), 400);
        assert_eq!(peak_per_sec(&[]), 0);
    }

    #[test]
    fn csv_has_one_column_per_filesystem() {
        let t = Timeline::new(
            vec!["/".into(), "/a,b".into()],
            &[vec![1, 2], vec![0, 5]],
            2,
        );
        assert_eq!(t.to_csv(), "bucket_start_s,/,\"/a,b\"\n0.0,1,0\n0.1,2,5\n");
        assert_eq!(t.buckets[1].total, 7);
        assert_eq!(serde_json::to_string(&t.buckets[1].start_s).unwrap(), "0.1");
    }
}
