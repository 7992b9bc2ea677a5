//! The records the coordinator writes and the rows it reads back. Times are Unix
//! seconds (UTC, fractional), as given by [`unix_now`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A trial's id, assigned by the optimiser in proposal order.
pub type TrialId = u64;

/// The current time in Unix seconds (negative if the clock is set before 1970).
pub fn unix_now() -> f64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => since.as_secs_f64(),
        Err(before) => -before.duration().as_secs_f64(),
    }
}

/// Where a trial is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialStatus {
    Queued,
    Running,
    Ok,
    Failed,
    TimedOut,
    Cancelled,
}

impl TrialStatus {
    pub const ALL: [TrialStatus; 6] = [
        TrialStatus::Queued,
        TrialStatus::Running,
        TrialStatus::Ok,
        TrialStatus::Failed,
        TrialStatus::TimedOut,
        TrialStatus::Cancelled,
    ];

    /// The name stored in the database and shown in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            TrialStatus::Queued => "queued",
            TrialStatus::Running => "running",
            TrialStatus::Ok => "ok",
            TrialStatus::Failed => "failed",
            TrialStatus::TimedOut => "timed_out",
            TrialStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(name: &str) -> Option<TrialStatus> {
        TrialStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// True for the statuses a finished trial can have.
    pub fn is_final(self) -> bool {
        !matches!(self, TrialStatus::Queued | TrialStatus::Running)
    }
}

impl fmt::Display for TrialStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A trial the optimiser proposed; `params` follow the run's parameter order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedTrial {
    pub id: TrialId,
    pub params: Vec<f64>,
    pub queued_at: f64,
}

/// A trial handed to a slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartedTrial {
    pub id: TrialId,
    pub node: String,
    pub slot: u32,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    pub started_at: f64,
}

/// A trial's end. `status` must be final (ok, failed, timed_out, cancelled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinishedTrial {
    pub id: TrialId,
    pub status: TrialStatus,
    pub objective: Option<f64>,
    pub responses: BTreeMap<String, f64>,
    pub finished_at: f64,
    pub failure_reason: Option<String>,
    pub stderr_tail: Option<String>,
}

impl FinishedTrial {
    /// A successful trial with its objective and named responses.
    pub fn ok(id: TrialId, objective: Option<f64>, responses: BTreeMap<String, f64>) -> Self {
        FinishedTrial {
            id,
            status: TrialStatus::Ok,
            objective,
            responses,
            finished_at: unix_now(),
            failure_reason: None,
            stderr_tail: None,
        }
    }

    /// An unsuccessful trial (failed, timed_out or cancelled) with its reason.
    pub fn unsuccessful(id: TrialId, status: TrialStatus, reason: &str, stderr_tail: &str) -> Self {
        FinishedTrial {
            id,
            status,
            objective: None,
            responses: BTreeMap::new(),
            finished_at: unix_now(),
            failure_reason: Some(reason.to_string()),
            stderr_tail: Some(stderr_tail.to_string()),
        }
    }
}

/// A result as the optimiser saw it, in the order it saw them. `objective` is `None`
/// for a failure (a NaN objective is stored, and read back, as a failure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// 0, 1, 2, ... in observation order.
    pub seq: u64,
    pub trial_id: TrialId,
    pub objective: Option<f64>,
    /// The objectives a multi-objective optimiser was told (`None`: one objective, or
    /// a failure).
    #[serde(default)]
    pub objectives: Option<Vec<f64>>,
}

/// A member of the archive of non-dominated trials: its parameters and objectives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParetoMember {
    pub trial_id: TrialId,
    pub params: Vec<f64>,
    pub objectives: Vec<f64>,
}

/// One step of the history of the optimiser's calls, as [`crate::JournalReader::replay`]
/// returns it: replaying these steps in order into a fresh optimiser with the same seed
/// rebuilds its state exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ReplayStep {
    /// The optimiser proposed this trial.
    Proposed(ProposedTrial),
    /// The optimiser was told this result.
    Observed(Observation),
}

/// Opaque optimiser state, valid after `observation_count` observations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub observation_count: u64,
    pub state: Vec<u8>,
    pub created_at: f64,
}

/// What happened to the run as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Started,
    /// Stopped by a signal; resumable.
    Interrupted,
    /// Stopped on an error (e.g. its first trials all failed alike); resumable.
    Failed,
    Resumed,
    Finished,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::Started,
        EventKind::Interrupted,
        EventKind::Failed,
        EventKind::Resumed,
        EventKind::Finished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Started => "started",
            EventKind::Interrupted => "interrupted",
            EventKind::Failed => "failed",
            EventKind::Resumed => "resumed",
            EventKind::Finished => "finished",
        }
    }

    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// A run event with its time and free-form detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEvent {
    pub kind: EventKind,
    pub at: f64,
    pub detail: String,
}

/// The config text the run was started (or last resumed) with, and its BLAKE3 hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigSnapshot {
    pub text: String,
    pub hash: String,
    pub stored_at: f64,
}

impl ConfigSnapshot {
    /// The hash the journal stores for a config text (BLAKE3, hex).
    pub fn hash_of(text: &str) -> String {
        blake3::hash(text.as_bytes()).to_hex().to_string()
    }
}

/// How many trials are in each status, and how many results were observed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub proposed: u64,
    pub queued: u64,
    pub running: u64,
    pub ok: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub cancelled: u64,
    pub observed: u64,
}

/// One row of the trials table, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    pub id: TrialId,
    pub proposal_seq: u64,
    pub observed_seq: Option<u64>,
    pub params: Vec<f64>,
    pub status: TrialStatus,
    pub objective: Option<f64>,
    pub responses: BTreeMap<String, f64>,
    pub node: Option<String>,
    pub slot: Option<u32>,
    pub attempt: u32,
    pub queued_at: Option<f64>,
    pub started_at: Option<f64>,
    pub finished_at: Option<f64>,
    pub failure_reason: Option<String>,
    pub stderr_tail: Option<String>,
}

/// What happened to a slot: the start gate let it start, it became ready, a start
/// failed (it goes back through the gate), or it was taken out of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotEventKind {
    Started,
    Ready,
    StartFailed,
    OutOfService,
}

impl SlotEventKind {
    pub const ALL: [SlotEventKind; 4] = [
        SlotEventKind::Started,
        SlotEventKind::Ready,
        SlotEventKind::StartFailed,
        SlotEventKind::OutOfService,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SlotEventKind::Started => "started",
            SlotEventKind::Ready => "ready",
            SlotEventKind::StartFailed => "start_failed",
            SlotEventKind::OutOfService => "out_of_service",
        }
    }

    pub fn parse(name: &str) -> Option<SlotEventKind> {
        SlotEventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// One event of a slot's life: on node `node` (agent number `agent` of the run), slot
/// `slot`, at `at` (Unix seconds, as trial times); `detail` says why a start failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotEvent {
    pub node: String,
    pub agent: u32,
    pub slot: u32,
    pub kind: SlotEventKind,
    pub at: f64,
    pub detail: String,
}
