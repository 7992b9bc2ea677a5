//! The search of `tidepool run`: build the optimiser from the config and start or
//! resume it on the run journal (the resume policy itself is tidepool-search's
//! [`History`]), refusing a changed search unless forced.

use anyhow::Context;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use tidepool_config::{algorithm_name, read_trials_csv, RunConfig};
use tidepool_journal::{journal_path, Journal, JournalReader, ReplayStep};
use tidepool_optim::{
    barrier_slot_time_lost, build, Algorithm, ListSampler, Optimizer, Outcome, ParamSpace,
};
use tidepool_search::{record_resume, record_start, History, Search, SearchSetup};

/// A search ready to run, or a run that already finished.
pub enum Prepared {
    Ready(Box<ReadySearch>),
    AlreadyFinished { observed: u64 },
}

pub struct ReadySearch {
    pub search: Search,
    pub journal: Arc<Journal>,
    pub setup: SearchSetup,
    /// Trials this session will hand out (in-flight ones again, then new ones).
    pub remaining: u64,
    pub resumed: bool,
}

/// Start or resume the search of `cfg` in its run directory.
pub fn prepare(
    cfg: &RunConfig,
    config_text: &str,
    force: bool,
    total_slots: usize,
) -> anyhow::Result<Prepared> {
    let run_dir = cfg.run_dir();
    if !journal_path(&run_dir).exists() {
        return start(cfg, config_text, &run_dir, total_slots);
    }
    resume(cfg, config_text, &run_dir, force, total_slots)
}

/// What a first start decides with `total_slots` slots.
fn fresh_setup(cfg: &RunConfig, total_slots: usize) -> SearchSetup {
    SearchSetup {
        algorithm: cfg
            .optimizer
            .resolved_algorithm(cfg.trials.is_some(), total_slots),
        slots: total_slots.max(1),
    }
}

fn start(
    cfg: &RunConfig,
    config_text: &str,
    run_dir: &Path,
    total_slots: usize,
) -> anyhow::Result<Prepared> {
    let setup = fresh_setup(cfg, total_slots);
    let (optimizer, budget) = optimizer(cfg, setup)?;
    let journal = Arc::new(Journal::create(
        run_dir,
        &cfg.parameter_names(),
        config_text,
    )?);
    record_start(&journal, setup)?;
    Ok(Prepared::Ready(Box::new(ReadySearch {
        search: Search::start(optimizer),
        journal,
        setup,
        remaining: budget,
        resumed: false,
    })))
}

fn resume(
    cfg: &RunConfig,
    config_text: &str,
    run_dir: &Path,
    force: bool,
    total_slots: usize,
) -> anyhow::Result<Prepared> {
    let reader = JournalReader::open(run_dir)?;
    let snapshot = reader.config()?;
    let earlier = RunConfig::from_str(&snapshot.text, &cfg.source)
        .context("cannot read the config recorded in the run's journal")?;
    let changed = cfg.search_differences(&earlier);
    if !changed.is_empty() && !force {
        anyhow::bail!(
            "{}: this run directory holds a run whose search settings differ: {}.\n\
             hint: restore these keys to resume exactly, use --force to continue with the \
             new settings (the recorded history is fed to the new optimiser by trial id), \
             or set [run] dir to start a new run",
            run_dir.display(),
            changed
                .iter()
                .map(|key| format!("{key} (at {})", cfg.place_of(key)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let history = History::read(&reader)?;
    if history.finished && changed.is_empty() {
        let observed = reader.counts()?.observed;
        return Ok(Prepared::AlreadyFinished { observed });
    }
    let setup = history.setup(cfg.optimizer.algorithm, fresh_setup(cfg, total_slots));
    let (optimizer, budget) = optimizer(cfg, setup)?;
    let search = Search::resume(optimizer, &reader, history.replay(&changed))?;
    drop(reader);
    let journal = Arc::new(Journal::open(run_dir)?);
    if snapshot.text != config_text {
        journal.store_config(config_text)?;
    }
    record_resume(&journal, &changed)?;
    let remaining = budget.saturating_sub(search.observed());
    Ok(Prepared::Ready(Box::new(ReadySearch {
        search,
        journal,
        setup,
        remaining,
        resumed: true,
    })))
}

/// `pool-dds` only: how much slot time the batch barriers wasted in this run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarrierReport {
    pub batches: usize,
    /// Slot-seconds spent waiting for the slowest trial of each batch.
    pub lost_s: f64,
    /// Slot-seconds spent running trials.
    pub busy_s: f64,
}

impl BarrierReport {
    pub fn text(&self) -> String {
        let share = 100.0 * self.lost_s / (self.lost_s + self.busy_s).max(f64::MIN_POSITIVE);
        format!(
            "pool-dds: {} batches; slot time lost waiting at batch barriers: {:.1} s ({share:.1} % of slot time; {:.1} s spent running trials)",
            self.batches, self.lost_s, self.busy_s
        )
    }
}

/// Replays the journal into a fresh `pool-dds` to recover its batches, then measures
/// each batch's barrier with the trials' recorded end times. `None` for other algorithms.
pub fn barrier_report(
    cfg: &RunConfig,
    setup: SearchSetup,
    reader: &JournalReader,
) -> anyhow::Result<Option<BarrierReport>> {
    if setup.algorithm != Algorithm::PoolDds {
        return Ok(None);
    }
    let (mut opt, _) = optimizer(cfg, setup)?;
    for step in reader.replay()? {
        match step {
            ReplayStep::Proposed(_) => drop(opt.propose()),
            ReplayStep::Observed(o) => {
                let outcome = o.objective.map_or(Outcome::Failed, Outcome::Value);
                opt.observe(o.trial_id, outcome);
            }
        }
    }
    let mut ends = HashMap::new();
    let mut busy_s = 0.0;
    reader.for_each_trial(|t| {
        if let (Some(start), Some(end)) = (t.started_at, t.finished_at) {
            busy_s += end - start;
            ends.insert(t.id, end);
        }
        Ok(())
    })?;
    let batches = opt.batches().unwrap_or_default();
    let lost_s = batches
        .iter()
        .map(|b| {
            let ids = b.first_trial..b.first_trial + u64::from(b.proposed);
            let last = ids
                .filter_map(|id| ends.get(&id))
                .fold(f64::MIN, |a, &e| a.max(e));
            barrier_slot_time_lost(b, |id| ends.get(&id).copied().unwrap_or(last))
        })
        .sum();
    Ok(Some(BarrierReport {
        batches: batches.len(),
        lost_s,
        busy_s,
    }))
}

/// The optimiser for `setup` and the run's total budget.
fn optimizer(cfg: &RunConfig, setup: SearchSetup) -> anyhow::Result<(Box<dyn Optimizer>, u64)> {
    let name = algorithm_name(setup.algorithm);
    if setup.algorithm == Algorithm::List {
        let Some(trials) = &cfg.trials else {
            anyhow::bail!(
                "{}: algorithm `list` needs `[trials] csv = \"FILE\"` with one parameter set per row",
                cfg.source.display()
            );
        };
        let mut rows = read_trials_csv(&cfg.resolve(&trials.csv), &cfg.parameter_names())?;
        rows.truncate(cfg.run.budget.map_or(usize::MAX, |b| b as usize));
        let budget = rows.len() as u64;
        if cfg.parameters.is_empty() {
            return Ok((Box::new(ListSampler::new(rows)), budget));
        }
        let settings = tidepool_optim::Settings {
            list_rows: Some(rows),
            ..cfg.optimizer.settings(budget)
        };
        return Ok((
            build(
                setup.algorithm,
                space(cfg)?,
                &settings,
                cfg.run.seed,
                setup.slots,
            )?,
            budget,
        ));
    }
    let Some(budget) = cfg.run.budget else {
        anyhow::bail!(
            "{}: the `{name}` optimiser needs `[run] budget` (the number of model evaluations)",
            cfg.source.display()
        );
    };
    let settings = tidepool_optim::Settings {
        objectives: cfg.objective_term_count(),
        ..cfg.optimizer.settings(budget)
    };
    let optimizer = build(
        setup.algorithm,
        space(cfg)?,
        &settings,
        cfg.run.seed,
        setup.slots,
    )
    .with_context(|| format!("cannot set up the `{name}` optimiser"))?;
    Ok((optimizer, budget))
}

fn space(cfg: &RunConfig) -> anyhow::Result<ParamSpace> {
    let params = cfg.parameters.to_vec();
    ParamSpace::new(params).with_context(|| {
        format!(
            "{}: the optimiser needs `[[parameters]]` (name, lower, upper)",
            cfg.source.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "[run]\nname = \"t\"\nseed = 3\n[model]\nkind = \"noop\"\n\
                        [[parameters]]\nname = \"x\"\nlower = 0\nupper = 1\n";

    fn config(dir: &Path, extra: &str) -> (RunConfig, String) {
        let text = format!("{BASE}{extra}");
        let path = dir.join("run.toml");
        std::fs::write(&path, &text).unwrap();
        (RunConfig::load(&path).unwrap(), text)
    }

    fn setup(algorithm: Algorithm) -> SearchSetup {
        SearchSetup {
            algorithm,
            slots: 1,
        }
    }

    #[test]
    fn an_optimiser_needs_a_budget() {
        let dir = tempfile::tempdir().unwrap();
        let (cfg, _) = config(dir.path(), "");
        let err = optimizer(&cfg, setup(Algorithm::Dds)).err().unwrap();
        assert!(err.to_string().contains("needs `[run] budget`"), "{err}");
    }

    #[test]
    fn the_list_is_cut_to_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rows.csv"), "x\n0.1\n0.2\n0.3\n").unwrap();
        let (cfg, _) = config(dir.path(), "[trials]\ncsv = \"rows.csv\"\n");
        let (_, all) = optimizer(&cfg, setup(Algorithm::List)).unwrap();
        assert_eq!(all, 3);
        let text = std::fs::read_to_string(dir.path().join("run.toml")).unwrap();
        let cut = text.replace("seed = 3", "seed = 3\nbudget = 2");
        std::fs::write(dir.path().join("run.toml"), cut).unwrap();
        let cfg = RunConfig::load(&dir.path().join("run.toml")).unwrap();
        let (_, two) = optimizer(&cfg, setup(Algorithm::List)).unwrap();
        assert_eq!(two, 2);
    }

    #[test]
    fn the_first_start_records_its_setup_and_a_resume_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let (cfg, text) = config(dir.path(), "");
        let text = text.replace("seed = 3", "seed = 3\nbudget = 10");
        std::fs::write(&cfg.source, &text).unwrap();
        let cfg = RunConfig::load(&cfg.source).unwrap();
        let Prepared::Ready(first) = prepare(&cfg, &text, false, 4).unwrap() else {
            panic!("a new run is ready");
        };
        assert_eq!(first.setup.algorithm, Algorithm::ParDds);
        assert!(!first.resumed);
        drop(first);
        let Prepared::Ready(again) = prepare(&cfg, &text, false, 1).unwrap() else {
            panic!("an unfinished run resumes");
        };
        assert!(again.resumed);
        assert_eq!(again.setup.algorithm, Algorithm::ParDds);
        assert_eq!(again.setup.slots, 4);
        assert_eq!(again.remaining, 10);
    }
}
