//! Accepting agents: each connection must complete the versioned handshake and prove
//! it knows the run secret within a deadline, or it is dropped and logged; the run
//! itself is never disturbed by a bad connection.

use super::Inbound;
use crate::auth::{nonce, Role, Secret};
use crate::frame::{read_frame, write_frame, write_loop, FrameError};
use crate::protocol::{AgentInfo, FromAgent, ToAgent, Welcome, PROTOCOL_VERSION};
use crate::staging;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedSender;

/// A connection may take this long to authenticate.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(15);

/// Everything the handshake needs, shared by all connections.
pub struct Gatekeeper {
    pub secret: Secret,
    pub run_id: String,
    /// Welcome template (`agent` and `slots` are filled per agent).
    pub welcome: Welcome,
    pub slots_per_node: Option<u32>,
    pub next_agent: AtomicU32,
    /// Archives streamed to each agent after its welcome (`[stage] archives`).
    pub stage_archives: Vec<PathBuf>,
    /// Agents the coordinator streams archives to at once (`[stage] fanout`).
    pub stage_senders: tokio::sync::Semaphore,
    pub stage_tree: staging::Tree,
}

#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("protocol version {theirs}, expected {PROTOCOL_VERSION}")]
    Version { theirs: u32 },
    #[error("bad authentication proof (wrong or missing run secret)")]
    BadProof,
    #[error("unexpected first messages: {0}")]
    Unexpected(String),
    #[error("no handshake within {HANDSHAKE_DEADLINE:?}")]
    Deadline,
}

/// Accept connections forever, handing authenticated agents to `tx`.
pub async fn accept_loop(
    listener: TcpListener,
    gate: Arc<Gatekeeper>,
    tx: UnboundedSender<Inbound>,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let gate = gate.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let result = tokio::time::timeout(HANDSHAKE_DEADLINE, admit(stream, &gate)).await;
            let err = match result {
                Ok(Ok(admitted)) => return stage_and_join(admitted, &gate, &tx).await,
                Ok(Err(e)) => e,
                Err(_) => HandshakeError::Deadline,
            };
            tracing::warn!("dropped connection from {peer}: {err}");
            let _ = tx.send(Inbound::Rejected {
                peer: peer.to_string(),
                reason: err.to_string(),
            });
        });
    }
}

/// An authenticated agent that has its welcome.
struct Admitted {
    stream: TcpStream,
    agent: u32,
    info: AgentInfo,
    slots: u32,
}

async fn admit(mut stream: TcpStream, gate: &Gatekeeper) -> Result<Admitted, HandshakeError> {
    let _ = stream.set_nodelay(true);
    let info = authenticate(&mut stream, &gate.secret, &gate.run_id).await?;
    let agent = gate.next_agent.fetch_add(1, Ordering::Relaxed);
    let slots = gate.slots_per_node.unwrap_or(info.cores).max(1);
    let welcome = Welcome {
        agent,
        slots,
        ..gate.welcome.clone()
    };
    write_frame(&mut stream, &ToAgent::Welcome(welcome)).await?;
    Ok(Admitted {
        stream,
        agent,
        info,
        slots,
    })
}

/// Stream the stage archives (no deadline: they may be large), then hand the agent
/// to the event loop; a staging failure is reported as fatal for the run.
async fn stage_and_join(admitted: Admitted, gate: &Gatekeeper, tx: &UnboundedSender<Inbound>) {
    let Admitted {
        mut stream,
        agent,
        info,
        slots,
    } = admitted;
    if !gate.stage_archives.is_empty() {
        let sent = stage(&mut stream, gate, agent, &info, tx).await;
        gate.stage_tree
            .staged(agent, sent.as_ref().ok().and_then(|_| info.relay.clone()));
        if let Err(e) = sent {
            let _ = tx.send(Inbound::StageFailed {
                agent,
                reason: e.to_string(),
            });
            return;
        }
    }
    let (read, write) = stream.into_split();
    let (out, out_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(write_loop(write, out_rx));
    let _ = tx.send(Inbound::Joined {
        agent,
        info,
        slots,
        out,
    });
    tokio::spawn(read_loop(agent, read, tx.clone()));
}

/// Stage the plan on one agent: from its parent's relay when the tree gives it one
/// that staged successfully, else straight from the coordinator.
async fn stage(
    stream: &mut TcpStream,
    gate: &Gatekeeper,
    agent: u32,
    info: &AgentInfo,
    tx: &UnboundedSender<Inbound>,
) -> Result<(), staging::StagingError> {
    if let Some((parent, address)) = gate.stage_tree.source_for(agent).await {
        let _ = tx.send(Inbound::Note(format!(
            "agent {agent} on {} stages from agent {parent}'s relay at {address}",
            info.hostname
        )));
        write_frame(
            stream,
            &ToAgent::StageFrom {
                agent: parent,
                address,
            },
        )
        .await?;
        return staging::await_answer(stream, &info.hostname).await;
    }
    let _turn = gate.stage_senders.acquire().await;
    staging::send_all(stream, &gate.stage_archives, agent, &info.hostname).await
}

/// The coordinator's side of the handshake (also used by agents relaying archives).
pub(crate) async fn authenticate(
    stream: &mut TcpStream,
    secret: &Secret,
    run_id: &str,
) -> Result<AgentInfo, HandshakeError> {
    let theirs = match read_frame(stream).await? {
        Some(FromAgent::Hello { version, nonce }) if version == PROTOCOL_VERSION => nonce,
        Some(FromAgent::Hello { version, .. }) => {
            let reason = format!("protocol version {version} is not {PROTOCOL_VERSION}; use the same tidepool binary");
            let _ = write_frame(stream, &ToAgent::Reject { reason }).await;
            return Err(HandshakeError::Version { theirs: version });
        }
        other => return Err(HandshakeError::Unexpected(format!("{other:?}"))),
    };
    let own = nonce();
    write_frame(
        stream,
        &ToAgent::Challenge {
            version: PROTOCOL_VERSION,
            run_id: run_id.to_string(),
            nonce: own,
            proof: secret.proof(Role::Coordinator, &theirs, &own),
        },
    )
    .await?;
    match read_frame(stream).await? {
        Some(FromAgent::Auth { proof, info }) => {
            if secret.verify(Role::Agent, &own, &theirs, &proof) {
                Ok(info)
            } else {
                let reason = "authentication failed: wrong run secret".to_string();
                let _ = write_frame(stream, &ToAgent::Reject { reason }).await;
                Err(HandshakeError::BadProof)
            }
        }
        other => Err(HandshakeError::Unexpected(format!("{other:?}"))),
    }
}

async fn read_loop(
    agent: u32,
    mut read: tokio::net::tcp::OwnedReadHalf,
    tx: UnboundedSender<Inbound>,
) {
    let mut reader = tokio::io::BufReader::with_capacity(256 * 1024, &mut read);
    let reason = loop {
        match read_frame(&mut reader).await {
            Ok(Some(msg)) => {
                if tx.send(Inbound::Msg(agent, msg)).is_err() {
                    return;
                }
            }
            Ok(None) => break "connection closed".to_string(),
            Err(e) => break e.to_string(),
        }
    };
    let _ = tx.send(Inbound::Closed(agent, reason));
}
