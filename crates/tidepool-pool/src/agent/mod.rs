//! The node agent (`tidepool agent`): connects to the coordinator, authenticates,
//! runs its slots as persistent workers and exits by itself when the coordinator is
//! gone (end of stream, or no word for three heartbeats). When the welcome carries a
//! stage plan, the agent first stages the archives that follow it (see
//! [`crate::staging`]) and its slots start from the staged copies.

mod cleanup;
mod fault;
pub mod node;
mod slot;

use crate::auth::Secret;
use crate::frame::{read_frame, write_loop, FrameError};
use crate::handshake::{self, HandshakeError};
use crate::protocol::{
    AgentInfo, FromAgent, ToAgent, TrialOrder, TrialReport, Welcome, PROTOCOL_VERSION,
};
use crate::staging::{self, RelayCopies, SlotSetup};
use slot::{Slot, SlotCmd, SlotEvent};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tidepool_models::{Sentinel, SlotContext, TrialInput, TrialOutcome, WorkerSpec};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The coordinator must complete the handshake within this time: its own deadline
/// for a peer, three times over, since this connection may first wait in its backlog
/// while other peers hold every handshake place.
const HANDSHAKE_DEADLINE: Duration =
    Duration::from_secs(3 * handshake::HANDSHAKE_DEADLINE.as_secs());

/// How to reach the coordinator.
#[derive(Debug, Clone)]
pub struct AgentOptions {
    pub address: String,
    pub secret: Secret,
    /// Node-local scratch base; default from `SLURM_TMPDIR`, `TMPDIR`, `/tmp`.
    pub scratch: Option<PathBuf>,
    /// The node name this agent announces (the `node` of its trials); default: the
    /// host name. Local agents, several on one host, are named `HOST/INDEX`.
    pub node: Option<String>,
}

/// Why the agent stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentExit {
    /// The coordinator said so.
    Shutdown,
    /// The coordinator went away (connection closed or silent).
    CoordinatorGone,
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("cannot connect to the coordinator at {address}: {source}\nhint: is `tidepool run` still running?")]
    Connect {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("protocol version mismatch: agent speaks {ours}, coordinator {theirs}; use the same tidepool binary on both sides")]
    Version { ours: u32, theirs: u32 },
    #[error("the coordinator failed to prove it knows the run secret; refusing to work for it")]
    CoordinatorAuth,
    #[error("the coordinator rejected this agent: {reason}")]
    Rejected { reason: String },
    #[error("{address} did not complete the tidepool handshake within {HANDSHAKE_DEADLINE:?}; is it a tidepool coordinator?")]
    HandshakeTimeout { address: String },
    #[error("protocol error: {detail}")]
    Protocol { detail: String },
    #[error("staging on node {node} failed: {reason}")]
    Stage { node: String, reason: String },
    #[error("cannot create scratch directory {path}: {source}")]
    Scratch {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl AgentError {
    fn from_handshake(err: HandshakeError) -> Self {
        match err {
            HandshakeError::Frame(e) => AgentError::Frame(e),
            HandshakeError::Version { theirs } => AgentError::Version {
                ours: PROTOCOL_VERSION,
                theirs,
            },
            HandshakeError::PeerUnproven | HandshakeError::BadProof => AgentError::CoordinatorAuth,
            HandshakeError::Rejected { reason } => AgentError::Rejected { reason },
            other => AgentError::Protocol {
                detail: other.to_string(),
            },
        }
    }
}

/// Connect, authenticate, and serve until shut down or orphaned.
pub async fn run(opts: AgentOptions) -> Result<AgentExit, AgentError> {
    let mut stream =
        TcpStream::connect(&opts.address)
            .await
            .map_err(|source| AgentError::Connect {
                address: opts.address.clone(),
                source,
            })?;
    let _ = stream.set_nodelay(true);
    let base = opts
        .scratch
        .clone()
        .unwrap_or_else(|| node::default_scratch(|k| std::env::var(k).ok()));
    let relay = relay_listener(&stream).await;
    let info = AgentInfo {
        hostname: opts
            .node
            .clone()
            .unwrap_or_else(|| node::node_name(|k| std::env::var(k).ok())),
        cores: node::cores(),
        scratch: base.clone(),
        pid: std::process::id(),
        relay: relay.as_ref().map(|(_, address)| address.clone()),
    };
    let greeting = handshake::introduce(&mut stream, &opts.secret, info.clone());
    let (run_id, welcome) = tokio::time::timeout(HANDSHAKE_DEADLINE, greeting)
        .await
        .map_err(|_| AgentError::HandshakeTimeout {
            address: opts.address.clone(),
        })?
        .map_err(AgentError::from_handshake)?;
    let spec: WorkerSpec =
        serde_json::from_str(&welcome.spec_json).map_err(|e| AgentError::Protocol {
            detail: format!("model spec from the coordinator: {e}"),
        })?;
    let objective = objective_of(&welcome)?;
    let dir = base
        .join(format!("tidepool-{run_id}"))
        .join(format!("agent-{}", welcome.agent));
    std::fs::create_dir_all(&dir).map_err(|source| AgentError::Scratch {
        path: dir.clone(),
        source,
    })?;
    tracing::info!(agent = welcome.agent, slots = welcome.slots, scratch = %dir.display(), "agent joined");
    let stage_dir = welcome.stage.as_ref().map(|plan| {
        plan.dir
            .clone()
            .unwrap_or_else(|| base.join(format!("tidepool-{run_id}")).join("stage"))
    });
    let copies = stage_dir.as_ref().map(|dir| RelayCopies {
        dir: dir.clone(),
        agent: welcome.agent,
    });
    let mut relay_task = None;
    let setup = match (&welcome.stage, &copies) {
        (Some(plan), Some(copies)) => {
            let peer = staging::Peer {
                secret: &opts.secret,
                info: &info,
            };
            let staged = staging::receive_all(&mut stream, plan, &copies.dir, copies, &peer)
                .await
                .map_err(|reason| AgentError::Stage {
                    node: info.hostname.clone(),
                    reason,
                })?;
            tracing::info!(archives = staged.len(), dir = %copies.dir.display(), "staged");
            if let Some((listener, _)) = relay {
                let archives = plan.archives.iter().map(|a| copies.path(&a.id)).collect();
                relay_task = Some(tokio::spawn(staging::serve_relay(
                    listener,
                    opts.secret.clone(),
                    run_id.clone(),
                    welcome.clone(),
                    archives,
                )));
            }
            SlotSetup::new(
                &spec,
                &staged,
                |k| std::env::var(k).ok(),
                |p| p.canonicalize().ok(),
            )
        }
        _ => SlotSetup::unstaged(spec),
    };
    let plan = welcome.stage.clone();
    let keep = welcome.keep_workdirs;
    let slots = SlotsPlan {
        setup,
        objective,
        dir: dir.clone(),
    };
    let mut serve = Serve::new(stream, welcome, slots, &info.hostname);
    let exit = serve.run().await;
    serve.stop().await;
    if let Some(task) = relay_task {
        task.abort();
    }
    if let (Some(plan), Some(copies)) = (plan, copies) {
        staging::remove_copies(&plan, &copies);
        if !plan.keep {
            if let Err(e) = staging::remove_all(&plan, &copies.dir) {
                tracing::warn!("cannot remove staged data: {e}");
            }
        }
    }
    cleanup::clean_scratch(&dir, keep);
    Ok(exit)
}

/// A listener for relaying staged archives to child agents, on the address this
/// agent reaches the coordinator from; `None` (no relaying) if it cannot bind.
async fn relay_listener(stream: &TcpStream) -> Option<(tokio::net::TcpListener, String)> {
    let ip = stream.local_addr().ok()?.ip();
    let listener = match tokio::net::TcpListener::bind((ip, 0)).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(
                "cannot listen for relaying on {ip}: {e}; children stage from the coordinator"
            );
            return None;
        }
    };
    let port = listener.local_addr().ok()?.port();
    Some((listener, format!("{ip}:{port}")))
}

struct Serve {
    welcome: Welcome,
    out: mpsc::UnboundedSender<FromAgent>,
    inbound: mpsc::UnboundedReceiver<Option<ToAgent>>,
    events: mpsc::UnboundedReceiver<SlotEvent>,
    slots: Vec<mpsc::UnboundedSender<SlotCmd>>,
    tasks: Vec<JoinHandle<()>>,
    cancels: HashMap<(u32, u64, u32), CancellationToken>,
    writer: JoinHandle<Result<(), FrameError>>,
}

/// What the slots of this agent are made of.
struct SlotsPlan {
    setup: SlotSetup,
    objective: Option<Arc<tidepool_objective::Objective>>,
    /// The agent's scratch directory; slot `n` lives in `slot-n`.
    dir: PathBuf,
}

/// The `[objective]` the coordinator sent, which the slots score trials with.
fn objective_of(
    welcome: &Welcome,
) -> Result<Option<Arc<tidepool_objective::Objective>>, AgentError> {
    let Some(json) = &welcome.objective_json else {
        return Ok(None);
    };
    serde_json::from_str(json)
        .map(|o| Some(Arc::new(o)))
        .map_err(|e| AgentError::Protocol {
            detail: format!("objective from the coordinator: {e}"),
        })
}

impl Serve {
    fn new(stream: TcpStream, welcome: Welcome, plan: SlotsPlan, host: &str) -> Self {
        let SlotsPlan {
            setup,
            objective,
            dir,
        } = plan;
        let (read, write) = stream.into_split();
        let (out, out_rx) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write_loop(write, out_rx));
        let (in_tx, inbound) = mpsc::unbounded_channel();
        tokio::spawn(read_loop(read, in_tx));
        let (ev_tx, events) = mpsc::unbounded_channel();
        let spec = Arc::new(setup.spec);
        let sentinel = Sentinel::spawn().unwrap_or_else(|err| {
            tracing::warn!(%err, "cannot start the process-group sentinel (/bin/sh); model processes may outlive a killed agent");
            Sentinel::none()
        });
        let faults = Arc::new(fault::Plan::from_env());
        let mut slots = Vec::new();
        let mut tasks = Vec::new();
        for n in 0..welcome.slots {
            let (tx, rx) = mpsc::unbounded_channel();
            let slot = Slot {
                ctx: SlotContext {
                    node: host.to_string(),
                    slot: n,
                    scratch: dir.join(format!("slot-{n}")),
                    env: setup.env.clone(),
                    keep: welcome.keep_workdirs,
                    sentinel: sentinel.clone(),
                    staged: setup.paths.clone(),
                },
                spec: spec.clone(),
                objective: objective.clone(),
                events: ev_tx.clone(),
                faults: faults.clone(),
            };
            tasks.push(tokio::spawn(slot.run(rx)));
            slots.push(tx);
        }
        Self {
            welcome,
            out,
            inbound,
            events,
            slots,
            tasks,
            cancels: HashMap::new(),
            writer,
        }
    }

    async fn run(&mut self) -> AgentExit {
        let beat = Duration::from_millis(self.welcome.heartbeat_ms.max(1));
        let mut ticker = tokio::time::interval(beat);
        let mut last_heard = Instant::now();
        loop {
            tokio::select! {
                msg = self.inbound.recv() => match msg.flatten() {
                    Some(msg) => {
                        last_heard = Instant::now();
                        if let Some(exit) = self.on_message(msg) {
                            return exit;
                        }
                    }
                    None => return AgentExit::CoordinatorGone,
                },
                Some(ev) = self.events.recv() => self.on_slot_event(ev),
                _ = ticker.tick() => {
                    if last_heard.elapsed() > beat * 3 {
                        tracing::warn!("no word from the coordinator for {:?}; exiting", last_heard.elapsed());
                        return AgentExit::CoordinatorGone;
                    }
                    let _ = self.out.send(FromAgent::Heartbeat);
                }
            }
        }
    }

    fn on_message(&mut self, msg: ToAgent) -> Option<AgentExit> {
        match msg {
            ToAgent::StartSlot { slot } => self.to_slot(slot, SlotCmd::Start),
            ToAgent::Trials(orders) => orders.into_iter().for_each(|o| self.run_trial(o)),
            ToAgent::Cancel {
                slot,
                trial,
                attempt,
            } => {
                if let Some(token) = self.cancels.get(&(slot, trial, attempt)) {
                    token.cancel();
                }
            }
            ToAgent::Heartbeat => {}
            ToAgent::Shutdown => return Some(AgentExit::Shutdown),
            other => tracing::warn!("ignoring unexpected message {other:?}"),
        }
        None
    }

    fn run_trial(&mut self, order: TrialOrder) {
        let cancel = CancellationToken::new();
        self.cancels
            .insert((order.slot, order.trial, order.attempt), cancel.clone());
        let input = TrialInput {
            trial_id: order.trial,
            attempt: order.attempt,
            params: self
                .welcome
                .param_names
                .iter()
                .cloned()
                .zip(order.values)
                .collect(),
            timeout: self.welcome.timeout_ms.map(Duration::from_millis),
            kill_grace: Duration::from_millis(self.welcome.kill_grace_ms),
        };
        self.to_slot(order.slot, SlotCmd::Run { input, cancel });
    }

    fn to_slot(&self, slot: u32, cmd: SlotCmd) {
        match self.slots.get(slot as usize) {
            Some(tx) => {
                let _ = tx.send(cmd);
            }
            None => tracing::warn!("coordinator named slot {slot}, which this agent does not have"),
        }
    }

    /// Forward slot events; finished trials are batched into one message.
    fn on_slot_event(&mut self, first: SlotEvent) {
        let mut results = Vec::new();
        let mut batch_bytes = 0;
        let mut next = Some(first);
        while let Some(ev) = next {
            match ev {
                SlotEvent::Ready { slot, startup } => {
                    let _ = self.out.send(FromAgent::SlotReady {
                        slot,
                        startup_ms: startup.as_millis() as u64,
                    });
                }
                SlotEvent::StartFailed { slot, reason } => {
                    let _ = self.out.send(FromAgent::SlotFailed { slot, reason });
                }
                SlotEvent::Done(report) => {
                    self.cancels
                        .remove(&(report.slot, report.trial, report.attempt));
                    batch_bytes += approx_bytes(&report);
                    results.push(report);
                    if batch_bytes >= BATCH_BYTES {
                        let full = std::mem::take(&mut results);
                        let _ = self.out.send(FromAgent::Results(full));
                        batch_bytes = 0;
                    }
                }
            }
            next = self.events.try_recv().ok();
        }
        if !results.is_empty() {
            let _ = self.out.send(FromAgent::Results(results));
        }
    }

    /// Cancel running trials, stop every worker, and flush what is left to send.
    async fn stop(self) {
        for token in self.cancels.values() {
            token.cancel();
        }
        for tx in &self.slots {
            let _ = tx.send(SlotCmd::Shutdown);
        }
        let grace = Duration::from_millis(self.welcome.kill_grace_ms) + Duration::from_secs(5);
        for task in self.tasks {
            let _ = tokio::time::timeout(grace, task).await;
        }
        drop(self.out);
        let _ = tokio::time::timeout(Duration::from_secs(2), self.writer).await;
    }
}

async fn read_loop(
    mut read: tokio::net::tcp::OwnedReadHalf,
    tx: mpsc::UnboundedSender<Option<ToAgent>>,
) {
    let mut reader = tokio::io::BufReader::with_capacity(256 * 1024, &mut read);
    loop {
        match read_frame(&mut reader).await {
            Ok(Some(msg)) => {
                if tx.send(Some(msg)).is_err() {
                    return;
                }
            }
            Ok(None) => break,
            Err(e) => {
                tracing::warn!("connection to the coordinator failed: {e}");
                break;
            }
        }
    }
    let _ = tx.send(None);
}

/// A `Results` message is sent once its reports reach about this size, so that even
/// many results with large responses stay far below the frame limit.
const BATCH_BYTES: usize = 4 << 20;

/// About how many bytes a report takes on the wire (its responses, series and texts;
/// a series point is a varint time and an f64).
fn approx_bytes(report: &TrialReport) -> usize {
    const FIXED: usize = 32;
    FIXED
        + match &report.outcome {
            TrialOutcome::Ok {
                responses, series, ..
            } => {
                let points: usize = series.values().map(|s| s.times().len() * 17 + 8).sum();
                responses.keys().map(|k| k.len() + 10).sum::<usize>() + points
            }
            TrialOutcome::Failed {
                reason,
                stderr_tail,
            }
            | TrialOutcome::Crashed {
                reason,
                stderr_tail,
            } => reason.len() + stderr_tail.len(),
            TrialOutcome::TimedOut { stderr_tail } => stderr_tail.len(),
            TrialOutcome::Cancelled => 0,
        }
}
