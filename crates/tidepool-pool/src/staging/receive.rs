//! The agent's side: receive each archive's chunks and extract them while they
//! arrive, once per node, before any slot starts.

use super::RelayCopies;
use crate::auth::Secret;
use crate::frame::{read_frame, write_frame};
use crate::protocol::{AgentInfo, ArchiveMeta, FromAgent, StagePlan, ToAgent};
use std::io::Read;
use std::path::Path;
use tidepool_stage::{StageError, StagedEnv};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// Chunks buffered between the socket and the extractor.
const CHUNKS_IN_FLIGHT: usize = 8;

/// Stage every archive of `plan` into `dir`, reading their bytes from `stream`, and
/// answer the coordinator. Returns the staged environments, or the reason (also sent
/// to the coordinator) when any archive could not be staged.
pub async fn receive_all<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    plan: &StagePlan,
    dir: &Path,
    copies: &RelayCopies,
    peer: &Peer<'_>,
) -> Result<Vec<(ArchiveMeta, StagedEnv)>, String> {
    let received = match read_frame(stream).await {
        Ok(Some(ToAgent::StageFrom { agent, address })) => {
            tracing::info!(parent = agent, %address, "staging from the parent agent's relay");
            match from_relay(&address, plan, dir, copies, peer).await {
                Ok(staged) => Ok(staged),
                Err(reason) => {
                    let reason = format!("from agent {agent}'s relay at {address}: {reason}");
                    tracing::warn!("{reason}; staging from the coordinator instead");
                    write_frame(stream, &FromAgent::RelayFailed { reason })
                        .await
                        .map_err(|e| e.to_string())?;
                    receive_each(stream, plan, dir, copies, None).await
                }
            }
        }
        Ok(first) => receive_each(stream, plan, dir, copies, first).await,
        Err(e) => Err(e.to_string()),
    };
    match received {
        Ok(staged) => {
            write_frame(stream, &FromAgent::StageDone)
                .await
                .map_err(|e| e.to_string())?;
            Ok(staged)
        }
        Err(reason) => {
            let answer = FromAgent::StageFailed {
                reason: reason.clone(),
            };
            let _ = write_frame(stream, &answer).await;
            Err(reason)
        }
    }
}

/// Who this agent is, to authenticate to a parent's relay.
pub struct Peer<'a> {
    pub secret: &'a Secret,
    pub info: &'a AgentInfo,
}

async fn from_relay(
    address: &str,
    plan: &StagePlan,
    dir: &Path,
    copies: &RelayCopies,
    peer: &Peer<'_>,
) -> Result<Vec<(ArchiveMeta, StagedEnv)>, String> {
    let mut relay = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let greeting = crate::handshake::introduce(&mut relay, peer.secret, peer.info.clone());
    tokio::time::timeout(crate::handshake::HANDSHAKE_DEADLINE, greeting)
        .await
        .map_err(|_| crate::handshake::HandshakeError::Deadline.to_string())?
        .map_err(|e| e.to_string())?;
    receive_each(&mut relay, plan, dir, copies, None).await
}

async fn receive_each<S: AsyncRead + Unpin>(
    stream: &mut S,
    plan: &StagePlan,
    dir: &Path,
    copies: &RelayCopies,
    mut first: Option<ToAgent>,
) -> Result<Vec<(ArchiveMeta, StagedEnv)>, String> {
    let mut staged = Vec::new();
    for meta in &plan.archives {
        let copy = copies.path(&meta.id);
        match receive_one(stream, meta, dir, &copy, first.take()).await {
            Ok(env) => staged.push((meta.clone(), env)),
            Err(reason) => return Err(format!("archive {}: {reason}", meta.id)),
        }
    }
    Ok(staged)
}

/// Extract one archive while its chunks arrive (`first`: a chunk already read), and
/// keep a copy at `copy` for child agents.
async fn receive_one<S: AsyncRead + Unpin>(
    stream: &mut S,
    meta: &ArchiveMeta,
    dir: &Path,
    copy: &Path,
    mut first: Option<ToAgent>,
) -> Result<StagedEnv, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut copy_file = tokio::fs::File::create(copy)
        .await
        .map_err(|e| format!("cannot create {}: {e}", copy.display()))?;
    let (tx, rx) = mpsc::channel::<Vec<u8>>(CHUNKS_IN_FLIGHT);
    let target = dir.to_path_buf();
    let extractor = tokio::task::spawn_blocking(move || {
        let reader = ChunkReader {
            rx,
            current: Vec::new(),
            pos: 0,
        };
        tidepool_stage::stage_reader(reader, &target, &mut |_| {})
    });
    let mut tx = Some(tx);
    loop {
        let msg = match first.take() {
            Some(msg) => Some(msg),
            None => read_frame(stream).await.map_err(|e| e.to_string())?,
        };
        match msg {
            Some(ToAgent::StageChunk(bytes)) => {
                copy_file
                    .write_all(&bytes)
                    .await
                    .map_err(|e| format!("cannot write {}: {e}", copy.display()))?;
                // An extractor that stopped early (already staged, or an error) no
                // longer reads; the rest of the archive is drained and dropped.
                if let Some(sender) = &tx {
                    if sender.send(bytes).await.is_err() {
                        tx = None;
                    }
                }
            }
            Some(ToAgent::StageEnd) => break,
            Some(ToAgent::Heartbeat) => {}
            Some(other) => return Err(format!("unexpected message while staging: {other:?}")),
            None => return Err("the sender closed the connection while staging".into()),
        }
    }
    drop(tx);
    let staged = extractor
        .await
        .map_err(|e| format!("extractor stopped: {e}"))?
        .map_err(|e| error_chain(&e))?;
    if staged.header.id != meta.id {
        return Err(format!(
            "received archive {} where {} was announced",
            staged.header.id, meta.id
        ));
    }
    Ok(staged.env)
}

/// Remove the staged archives of `plan` from `dir`.
pub fn remove_all(plan: &StagePlan, dir: &Path) -> Result<(), StageError> {
    for meta in &plan.archives {
        tidepool_stage::remove(dir, &meta.id)?;
    }
    Ok(())
}

/// Remove the relay copies this agent kept.
pub fn remove_copies(plan: &StagePlan, copies: &RelayCopies) {
    for meta in &plan.archives {
        let path = copies.path(&meta.id);
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!("cannot remove relay copy {}: {e}", path.display());
        }
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// A blocking [`Read`] over chunks arriving on a channel; end of stream when the
/// sender is dropped.
struct ChunkReader {
    rx: mpsc::Receiver<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.current.len() {
            match self.rx.blocking_recv() {
                Some(chunk) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
