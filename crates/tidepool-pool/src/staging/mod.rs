//! Staging inside a run: the coordinator reads each `[stage]` archive and streams it
//! to every agent over its authenticated connection, right after the welcome; each
//! agent extracts it once per node (two agents on one node share one extraction
//! through the stage lock) before any of its slots starts, and gives its slots the
//! staged environment.
//!
//! Flow control is the connection itself: the coordinator writes one chunk at a time
//! and waits for the socket to take it, so no agent ever holds more than a few
//! chunks in memory, and the agent feeds them to the extractor through a bounded
//! channel.
//!
//! With many agents the coordinator's link would carry one copy per node, so the
//! coordinator assigns a relay tree ([`Tree`], fan-out `[stage] fanout`): an agent
//! keeps a node-local copy of the bytes it received and serves them to its child
//! agents from its relay listener, behind the same authenticated handshake.

mod plan;
mod receive;
mod relay;
mod send;
mod setup;
mod tree;

pub use plan::{build_plan, StageOptions};
pub use receive::{receive_all, remove_all, remove_copies, Peer};
pub use relay::{serve_relay, RelayCopies};
pub use send::{await_answer, send_all};
pub use setup::SlotSetup;
pub use tree::{parent_of, Tree};

use std::path::PathBuf;

/// Bytes per `StageChunk` frame.
pub const CHUNK_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StagingError {
    #[error(
        "cannot stage archive {path}: {source}\nhint: check [stage] archives in the run config"
    )]
    Archive {
        path: PathBuf,
        #[source]
        source: tidepool_stage::StageError,
    },
    #[error("cannot read archive {path} while streaming it to agent {agent}: {source}")]
    Read {
        path: PathBuf,
        agent: u32,
        #[source]
        source: std::io::Error,
    },
    #[error("staging on node {node} failed: {reason}")]
    Node { node: String, reason: String },
    #[error("relaying to node {node} failed: {reason}")]
    Relay { node: String, reason: String },
    #[error("the connection broke while staging: {0}")]
    Frame(#[from] crate::frame::FrameError),
}
