//! SCE-UA as a state machine: recorded proposals checked against the geometry of the
//! simplex computed here, the exact budget, asynchrony across complexes, convergence,
//! and the minimum of simple functions.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::complex::{trapezoidal_position, Member};
use super::population::{geometric_range, Convergence};
use super::*;
use crate::params::Param;
use crate::Trial;

fn unit_space(d: usize) -> ParamSpace {
    ParamSpace::new(
        (0..d)
            .map(|j| Param::new(format!("x{j}"), 0.0, 1.0))
            .collect(),
    )
    .unwrap()
}

fn opts(complexes: usize) -> SceUaOptions {
    SceUaOptions {
        complexes,
        ..SceUaOptions::default()
    }
}

fn sphere(x: &[f64]) -> f64 {
    x.iter().map(|v| (v - 0.3).powi(2)).sum()
}

fn trial(p: Proposal) -> Trial {
    match p {
        Proposal::Trial(t) => t,
        other => panic!("expected a trial, got {other:?}"),
    }
}

/// Proposes the whole burn-in and observes it; returns the points with their values.
fn burn_in(opt: &mut SceUa, n: usize) -> Vec<(Vec<f64>, f64)> {
    let trials: Vec<Trial> = (0..n).map(|_| trial(opt.propose())).collect();
    assert_eq!(
        opt.propose(),
        Proposal::Wait,
        "the burn-in waits for its results"
    );
    trials
        .into_iter()
        .map(|t| {
            let f = sphere(&t.values);
            opt.try_observe(t.id, Outcome::Value(f)).unwrap();
            (t.values, f)
        })
        .collect()
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
}

/// Every simplex Duan's rule could draw from a sorted complex: the best point and
/// `q - 1` others; each as (the others but the worst, the worst).
fn simplices(complex: &[Vec<f64>], q: usize) -> Vec<(Vec<Vec<f64>>, Vec<f64>)> {
    let n = complex.len();
    let mut out = Vec::new();
    for mask in 0u32..(1 << (n - 1)) {
        if mask.count_ones() as usize != q - 1 {
            continue;
        }
        let mut idx: Vec<usize> = vec![0];
        idx.extend((1..n).filter(|i| mask & (1 << (i - 1)) != 0));
        let worst = complex[*idx.last().unwrap()].clone();
        let rest = idx[..q - 1].iter().map(|&i| complex[i].clone()).collect();
        out.push((rest, worst));
    }
    out
}

fn centroid(points: &[Vec<f64>]) -> Vec<f64> {
    let d = points[0].len();
    (0..d)
        .map(|j| points.iter().map(|p| p[j]).sum::<f64>() / points.len() as f64)
        .collect()
}

#[test]
fn recorded_proposals_follow_reflection_contraction_and_random_point() {
    // n = 2: complexes of 5 points, simplices of 3, two complexes, 10 burn-in points
    let mut opt = SceUa::new(unit_space(2), 200, &opts(2), 5).unwrap();
    let mut pop = burn_in(&mut opt, 10);
    pop.sort_by(|a, b| a.1.total_cmp(&b.1));
    // complex 0 holds sorted points 0, 2, 4, 6, 8 (dealt k * ngs + c)
    let complex0: Vec<Vec<f64>> = (0..5).map(|k| pop[2 * k].0.clone()).collect();

    let first = trial(opt.propose());
    let second = trial(opt.propose());
    assert_eq!(
        opt.propose(),
        Proposal::Wait,
        "one step in flight per complex"
    );

    // a reflection worse than the worst: the contraction of the same simplex follows
    opt.try_observe(first.id, Outcome::Value(1e9)).unwrap();
    let contraction = trial(opt.propose());
    assert_eq!(opt.ledger.proposed(), 13);
    let contracted: Vec<_> = simplices(&complex0, 3)
        .into_iter()
        .filter(|(rest, w)| {
            let ce = centroid(rest);
            let expect: Vec<f64> = w.iter().zip(&ce).map(|(w, c)| w + 0.5 * (c - w)).collect();
            close(&expect, &contraction.values)
        })
        .collect();
    assert_eq!(
        contracted.len(),
        1,
        "{contraction:?}: no contraction of complex 0"
    );
    // the first trial was that simplex's reflection 2 ce - w, or a uniform point
    // when the reflection left the box
    let (rest, w) = &contracted[0];
    let ce = centroid(rest);
    let reflection: Vec<f64> = ce.iter().zip(w).map(|(c, w)| 2.0 * c - w).collect();
    let inside = reflection.iter().all(|v| (0.0..=1.0).contains(v));
    assert_eq!(
        inside,
        close(&reflection, &first.values),
        "{reflection:?} vs {first:?}"
    );

    // worse again: a uniform point, which is kept whatever its value
    opt.try_observe(contraction.id, Outcome::Value(1e9))
        .unwrap();
    let random = trial(opt.propose());
    opt.try_observe(random.id, Outcome::Value(5e8)).unwrap();
    let Phase::Evolve { complexes, .. } = &opt.phase else {
        panic!("still in the first loop");
    };
    assert_eq!(complexes[0].steps_done, 1);
    let last = complexes[0].members.last().unwrap();
    assert_eq!((last.unit.clone(), last.f), (random.values.clone(), 5e8));
    assert_eq!(
        complexes[1].steps_done, 0,
        "complex 1's reflection is in flight"
    );
    opt.try_observe(second.id, Outcome::Value(0.0)).unwrap();
    let Phase::Evolve { complexes, .. } = &opt.phase else {
        panic!("still in the first loop");
    };
    assert_eq!(
        complexes[1].members[0].f, 0.0,
        "a better point is accepted and sorted first"
    );
}

#[test]
fn the_budget_is_exact_even_in_the_middle_of_a_step() {
    for budget in [7, 10, 37, 123] {
        let mut opt = SceUa::new(unit_space(2), budget, &opts(2), 5).unwrap();
        let mut proposed = 0;
        let mut in_flight = Vec::new();
        loop {
            match opt.propose() {
                Proposal::Trial(t) => {
                    proposed += 1;
                    in_flight.push(t);
                }
                Proposal::Wait => {
                    let t = in_flight.remove(0);
                    opt.try_observe(t.id, Outcome::Value(sphere(&t.values)))
                        .unwrap();
                }
                Proposal::Done => break,
            }
        }
        assert_eq!(proposed, budget);
    }
}

#[test]
fn complexes_step_concurrently_and_the_shuffle_waits_for_all() {
    // n = 3: 4 complexes of 7; after the burn-in exactly 4 trials can be in flight
    let mut opt = SceUa::new(unit_space(3), 10_000, &opts(4), 8).unwrap();
    burn_in(&mut opt, 28);
    let flight: Vec<Trial> = (0..4).map(|_| trial(opt.propose())).collect();
    assert_eq!(opt.propose(), Proposal::Wait);
    let Phase::Evolve { owner, .. } = &opt.phase else {
        panic!("evolving");
    };
    let mut owners: Vec<usize> = owner.values().copied().collect();
    owners.sort();
    assert_eq!(owners, [0, 1, 2, 3], "one trial of each complex");
    // run to the end of the loop: each complex takes 7 steps, then one shuffle
    let mut flight = flight;
    let mut evaluated = 0;
    loop {
        let t = flight.remove(0);
        opt.try_observe(t.id, Outcome::Value(sphere(&t.values)))
            .unwrap();
        evaluated += 1;
        if opt.loops() == 1 {
            break;
        }
        while let Proposal::Trial(t) = opt.propose() {
            flight.push(t);
        }
        assert!(flight.len() <= 4);
    }
    assert!(
        flight.is_empty(),
        "the shuffle happens with nothing in flight"
    );
    // 4 complexes x 7 steps, each of 1 to 3 evaluations
    assert!((28..=84).contains(&evaluated), "{evaluated}");
    assert_eq!(opt.convergence.criter.len(), 1);
}

#[test]
fn trapezoidal_positions_have_duan_probabilities() {
    let npg = 7;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let draws = 200_000;
    let mut counts = vec![0u32; npg];
    for _ in 0..draws {
        counts[trapezoidal_position(npg, rng.gen())] += 1;
    }
    for (i, &c) in counts.iter().enumerate() {
        let p = 2.0 * (npg - i) as f64 / (npg * (npg + 1)) as f64;
        let got = c as f64 / draws as f64;
        assert!((got - p).abs() < 0.005, "position {i}: {got} vs {p}");
    }
    assert_eq!(trapezoidal_position(npg, 0.0), 0);
    assert_eq!(trapezoidal_position(npg, 1.0 - 1e-16), npg - 1);
}

#[test]
fn convergence_tests_match_hand_computed_values() {
    let m = |unit: Vec<f64>| Member { unit, f: 0.0 };
    // ranges 0.5 and 0.125: geometric mean sqrt(0.0625) = 0.25
    let pop = [m(vec![0.1, 0.5]), m(vec![0.6, 0.375]), m(vec![0.3, 0.4])];
    assert!((geometric_range(&pop) - 0.25).abs() < 1e-15);
    let mut conv = Convergence {
        kstop: 3,
        pcento: 0.1,
        peps: 1e-7,
        criter: vec![4.0, 2.0],
    };
    assert_eq!(conv.change_percent(), 1e5, "fewer than kstop loops");
    conv.criter.push(1.0);
    // |1 - 4| * 100 / mean(4, 2, 1) = 300 / (7/3)
    assert!((conv.change_percent() - 900.0 / 7.0).abs() < 1e-12);
    conv.criter.extend([1.0, 1.0]);
    assert_eq!(conv.change_percent(), 0.0);
}

fn run_serial(opt: &mut SceUa, f: impl Fn(&[f64]) -> f64) -> u64 {
    while let Proposal::Trial(t) = opt.propose() {
        opt.try_observe(t.id, Outcome::Value(f(&t.values))).unwrap();
    }
    opt.ledger.proposed()
}

#[test]
fn finds_the_minimum_of_a_shifted_sphere_and_stops_on_convergence() {
    let space = ParamSpace::new(
        (0..4)
            .map(|j| Param::new(format!("x{j}"), -5.0, 5.0))
            .collect(),
    )
    .unwrap();
    let settings = SceUaOptions {
        complexes: 4,
        kstop: 5,
        pcento: 0.01,
        ..SceUaOptions::default()
    };
    let mut opt = SceUa::new(space, 20_000, &settings, 11).unwrap();
    let used = run_serial(&mut opt, |x| x.iter().map(|v| (v - 1.5).powi(2)).sum());
    let (best, value) = opt.ledger.best_trial().unwrap();
    assert!(value < 1e-8, "best {value} at {best:?}");
    assert!(best.values.iter().all(|v| (v - 1.5).abs() < 1e-3));
    assert!(used < 20_000, "stopped by convergence after {used}");
    assert_eq!(opt.propose(), Proposal::Done);
}

#[test]
fn rosenbrock_2d_reaches_its_valley_floor() {
    let space =
        ParamSpace::new(vec![Param::new("a", -2.0, 2.0), Param::new("b", -1.0, 3.0)]).unwrap();
    let mut opt = SceUa::new(space, 3000, &opts(5), 2).unwrap();
    run_serial(&mut opt, |x| {
        100.0 * (x[1] - x[0] * x[0]).powi(2) + (1.0 - x[0]).powi(2)
    });
    let (best, value) = opt.ledger.best_trial().unwrap();
    assert!(value < 1e-4, "best {value} at {best:?}");
}

#[test]
fn failures_fill_the_population_as_worst_and_never_become_best() {
    let mut opt = SceUa::new(unit_space(2), 300, &opts(2), 4).unwrap();
    let mut k = 0;
    while let Proposal::Trial(t) = opt.propose() {
        k += 1;
        let outcome = if k % 3 == 0 {
            Outcome::Failed
        } else if k % 7 == 0 {
            Outcome::Value(f64::NAN)
        } else {
            Outcome::Value(sphere(&t.values))
        };
        opt.try_observe(t.id, outcome).unwrap();
    }
    let (best, value) = opt.ledger.best_trial().unwrap();
    assert!((sphere(&best.values) - value).abs() < 1e-15);
    assert!(opt.loops() >= 1);
}

#[test]
fn sizes_follow_the_dimension_and_bad_settings_are_refused() {
    let s = SceUaOptions::default().sizes(5).unwrap();
    assert_eq!((s.ngs, s.npg, s.nps, s.nspl), (20, 11, 6, 11));
    let too_big = SceUaOptions {
        complex_size: Some(3),
        ..SceUaOptions::default()
    };
    let err = SceUa::new(unit_space(3), 100, &too_big, 0).err().unwrap();
    assert!(err.to_string().contains("sce_ua.simplex_size"), "{err}");
    let none = SceUaOptions {
        complexes: 0,
        ..SceUaOptions::default()
    };
    assert!(SceUa::new(unit_space(3), 100, &none, 0).is_err());
}

#[test]
fn a_clustered_complex_reflects_its_worst_point_through_the_centroid() {
    use super::complex::Complex;
    // the simplex is the whole complex (q = m = 3): best, middle, worst
    let pts = [[0.5, 0.5], [0.6, 0.4], [0.45, 0.62]];
    let members = pts
        .iter()
        .enumerate()
        .map(|(i, p)| Member {
            unit: p.to_vec(),
            f: i as f64,
        })
        .collect();
    let mut c = Complex::new(members);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    // ce = (0.55, 0.45); 2 ce - w = (0.65, 0.28); w + (ce - w) / 2 = (0.5, 0.535)
    let refl = c.candidate(3, &mut rng);
    assert!(close(&refl, &[0.65, 0.28]), "{refl:?}");
    c.settle(refl, 2.5);
    let contraction = c.candidate(3, &mut rng);
    assert!(close(&contraction, &[0.5, 0.535]), "{contraction:?}");
    c.settle(contraction.clone(), 0.5);
    assert_eq!(c.steps_done, 1);
    let order: Vec<Vec<f64>> = c.members.iter().map(|m| m.unit.clone()).collect();
    assert_eq!(order, [vec![0.5, 0.5], contraction, vec![0.6, 0.4]]);
}
