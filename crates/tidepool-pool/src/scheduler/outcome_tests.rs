//! The one decision of a trial's outcome and the fail-fast watch, driven by hand with
//! a recording sink: one agent, one slot, trials run one after another.

use super::*;
use tidepool_models::TrialOutcome;
use tidepool_optim::{ListSampler, Outcome, Proposal, Trial};

fn failed(reason: &str) -> TrialOutcome {
    TrialOutcome::Failed {
        reason: reason.into(),
        stderr_tail: String::new(),
    }
}

fn ok(objective: Option<f64>) -> TrialOutcome {
    TrialOutcome::Ok {
        objective,
        responses: Default::default(),
        series: Default::default(),
    }
}

/// One slot; every sent trial is answered, in order, with the next of `outcomes`.
fn run(cfg: SchedulerConfig, source: Box<dyn Optimizer>, outcomes: &[TrialOutcome]) -> Scheduler {
    let (sched, _) = run_logged(cfg, source, outcomes);
    sched
}

fn run_logged(
    cfg: SchedulerConfig,
    source: Box<dyn Optimizer>,
    outcomes: &[TrialOutcome],
) -> (Scheduler, Vec<Action>) {
    let mut sched = Scheduler::new(cfg, source);
    let mut log = Vec::new();
    let key = SlotRef { agent: 0, slot: 0 };
    let now = Duration::ZERO;
    let event = Event::AgentJoined {
        agent: 0,
        host: "n0".into(),
        slots: 1,
    };
    sched.handle(now, event, &mut log);
    sched.handle(now, Event::SlotReady { slot: key }, &mut log);
    for outcome in outcomes {
        let sent = log.iter().rev().find_map(|a| match a {
            Action::SendTrial { trial, attempt, .. } => Some((*trial, *attempt)),
            _ => None,
        });
        let Some((trial, attempt)) = sent.filter(|_| !sched.is_finished()) else {
            break;
        };
        let done = Event::TrialDone {
            slot: key,
            trial,
            attempt,
            outcome: outcome.clone(),
        };
        sched.handle(now, done, &mut log);
    }
    (sched, log)
}

fn list(n: usize) -> Box<dyn Optimizer> {
    Box::new(ListSampler::new((0..n).map(|i| vec![i as f64]).collect()))
}

fn observed(log: &[Action]) -> Vec<(TrialId, Option<f64>)> {
    log.iter()
        .filter_map(|a| match a {
            Action::Record(Record::TrialObserved {
                trial, objective, ..
            }) => Some((*trial, *objective)),
            _ => None,
        })
        .collect()
}

fn finished_outcomes(log: &[Action]) -> Vec<TrialOutcome> {
    log.iter()
        .filter_map(|a| match a {
            Action::Record(Record::TrialFinished { outcome, .. }) => Some(outcome.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_missing_objective_is_a_failure_everywhere_when_the_source_needs_one() {
    let needs = SchedulerConfig {
        objective_needed_by: Some("dds".into()),
        ..Default::default()
    };
    let (sched, log) = run_logged(needs, list(2), &[ok(None), ok(Some(2.0))]);
    assert_eq!(sched.progress().failed, 1);
    let outcomes = finished_outcomes(&log);
    let TrialOutcome::Failed { reason, .. } = &outcomes[0] else {
        panic!("{outcomes:?}");
    };
    assert!(reason.contains("`dds` optimiser needs one"), "{reason}");
    assert_eq!(observed(&log), vec![(0, None), (1, Some(2.0))]);

    let (sched, log) = run_logged(SchedulerConfig::default(), list(1), &[ok(None)]);
    assert_eq!(sched.progress().failed, 0, "a list needs no objective");
    assert_eq!(finished_outcomes(&log), vec![ok(None)]);
}

#[test]
fn a_non_finite_objective_is_a_failure_even_from_an_older_agent() {
    let (sched, log) = run_logged(
        SchedulerConfig::default(),
        list(1),
        &[ok(Some(f64::NEG_INFINITY))],
    );
    assert_eq!(sched.progress().failed, 1);
    assert!(matches!(
        finished_outcomes(&log)[0],
        TrialOutcome::Failed { .. }
    ));
    assert_eq!(observed(&log), vec![(0, None)]);
    assert!(sched.best().is_none());
}

fn fail_fast(n: u32) -> SchedulerConfig {
    SchedulerConfig {
        fail_fast: n,
        ..Default::default()
    }
}

#[test]
fn the_first_trials_failing_alike_stop_the_run_without_telling_the_source() {
    let (sched, log) = run_logged(fail_fast(3), list(10), &vec![failed("exit 3"); 10]);
    assert!(sched.is_finished());
    let end = Action::Finished(RunEnd::FailedFast {
        trials: 3,
        reason: "exit 3".into(),
    });
    assert_eq!(log.last(), Some(&end));
    assert_eq!(finished_outcomes(&log).len(), 3);
    assert!(observed(&log).is_empty(), "the budget is untouched");
    assert_eq!(sched.progress().failed, 3);
}

#[test]
fn a_success_or_another_reason_releases_the_held_failures_in_order() {
    let outcomes = [
        failed("a"),
        failed("a"),
        ok(Some(1.0)),
        failed("a"),
        failed("a"),
    ];
    let (sched, log) = run_logged(fail_fast(3), list(5), &outcomes);
    let ids: Vec<_> = observed(&log).iter().map(|o| o.0).collect();
    assert_eq!(ids, vec![0, 1, 2, 3, 4]);
    assert_eq!(log.last(), Some(&Action::Finished(RunEnd::Completed)));
    assert_eq!(sched.progress().failed, 4);

    let outcomes = [failed("a"), failed("b"), failed("b"), failed("b")];
    let (_, log) = run_logged(fail_fast(3), list(4), &outcomes);
    assert_eq!(observed(&log).len(), 4);
    assert_eq!(log.last(), Some(&Action::Finished(RunEnd::Completed)));
}

#[test]
fn fail_fast_zero_or_a_short_run_never_stops() {
    let (_, log) = run_logged(fail_fast(0), list(6), &vec![failed("x"); 6]);
    assert_eq!(observed(&log).len(), 6);
    assert_eq!(log.last(), Some(&Action::Finished(RunEnd::Completed)));
    let (_, log) = run_logged(fail_fast(5), list(2), &vec![failed("x"); 2]);
    assert_eq!(observed(&log).len(), 2, "released when the source is done");
    assert_eq!(log.last(), Some(&Action::Finished(RunEnd::Completed)));
}

/// Proposes one trial at a time, waiting for each result (like `dds` after its
/// initial samples).
struct OneAtATime {
    next: u64,
    open: bool,
    budget: u64,
}

impl Optimizer for OneAtATime {
    fn propose(&mut self) -> Proposal {
        match (self.open, self.next < self.budget) {
            (true, _) => Proposal::Wait,
            (false, false) => Proposal::Done,
            (false, true) => {
                self.open = true;
                self.next += 1;
                Proposal::Trial(Trial {
                    id: self.next - 1,
                    values: vec![0.0],
                })
            }
        }
    }
    fn observe(&mut self, _id: TrialId, _outcome: Outcome) {
        self.open = false;
    }
    fn best(&self) -> Option<(Trial, f64)> {
        None
    }
    fn save(&self) -> Result<Vec<u8>, tidepool_optim::OptimError> {
        Ok(vec![self.next as u8])
    }
}

#[test]
fn a_source_that_waits_for_results_gets_its_held_failures() {
    let source = OneAtATime {
        next: 0,
        open: false,
        budget: 4,
    };
    let sched = run(fail_fast(3), Box::new(source), &vec![failed("x"); 4]);
    assert!(sched.is_finished());
    assert_eq!(sched.progress().done, 4);
}

#[test]
fn checkpoints_follow_the_observations_counted_from_the_replayed_ones() {
    let cfg = SchedulerConfig {
        checkpoint_every: Some(2),
        observed_before: 1,
        ..Default::default()
    };
    let source = OneAtATime {
        next: 0,
        open: false,
        budget: 4,
    };
    let (_, log) = run_logged(cfg, Box::new(source), &vec![ok(Some(1.0)); 4]);
    let at: Vec<u64> = log
        .iter()
        .filter_map(|a| match a {
            Action::Record(Record::Checkpoint { observations, .. }) => Some(*observations),
            _ => None,
        })
        .collect();
    assert_eq!(at, vec![2, 4]);
}
