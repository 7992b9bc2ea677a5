//! `tidepool run CONFIG`: start the coordinator, launch agents, run every trial.

use crate::output::Output;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tidepool_config::{read_trials_csv, RunConfig};
use tidepool_launch::{select::launcher_for, LaunchMode, LaunchOptions};
use tidepool_pool::coordinator::{self, CoordinatorError, CoordinatorOptions, ProgressSink};
use tidepool_pool::recorder::{MemoryRecorder, RunState};
use tidepool_pool::scheduler::SchedulerConfig;
use tidepool_pool::staging::StageOptions;
use tidepool_pool::status::RunStatus;
use tidepool_pool::trial_source::RowsSource;

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
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let out = &out.with_json(args.json);
    let cfg = RunConfig::load(&args.config)?;
    let names = cfg.parameter_names();
    let Some(trials) = &cfg.trials else {
        anyhow::bail!(
            "{}: nothing to run; add `[trials] csv = \"FILE\"` with one parameter set per row",
            args.config.display()
        );
    };
    let rows = read_trials_csv(&cfg.resolve(&trials.csv), &names)?;
    let total = cfg
        .run
        .budget
        .map_or(rows.len() as u64, |b| b.min(rows.len() as u64));
    let mode = cfg
        .launch
        .resolved_mode(std::env::var("SLURM_JOB_ID").ok().as_deref());
    let agents = args.agents.unwrap_or(cfg.launch.agents);
    let mut launcher = launcher_for(&mode, &launch_options(&cfg, agents))?;
    let opts = coordinator_options(&cfg, &mode, names, total, args.join_timeout)?;
    let mut recorder = MemoryRecorder::default();
    let mut progress = Progress::new(out, total);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(coordinator::run(
        opts,
        launcher.as_mut(),
        Box::new(RowsSource::new(rows)),
        &mut recorder,
        &mut progress,
        stop_signal(),
    ));
    progress.done();
    match result {
        Ok(summary) => {
            out.result(&summary.status, summary_text)?;
            Ok(match summary.state {
                RunState::Finished => ExitCode::SUCCESS,
                _ => ExitCode::from(EXIT_INTERRUPTED),
            })
        }
        Err(CoordinatorError::Failed { reason, status }) => {
            if out.is_json() {
                out.json(&status)?;
            }
            anyhow::bail!("run {} failed: {reason}", cfg.run.name)
        }
        Err(e) => Err(e.into()),
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
        spec: cfg.model.clone(),
        param_names,
        scheduler: SchedulerConfig {
            start_concurrency: slots.start_concurrency,
            start_interval: slots.start_interval,
            max_attempts: slots.max_attempts,
            timeout: slots.timeout,
            timeout_slack: slots.kill_grace + slots.heartbeat * 3,
            overdue_factor: slots.overdue_factor,
            prefetch: slots.prefetch,
            budget: Some(total),
        },
        slots_per_node: slots.per_node,
        heartbeat: slots.heartbeat,
        kill_grace: slots.kill_grace,
        total_trials: Some(total),
        agent_program: std::env::current_exe().context("cannot find the tidepool executable")?,
        agent_env: Vec::new(),
        join_timeout: Duration::from_secs(join_timeout),
        stage: cfg.stage.as_ref().map(|s| StageOptions {
            archives: s.archives.iter().map(|a| cfg.resolve(a)).collect(),
            dir: s.dir.clone(),
            keep: s.keep,
            fanout: s.fanout,
        }),
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

fn summary_text(s: &RunStatus) -> String {
    let state = match s.state {
        RunState::Finished => "finished",
        RunState::Interrupted => "interrupted (resumable)",
        RunState::Failed => "failed",
        RunState::Running => "running",
    };
    format!(
        "run {} {state}: {} trials done ({} failed) in {:.2} s, {:.0} trials/s on {} slots",
        s.name, s.trials_done, s.trials_failed, s.elapsed_s, s.trials_per_sec, s.slots_total
    )
}

/// A bar on a terminal, plain lines otherwise, nothing in JSON mode.
struct Progress<'a> {
    out: &'a Output,
    bar: Option<ProgressBar>,
    last_line: Option<Instant>,
}

impl<'a> Progress<'a> {
    fn new(out: &'a Output, total: u64) -> Self {
        let bar = (out.is_terminal() && !out.is_json()).then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Self {
            out,
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
        let line = format!(
            "{} failed, {}/{} slots busy, {:.0} trials/s{eta}",
            s.trials_failed, s.slots_busy, s.slots_total, s.trials_per_sec
        );
        if let Some(bar) = &self.bar {
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
