//! `RUNDIR/status.json`: a snapshot of the run the coordinator rewrites (atomically,
//! at most about once a second) and `tidepool status` reads from anywhere.

use crate::recorder::RunState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const STATUS_FILE: &str = "status.json";

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
    /// Write `dir/status.json` atomically (temporary file, then rename).
    pub fn write(&self, dir: &Path) -> Result<(), StatusError> {
        let path = dir.join(STATUS_FILE);
        let tmp = dir.join(".status.json.tmp");
        let json = serde_json::to_vec_pretty(self).expect("plain struct serialises");
        std::fs::write(&tmp, json)
            .and_then(|_| std::fs::rename(&tmp, &path))
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
