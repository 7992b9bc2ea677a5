//! The handshake, both sides, and what every listener does before a peer is
//! authenticated (the coordinator's and an agent's relay alike):
//!
//! - at most [`MAX_PENDING`] connections are in the handshake at once; further ones
//!   wait in the kernel's backlog until one finishes;
//! - each must complete within [`HANDSHAKE_DEADLINE`] or is closed;
//! - before the peer has proved it knows the run secret only handshake-sized frames
//!   ([`MAX_HANDSHAKE_FRAME`]) are read, so an unauthenticated peer costs a few KiB;
//! - rejected peers are reported through a [`RejectLog`], which lets a few through
//!   and then one summary a minute.
//!
//! The protocol itself (the secret never crosses the wire) is in [`crate::protocol`].

use crate::auth::{nonce, Role, Secret};
use crate::frame::{read_frame, read_frame_within, write_frame, FrameError};
use crate::protocol::{AgentInfo, FromAgent, ToAgent, Welcome, PROTOCOL_VERSION};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A connection may take this long to complete the handshake.
pub const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(15);

/// Largest frame read before the peer is authenticated (a `Hello`, `Challenge` or
/// `Auth` with its host name and paths is well under 1 KiB).
pub const MAX_HANDSHAKE_FRAME: usize = 64 * 1024;

/// Most connections in the handshake at once, per listener.
pub const MAX_PENDING: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("protocol version {theirs}, expected {PROTOCOL_VERSION}")]
    Version { theirs: u32 },
    #[error("bad authentication proof (wrong or missing run secret)")]
    BadProof,
    #[error("the coordinator failed to prove it knows the run secret")]
    PeerUnproven,
    #[error("rejected: {reason}")]
    Rejected { reason: String },
    #[error("unexpected message during the handshake: {0}")]
    Unexpected(String),
    #[error("no handshake within {HANDSHAKE_DEADLINE:?}")]
    Deadline,
}

/// A listener that lets at most [`MAX_PENDING`] connections handshake at once.
pub struct Gate {
    listener: TcpListener,
    pending: Arc<Semaphore>,
}

/// A connection in the handshake; dropping the permit frees its place.
pub struct Pending {
    pub stream: TcpStream,
    pub peer: std::net::SocketAddr,
    pub permit: OwnedSemaphorePermit,
}

impl Gate {
    pub fn new(listener: TcpListener) -> Self {
        Self {
            listener,
            pending: Arc::new(Semaphore::new(MAX_PENDING)),
        }
    }

    /// The next connection, once a handshake place is free.
    pub async fn next(&self) -> Pending {
        loop {
            let permit = self
                .pending
                .clone()
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            match self.listener.accept().await {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    return Pending {
                        stream,
                        peer,
                        permit,
                    };
                }
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}

/// The listening side: check the peer's proof; returns what the agent says of itself.
pub async fn authenticate(
    stream: &mut TcpStream,
    secret: &Secret,
    run_id: &str,
) -> Result<AgentInfo, HandshakeError> {
    let within = MAX_HANDSHAKE_FRAME;
    let theirs = match read_frame_within(stream, within).await? {
        Some(FromAgent::Hello { version, nonce }) if version == PROTOCOL_VERSION => nonce,
        Some(FromAgent::Hello { version, .. }) => {
            let reason = format!(
                "protocol version {version} is not {PROTOCOL_VERSION}; use the same tidepool binary"
            );
            let _ = write_frame(stream, &ToAgent::Reject { reason }).await;
            return Err(HandshakeError::Version { theirs: version });
        }
        other => return Err(HandshakeError::Unexpected(format!("{other:?}"))),
    };
    let own = nonce();
    let challenge = ToAgent::Challenge {
        version: PROTOCOL_VERSION,
        run_id: run_id.to_string(),
        nonce: own,
        proof: secret.proof(Role::Coordinator, &theirs, &own),
    };
    write_frame(stream, &challenge).await?;
    match read_frame_within(stream, within).await? {
        Some(FromAgent::Auth { proof, info })
            if secret.verify(Role::Agent, &own, &theirs, &proof) =>
        {
            Ok(info)
        }
        Some(FromAgent::Auth { .. }) => {
            let reason = "authentication failed: wrong run secret".to_string();
            let _ = write_frame(stream, &ToAgent::Reject { reason }).await;
            Err(HandshakeError::BadProof)
        }
        other => Err(HandshakeError::Unexpected(format!("{other:?}"))),
    }
}

/// The dialling side (an agent, to the coordinator or a parent's relay): check the
/// listener's proof, then prove itself; returns the run id and the welcome.
pub async fn introduce(
    stream: &mut TcpStream,
    secret: &Secret,
    info: AgentInfo,
) -> Result<(String, Welcome), HandshakeError> {
    let own = nonce();
    let hello = FromAgent::Hello {
        version: PROTOCOL_VERSION,
        nonce: own,
    };
    write_frame(stream, &hello).await?;
    let (run_id, theirs) = match read_frame_within(stream, MAX_HANDSHAKE_FRAME).await? {
        Some(ToAgent::Challenge {
            version,
            run_id,
            nonce,
            proof,
        }) => {
            if version != PROTOCOL_VERSION {
                return Err(HandshakeError::Version { theirs: version });
            }
            if !secret.verify(Role::Coordinator, &own, &nonce, &proof) {
                return Err(HandshakeError::PeerUnproven);
            }
            (run_id, nonce)
        }
        Some(ToAgent::Reject { reason }) => return Err(HandshakeError::Rejected { reason }),
        other => return Err(unexpected(other)),
    };
    let proof = secret.proof(Role::Agent, &theirs, &own);
    write_frame(stream, &FromAgent::Auth { proof, info }).await?;
    // The listener has proved itself: its welcome may be as large as any frame.
    match read_frame(stream).await? {
        Some(ToAgent::Welcome(welcome)) => Ok((run_id, welcome)),
        Some(ToAgent::Reject { reason }) => Err(HandshakeError::Rejected { reason }),
        other => Err(unexpected(other)),
    }
}

fn unexpected(msg: Option<ToAgent>) -> HandshakeError {
    HandshakeError::Unexpected(match msg {
        Some(m) => format!("{m:?}"),
        None => "the connection closed".to_string(),
    })
}

/// Which rejected peers to report: the first [`RejectLog::BURST`] of each minute one by
/// one, then one line a minute saying how many more there were.
#[derive(Debug, Default)]
pub struct RejectLog {
    window: Option<Instant>,
    in_window: u64,
    suppressed: u64,
}

impl RejectLog {
    pub const BURST: u64 = 5;
    const WINDOW: Duration = Duration::from_secs(60);

    /// The line to show for a rejection at `now` (`peer`: why), if any.
    pub fn line(&mut self, now: Instant, peer: &str, reason: &str) -> Option<String> {
        let fresh = self
            .window
            .is_none_or(|t| now.duration_since(t) >= Self::WINDOW);
        if fresh {
            let summary = (self.suppressed > 0).then(|| {
                format!(
                    "{} more connections rejected in the last minute",
                    self.suppressed
                )
            });
            self.window = Some(now);
            self.in_window = 0;
            self.suppressed = 0;
            if let Some(summary) = summary {
                self.in_window = 1;
                return Some(format!("{summary}; latest from {peer}: {reason}"));
            }
        }
        self.in_window += 1;
        if self.in_window <= Self::BURST {
            return Some(format!("rejected connection from {peer}: {reason}"));
        }
        self.suppressed += 1;
        (self.in_window == Self::BURST + 1).then(|| {
            "more connections are being rejected; reporting them once a minute".to_string()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_are_reported_a_few_then_once_a_minute() {
        let mut log = RejectLog::default();
        let t0 = Instant::now();
        let lines: Vec<_> = (0..100)
            .filter_map(|i| log.line(t0 + Duration::from_millis(i), "p", "bad"))
            .collect();
        assert_eq!(lines.len(), RejectLog::BURST as usize + 1, "{lines:?}");
        let later = log.line(t0 + Duration::from_secs(61), "p", "bad").unwrap();
        assert!(later.starts_with("95 more connections rejected"), "{later}");
    }

    /// A peer that connects and says nothing is closed at the deadline (time paused:
    /// the runtime jumps to the deadline as soon as every task waits).
    #[tokio::test(start_paused = true)]
    async fn silent_peers_are_closed_at_the_deadline() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let gate = Gate::new(listener);
        let server = tokio::spawn(async move {
            let mut pending = gate.next().await;
            let secret = Secret::generate();
            tokio::time::timeout(
                HANDSHAKE_DEADLINE,
                authenticate(&mut pending.stream, &secret, "r"),
            )
            .await
        });
        let _silent = TcpStream::connect(address).await.unwrap();
        assert!(server.await.unwrap().is_err(), "the deadline passed");
    }

    #[tokio::test]
    async fn oversized_handshake_frames_are_refused_at_once() {
        use tokio::io::AsyncWriteExt;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let gate = Gate::new(listener);
        let server = tokio::spawn(async move {
            let mut pending = gate.next().await;
            authenticate(&mut pending.stream, &Secret::generate(), "r").await
        });
        let mut peer = TcpStream::connect(address).await.unwrap();
        peer.write_all(&(1u32 << 20).to_be_bytes()).await.unwrap();
        let err = server.await.unwrap().unwrap_err();
        assert!(
            matches!(err, HandshakeError::Frame(FrameError::TooLarge { .. })),
            "{err}"
        );
    }
}
