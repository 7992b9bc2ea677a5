//! An agent's relay: after staging, it serves the archive bytes it received (kept as
//! node-local copies) to child agents that prove they know the run secret.

use super::send::send_one;
use crate::auth::Secret;
use crate::frame::write_frame;
use crate::handshake::{self, HandshakeError, Pending, RejectLog, HANDSHAKE_DEADLINE};
use crate::protocol::{ToAgent, Welcome};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;

/// Where an agent keeps the archive bytes it relays.
#[derive(Debug, Clone)]
pub struct RelayCopies {
    pub dir: PathBuf,
    pub agent: u32,
}

impl RelayCopies {
    /// The copy of archive `id` (one per agent: agents on one node write their own).
    pub fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!(".{id}.relay-{}.tpk", self.agent))
    }
}

/// Serve `archives` (copy paths, in plan order) to every child that completes the
/// handshake (with the limits of [`crate::handshake`]), until the task is aborted.
pub async fn serve_relay(
    listener: TcpListener,
    secret: Secret,
    run_id: String,
    welcome: Welcome,
    archives: Vec<PathBuf>,
) {
    let shared = Arc::new((secret, run_id, welcome, archives));
    let gate = handshake::Gate::new(listener);
    let rejects = Arc::new(std::sync::Mutex::new(RejectLog::default()));
    loop {
        let Pending {
            mut stream,
            peer,
            permit,
        } = gate.next().await;
        let (shared, rejects) = (shared.clone(), rejects.clone());
        tokio::spawn(async move {
            let (secret, run_id, welcome, archives) = &*shared;
            let child = handshake::authenticate(&mut stream, secret, run_id);
            let child = tokio::time::timeout(HANDSHAKE_DEADLINE, child).await;
            drop(permit);
            let info = match child {
                Ok(Ok(info)) => info,
                failed => {
                    let reason = match failed {
                        Ok(Err(e)) => e.to_string(),
                        _ => HandshakeError::Deadline.to_string(),
                    };
                    let mut log = rejects.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(line) =
                        log.line(std::time::Instant::now(), &peer.to_string(), &reason)
                    {
                        tracing::warn!("relay: {line}");
                    }
                    return;
                }
            };
            tracing::info!(child = %info.hostname, "relaying staged archives");
            if let Err(e) = relay_to(&mut stream, welcome, archives).await {
                tracing::warn!("relay to {} failed: {e}", info.hostname);
            }
        });
    }
}

async fn relay_to(
    stream: &mut tokio::net::TcpStream,
    welcome: &Welcome,
    archives: &[PathBuf],
) -> Result<(), super::StagingError> {
    write_frame(stream, &ToAgent::Welcome(welcome.clone())).await?;
    for path in archives {
        send_one(stream, Path::new(path), welcome.agent).await?;
    }
    Ok(())
}
