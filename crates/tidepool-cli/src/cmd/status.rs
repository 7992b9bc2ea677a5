//! `tidepool status RUNDIR`: the state of a run, from any shell.

use crate::output::Output;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};
use tidepool_pool::recorder::RunState;
use tidepool_pool::status::RunStatus;

/// A running run whose status is older than this is flagged as possibly dead.
const STALE_AFTER_S: f64 = 30.0;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run directory (holds status.json).
    pub run_dir: PathBuf,
    /// Also list every slot with its start and ready times.
    #[arg(long)]
    pub slots: bool,
    /// Print the status as JSON (see docs/config.md for the keys).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let out = &out.with_json(args.json);
    let status = RunStatus::read(&args.run_dir)?;
    let list = args.slots;
    out.result(&status, |s| {
        if list {
            describe(s) + &slot_table(s)
        } else {
            describe(s)
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

fn describe(s: &RunStatus) -> String {
    let state = match s.state {
        RunState::Running => "running",
        RunState::Finished => "finished",
        RunState::Interrupted => "interrupted",
        RunState::Failed => "failed",
    };
    let total = s
        .budget
        .map(|b| b.to_string())
        .unwrap_or_else(|| "?".into());
    let mut text = format!(
        "run {} ({}): {state}\ntrials: {}/{total} done, {} failed, {:.1}/s",
        s.name, s.run_id, s.trials_done, s.trials_failed, s.trials_per_sec
    );
    if let Some(eta) = s.eta_s.filter(|_| s.state == RunState::Running) {
        text += &format!(", ETA {eta:.0} s");
    }
    text += &format!(
        "\nagents: {}, slots: {} ready of {}, {} busy",
        s.agents, s.slots_ready, s.slots_total, s.slots_busy
    );
    if let (Some(best), Some(params)) = (s.best_objective, &s.best_parameters) {
        let params: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        text += &format!("\nbest: {best} at {}", params.join(", "));
    }
    if let Some(err) = &s.error {
        text += &format!("\nerror: {err}");
    }
    text += &slot_times(s);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    if s.state == RunState::Running && now - s.updated_unix > STALE_AFTER_S {
        text += &format!(
            "\nnote: no update for {:.0} s; the coordinator may be gone",
            now - s.updated_unix
        );
    }
    text
}

/// Slot start-up: first and last ready time, slowest start.
fn slot_times(s: &RunStatus) -> String {
    let startups: Vec<f64> = s
        .slots
        .iter()
        .filter_map(|x| Some(x.ready_s? - x.start_s?))
        .collect();
    let ready: Vec<f64> = s.slots.iter().filter_map(|x| x.ready_s).collect();
    if startups.is_empty() {
        return String::new();
    }
    let max = |v: &[f64]| v.iter().cloned().fold(f64::MIN, f64::max);
    let min = |v: &[f64]| v.iter().cloned().fold(f64::MAX, f64::min);
    format!(
        "\nslot start-up: first ready at {:.2} s, last at {:.2} s, slowest start {:.2} s",
        min(&ready),
        max(&ready),
        max(&startups)
    )
}

/// One line per slot: host, agent, slot, start and ready times, start-up duration.
fn slot_table(s: &RunStatus) -> String {
    let secs = |v: Option<f64>| v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".into());
    let mut text = String::from("\nhost agent slot start_s ready_s startup_s");
    for x in &s.slots {
        let startup = x.ready_s.zip(x.start_s).map(|(r, st)| r - st);
        text += &format!(
            "\n{} {} {} {} {} {}",
            x.host,
            x.agent,
            x.slot,
            secs(x.start_s),
            secs(x.ready_s),
            secs(startup)
        );
    }
    text
}
