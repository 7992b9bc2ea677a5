//! The agent's side: receive each archive's chunks and extract them while they
//! arrive, once per node, before any slot starts.

use crate::frame::{read_frame, write_frame};
use crate::protocol::{ArchiveMeta, FromAgent, StagePlan, ToAgent};
use std::io::Read;
use std::path::Path;
use tidepool_stage::{StageError, StagedEnv};
use tokio::io::{AsyncRead, AsyncWrite};
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
) -> Result<Vec<(ArchiveMeta, StagedEnv)>, String> {
    let mut staged = Vec::new();
    for meta in &plan.archives {
        match receive_one(stream, meta, dir).await {
            Ok(env) => staged.push((meta.clone(), env)),
            Err(reason) => {
                let reason = format!("archive {}: {reason}", meta.id);
                let _ = write_frame(
                    stream,
                    &FromAgent::StageFailed {
                        reason: reason.clone(),
                    },
                )
                .await;
                return Err(reason);
            }
        }
    }
    write_frame(stream, &FromAgent::StageDone)
        .await
        .map_err(|e| e.to_string())?;
    Ok(staged)
}

async fn receive_one<S: AsyncRead + Unpin>(
    stream: &mut S,
    meta: &ArchiveMeta,
    dir: &Path,
) -> Result<StagedEnv, String> {
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
        match read_frame(stream).await.map_err(|e| e.to_string())? {
            Some(ToAgent::StageChunk(bytes)) => {
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
            None => return Err("the coordinator closed the connection while staging".into()),
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
