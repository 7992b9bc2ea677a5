//! The coordinator (`tidepool run`): listens, writes `connect.json` and the secret,
//! launches agents, feeds the scheduler with network events and ticks, carries out its
//! actions, keeps `status.json` fresh, and shuts agents down at the end.

pub(crate) mod accept;
mod driver;
mod report;

pub use report::ProgressSink;

use crate::auth::Secret;
use crate::connect::{self, ConnectError, ConnectInfo, CONNECT_FILE, SECRET_FILE};
use crate::protocol::{AgentInfo, FromAgent, StagePlan, ToAgent, Welcome};
use crate::recorder::{RecordError, RunRecorder, RunState};
use crate::scheduler::{Scheduler, SchedulerConfig};
use crate::staging::{self, StageOptions, StagingError};
use crate::status::{RunStatus, StatusError};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tidepool_launch::{AgentCommand, LaunchError, Launcher};
use tidepool_models::{KeepWorkdirs, WorkerSpec};
use tidepool_optim::Optimizer;
use tokio::sync::mpsc::UnboundedSender;

/// What the coordinator needs to run.
#[derive(Debug, Clone)]
pub struct CoordinatorOptions {
    pub name: String,
    pub run_dir: PathBuf,
    /// Address to listen on, e.g. `127.0.0.1:0` or `0.0.0.0:0`.
    pub bind: String,
    /// Host name agents should dial; default: the bound IP.
    pub advertise_host: Option<String>,
    pub spec: WorkerSpec,
    pub param_names: Vec<String>,
    pub scheduler: SchedulerConfig,
    pub slots_per_node: Option<u32>,
    pub heartbeat: Duration,
    pub kill_grace: Duration,
    /// Which trial directories slots leave on scratch (`[slots] keep_workdirs`).
    pub keep_workdirs: KeepWorkdirs,
    /// Total trials expected (for the ETA), if known.
    pub total_trials: Option<u64>,
    /// The `tidepool` executable agents run.
    pub agent_program: PathBuf,
    pub agent_env: Vec<(String, String)>,
    /// Give up when no agent is connected for this long.
    pub join_timeout: Duration,
    /// `[stage]`: archives every agent stages before its slots start.
    pub stage: Option<StageOptions>,
    /// `[objective]` with its observations loaded: sent to every agent, whose slots
    /// score each trial with it; `None`: the model reports the objective itself.
    pub objective: Option<tidepool_objective::Objective>,
    /// How the minimised objective is shown (`kge 0.91`) in status and progress.
    pub sense: tidepool_objective::Sense,
    /// Trials done (and of them failed) in earlier sessions of a resumed run: the
    /// status counts the whole run, the rate and ETA this session.
    pub done_before: (u64, u64),
}

/// How the run ended.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub state: RunState,
    pub status: RunStatus,
    /// Connections dropped for failing the handshake.
    pub rejected_connections: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CoordinatorError {
    #[error("cannot create run directory {path}: {source}")]
    RunDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot listen on {address}: {source}\nhint: set [run] address to a free HOST:PORT")]
    Listen {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("cannot start agents: {0}")]
    Launch(#[from] LaunchError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Status(#[from] StatusError),
    #[error(transparent)]
    Stage(#[from] StagingError),
    #[error("run failed: {reason}")]
    Failed {
        reason: String,
        status: Box<RunStatus>,
    },
}

/// Messages from the network tasks to the event loop.
pub(crate) enum Inbound {
    Joined {
        agent: u32,
        info: AgentInfo,
        slots: u32,
        out: UnboundedSender<ToAgent>,
    },
    Msg(u32, FromAgent),
    Closed(u32, String),
    Rejected {
        peer: String,
        reason: String,
    },
    /// Something worth telling the user (e.g. which agent stages from which relay).
    Note(String),
    /// Staging failed on an agent's node; the run cannot use it.
    StageFailed {
        agent: u32,
        reason: String,
    },
}

/// Run the whole schedule; returns when every trial finished, on `shutdown`, or on a
/// fatal error (after shutting agents down in every case).
pub async fn run(
    opts: CoordinatorOptions,
    launcher: &mut dyn Launcher,
    source: Box<dyn Optimizer>,
    recorder: &mut dyn RunRecorder,
    progress: &mut dyn ProgressSink,
    shutdown: impl Future<Output = ()>,
) -> Result<RunSummary, CoordinatorError> {
    tidepool_rundir::create_dir(&opts.run_dir).map_err(|source| CoordinatorError::RunDir {
        path: opts.run_dir.clone(),
        source,
    })?;
    let plan = opts.stage.as_ref().map(staging::build_plan).transpose()?;
    let listener = tokio::net::TcpListener::bind(&opts.bind)
        .await
        .map_err(|source| CoordinatorError::Listen {
            address: opts.bind.clone(),
            source,
        })?;
    let local = listener
        .local_addr()
        .map_err(|source| CoordinatorError::Listen {
            address: opts.bind.clone(),
            source,
        })?;
    let host = opts
        .advertise_host
        .clone()
        .unwrap_or_else(|| local.ip().to_string());
    let info = ConnectInfo {
        address: format!("{host}:{}", local.port()),
        run_id: hex::encode(crate::auth::nonce()).chars().take(16).collect(),
        secret_file: SECRET_FILE.to_string(),
    };
    let secret = Secret::generate();
    connect::write(&opts.run_dir, &info, &secret)?;
    progress.message(&format!(
        "coordinator listening on {} (run {})",
        info.address, info.run_id
    ));
    let gate = Arc::new(accept::Gatekeeper {
        secret,
        run_id: info.run_id.clone(),
        welcome: welcome_template(&opts, plan),
        slots_per_node: opts.slots_per_node,
        next_agent: Default::default(),
        stage_archives: opts
            .stage
            .as_ref()
            .map(|s| s.archives.clone())
            .unwrap_or_default(),
        stage_senders: tokio::sync::Semaphore::new(
            opts.stage.as_ref().map_or(1, |s| s.fanout.max(1) as usize),
        ),
        stage_tree: staging::Tree::new(opts.stage.as_ref().map_or(1, |s| s.fanout)),
    });
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let acceptor = tokio::spawn(accept::accept_loop(listener, gate, tx));
    let command = AgentCommand {
        program: opts.agent_program.clone(),
        args: vec![
            "agent".into(),
            "--connect".into(),
            opts.run_dir.join(CONNECT_FILE).display().to_string(),
        ],
        env: opts.agent_env.clone(),
    };
    let launched = launcher.start(&command)?;
    if let Some(message) = &launched.message {
        progress.message(message);
    }
    let scheduler = Scheduler::new(opts.scheduler.clone(), source);
    let mut driver =
        driver::Driver::new(&opts, info.run_id, scheduler, recorder, progress, launched);
    let result = driver.run(rx, shutdown).await;
    acceptor.abort();
    result
}

fn welcome_template(opts: &CoordinatorOptions, stage: Option<StagePlan>) -> Welcome {
    Welcome {
        agent: 0,
        slots: 0,
        spec_json: serde_json::to_string(&opts.spec).expect("worker spec serialises"),
        param_names: opts.param_names.clone(),
        heartbeat_ms: opts.heartbeat.as_millis() as u64,
        timeout_ms: opts.scheduler.timeout.map(|t| t.as_millis() as u64),
        kill_grace_ms: opts.kill_grace.as_millis() as u64,
        stage,
        keep_workdirs: opts.keep_workdirs,
        objective_json: opts
            .objective
            .as_ref()
            .map(|o| serde_json::to_string(o).expect("objective serialises")),
    }
}
