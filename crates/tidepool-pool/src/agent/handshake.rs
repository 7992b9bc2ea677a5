//! The agent's side of the handshake: check the coordinator's proof, then prove itself.

use super::AgentError;
use crate::auth::{nonce, Role, Secret};
use crate::frame::{read_frame, write_frame};
use crate::protocol::{AgentInfo, FromAgent, ToAgent, Welcome, PROTOCOL_VERSION};
use tokio::net::TcpStream;

/// Authenticate both ways; returns the run id and the coordinator's orders.
pub async fn handshake(
    stream: &mut TcpStream,
    secret: &Secret,
    info: AgentInfo,
) -> Result<(String, Welcome), AgentError> {
    let own = nonce();
    write_frame(
        stream,
        &FromAgent::Hello {
            version: PROTOCOL_VERSION,
            nonce: own,
        },
    )
    .await?;
    let (run_id, theirs) = match read_frame(stream).await? {
        Some(ToAgent::Challenge {
            version,
            run_id,
            nonce,
            proof,
        }) => {
            if version != PROTOCOL_VERSION {
                return Err(AgentError::Version {
                    ours: PROTOCOL_VERSION,
                    theirs: version,
                });
            }
            if !secret.verify(Role::Coordinator, &own, &nonce, &proof) {
                return Err(AgentError::CoordinatorAuth);
            }
            (run_id, nonce)
        }
        Some(ToAgent::Reject { reason }) => return Err(AgentError::Rejected { reason }),
        other => return Err(unexpected(other)),
    };
    let proof = secret.proof(Role::Agent, &theirs, &own);
    write_frame(stream, &FromAgent::Auth { proof, info }).await?;
    match read_frame(stream).await? {
        Some(ToAgent::Welcome(welcome)) => Ok((run_id, welcome)),
        Some(ToAgent::Reject { reason }) => Err(AgentError::Rejected { reason }),
        other => Err(unexpected(other)),
    }
}

fn unexpected(msg: Option<ToAgent>) -> AgentError {
    AgentError::Protocol {
        detail: match msg {
            Some(m) => format!("unexpected message during handshake: {m:?}"),
            None => "the coordinator closed the connection during the handshake".to_string(),
        },
    }
}
