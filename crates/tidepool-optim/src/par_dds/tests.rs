use super::*;
use crate::params::Param;
use crate::perturb::BoundRule;
use crate::Trial;

fn make(budget: u64, workers: u64, variant: ParVariant) -> ParDds {
    make_r(budget, workers, variant, 0.2)
}

fn make_r(budget: u64, workers: u64, variant: ParVariant, r: f64) -> ParDds {
    let space = ParamSpace::new(
        (0..10)
            .map(|j| Param::new(format!("x{j}"), -1.0, 1.0))
            .collect(),
    )
    .unwrap();
    let opts = DdsOptions {
        budget,
        r,
        bound_rule: BoundRule::Reflect,
    };
    ParDds::new(space, opts, variant, workers, 11)
}

fn trial(p: Proposal) -> Trial {
    match p {
        Proposal::Trial(t) => t,
        other => panic!("expected a trial, got {other:?}"),
    }
}

fn changed(parent: &Trial, t: &Trial) -> Vec<usize> {
    (0..parent.values.len())
        .filter(|&j| parent.values[j] != t.values[j])
        .collect()
}

/// Runs `n` evaluations one at a time: the first initial sample scores 0, every
/// other result 5, so the first trial stays the best. Returns it.
fn warm_up(opt: &mut ParDds, n: usize) -> Trial {
    let first = trial(opt.propose());
    opt.try_observe(first.id, Outcome::Value(0.0)).unwrap();
    for _ in 1..n {
        let t = trial(opt.propose());
        opt.try_observe(t.id, Outcome::Value(5.0)).unwrap();
    }
    first
}

#[test]
fn siblings_from_one_best_perturb_different_coordinates() {
    let mut opt = make(2100, 10, ParVariant::default());
    let parent = warm_up(&mut opt, 2000);
    let sets: Vec<Vec<usize>> = (0..10)
        .map(|_| changed(&parent, &trial(opt.propose())))
        .collect();
    let mut all: Vec<usize> = sets.concat();
    all.sort_unstable();
    // late in the search DDS perturbs one coordinate: ten siblings cover all ten
    assert_eq!(all, (0..10).collect::<Vec<_>>(), "{sets:?}");
}

#[test]
fn without_spread_siblings_repeat_coordinates() {
    let variant = ParVariant {
        spread: false,
        ..ParVariant::default()
    };
    let mut opt = make(2100, 10, variant);
    let parent = warm_up(&mut opt, 2000);
    let mut all: Vec<usize> = (0..10)
        .flat_map(|_| changed(&parent, &trial(opt.propose())))
        .collect();
    all.sort_unstable();
    all.dedup();
    assert!(all.len() < 10, "{all:?}");
}

#[test]
fn two_improvements_from_a_stale_best_are_merged_next() {
    let mut opt = make(2100, 2, ParVariant::default());
    let parent = warm_up(&mut opt, 2000);
    let a = trial(opt.propose());
    let b = trial(opt.propose());
    let (ca, cb) = (changed(&parent, &a), changed(&parent, &b));
    assert!(ca.iter().all(|j| !cb.contains(j)), "{ca:?} {cb:?}");
    opt.try_observe(a.id, Outcome::Value(-2.0)).unwrap();
    // b improves on its parent (0) but not on the new best a (-2)
    opt.try_observe(b.id, Outcome::Value(-1.0)).unwrap();
    let m = trial(opt.propose());
    let mut expected = a.values.clone();
    for &j in &cb {
        expected[j] = b.values[j];
    }
    assert_eq!(m.values, expected);
    // the merge is a search candidate like any other: it can be merged in turn
    opt.try_observe(m.id, Outcome::Value(-3.0)).unwrap();
    assert_eq!(opt.ledger().best.as_ref().unwrap().id, m.id);
}

#[test]
fn a_result_worse_than_its_parent_or_failed_starts_no_merge() {
    let mut opt = make(2100, 2, ParVariant::default());
    let parent = warm_up(&mut opt, 2000);
    let a = trial(opt.propose());
    let b = trial(opt.propose());
    opt.try_observe(a.id, Outcome::Value(-2.0)).unwrap();
    opt.try_observe(b.id, Outcome::Failed).unwrap();
    let c = trial(opt.propose());
    // a fresh DDS candidate from a: one coordinate away from a, not b's values
    assert_eq!(changed(&a, &c).len(), 1);
    let d = trial(opt.propose());
    opt.try_observe(c.id, Outcome::Value(1.0)).unwrap();
    let e = trial(opt.propose());
    assert_eq!(changed(&a, &e).len(), 1, "{parent:?}");
    let _ = d;
}

#[test]
fn the_schedule_is_serial_dds_over_the_evaluations() {
    // m = 1000, n0 = max(5, slots) = 16: at evaluation 16 + i, P = 1 - ln(i)/ln(984);
    // with P = 1 every coordinate moves, so the first search candidate changes all ten
    let mut opt = make(1000, 16, ParVariant::default());
    let init: Vec<Trial> = (0..16).map(|_| trial(opt.propose())).collect();
    opt.try_observe(init[0].id, Outcome::Value(0.0)).unwrap();
    let first = trial(opt.propose());
    assert_eq!(changed(&init[0], &first).len(), 10);
    assert_eq!(opt.n_init, 16);
}

#[test]
fn siblings_step_at_r_r_half_2r_r_quarter() {
    // the ladder draws no random numbers: with the same seed and history, each
    // sibling's step is the plain step scaled by 1, 1/2, 2, 1/4; r = 0.01 keeps every
    // step of a coordinate away from the bounds inside them (no reflection)
    let plain = ParVariant {
        r_ladder: false,
        ..ParVariant::default()
    };
    let mut a = make_r(2100, 4, ParVariant::default(), 0.01);
    let mut b = make_r(2100, 4, plain, 0.01);
    let (pa, pb) = (warm_up(&mut a, 2000), warm_up(&mut b, 2000));
    assert_eq!(pa, pb);
    let mut checked = 0;
    // the warm-up's candidates were siblings too: the ladder continues from them
    let start = a.siblings.as_ref().unwrap().issued;
    for k in 0..8 {
        let factor = LADDER[(start + k) % LADDER.len()];
        let (ta, tb) = (trial(a.propose()), trial(b.propose()));
        assert_eq!(changed(&pa, &ta), changed(&pb, &tb));
        for j in changed(&pb, &tb) {
            let step = tb.values[j] - pb.values[j];
            if pb.values[j].abs() < 0.8 {
                let got = ta.values[j] - pa.values[j];
                assert!(
                    (got - factor * step).abs() < 1e-12,
                    "{got} vs {factor} x {step}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "{checked}");
}

#[test]
fn with_every_change_off_it_is_async_dds_bit_for_bit() {
    let none = ParVariant {
        serial_schedule: false,
        spread: false,
        merge: false,
        r_ladder: false,
    };
    let space = make(300, 3, none).ledger.space.clone();
    let settings = crate::Settings::new(300);
    let mut a = crate::build(crate::Algorithm::AsyncDds, space.clone(), &settings, 4, 3).unwrap();
    let mut b = crate::build_par_dds(space, &settings, none, 4, 3).unwrap();
    let mut flight = Vec::new();
    for _ in 0..300 {
        let (ta, tb) = (a.propose(), b.propose());
        assert_eq!(ta, tb);
        if let Proposal::Trial(t) = ta {
            flight.push(t);
        }
        if flight.len() == 3 {
            // observe the middle one: results out of order
            let t = flight.remove(1);
            let v = Outcome::Value(t.values.iter().map(|x| x * x).sum());
            a.try_observe(t.id, v).unwrap();
            b.try_observe(t.id, v).unwrap();
        }
    }
    assert_eq!(a.best(), b.best());
}
