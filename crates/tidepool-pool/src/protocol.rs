//! The wire messages, one enum per direction. Every frame holds one message encoded
//! with postcard (see [`crate::frame`]).
//!
//! Handshake (the secret never crosses the wire):
//! 1. agent -> `Hello { version, nonce_a }`
//! 2. coordinator -> `Challenge { version, run_id, nonce_c, proof_c }` where
//!    `proof_c = HMAC(secret, "coordinator" | nonce_a | nonce_c)`; the agent checks it.
//! 3. agent -> `Auth { proof_a, info }` with `proof_a = HMAC(secret, "agent" | nonce_c | nonce_a)`.
//! 4. coordinator -> `Welcome { .. }` (or `Reject { reason }`).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tidepool_models::{KeepWorkdirs, TrialOutcome};

/// Bumped on any incompatible change to the messages below.
pub const PROTOCOL_VERSION: u32 = 4;

/// Random bytes each side contributes to the handshake.
pub type Nonce = [u8; 32];
/// An HMAC-SHA256 tag.
pub type Proof = [u8; 32];

/// What an agent tells the coordinator about its node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentInfo {
    pub hostname: String,
    pub cores: u32,
    /// Node-local scratch directory the agent uses for its slots.
    pub scratch: PathBuf,
    pub pid: u32,
    /// `HOST:PORT` where this agent relays staged archives to child agents.
    pub relay: Option<String>,
}

/// Messages from the coordinator to an agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToAgent {
    Challenge {
        version: u32,
        run_id: String,
        nonce: Nonce,
        proof: Proof,
    },
    Welcome(Welcome),
    Reject {
        reason: String,
    },
    StartSlot {
        slot: u32,
    },
    /// Trials for the agent's slots; each slot runs its trials in the order received.
    Trials(Vec<TrialOrder>),
    Cancel {
        slot: u32,
        trial: u64,
        attempt: u32,
    },
    Heartbeat,
    /// Stop all slots and exit.
    Shutdown,
    /// The next bytes of the archive being staged (see [`StagePlan`]).
    StageChunk(Vec<u8>),
    /// The archive being staged is complete.
    StageEnd,
    /// Fetch the plan's archives from agent `agent`'s relay at `address` (same
    /// handshake as with the coordinator) instead of from the coordinator.
    StageFrom {
        agent: u32,
        address: String,
    },
}

/// The agent's marching orders, sent once authenticated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    pub agent: u32,
    pub slots: u32,
    /// The `[model]` spec as JSON (postcard cannot carry internally tagged enums).
    pub spec_json: String,
    pub param_names: Vec<String>,
    pub heartbeat_ms: u64,
    pub timeout_ms: Option<u64>,
    pub kill_grace_ms: u64,
    /// Archives to stage before any slot starts; their bytes follow the welcome.
    pub stage: Option<StagePlan>,
    /// Which trial directories slots leave on scratch (`[slots] keep_workdirs`).
    pub keep_workdirs: KeepWorkdirs,
    /// `[objective]` with its observations, as JSON: slots score every trial with it.
    pub objective_json: Option<String>,
}

/// What to stage on the agent's node: each archive's bytes arrive, in order, as
/// `StageChunk` frames closed by `StageEnd`; the agent answers `StageDone` or
/// `StageFailed` once all are staged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StagePlan {
    /// Node-local target; default: `stage` in the agent's run scratch directory.
    pub dir: Option<PathBuf>,
    /// Keep the staged trees when the run ends.
    pub keep: bool,
    pub archives: Vec<ArchiveMeta>,
}

/// One archive of a [`StagePlan`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveMeta {
    pub id: String,
    pub bytes: u64,
    /// Original absolute prefixes and the archive directory each was packed into.
    pub prefixes: Vec<(String, String)>,
    /// Packed executables: original (canonical) path and archive path.
    pub executables: Vec<(String, String)>,
}

/// One trial for one slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialOrder {
    pub slot: u32,
    pub trial: u64,
    pub attempt: u32,
    pub values: Vec<f64>,
}

/// Messages from an agent to the coordinator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromAgent {
    Hello {
        version: u32,
        nonce: Nonce,
    },
    Auth {
        proof: Proof,
        info: AgentInfo,
    },
    SlotReady {
        slot: u32,
        startup_ms: u64,
    },
    SlotFailed {
        slot: u32,
        reason: String,
    },
    /// Finished trials, batched.
    Results(Vec<TrialReport>),
    Heartbeat,
    /// Every archive of the plan is staged on this node.
    StageDone,
    /// The parent's relay failed; the agent now expects the archives from the
    /// coordinator.
    RelayFailed {
        reason: String,
    },
    /// Staging failed; no slot will start on this agent.
    StageFailed {
        reason: String,
    },
}

/// A finished trial. `outcome` carries at most a short stderr tail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialReport {
    pub slot: u32,
    pub trial: u64,
    pub attempt: u32,
    pub outcome: TrialOutcome,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_postcard() {
        let report = FromAgent::Results(vec![TrialReport {
            slot: 3,
            trial: 42,
            attempt: 1,
            outcome: TrialOutcome::Failed {
                reason: "exit 1".into(),
                stderr_tail: "oops".into(),
            },
        }]);
        let bytes = postcard::to_stdvec(&report).unwrap();
        assert_eq!(postcard::from_bytes::<FromAgent>(&bytes).unwrap(), report);
        let order = ToAgent::Trials(vec![TrialOrder {
            slot: 0,
            trial: 7,
            attempt: 2,
            values: vec![0.5, 1.5],
        }]);
        let bytes = postcard::to_stdvec(&order).unwrap();
        assert!(bytes.len() < 32, "compact: {} bytes", bytes.len());
        assert_eq!(postcard::from_bytes::<ToAgent>(&bytes).unwrap(), order);
    }
}
