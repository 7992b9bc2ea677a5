//! A multi-objective source (`padds`): the scheduler tells it each trial's vector of
//! term distances, records the vector and the archive, and fails trials that lack a
//! term. One agent, one slot, driven by hand with a recording sink.

use super::*;
use std::collections::BTreeMap;
use tidepool_models::TrialOutcome;
use tidepool_objective::{Objective, ObjectiveSpec};
use tidepool_optim::{build, Algorithm, Param, ParamSpace, Settings};

/// Two terms: `a` minimised, `b` maximised.
fn distances() -> tidepool_objective::Distances {
    let spec: ObjectiveSpec = serde_json::from_value(serde_json::json!({
        "terms": [
            { "response": "a", "direction": "minimize" },
            { "response": "b", "direction": "maximize" },
        ]
    }))
    .unwrap();
    Objective::load(&spec, std::path::Path::new("."))
        .unwrap()
        .distances()
}

fn padds(budget: u64) -> Box<dyn Optimizer> {
    let space = ParamSpace::new(vec![Param::new("x", 0.0, 1.0)]).unwrap();
    let settings = Settings {
        objectives: 2,
        ..Settings::new(budget)
    };
    build(Algorithm::Padds, space, &settings, 1, 1).unwrap()
}

fn ok(terms: &[(&str, f64)]) -> TrialOutcome {
    let responses: BTreeMap<String, f64> = terms.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    TrialOutcome::Ok {
        objective: Some(terms.iter().map(|(_, v)| v).sum()),
        responses,
        series: BTreeMap::new(),
    }
}

/// Answers every trial sent with the next outcome; returns the log.
fn drive(outcomes: &[TrialOutcome]) -> Vec<Action> {
    let cfg = SchedulerConfig {
        objective_needed_by: Some("padds".into()),
        objectives: Some(distances()),
        ..Default::default()
    };
    let mut sched = Scheduler::new(cfg, padds(outcomes.len() as u64));
    let mut log = Vec::new();
    let key = SlotRef { agent: 0, slot: 0 };
    let now = Duration::ZERO;
    let joined = Event::AgentJoined {
        agent: 0,
        host: "n0".into(),
        slots: 1,
    };
    sched.handle(now, joined, &mut log);
    sched.handle(now, Event::SlotReady { slot: key }, &mut log);
    for outcome in outcomes {
        let (trial, attempt) = log
            .iter()
            .rev()
            .find_map(|a| match a {
                Action::SendTrial { trial, attempt, .. } => Some((*trial, *attempt)),
                _ => None,
            })
            .unwrap();
        let done = Event::TrialDone {
            slot: key,
            trial,
            attempt,
            outcome: outcome.clone(),
        };
        sched.handle(now, done, &mut log);
    }
    log
}

fn observed(log: &[Action]) -> Vec<(TrialId, Option<f64>, Option<Vec<f64>>)> {
    let rows = log.iter().filter_map(|a| match a {
        Action::Record(Record::TrialObserved {
            trial,
            objective,
            objectives,
        }) => Some((*trial, *objective, objectives.clone())),
        _ => None,
    });
    rows.collect()
}

fn fronts(log: &[Action]) -> Vec<Vec<TrialId>> {
    let rows = log.iter().filter_map(|a| match a {
        Action::Record(Record::ParetoFront { trials }) => Some(trials.clone()),
        _ => None,
    });
    rows.collect()
}

#[test]
fn each_trial_is_told_as_its_vector_and_the_archive_is_recorded_when_it_changes() {
    let log = drive(&[
        ok(&[("a", 1.0), ("b", 1.0)]), // (1, -1): archived
        ok(&[("a", 2.0), ("b", 3.0)]), // (2, -3): archived beside it
        ok(&[("a", 3.0), ("b", 0.0)]), // (3, 0): dominated, no change
        ok(&[("a", 0.5), ("b", 4.0)]), // (0.5, -4): dominates both
        ok(&[("a", 0.5), ("b", 4.0)]), // equal: replaces trial 3
    ]);
    let obs = observed(&log);
    assert_eq!(obs[0], (0, Some(2.0), Some(vec![1.0, -1.0])));
    assert_eq!(obs[3], (3, Some(4.5), Some(vec![0.5, -4.0])));
    assert_eq!(fronts(&log), vec![vec![0], vec![0, 1], vec![3], vec![4]]);
}

#[test]
fn a_trial_without_every_term_fails_and_is_told_as_a_failure() {
    let log = drive(&[ok(&[("a", 1.0)]), ok(&[("a", 1.0), ("b", 2.0)])]);
    let failed = log.iter().find_map(|a| match a {
        Action::Record(Record::TrialFinished {
            outcome: TrialOutcome::Failed { reason, .. },
            ..
        }) => Some(reason.clone()),
        _ => None,
    });
    let reason = failed.expect("the first trial failed");
    assert!(reason.contains("term `b`"), "{reason}");
    assert_eq!(observed(&log)[0], (0, None, None));
    assert_eq!(fronts(&log), vec![vec![1]]);
}
