//! [`RunData`]: everything the report shows, read once from the journal (one read
//! snapshot, so a run writing meanwhile cannot tear it) and the best trial's files.

use crate::best::{self, Best};
use crate::error::Result;
use std::path::Path;
use tidepool_journal::{
    Counts, EventKind, JournalReader, RunEvent, SlotEvent, TrialId, TrialRecord,
};

/// A parameter with its bounds, from the config snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub lower: f64,
    pub upper: f64,
}

/// The run as the report sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunData {
    pub name: String,
    pub state: String,
    pub algorithm: String,
    pub parameters: Vec<Parameter>,
    /// Every trial, in proposal order.
    pub trials: Vec<TrialRecord>,
    pub slot_events: Vec<SlotEvent>,
    pub counts: Counts,
    pub best: Option<Best>,
    /// A multi-objective run: every observed vector of objectives (as minimised)...
    pub vectors: Vec<(TrialId, Vec<f64>)>,
    /// ... the archive's trials, and the objectives' names (the `[objective]` terms).
    pub front: Vec<TrialId>,
    pub objective_names: Vec<String>,
}

impl RunData {
    /// Read the run in `run_dir`; `live` says whether a coordinator runs it now.
    pub fn load(run_dir: &Path, live: bool) -> Result<RunData> {
        RunData::read(&JournalReader::open(run_dir)?, run_dir, live)
    }

    /// Read the run in `run_dir` through an open `reader` of its journal: the run's
    /// own coordinator makes its report with the reader it already holds (each open
    /// of the journal costs a `stat` of every component of its path, on the shared
    /// filesystem).
    pub fn read(reader: &JournalReader, run_dir: &Path, live: bool) -> Result<RunData> {
        let (config, trials, slot_events, counts, events, vectors, front) =
            reader.snapshot(|r| {
                let mut trials = Vec::new();
                r.for_each_trial(|t| {
                    trials.push(t);
                    Ok(())
                })?;
                Ok((
                    r.config()?,
                    trials,
                    r.slot_events()?,
                    r.counts()?,
                    r.events()?,
                    r.objective_vectors()?,
                    r.pareto()?.into_iter().map(|m| m.trial_id).collect(),
                ))
            })?;
        let snapshot: toml::Table = config.text.parse().unwrap_or_default();
        Ok(RunData {
            name: run_name(&snapshot, run_dir),
            state: state(&events, live).to_string(),
            algorithm: algorithm(&events, &snapshot),
            parameters: parameters(reader.parameters(), &snapshot),
            trials,
            slot_events,
            counts,
            best: best::read(run_dir)?,
            objective_names: objective_names(&snapshot),
            vectors,
            front,
        })
    }
}

/// The `[objective]` terms' names of the config snapshot (empty without one).
fn objective_names(config: &toml::Table) -> Vec<String> {
    config
        .get("objective")
        .cloned()
        .and_then(|o| o.try_into::<tidepool_objective::ObjectiveSpec>().ok())
        .and_then(|spec| tidepool_objective::term_names(&spec).ok())
        .unwrap_or_default()
}

fn run_name(config: &toml::Table, run_dir: &Path) -> String {
    config
        .get("run")
        .and_then(|r| r.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| run_dir.display().to_string())
}

/// The run's state from its last event: a started or resumed run without a live
/// coordinator was stopped without a trace (killed) and is resumable.
pub fn state(events: &[RunEvent], live: bool) -> &'static str {
    match events.last().map(|e| e.kind) {
        Some(EventKind::Finished) => "finished",
        Some(EventKind::Failed) => "failed",
        Some(EventKind::Interrupted) => "interrupted",
        _ if live => "running",
        _ => "interrupted (its coordinator is gone)",
    }
}

/// The algorithm the run resolved at its first start (the `started` event), else the
/// config's `[optimizer] algorithm`.
fn algorithm(events: &[RunEvent], config: &toml::Table) -> String {
    let from_event = events
        .iter()
        .find(|e| e.kind == EventKind::Started)
        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.detail).ok())
        .and_then(|v| v.get("algorithm")?.as_str().map(str::to_string));
    from_event
        .or_else(|| {
            let optimizer = config.get("optimizer")?;
            optimizer.get("algorithm")?.as_str().map(str::to_string)
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// The journal's parameters with the bounds of `[[parameters]]` in the config
/// snapshot (NaN when the snapshot does not give them).
fn parameters(names: &[String], config: &toml::Table) -> Vec<Parameter> {
    let table = config.get("parameters").and_then(|p| p.as_array());
    let bound = |name: &str, key: &str| -> f64 {
        table
            .into_iter()
            .flatten()
            .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))
            .and_then(|p| p.get(key))
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
            .unwrap_or(f64::NAN)
    };
    names
        .iter()
        .map(|name| Parameter {
            name: name.clone(),
            lower: bound(name, "lower"),
            upper: bound(name, "upper"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_algorithm_come_from_the_snapshot() {
        let config: toml::Table = "[optimizer]\nalgorithm = \"pool-dds\"\n\
            [[parameters]]\nname = \"x\"\nlower = -2\nupper = 2.5\n"
            .parse()
            .unwrap();
        let params = parameters(&["x".into()], &config);
        assert_eq!((params[0].lower, params[0].upper), (-2.0, 2.5));
        assert_eq!(algorithm(&[], &config), "pool-dds");
        let started = RunEvent {
            kind: EventKind::Started,
            at: 0.0,
            detail: r#"{"algorithm":"async-dds","slots":4}"#.into(),
        };
        assert_eq!(
            algorithm(std::slice::from_ref(&started), &config),
            "async-dds"
        );
        assert_eq!(state(std::slice::from_ref(&started), true), "running");
        assert!(state(&[started], false).starts_with("interrupted"));
    }
}
