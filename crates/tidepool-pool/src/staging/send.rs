//! The coordinator's side: stream each archive to one agent and wait for its answer.

use super::{StagingError, CHUNK_BYTES};
use crate::frame::{read_frame, write_frame};
use crate::protocol::{FromAgent, ToAgent};
use std::path::PathBuf;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};

/// Send every archive in `paths` to the agent on `stream`, then wait for
/// `StageDone` (or the agent's reason for failing, naming `node`).
pub async fn send_all<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    paths: &[PathBuf],
    agent: u32,
    node: &str,
) -> Result<(), StagingError> {
    for path in paths {
        send_one(stream, path, agent).await?;
    }
    await_answer(stream, node).await
}

/// Wait for the agent on `stream` (on `node`) to report that staging is done.
pub async fn await_answer<S: AsyncRead + Unpin>(
    stream: &mut S,
    node: &str,
) -> Result<(), StagingError> {
    loop {
        match read_frame(stream).await? {
            Some(FromAgent::StageDone) => return Ok(()),
            Some(FromAgent::StageFailed { reason }) => {
                return Err(StagingError::Node {
                    node: node.to_string(),
                    reason,
                })
            }
            Some(FromAgent::RelayFailed { reason }) => {
                return Err(StagingError::Relay {
                    node: node.to_string(),
                    reason,
                })
            }
            Some(FromAgent::Heartbeat) => {}
            other => {
                return Err(StagingError::Node {
                    node: node.to_string(),
                    reason: format!("unexpected message while staging: {other:?}"),
                })
            }
        }
    }
}

pub(crate) async fn send_one<S: AsyncWrite + Unpin>(
    stream: &mut S,
    path: &std::path::Path,
    agent: u32,
) -> Result<(), StagingError> {
    let read_error = |source| StagingError::Read {
        path: path.to_path_buf(),
        agent,
        source,
    };
    let mut file = tokio::fs::File::open(path).await.map_err(read_error)?;
    let mut buf = vec![0u8; CHUNK_BYTES];
    loop {
        let n = file.read(&mut buf).await.map_err(read_error)?;
        if n == 0 {
            break;
        }
        write_frame(stream, &ToAgent::StageChunk(buf[..n].to_vec())).await?;
    }
    write_frame(stream, &ToAgent::StageEnd).await?;
    Ok(())
}
