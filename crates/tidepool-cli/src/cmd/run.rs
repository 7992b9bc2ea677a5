//! `tidepool run CONFIG`: start the coordinator, launch agents, run the search (an
//! optimiser or a list of trials) with every fact in the run journal; on a run
//! directory that has a journal, resume it. The run directory (0700) is locked for the
//! whole command, before its journal is opened: one coordinator per run directory.

#[path = "run_best.rs"]
mod run_best;
#[path = "run_best_files.rs"]
mod run_best_files;
#[path = "run_best_stage.rs"]
mod run_best_stage;
#[path = "run_end.rs"]
mod run_end;
#[path = "run_finish.rs"]
mod run_finish;
#[path = "run_search.rs"]
mod run_search;
#[path = "run_stage.rs"]
mod run_stage;

use crate::output::Output;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use run_search::{prepare, Prepared};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tidepool_config::{algorithm_name, RunConfig};
use tidepool_journal::EventKind;
use tidepool_launch::{select::launcher_for, LaunchMode, LaunchOptions};
use tidepool_optim::Algorithm;
use tidepool_pool::coordinator::{self, CoordinatorError, CoordinatorOptions, ProgressSink};
use tidepool_pool::journal_recorder::JournalRecorder;
use tidepool_pool::recorder::RunState;
use tidepool_pool::scheduler::SchedulerConfig;
use tidepool_pool::staging::StageOptions;
use tidepool_pool::status::RunStatus;

/// Exit code of a run stopped by SIGINT/SIGTERM (resumable).
const EXIT_INTERRUPTED: u8 = 130;
/// Plain progress lines at most this often when not on a terminal.
const LOG_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run config (TOML; see docs/config.md).
    pub config: PathBuf,
    /// Override `[launch] agents`.
    #[arg(long)]
    pub agents: Option<usize>,
    /// Give up when no agent is connected for this many seconds.
    #[arg(long, default_value_t = 120)]
    pub join_timeout: u64,
    /// Print the final status as JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Use this run directory instead of the config's `[run] dir` (relative to the
    /// current directory).
    #[arg(long, value_name = "DIR")]
    pub run_dir: Option<PathBuf>,
    /// Resume even though search settings (parameters, optimizer, run.seed,
    /// run.budget, trials) differ from the run's recorded config.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let out = &out.with_json(args.json);
    let mut cfg = RunConfig::load(&args.config)?;
    if let Some(dir) = &args.run_dir {
        cfg.run.dir = Some(std::path::absolute(dir).context("cannot resolve --run-dir")?);
    }
    cfg.preflight()?;
    let objective = cfg.load_objective()?;
    let names = cfg.parameter_names();
    let config_text = std::fs::read_to_string(&args.config)
        .with_context(|| format!("cannot read {}", args.config.display()))?;
    let _lock = lock_run_dir(&cfg, out)?;
    let agents = args.agents.unwrap_or(cfg.launch.agents);
    let prepared = prepare(&cfg, &config_text, args.force, total_slots(&cfg, agents))?;
    let Some(ready) = ready_to_run(prepared, &cfg.run.name, out)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let total = ready.remaining;
    let name = algorithm_name(ready.setup.algorithm);
    if ready.resumed {
        out.human(&format!(
            "resuming run {} ({name}): {} trials observed, {} to go",
            cfg.run.name,
            ready.search.observed(),
            total
        ));
    }
    let mode = cfg
        .launch
        .resolved_mode(std::env::var("SLURM_JOB_ID").ok().as_deref());
    let launch = launch_options(&cfg, agents);
    let mut launcher = launcher_for(&mode, &launch)?;
    let archives = run_stage::archives(&cfg, out)?;
    let timeout = args.join_timeout;
    let mut opts = coordinator_options(&cfg, &mode, names, total, timeout, archives)?;
    opts.objective = objective.clone();
    let stage = opts.stage.clone();
    opts.scheduler.observed_before = ready.search.observed();
    // One reader for the whole run (its counts now, the best trial, the barrier report
    // and the report at the end): each open of the journal stats every component of
    // its path, on the shared filesystem.
    let reader = ready.journal.reader()?;
    let counts = reader.counts()?;
    opts.done_before = (counts.observed, counts.failed + counts.timed_out);
    if ready.setup.algorithm != Algorithm::List {
        opts.scheduler.objective_needed_by = Some(name.to_string());
        // A list's state is all its rows: saving it on the coordinator's loop every
        // 1000 results stalled heartbeats for long lists. Resume replays the journal
        // and needs no checkpoint.
        opts.scheduler.checkpoint_every = Some(tidepool_search::CHECKPOINT_EVERY);
    }
    if ready.setup.algorithm == Algorithm::Padds {
        opts.scheduler.objectives = objective.as_ref().map(|o| o.distances());
    }
    let journal = ready.journal.clone();
    let mut recorder = JournalRecorder::new(journal.clone());
    let mut progress = Progress::new(out, total, cfg.sense());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(coordinator::run(
        opts,
        launcher.as_mut(),
        Box::new(ready.search),
        &mut recorder,
        &mut progress,
        stop_signal(),
    ));
    progress.done();
    if mode == LaunchMode::Local {
        remove_empty_local_scratch(launch.local_scratch_base.as_deref());
    }
    journal
        .flush()
        .context("the run journal could not record every result")?;
    if let Some(barriers) = run_search::barrier_report(&cfg, ready.setup, &reader)? {
        out.human(&barriers.text());
    }
    let ended = run_finish::Ended {
        cfg: &cfg,
        reader,
        runtime: &runtime,
        out,
        objective: objective.as_ref(),
        stage: stage.as_ref(),
    };
    report(result, &ended, out)
}

/// Create the run directory (0700) and take its lock, saying so when a stale lock of a
/// coordinator that is gone is taken over.
fn lock_run_dir(cfg: &RunConfig, out: &Output) -> anyhow::Result<tidepool_rundir::RunDirLock> {
    let run_dir = cfg.run_dir();
    tidepool_rundir::create_dir(&run_dir)
        .with_context(|| format!("cannot create the run directory {}", run_dir.display()))?;
    Ok(tidepool_rundir::RunDirLock::acquire(
        &run_dir,
        &mut |text| out.warn(text),
    )?)
}

/// The search to run, or `None` (after saying so) when nothing is left to do.
fn ready_to_run(
    prepared: Prepared,
    run_name: &str,
    out: &Output,
) -> anyhow::Result<Option<run_search::ReadySearch>> {
    let ready = match prepared {
        Prepared::Ready(ready) => *ready,
        Prepared::AlreadyFinished { observed } => {
            out.human(&format!(
                "run {run_name} already finished ({observed} trials observed); nothing to do"
            ));
            return Ok(None);
        }
    };
    if ready.remaining > 0 || ready.search.pending_again() > 0 {
        return Ok(Some(ready));
    }
    let journal = &ready.journal;
    journal.event(EventKind::Finished, "budget already spent")?;
    journal.flush()?;
    out.human(&format!(
        "run {run_name}: the budget is spent ({} trials observed); nothing to do",
        ready.search.observed()
    ));
    Ok(None)
}

/// The summary and exit code of a run that ended.
fn report(
    result: Result<coordinator::RunSummary, CoordinatorError>,
    ended: &run_finish::Ended<'_>,
    out: &Output,
) -> anyhow::Result<ExitCode> {
    let run_name = &ended.cfg.run.name;
    match result {
        Ok(summary) => {
            let line = ended.finish(&summary.status)?;
            run_end::print_final(out, &line)?;
            Ok(match summary.state {
                RunState::Finished => ExitCode::SUCCESS,
                _ => ExitCode::from(EXIT_INTERRUPTED),
            })
        }
        Err(CoordinatorError::Failed { reason, status }) => {
            if out.is_json() {
                out.json(&status)?;
            }
            anyhow::bail!("run {run_name} failed: {reason}")
        }
        Err(e) => Err(e.into()),
    }
}

/// Slots in the whole run, as far as known before agents join: agents (or Slurm
/// nodes) times `[slots] per_node` (default: this machine's cores).
pub(crate) fn total_slots(cfg: &RunConfig, agents: usize) -> usize {
    let env_count = |key: &str| {
        std::env::var(key)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
    };
    let nodes = match cfg
        .launch
        .resolved_mode(std::env::var("SLURM_JOB_ID").ok().as_deref())
    {
        LaunchMode::Slurm => env_count("SLURM_JOB_NUM_NODES").unwrap_or(1),
        _ => agents,
    };
    let per_node = cfg.slots.per_node.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    );
    nodes * per_node
}

/// Local agents' scratch root (`TMPDIR/tidepool-nodes/NAME/node-K`): each agent
/// removed its own run scratch; the directories above it go once empty (kept trial
/// directories keep their parents).
fn remove_empty_local_scratch(base: Option<&std::path::Path>) {
    let Some(base) = base else { return };
    for node in std::fs::read_dir(base).into_iter().flatten().flatten() {
        let _ = std::fs::remove_dir(node.path());
    }
    let _ = std::fs::remove_dir(base);
    if let Some(nodes) = base.parent() {
        let _ = std::fs::remove_dir(nodes);
    }
}

fn launch_options(cfg: &RunConfig, agents: usize) -> LaunchOptions {
    LaunchOptions {
        local_agents: agents,
        local_scratch_base: Some(
            std::env::temp_dir()
                .join("tidepool-nodes")
                .join(&cfg.run.name),
        ),
        mpirun_command: cfg.launch.mpirun_command.clone(),
        srun_args: cfg.launch.srun_args.clone(),
    }
}

fn coordinator_options(
    cfg: &RunConfig,
    mode: &LaunchMode,
    param_names: Vec<String>,
    total: u64,
    join_timeout: u64,
    archives: Vec<PathBuf>,
) -> anyhow::Result<CoordinatorOptions> {
    let (bind, advertise) = match (&cfg.run.address, mode) {
        (Some(address), _) => (
            address.clone(),
            address.rsplit_once(':').map(|(h, _)| h.to_string()),
        ),
        (None, LaunchMode::Local) => ("127.0.0.1:0".to_string(), None),
        (None, _) => (
            "0.0.0.0:0".to_string(),
            Some(tidepool_pool::agent::node::hostname()),
        ),
    };
    let slots = &cfg.slots;
    Ok(CoordinatorOptions {
        name: cfg.run.name.clone(),
        run_dir: cfg.run_dir(),
        bind,
        advertise_host: advertise,
        spec: cfg.worker_spec(),
        param_names,
        scheduler: SchedulerConfig {
            start_concurrency: slots.start_concurrency,
            start_interval: slots.start_interval,
            max_attempts: slots.max_attempts,
            timeout: slots.timeout,
            timeout_slack: slots.kill_grace + slots.heartbeat * 3,
            overdue_factor: slots.overdue_factor,
            prefetch: slots
                .prefetch
                .unwrap_or(SchedulerConfig::default().prefetch),
            budget: Some(total),
            objective_needed_by: None,
            fail_fast: slots.fail_fast,
            checkpoint_every: None,
            observed_before: 0,
            objectives: None,
        },
        slots_per_node: slots.per_node,
        heartbeat: slots.heartbeat,
        kill_grace: slots.kill_grace,
        keep_workdirs: slots.keep_workdirs,
        total_trials: Some(total),
        agent_program: std::env::current_exe().context("cannot find the tidepool executable")?,
        agent_env: Vec::new(),
        join_timeout: Duration::from_secs(join_timeout),
        objective: None,
        sense: cfg.sense(),
        done_before: (0, 0),
        stage: cfg
            .stage
            .as_ref()
            .map(|s| {
                StageOptions {
                    archives,
                    dir: s.dir.clone(),
                    keep: s.keep,
                    fanout: s.fanout,
                    plan: None,
                }
                .read_plan()
            })
            .transpose()?,
    })
}

/// Resolves on SIGINT or SIGTERM (e.g. Slurm's time limit).
async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
    }
}

/// A bar on a terminal, plain lines otherwise, nothing in JSON mode.
struct Progress<'a> {
    out: &'a Output,
    sense: tidepool_objective::Sense,
    bar: Option<ProgressBar>,
    last_line: Option<Instant>,
}

impl<'a> Progress<'a> {
    fn new(out: &'a Output, total: u64, sense: tidepool_objective::Sense) -> Self {
        let bar = (out.is_terminal() && !out.is_json()).then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Self {
            out,
            sense,
            bar,
            last_line: None,
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl ProgressSink for Progress<'_> {
    fn progress(&mut self, s: &RunStatus) {
        let eta = s
            .eta_s
            .map(|e| format!(", ETA {e:.0} s"))
            .unwrap_or_default();
        let best = s
            .best_objective
            .map(|b| format!(", best {}", self.sense.describe(b)))
            .unwrap_or_default();
        let line = format!(
            "{} failed, {}/{} slots busy, {:.0} trials/s{best}{eta}",
            s.trials_failed, s.slots_busy, s.slots_total, s.trials_per_sec
        );
        if let Some(bar) = &self.bar {
            if let Some(budget) = s.budget {
                bar.set_length(budget);
            }
            bar.set_position(s.trials_done);
            bar.set_message(line);
        } else if self.last_line.is_none_or(|t| t.elapsed() >= LOG_EVERY) {
            self.last_line = Some(Instant::now());
            let total = s
                .budget
                .map(|b| b.to_string())
                .unwrap_or_else(|| "?".into());
            self.out
                .human(&format!("progress: {}/{total} done, {line}", s.trials_done));
        }
    }

    fn message(&mut self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => self.out.human(text),
        }
    }
}
