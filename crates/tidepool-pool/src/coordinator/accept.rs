//! Accepting agents: each connection goes through [`crate::handshake`] (a capped
//! number at once, handshake-sized frames, a deadline) or is dropped and reported;
//! the run itself is never disturbed by a bad connection.

use super::Inbound;
use crate::auth::Secret;
use crate::frame::{read_frame, write_frame, write_loop};
use crate::handshake::{self, HandshakeError, Pending, HANDSHAKE_DEADLINE};
use crate::protocol::{AgentInfo, ToAgent, Welcome};
use crate::staging;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedSender;

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

/// Accept connections forever, handing authenticated agents to `tx`.
pub async fn accept_loop(
    listener: TcpListener,
    gate: Arc<Gatekeeper>,
    tx: UnboundedSender<Inbound>,
) {
    let listener = handshake::Gate::new(listener);
    loop {
        let Pending {
            stream,
            peer,
            permit,
        } = listener.next().await;
        let gate = gate.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let result = tokio::time::timeout(HANDSHAKE_DEADLINE, admit(stream, &gate)).await;
            drop(permit);
            let err = match result {
                Ok(Ok(admitted)) => return stage_and_join(admitted, &gate, &tx).await,
                Ok(Err(e)) => e,
                Err(_) => HandshakeError::Deadline,
            };
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
    let info = handshake::authenticate(&mut stream, &gate.secret, &gate.run_id).await?;
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
