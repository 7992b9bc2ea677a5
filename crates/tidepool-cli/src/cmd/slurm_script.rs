//! `tidepool slurm-script CONFIG --nodes N --time T`: a ready `sbatch` script for a run.
//! Slurm sends SIGTERM to the batch shell (`--signal=B:TERM@S`) S seconds before the
//! time limit; the script `exec`s `tidepool run`, so tidepool itself gets it, stops its
//! agents, records the run as interrupted and exits. Submitting the same script again
//! resumes the run from its journal.

use crate::output::Output;
use anyhow::Context;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use tidepool_config::RunConfig;
use tidepool_launch::LaunchMode;

/// Least lead time between Slurm's SIGTERM and the time limit.
const MIN_SIGNAL_LEAD_S: u64 = 60;
/// Lead time on top of the kill grace: the final journal flush and the agents' exit.
const SIGNAL_MARGIN_S: u64 = 30;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run config (TOML; see docs/config.md).
    pub config: PathBuf,
    /// Nodes to allocate (one agent per node).
    #[arg(long)]
    pub nodes: u32,
    /// Wall-time limit: `MM`, `MM:SS`, `HH:MM:SS` or `D-HH:MM:SS`.
    #[arg(long, value_name = "TIME")]
    pub time: String,
    #[arg(long)]
    pub account: Option<String>,
    #[arg(long)]
    pub partition: Option<String>,
    /// CPUs per node for the agent and its slots (default: `[slots] per_node`).
    #[arg(long)]
    pub cpus_per_task: Option<u32>,
    /// Seconds before the limit at which Slurm sends SIGTERM (default: the kill grace
    /// plus 30 s, at least 60 s). Lower it only for short jobs whose trials stop fast;
    /// the limit must be at least twice the lead.
    #[arg(long, value_name = "SECONDS")]
    pub signal_lead: Option<u64>,
}

/// What the script is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptPlan {
    pub job_name: String,
    pub nodes: u32,
    pub time: String,
    pub signal_lead_s: u64,
    pub account: Option<String>,
    pub partition: Option<String>,
    pub cpus_per_task: Option<u32>,
    pub output: PathBuf,
    pub run_dir: PathBuf,
    pub tidepool: PathBuf,
    pub config: PathBuf,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let cfg = RunConfig::load(&args.config)?;
    cfg.preflight()?;
    let plan = plan(&cfg, &args)?;
    out.human(&render(&plan));
    Ok(ExitCode::SUCCESS)
}

fn plan(cfg: &RunConfig, args: &Args) -> anyhow::Result<ScriptPlan> {
    if let Some(mode) = cfg
        .launch
        .mode
        .as_ref()
        .filter(|m| **m != LaunchMode::Slurm)
    {
        anyhow::bail!(
            "{}: `[launch] mode = {mode:?}` would not start agents through srun; \
             remove the key (inside a Slurm job the mode is slurm) or set mode = \"slurm\"",
            args.config.display()
        );
    }
    if args.nodes == 0 {
        anyhow::bail!("--nodes must be at least 1");
    }
    let limit = parse_slurm_time(&args.time)?;
    let lead = match args.signal_lead {
        Some(0) => anyhow::bail!(
            "--signal-lead 0 would leave no time to stop; give at least the kill grace \
             ({} s) plus a few seconds",
            cfg.slots.kill_grace.as_secs()
        ),
        Some(lead) => lead,
        None => signal_lead(cfg.slots.kill_grace),
    };
    if limit.as_secs() < 2 * lead {
        anyhow::bail!(
            "--time {} leaves no time to run: tidepool asks Slurm for SIGTERM {lead} s \
             before the limit; give at least {} s, or a shorter --signal-lead",
            args.time,
            2 * lead
        );
    }
    let config = std::path::absolute(&args.config).context("cannot resolve the config path")?;
    Ok(ScriptPlan {
        job_name: cfg.run.name.clone(),
        nodes: args.nodes,
        time: args.time.clone(),
        signal_lead_s: lead,
        account: args.account.clone(),
        partition: args.partition.clone(),
        cpus_per_task: args.cpus_per_task.or(cfg.slots.per_node),
        // Slurm opens the output file before the script runs, so not in the run
        // directory, which may not exist yet.
        output: config
            .parent()
            .unwrap_or(Path::new("/"))
            .join(format!("slurm-{}-%j.out", cfg.run.name)),
        run_dir: std::path::absolute(cfg.run_dir()).context("cannot resolve the run directory")?,
        tidepool: std::env::current_exe().context("cannot find the tidepool executable")?,
        config,
    })
}

/// Seconds before the limit at which Slurm signals: the kill grace plus a margin,
/// at least a minute. Running trials are cancelled at SIGTERM and re-run on resume, so
/// the lead time need not cover a whole trial.
pub fn signal_lead(kill_grace: Duration) -> u64 {
    (kill_grace.as_secs() + SIGNAL_MARGIN_S).max(MIN_SIGNAL_LEAD_S)
}

/// Slurm's time formats: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`.
pub fn parse_slurm_time(text: &str) -> anyhow::Result<Duration> {
    let bad = || {
        anyhow::anyhow!(
            "--time {text:?} is not a Slurm time; write MM, MM:SS, HH:MM:SS or D-HH:MM:SS"
        )
    };
    let number = |s: &str| s.parse::<u64>().map_err(|_| bad());
    let (days, rest) = match text.split_once('-') {
        Some((d, rest)) => (number(d)?, rest),
        None => (0, text),
    };
    let parts: Vec<u64> = rest.split(':').map(number).collect::<Result<_, _>>()?;
    let seconds = match (text.contains('-'), parts.as_slice()) {
        (false, [m]) => m * 60,
        (false, [m, s]) => m * 60 + s,
        (_, [h, m, s]) => h * 3600 + m * 60 + s,
        (true, [h]) => h * 3600,
        (true, [h, m]) => h * 3600 + m * 60,
        _ => return Err(bad()),
    };
    Ok(Duration::from_secs(days * 86_400 + seconds))
}

/// The job script.
pub fn render(p: &ScriptPlan) -> String {
    let mut s = String::from("#!/bin/bash\n");
    let mut line = |text: String| {
        let _ = writeln!(s, "#SBATCH {text}");
    };
    line(format!("--job-name={}", p.job_name));
    line(format!("--nodes={}", p.nodes));
    line("--ntasks-per-node=1".into());
    if let Some(c) = p.cpus_per_task {
        line(format!("--cpus-per-task={c}"));
    }
    line(format!("--time={}", p.time));
    line(format!("--signal=B:TERM@{}", p.signal_lead_s));
    line(format!("--output={}", p.output.display()));
    line("--open-mode=append".into());
    if let Some(a) = &p.account {
        line(format!("--account={a}"));
    }
    if let Some(q) = &p.partition {
        line(format!("--partition={q}"));
    }
    let _ = write!(
        s,
        "\n# tidepool gets SIGTERM {lead} s before the time limit, stops its agents and\n\
         # records the run as interrupted; nothing observed is lost. To go on, submit this\n\
         # same script again: the run resumes from its journal where it stopped.\n\
         #   sbatch THIS_SCRIPT\n\
         # Watch it with: {tidepool} status {run_dir}\n\
         exec {tidepool} run {config}\n",
        lead = p.signal_lead_s,
        tidepool = quote(&p.tidepool),
        run_dir = quote(&p.run_dir),
        config = quote(&p.config),
    );
    s
}

fn quote(path: &Path) -> String {
    let text = path.display().to_string();
    shlex::try_quote(&text).map_or(text.clone(), |q| q.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slurm_times_read_in_every_format() {
        let s = |t: &str| parse_slurm_time(t).unwrap().as_secs();
        assert_eq!(s("30"), 1800);
        assert_eq!(s("30:15"), 1815);
        assert_eq!(s("02:00:00"), 7200);
        assert_eq!(s("1-00"), 86_400);
        assert_eq!(s("1-02:30"), 86_400 + 9000);
        assert_eq!(s("2-01:00:05"), 2 * 86_400 + 3605);
        for bad in ["", "1:2:3:4", "ab", "1-", "-5", "1:x"] {
            assert!(parse_slurm_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_signal_comes_at_least_a_minute_early_and_covers_the_kill_grace() {
        assert_eq!(signal_lead(Duration::from_secs(10)), 60);
        assert_eq!(signal_lead(Duration::from_secs(120)), 150);
    }

    #[test]
    fn the_script_execs_tidepool_and_asks_for_sigterm() {
        let plan = ScriptPlan {
            job_name: "hymod".into(),
            nodes: 2,
            time: "01:00:00".into(),
            signal_lead_s: 60,
            account: Some("hydro".into()),
            partition: None,
            cpus_per_task: Some(4),
            output: "/proj/slurm-hymod-%j.out".into(),
            run_dir: "/proj/runs/hymod".into(),
            tidepool: "/opt/tidepool/bin/tidepool".into(),
            config: "/proj/my calib.toml".into(),
        };
        insta::assert_snapshot!(render(&plan));
    }
}
