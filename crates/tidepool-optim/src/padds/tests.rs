//! PADDS as a state machine: proposals and observations driven by hand.

use super::*;
use crate::perturb::BoundRule;
use crate::{build, restore, Algorithm, Param, Settings, Trial};

fn space(d: usize) -> ParamSpace {
    ParamSpace::new(
        (0..d)
            .map(|j| Param::new(format!("x{j}"), 0.0, 1.0))
            .collect(),
    )
    .unwrap()
}

fn opts(budget: u64) -> DdsOptions {
    DdsOptions {
        budget,
        r: 0.2,
        bound_rule: BoundRule::Reflect,
    }
}

fn trial(p: Proposal) -> Trial {
    match p {
        Proposal::Trial(t) => t,
        other => panic!("expected a trial, got {other:?}"),
    }
}

/// ZDT1-like: f1 = x0, f2 = g (1 - sqrt(x0 / g)), g = 1 + 9 mean(x1..): front at x1.. = 0.
fn zdt1(x: &[f64]) -> Vec<f64> {
    let g = 1.0 + 9.0 * x[1..].iter().sum::<f64>() / (x.len() - 1) as f64;
    vec![x[0], g * (1.0 - (x[0] / g).sqrt())]
}

fn run(opt: &mut Padds, f: fn(&[f64]) -> Vec<f64>) {
    while let Proposal::Trial(t) = opt.propose() {
        opt.try_observe_many(t.id, &f(&t.values)).unwrap();
    }
}

#[test]
fn the_initial_samples_build_the_archive_then_the_search_is_serial() {
    let mut p = Padds::new(space(3), opts(40), Selection::Hvc, 2, 1);
    let first: Vec<Trial> = (0..5).map(|_| trial(p.propose())).collect();
    assert_eq!(p.propose(), Proposal::Wait);
    for t in &first {
        p.try_observe_many(t.id, &zdt1(&t.values)).unwrap();
    }
    // the archive is the non-dominated subset of the five, checked pairwise here
    let pts: Vec<Vec<f64>> = first.iter().map(|t| zdt1(&t.values)).collect();
    let expect: Vec<u64> = (0..5)
        .filter(|&i| (0..5).all(|j| compare(&pts[i], &pts[j]) != Dominance::DominatedBy))
        .map(|i| i as u64)
        .collect();
    let got: Vec<u64> = p.archive().members().iter().map(|m| m.id).collect();
    let mut sorted = got.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expect);
    let t = trial(p.propose());
    assert_eq!(p.propose(), Proposal::Wait);
    p.try_observe_many(t.id, &zdt1(&t.values)).unwrap();
    run(&mut p, zdt1);
    assert_eq!(p.propose(), Proposal::Done);
    assert_eq!(p.ledger().observed, 40);
}

#[test]
fn the_archive_is_the_front_of_everything_observed() {
    let mut p = Padds::new(space(4), opts(300), Selection::Hvc, 2, 7);
    let mut all = Vec::new();
    while let Proposal::Trial(t) = p.propose() {
        let f = zdt1(&t.values);
        all.push((t.id, f.clone()));
        p.try_observe_many(t.id, &f).unwrap();
    }
    // brute force: every observed point no other observed point dominates
    let mut expect: Vec<u64> = all
        .iter()
        .filter(|(_, a)| {
            all.iter()
                .all(|(_, b)| compare(a, b) != Dominance::DominatedBy)
        })
        .map(|(id, _)| *id)
        .collect();
    let mut got: Vec<u64> = p.archive().members().iter().map(|m| m.id).collect();
    expect.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expect);
    // the search moves towards the true front: many members with small g
    assert!(got.len() >= 10, "{got:?}");
}

#[test]
fn a_dominated_candidate_sends_the_next_step_to_an_archive_member() {
    let mut p = Padds::new(space(2), opts(20), Selection::Ones, 2, 3);
    let first: Vec<Trial> = (0..5).map(|_| trial(p.propose())).collect();
    for (k, t) in first.iter().enumerate() {
        let k = k as f64;
        p.try_observe_many(t.id, &[k, 4.0 - k]).unwrap(); // all on one front
    }
    let units: Vec<Vec<f64>> = p
        .archive()
        .members()
        .iter()
        .map(|m| m.unit.clone())
        .collect();
    // the last (id 4) was archived: the next candidate perturbs it
    assert_eq!(p.current.as_ref().map(|m| m.id), Some(4));
    let t = trial(p.propose());
    p.try_observe_many(t.id, &[10.0, 10.0]).unwrap();
    assert!(p.current.is_none());
    assert_eq!(p.archive().len(), 5);
    // the next parent is drawn from the archive
    let parent = p.parent().unwrap();
    assert!(units.contains(&parent.unit));
}

#[test]
fn failures_count_and_are_never_archived() {
    let mut p = Padds::new(space(2), opts(8), Selection::Hvc, 2, 4);
    for k in 0..8 {
        let t = trial(p.propose());
        if k % 2 == 0 {
            p.try_observe(t.id, Outcome::Failed).unwrap();
        } else {
            p.try_observe_many(t.id, &[f64::NAN, 1.0]).unwrap();
        }
    }
    assert_eq!(p.propose(), Proposal::Done);
    assert!(p.archive().is_empty());
    assert_eq!(p.ledger().failed, 8);
}

#[test]
fn scalar_values_and_wrong_lengths_are_refused() {
    let mut p = Padds::new(space(2), opts(8), Selection::Hvc, 2, 4);
    let t = trial(p.propose());
    assert!(matches!(
        p.try_observe(t.id, Outcome::Value(1.0)),
        Err(OptimError::NeedsVector { objectives: 2, .. })
    ));
    assert!(matches!(
        p.try_observe_many(t.id, &[1.0, 2.0, 3.0]),
        Err(OptimError::VectorLength {
            got: 3,
            expected: 2,
            ..
        })
    ));
    p.try_observe_many(t.id, &[1.0, 2.0]).unwrap();
    assert!(p.try_observe_many(t.id, &[1.0, 2.0]).is_err());
}

#[test]
fn build_needs_two_objectives_and_restores_exactly() {
    let mut s = Settings::new(60);
    let err = build(Algorithm::Padds, space(3), &s, 1, 1).err().unwrap();
    assert!(err.to_string().contains("at least two objectives"), "{err}");
    s.objectives = 2;
    let mut a = build(Algorithm::Padds, space(3), &s, 9, 1).unwrap();
    for _ in 0..30 {
        let t = trial(a.propose());
        a.try_observe_many(t.id, &zdt1(&t.values)).unwrap();
    }
    let mut b = restore(&a.save().unwrap()).unwrap();
    loop {
        let (pa, pb) = (a.propose(), b.propose());
        assert_eq!(pa, pb);
        let Proposal::Trial(t) = pa else { break };
        a.try_observe_many(t.id, &zdt1(&t.values)).unwrap();
        b.try_observe_many(t.id, &zdt1(&t.values)).unwrap();
    }
    assert_eq!(a.pareto(), b.pareto());
    let (best, sum) = a.best().unwrap();
    let front = a.pareto().unwrap();
    let lowest = front
        .iter()
        .map(|(_, f)| f.iter().sum::<f64>())
        .fold(f64::MAX, f64::min);
    assert_eq!(sum, lowest);
    assert!(front.iter().any(|(t, _)| t.id == best.id));
    assert!(a.try_observe_many(999, &[0.0, 0.0]).is_err());
    assert_eq!(a.objectives(), Some(2));
}

#[test]
fn single_objective_optimisers_refuse_vectors() {
    let mut dds = build(Algorithm::Dds, space(2), &Settings::new(10), 1, 1).unwrap();
    let t = trial(dds.propose());
    assert!(matches!(
        dds.try_observe_many(t.id, &[1.0, 2.0]),
        Err(OptimError::NotMultiObjective { .. })
    ));
    assert!(dds.pareto().is_none());
}
