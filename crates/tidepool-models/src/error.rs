//! Errors starting a slot's worker.

use std::path::PathBuf;

/// Errors starting a slot's worker.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("slot {slot} on {node}: cannot start `{program}`: {source}")]
    Spawn {
        node: String,
        slot: u32,
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("slot {slot} on {node}: worker did not become ready: {reason}\n{stderr_tail}")]
    NotReady {
        node: String,
        slot: u32,
        reason: String,
        stderr_tail: String,
    },
    #[error("slot {slot} on {node}: worker kind `{kind}` is not available in this build")]
    Unsupported {
        node: String,
        slot: u32,
        kind: String,
    },
    #[error("slot {slot} on {node}: invalid [model] section: {reason}")]
    InvalidSpec {
        node: String,
        slot: u32,
        reason: String,
    },
    #[error(
        "slot {slot} on {node}: cannot create scratch directory {}: {source}; \
         check that the node's scratch filesystem is writable and not full",
        path.display()
    )]
    Scratch {
        node: String,
        slot: u32,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
