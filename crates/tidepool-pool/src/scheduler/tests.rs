//! The scheduler driven by hand-written event sequences, with a recording sink.

use super::*;
use tidepool_models::TrialOutcome;
use tidepool_optim::ListSampler;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn ok() -> TrialOutcome {
    TrialOutcome::Ok {
        objective: Some(1.0),
        responses: Default::default(),
        series: Default::default(),
    }
}

fn crash() -> TrialOutcome {
    TrialOutcome::Crashed {
        reason: "signal 9".into(),
        stderr_tail: "boom".into(),
    }
}

struct Harness {
    sched: Scheduler,
    log: Vec<Action>,
}

impl Harness {
    fn new(cfg: SchedulerConfig, trials: usize) -> Self {
        let rows = (0..trials).map(|i| vec![i as f64]).collect();
        Self {
            sched: Scheduler::new(cfg, Box::new(ListSampler::new(rows))),
            log: Vec::new(),
        }
    }

    fn send(&mut self, now: f64, event: Event) -> Vec<Action> {
        let mut out = Vec::new();
        self.sched.handle(secs(now), event, &mut out);
        self.log.extend(out.clone());
        out
    }

    fn join(&mut self, now: f64, agent: u32, slots: u32) -> Vec<Action> {
        let host = format!("node{agent}");
        self.send(now, Event::AgentJoined { agent, host, slots })
    }

    fn ready(&mut self, now: f64, agent: u32, slot: u32) -> Vec<Action> {
        self.send(
            now,
            Event::SlotReady {
                slot: SlotRef { agent, slot },
            },
        )
    }

    fn done(&mut self, now: f64, sent: &Sent, outcome: TrialOutcome) -> Vec<Action> {
        self.send(
            now,
            Event::TrialDone {
                slot: sent.0,
                trial: sent.1,
                attempt: sent.2,
                outcome,
            },
        )
    }

    /// Trial ids finished, in order, with their outcomes.
    fn finished(&self) -> Vec<(TrialId, TrialOutcome)> {
        self.log
            .iter()
            .filter_map(|a| match a {
                Action::Record(Record::TrialFinished { trial, outcome, .. }) => {
                    Some((*trial, outcome.clone()))
                }
                _ => None,
            })
            .collect()
    }
}

type Sent = (SlotRef, TrialId, u32);

fn sends(actions: &[Action]) -> Vec<Sent> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::SendTrial {
                slot,
                trial,
                attempt,
                ..
            } => Some((*slot, *trial, *attempt)),
            _ => None,
        })
        .collect()
}

fn starts(actions: &[Action]) -> Vec<SlotRef> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::StartSlot(s) => Some(*s),
            _ => None,
        })
        .collect()
}

fn slot(agent: u32, slot: u32) -> SlotRef {
    SlotRef { agent, slot }
}

/// Run every sent trial to completion with `ok` until the run finishes.
fn drain(h: &mut Harness, mut now: f64, mut inflight: Vec<Sent>) -> f64 {
    while let Some(sent) = inflight.pop() {
        now += 0.1;
        let out = h.done(now, &sent, ok());
        inflight.extend(sends(&out));
    }
    now
}

#[test]
fn free_slots_get_trials_and_every_trial_finishes_once() {
    let mut h = Harness::new(SchedulerConfig::default(), 5);
    assert_eq!(starts(&h.join(0.0, 0, 2)), vec![slot(0, 0), slot(0, 1)]);
    let mut inflight = sends(&h.ready(1.0, 0, 0));
    inflight.extend(sends(&h.ready(1.0, 0, 1)));
    assert_eq!(inflight.len(), 2);
    drain(&mut h, 1.0, inflight);
    let mut ids: Vec<TrialId> = h.finished().iter().map(|f| f.0).collect();
    ids.sort();
    assert_eq!(ids, vec![0, 1, 2, 3, 4]);
    assert_eq!(h.log.last(), Some(&Action::Finished(RunEnd::Completed)));
    assert_eq!(h.sched.progress().done, 5);
}

#[test]
fn start_gate_limits_concurrent_starts_first_slots_first() {
    let cfg = SchedulerConfig {
        start_concurrency: 2,
        ..Default::default()
    };
    let mut h = Harness::new(cfg, 10);
    let mut started = starts(&h.join(0.0, 0, 3));
    started.extend(starts(&h.join(0.0, 1, 3)));
    assert_eq!(started, vec![slot(0, 0), slot(0, 1)]);
    // One becomes ready: the next waiting slot by (slot index, agent) goes through.
    assert_eq!(starts(&h.ready(1.0, 0, 0)), vec![slot(1, 0)]);
    assert_eq!(starts(&h.ready(2.0, 0, 1)), vec![slot(1, 1)]);
    assert_eq!(h.sched.progress().slots_starting, 2);
}

#[test]
fn start_interval_spaces_starts_by_ticks() {
    let cfg = SchedulerConfig {
        start_interval: Some(secs(1.0)),
        ..Default::default()
    };
    let mut h = Harness::new(cfg, 10);
    assert_eq!(starts(&h.join(0.0, 0, 3)).len(), 1);
    assert!(starts(&h.send(0.5, Event::Tick)).is_empty());
    assert_eq!(starts(&h.send(1.0, Event::Tick)), vec![slot(0, 1)]);
    assert_eq!(starts(&h.send(2.1, Event::Tick)), vec![slot(0, 2)]);
    let times = h.sched.slot_times();
    assert_eq!(times[2].start_at, Some(secs(2.1)));
}

#[test]
fn crashed_slot_restarts_and_trial_fails_after_max_attempts() {
    let mut h = Harness::new(SchedulerConfig::default(), 1);
    h.join(0.0, 0, 1);
    let mut sent = sends(&h.ready(1.0, 0, 0))[0];
    for attempt in 1..=3 {
        assert_eq!(sent.2, attempt);
        let out = h.done(2.0 * attempt as f64, &sent, crash());
        assert_eq!(
            starts(&out),
            vec![slot(0, 0)],
            "slot restarts through the gate"
        );
        if attempt < 3 {
            sent = sends(&h.ready(2.0 * attempt as f64 + 1.0, 0, 0))[0];
        }
    }
    let finished = h.finished();
    assert_eq!(finished.len(), 1);
    match &finished[0].1 {
        TrialOutcome::Failed {
            reason,
            stderr_tail,
        } => {
            assert!(
                reason.contains("3 failed attempts") && reason.contains("signal 9"),
                "{reason}"
            );
            assert_eq!(stderr_tail, "boom");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    assert_eq!(h.sched.progress().failed, 1);
}

#[test]
fn model_failure_is_final_without_retry() {
    let mut h = Harness::new(SchedulerConfig::default(), 1);
    h.join(0.0, 0, 1);
    let sent = sends(&h.ready(1.0, 0, 0))[0];
    let failed = TrialOutcome::Failed {
        reason: "exit 2".into(),
        stderr_tail: String::new(),
    };
    let out = h.done(2.0, &sent, failed.clone());
    assert!(sends(&out).is_empty());
    assert_eq!(h.finished(), vec![(0, failed)]);
}

#[test]
fn timeout_without_report_is_recorded_as_timed_out() {
    let cfg = SchedulerConfig {
        timeout: Some(secs(10.0)),
        timeout_slack: secs(5.0),
        ..Default::default()
    };
    let mut h = Harness::new(cfg, 1);
    h.join(0.0, 0, 1);
    let sent = sends(&h.ready(1.0, 0, 0))[0];
    assert!(h.send(15.0, Event::Tick).is_empty());
    let out = h.send(16.5, Event::Tick);
    assert!(out.contains(&Action::CancelTrial {
        slot: sent.0,
        trial: 0,
        attempt: 1
    }));
    assert!(matches!(h.finished()[0].1, TrialOutcome::TimedOut { .. }));
    // A late result for the cancelled copy does not count twice.
    h.done(17.0, &sent, ok());
    assert_eq!(h.finished().len(), 1);
}

#[test]
fn straggler_gets_a_second_copy_and_first_result_wins() {
    let cfg = SchedulerConfig {
        overdue_factor: Some(1.5),
        ..Default::default()
    };
    let mut h = Harness::new(cfg, 5);
    h.join(0.0, 0, 1);
    h.join(0.0, 1, 1);
    let slow = sends(&h.ready(0.0, 0, 0))[0];
    let mut fast = sends(&h.ready(0.0, 1, 0))[0];
    for t in 1..=3 {
        fast = sends(&h.done(t as f64, &fast, ok()))[0];
    }
    // Trial 4 on slot (1,0) finishes; no work left; slow trial 0 has run 4 s > 1.5 x 1 s.
    assert!(sends(&h.done(4.0, &fast, ok())).is_empty());
    let dup = sends(&h.send(4.1, Event::Tick));
    assert_eq!(dup, vec![(slot(1, 0), slow.1, 2)]);
    let out = h.done(4.5, &dup[0], ok());
    assert!(out.contains(&Action::CancelTrial {
        slot: slow.0,
        trial: slow.1,
        attempt: 1
    }));
    h.done(9.0, &slow, TrialOutcome::Cancelled);
    let finished = h.finished();
    assert_eq!(finished.iter().filter(|f| f.0 == slow.1).count(), 1);
    assert_eq!(h.log.last(), Some(&Action::Finished(RunEnd::Completed)));
}

#[test]
fn lost_agent_trials_are_rerun_elsewhere_exactly_once() {
    let mut h = Harness::new(SchedulerConfig::default(), 6);
    h.join(0.0, 0, 2);
    h.join(0.0, 1, 2);
    let mut inflight = Vec::new();
    for (a, s) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
        inflight.extend(sends(&h.ready(1.0, a, s)));
    }
    assert_eq!(inflight.len(), 4);
    h.send(2.0, Event::AgentLost { agent: 1 });
    let (lost, kept): (Vec<Sent>, Vec<Sent>) = inflight.into_iter().partition(|s| s.0.agent == 1);
    // Late results from the lost agent are ignored.
    for sent in &lost {
        h.done(2.5, sent, ok());
    }
    drain(&mut h, 3.0, kept);
    let mut ids: Vec<TrialId> = h.finished().iter().map(|f| f.0).collect();
    ids.sort();
    assert_eq!(ids, vec![0, 1, 2, 3, 4, 5]);
    let resent: Vec<Sent> = sends(&h.log)
        .into_iter()
        .filter(|s| lost.iter().any(|l| l.1 == s.1) && s.2 == 2)
        .collect();
    assert_eq!(resent.len(), 2);
    assert!(resent.iter().all(|s| s.0.agent == 0));
}

#[test]
fn stop_cancels_in_flight_and_dispatches_nothing_more() {
    let mut h = Harness::new(SchedulerConfig::default(), 10);
    h.join(0.0, 0, 2);
    let a = sends(&h.ready(1.0, 0, 0))[0];
    h.ready(1.0, 0, 1);
    let out = h.send(2.0, Event::Stop);
    assert_eq!(
        out.iter()
            .filter(|x| matches!(x, Action::CancelTrial { .. }))
            .count(),
        2
    );
    assert_eq!(out.last(), Some(&Action::Finished(RunEnd::Interrupted)));
    assert!(sends(&h.done(2.5, &a, TrialOutcome::Cancelled)).is_empty());
    assert!(h.finished().is_empty());
}

#[test]
fn prefetch_queues_a_second_trial_per_slot() {
    let cfg = SchedulerConfig {
        prefetch: 1,
        ..Default::default()
    };
    let mut h = Harness::new(cfg, 5);
    h.join(0.0, 0, 2);
    let first = sends(&h.ready(1.0, 0, 0));
    assert_eq!(first.len(), 2, "running + one queued");
    let started: Vec<&Action> = h
        .log
        .iter()
        .filter(|a| matches!(a, Action::Record(Record::TrialStarted { .. })))
        .collect();
    assert_eq!(started.len(), 1, "only the head is running");
    let out = h.done(2.0, &first[0], ok());
    assert!(out
        .iter()
        .any(|a| matches!(a, Action::Record(Record::TrialStarted { trial: 1, .. }))));
    assert_eq!(sends(&out).len(), 1);
}

#[test]
fn budget_caps_proposals() {
    let cfg = SchedulerConfig {
        budget: Some(3),
        ..Default::default()
    };
    let mut h = Harness::new(cfg, 10);
    h.join(0.0, 0, 4);
    let mut inflight = Vec::new();
    for s in 0..4 {
        inflight.extend(sends(&h.ready(1.0, 0, s)));
    }
    assert_eq!(inflight.len(), 3);
    drain(&mut h, 1.0, inflight);
    assert_eq!(h.finished().len(), 3);
    assert_eq!(h.log.last(), Some(&Action::Finished(RunEnd::Completed)));
}

#[test]
fn slot_failing_to_start_is_retried_then_broken() {
    let mut h = Harness::new(SchedulerConfig::default(), 1);
    h.join(0.0, 0, 1);
    for i in 0..3 {
        let out = h.send(
            i as f64,
            Event::SlotStartFailed {
                slot: slot(0, 0),
                reason: "no python".into(),
            },
        );
        assert_eq!(starts(&out).len(), usize::from(i < 2));
    }
    assert_eq!(h.sched.usable_slots(), 0);
    let failures: Vec<&str> = h
        .log
        .iter()
        .filter_map(|a| match a {
            Action::Record(Record::SlotStartFailed { .. }) => Some("retried"),
            Action::Record(Record::SlotBroken { .. }) => Some("broken"),
            _ => None,
        })
        .collect();
    assert_eq!(failures, ["retried", "retried", "broken"]);
}
