//! `RUNDIR/status.json`: a snapshot of the run the coordinator rewrites (atomically,
//! at most about once a second) and `tidepool status` reads from anywhere.

use crate::recorder::RunState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const STATUS_FILE: &str = "status.json";

fn objective_label() -> String {
    tidepool_objective::Sense::minimised().label
}

/// Start and ready times of one slot, in seconds since the run started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotStatus {
    pub host: String,
    pub agent: u32,
    pub slot: u32,
    pub start_s: Option<f64>,
    pub ready_s: Option<f64>,
}

/// The snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStatus {
    pub name: String,
    pub run_id: String,
    pub state: RunState,
    pub trials_done: u64,
    pub trials_failed: u64,
    pub budget: Option<u64>,
    pub agents: usize,
    pub slots_total: usize,
    pub slots_ready: usize,
    pub slots_busy: usize,
    pub trials_per_sec: f64,
    pub eta_s: Option<f64>,
    pub elapsed_s: f64,
    pub best_objective: Option<f64>,
    /// The name the best objective is shown under (`kge`; `objective` without
    /// `[objective]`).
    #[serde(default = "objective_label")]
    pub metric: String,
    /// The best objective shown as the metric (`kge 0.91`, not the minimised 0.09).
    #[serde(default)]
    pub best_metric: Option<f64>,
    pub best_parameters: Option<BTreeMap<String, f64>>,
    /// Why the run failed, when it did.
    pub error: Option<String>,
    /// Seconds since the Unix epoch when this snapshot was written.
    pub updated_unix: f64,
    pub slots: Vec<SlotStatus>,
}

#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}\nhint: is this a run directory? `tidepool run` creates status.json there")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a valid status file: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

impl RunStatus {
    /// Set `metric` and `best_metric` from the best objective.
    pub fn show_as(&mut self, sense: &tidepool_objective::Sense) {
        self.metric = sense.label.clone();
        self.best_metric = self.best_objective.map(|x| sense.shown(x));
    }

    /// Write `dir/status.json` (0600) atomically: a temporary file, then a rename; a
    /// failed write (a full disk) removes the temporary file and keeps the old status.
    pub fn write(&self, dir: &Path) -> Result<(), StatusError> {
        let path = dir.join(STATUS_FILE);
        let json = serde_json::to_vec_pretty(self).expect("plain struct serialises");
        tidepool_rundir::write_atomic(&path, &json)
            .map_err(|source| StatusError::Write { path, source })
    }

    /// Read `dir/status.json`.
    pub fn read(dir: &Path) -> Result<RunStatus, StatusError> {
        let path = dir.join(STATUS_FILE);
        let text = std::fs::read(&path).map_err(|source| StatusError::Read {
            path: path.clone(),
            source,
        })?;
        serde_json::from_slice(&text).map_err(|source| StatusError::Parse { path, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status() -> RunStatus {
        RunStatus {
            name: "r".into(),
            run_id: "id".into(),
            state: RunState::Running,
            trials_done: 0,
            trials_failed: 0,
            budget: None,
            agents: 0,
            slots_total: 0,
            slots_ready: 0,
            slots_busy: 0,
            trials_per_sec: 0.0,
            eta_s: None,
            elapsed_s: 0.0,
            best_objective: None,
            metric: objective_label(),
            best_metric: None,
            best_parameters: None,
            error: None,
            updated_unix: 0.0,
            slots: (0..400)
                .map(|slot| SlotStatus {
                    host: "node".into(),
                    agent: 0,
                    slot,
                    start_s: Some(1.0),
                    ready_s: Some(2.0),
                })
                .collect(),
        }
    }

    /// On a full filesystem (a 16 KiB tmpfs, mounted as root) the write fails and no
    /// `.status.json.tmp` stays behind; the last good status.json is kept.
    #[test]
    fn a_full_disk_leaves_no_temporary_status_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("full");
        std::fs::create_dir(&dir).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16k,mode=700", "tidepool-test"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !tidepool_testkit::require(mounted, "a tmpfs mount (root)") {
            return;
        }
        let mut small = status();
        small.slots.truncate(1);
        let first = small.write(&dir);
        let _ = std::fs::write(dir.join("filler"), vec![0u8; 64 * 1024]);
        let second = status().write(&dir);
        let tmp_left = dir.join(".status.json.tmp").exists();
        let kept = RunStatus::read(&dir).ok();
        let _ = std::process::Command::new("umount").arg(&dir).status();
        first.unwrap();
        assert!(second.is_err(), "the disk is full");
        assert!(!tmp_left, "a temporary status file was left behind");
        assert_eq!(kept, Some(small));
    }
}
