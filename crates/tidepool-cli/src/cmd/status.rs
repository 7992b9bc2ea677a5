//! `tidepool status RUNDIR`: the state of a run, from any shell: `status.json` (this
//! session of the coordinator) and the run journal (the whole run, across resumes: the
//! best trial and the counts).
//!
//! The run-directory lock says whether a coordinator runs: a `running` status.json
//! without a live holder is a run whose coordinator died (shown as not running). While
//! the run is live on another host, its journal is not opened (SQLite's WAL needs every
//! reader on the writer's host): the best values come from status.json.

use crate::output::Output;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};
use tidepool_journal::{journal_path, Counts, JournalReader};
use tidepool_pool::recorder::RunState;
use tidepool_pool::status::RunStatus;
use tidepool_rundir::{Holder, Liveness};

/// status.json with the best trial taken from the journal, and the journal's counts.
#[derive(serde::Serialize)]
struct StatusReport {
    #[serde(flatten)]
    status: RunStatus,
    /// Trials by status over the whole run (every session), from the journal; none
    /// while the run is live on another host.
    journal: Option<Counts>,
    /// Whether a coordinator holds the run directory now (its lock).
    live: bool,
    /// The lock's holder, when there is a lock.
    coordinator: Option<Coordinator>,
}

/// Who holds (or held) the run directory's lock.
#[derive(serde::Serialize)]
struct Coordinator {
    host: String,
    pid: u32,
    since_unix: f64,
    /// On the host this command runs on.
    here: bool,
    /// Why the holder is known to be gone, when it is.
    gone: Option<String>,
}

impl Coordinator {
    fn from(lock: &Liveness) -> Option<Coordinator> {
        let (holder, here, gone): (&Holder, bool, Option<String>) = match lock {
            Liveness::Free => return None,
            Liveness::Live { holder, here, .. } => (holder, *here, None),
            Liveness::Stale { holder, why } => (holder, false, Some(why.clone())),
        };
        Some(Coordinator {
            host: holder.host.clone(),
            pid: holder.pid,
            since_unix: holder.started_unix,
            here,
            gone,
        })
    }
}

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
    let mut status = RunStatus::read(&args.run_dir)?;
    let lock = tidepool_rundir::inspect(&args.run_dir)?;
    let journal = match lock.live_elsewhere() {
        Some(_) => None,
        None => from_journal(&args.run_dir, &mut status)?,
    };
    let dead = status.state == RunState::Running && !lock.is_live();
    if dead {
        status.state = RunState::Interrupted;
        status.eta_s = None;
    }
    status.eta_s = eta_now(&status, now_unix());
    let report = StatusReport {
        status,
        journal,
        live: lock.is_live(),
        coordinator: Coordinator::from(&lock),
    };
    let list = args.slots;
    out.result(&report, |r| {
        let mut text = describe(&r.status, dead.then(|| gone_text(&lock)))
            + &journal_counts(r.journal.as_ref())
            + &elsewhere_note(&lock);
        if list {
            text += &slot_table(&r.status);
        }
        text
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The best trial (by name) and the counts of the whole run, when it has a journal.
fn from_journal(run_dir: &Path, status: &mut RunStatus) -> anyhow::Result<Option<Counts>> {
    if !journal_path(run_dir).exists() {
        return Ok(None);
    }
    let reader = JournalReader::open(run_dir)?;
    let (counts, best, config) = reader.snapshot(|r| Ok((r.counts()?, r.best()?, r.config()?)))?;
    let sense = tidepool_config::sense_of_text(&config.text);
    if let Some(best) = best {
        status.best_objective = best.objective;
        status.show_as(&sense);
        let names = reader.parameters().iter().cloned();
        status.best_parameters = Some(names.zip(best.params).collect());
    }
    Ok(Some(counts))
}

fn journal_counts(counts: Option<&Counts>) -> String {
    counts.map_or_else(String::new, |c| {
        format!(
            "\nwhole run (journal): {} proposed, {} observed: {} ok, {} failed, {} timed out",
            c.proposed, c.observed, c.ok, c.failed, c.timed_out
        )
    })
}

/// The state of a run whose status.json says `running` but whose coordinator is gone.
fn gone_text(lock: &Liveness) -> String {
    let who = match lock {
        Liveness::Stale { holder, why } => {
            format!("stale lock of {}: {why}", holder.describe())
        }
        _ => "no coordinator holds the run directory".to_string(),
    };
    format!(
        "not running ({who})\nnote: status.json was last written by that coordinator; \
         run `tidepool run CONFIG` again to resume the run"
    )
}

/// Where the figures come from when the run is live on another host.
fn elsewhere_note(lock: &Liveness) -> String {
    lock.live_elsewhere().map_or_else(String::new, |h| {
        format!(
            "\nnote: the run is live on host {} (pid {}); its journal is opened only on that \
             host while it runs, so the figures above are its status.json (for whole-run \
             counts, run `tidepool status` on {})",
            h.host, h.pid, h.host
        )
    })
}

fn describe(s: &RunStatus, gone: Option<String>) -> String {
    let state = match s.state {
        RunState::Running => "running",
        RunState::Finished => "finished",
        RunState::Interrupted => "interrupted",
        RunState::Failed => "failed",
    };
    let state = gone.as_deref().unwrap_or(state);
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
    if let (Some(best), Some(params)) = (s.best_metric.or(s.best_objective), &s.best_parameters) {
        let params: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        text += &format!(
            "\nbest {} {}: {}",
            s.metric,
            tidepool_objective::number(best),
            params.join(", ")
        );
    }
    if let Some(err) = &s.error {
        text += &format!("\nerror: {err}");
    }
    text += &slot_times(s);
    let now = now_unix();
    if s.state == RunState::Running && now - s.updated_unix > STALE_AFTER_S {
        text += &format!(
            "\nnote: no update for {:.0} s; the coordinator may be gone",
            now - s.updated_unix
        );
    }
    text
}

fn now_unix() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The ETA as of `now`: status.json is rewritten every few seconds (and at once on
/// notable changes), so the ETA it holds was computed `now - updated_unix` seconds ago.
fn eta_now(s: &RunStatus, now: f64) -> Option<f64> {
    let age = (now - s.updated_unix).max(0.0);
    s.eta_s.map(|eta| (eta - age).max(0.0))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn status(eta_s: Option<f64>, updated_unix: f64) -> RunStatus {
        let mut s: RunStatus = serde_json::from_value(serde_json::json!({
            "name": "r", "run_id": "id", "state": "running", "trials_done": 10,
            "trials_failed": 0, "budget": 20, "agents": 1, "slots_total": 2,
            "slots_ready": 2, "slots_busy": 2, "trials_per_sec": 1.0,
            "elapsed_s": 10.0, "updated_unix": 0.0, "slots": []
        }))
        .unwrap();
        s.eta_s = eta_s;
        s.updated_unix = updated_unix;
        s
    }

    /// Written 4 s ago with 10 s to go: 6 s to go now; never below zero; none stays none.
    #[test]
    fn the_eta_is_aged_by_the_time_since_the_status_was_written() {
        assert_eq!(eta_now(&status(Some(10.0), 1000.0), 1004.0), Some(6.0));
        assert_eq!(eta_now(&status(Some(3.0), 1000.0), 1004.0), Some(0.0));
        assert_eq!(eta_now(&status(Some(3.0), 1000.0), 999.0), Some(3.0));
        assert_eq!(eta_now(&status(None, 1000.0), 1004.0), None);
    }
}
