//! The execution engine: a coordinator and one agent per node over TCP, persistent
//! worker slots, a gated start, and a scheduler that is a plain state machine.
//!
//! The coordinator (`tidepool run`) listens, launches agents, authenticates each
//! connection with a challenge-response over a per-run secret, and drives the
//! [`scheduler::Scheduler`] with events from the network and a periodic tick. The
//! scheduler never touches a socket or a clock; it emits actions that the coordinator
//! carries out (start a slot, send or cancel a trial, record a fact).
//!
//! Layout:
//! - `scheduler`: the state machine (assignment, start gate, retries, timeouts,
//!   stragglers, agent loss) and its event/action types.
//! - `journal_recorder`: [`journal_recorder::JournalRecorder`], the recorder over the run journal.
//! - `recorder`: [`recorder::RunRecorder`], every fact the run journal keeps.
//! - `protocol`: the messages, by direction ([`protocol::ToAgent`], [`protocol::FromAgent`]).
//! - `frame`: length-prefixed postcard frames over any async stream.
//! - `auth`: the per-run secret and the mutual HMAC-SHA256 challenge-response.
//! - `handshake`: both sides of the handshake, and the limits every listener puts on
//!   unauthenticated peers (pending cap, frame size, deadline, rejection log).
//! - `connect`: `connect.json` and the secret file in the run directory.
//! - `staging`: `[stage]` archives streamed to agents and extracted once per node
//!   before slots start.
//! - `status`: `status.json`, written by the coordinator, read by `tidepool status`.
//! - `coordinator`: the listener, connections and the event loop.
//! - `agent`: the node agent and its slots.

pub mod agent;
pub mod auth;
pub mod connect;
pub mod coordinator;
pub mod frame;
pub mod handshake;
pub mod journal_recorder;
pub mod protocol;
pub mod recorder;
pub mod scheduler;
pub mod scoring;
pub mod staging;
pub mod status;
