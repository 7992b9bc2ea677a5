//! Determinism across checkpoints and replays, for every algorithm.

use crate::bench_fns::BenchFunction;
use crate::{build, restore, Algorithm, Optimizer, Outcome, Param, ParamSpace, Proposal, Settings};

const ALL: [Algorithm; 9] = [
    Algorithm::Dds,
    Algorithm::AsyncDds,
    Algorithm::PoolDds,
    Algorithm::ParDds,
    Algorithm::Uniform,
    Algorithm::Lhs,
    Algorithm::Sobol,
    Algorithm::List,
    Algorithm::SceUa,
];

fn space() -> ParamSpace {
    let mut params: Vec<Param> = (0..4)
        .map(|j| Param::new(format!("x{j}"), -5.12, 5.12))
        .collect();
    params.push(Param::new("n", 1.0, 9.0).integer());
    ParamSpace::new(params).unwrap()
}

fn settings() -> Settings {
    let mut s = Settings::new(120);
    s.sce_ua.complexes = 2; // a burn-in of 22, so sce-ua evolves within the budget
    s.list_rows = Some(
        (0..50)
            .map(|k| vec![0.1 * k as f64 - 2.0, 0.0, 1.0, -1.0, 3.0])
            .collect(),
    );
    s
}

/// A recorded event of a run: a proposal (its values) or an observation.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    Proposed(u64, Vec<u64>),
    Observed(u64, Outcome),
    Wait,
}

/// Drives `opt` with 3 slots, observing results out of order (every third result
/// fails), for at most `steps` steps; appends what happened to `log`.
fn drive(
    opt: &mut dyn Optimizer,
    in_flight: &mut Vec<(u64, Vec<f64>)>,
    steps: usize,
    log: &mut Vec<Event>,
) {
    for _ in 0..steps {
        if in_flight.len() < 3 {
            match opt.propose() {
                Proposal::Trial(t) => {
                    log.push(Event::Proposed(
                        t.id,
                        t.values.iter().map(|v| v.to_bits()).collect(),
                    ));
                    in_flight.push((t.id, t.values));
                    continue;
                }
                Proposal::Wait => log.push(Event::Wait),
                Proposal::Done if in_flight.is_empty() => return,
                Proposal::Done => {}
            }
        }
        let pick = in_flight.len() / 2;
        let (id, values) = in_flight.remove(pick);
        let outcome = if id % 3 == 2 {
            Outcome::Failed
        } else {
            Outcome::Value(BenchFunction::Rastrigin.eval(&values[..4]) + values[4])
        };
        opt.try_observe(id, outcome).unwrap();
        log.push(Event::Observed(id, outcome));
    }
}

#[test]
fn save_restore_and_continue_equals_never_stopping() {
    for alg in ALL {
        let mut straight = build(alg, space(), &settings(), 42, 3).unwrap();
        let (mut flight, mut log) = (Vec::new(), Vec::new());
        drive(straight.as_mut(), &mut flight, 10_000, &mut log);

        let mut first = build(alg, space(), &settings(), 42, 3).unwrap();
        let (mut flight2, mut log2) = (Vec::new(), Vec::new());
        for cut in [7, 40, 95] {
            drive(first.as_mut(), &mut flight2, cut, &mut log2);
            let bytes = first.save().unwrap();
            first = restore(&bytes).unwrap();
        }
        drive(first.as_mut(), &mut flight2, 10_000, &mut log2);
        assert_eq!(log, log2, "{alg:?}");
        assert!(log.iter().any(|e| matches!(e, Event::Proposed(..))));
        assert_eq!(straight.best(), first.best(), "{alg:?}");
        assert!(straight.best().is_some(), "{alg:?}");
    }
}

#[test]
fn replaying_the_recorded_interleaving_gives_identical_results() {
    for alg in ALL {
        let mut original = build(alg, space(), &settings(), 7, 3).unwrap();
        let (mut flight, mut log) = (Vec::new(), Vec::new());
        drive(original.as_mut(), &mut flight, 150, &mut log);

        // replay the journal into a fresh instance: proposals must match bit for bit
        let mut fresh = build(alg, space(), &settings(), 7, 3).unwrap();
        for event in &log {
            match event {
                Event::Proposed(id, bits) => match fresh.propose() {
                    Proposal::Trial(t) => {
                        assert_eq!(t.id, *id, "{alg:?}");
                        let got: Vec<u64> = t.values.iter().map(|v| v.to_bits()).collect();
                        assert_eq!(&got, bits, "{alg:?} trial {id}");
                    }
                    other => panic!("{alg:?}: expected trial {id}, got {other:?}"),
                },
                Event::Observed(id, outcome) => fresh.try_observe(*id, *outcome).unwrap(),
                Event::Wait => assert_eq!(fresh.propose(), Proposal::Wait),
            }
        }
        assert_eq!(original.best(), fresh.best(), "{alg:?}");
        assert_eq!(original.save().unwrap(), fresh.save().unwrap(), "{alg:?}");
    }
}

#[test]
fn different_seeds_differ_and_unknown_ids_are_reported() {
    let mut a = build(Algorithm::Dds, space(), &settings(), 1, 1).unwrap();
    let mut b = build(Algorithm::Dds, space(), &settings(), 2, 1).unwrap();
    assert_ne!(a.propose(), b.propose());
    assert!(a.try_observe(99, Outcome::Value(1.0)).is_err());
    let err = restore(&[0xff, 0x00]).err().unwrap();
    assert!(err.to_string().contains("damaged"));
}

#[test]
fn algorithm_names_follow_the_config() {
    let names: Vec<String> = ALL
        .iter()
        .map(|a| serde_json::to_string(a).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "\"dds\"",
            "\"async-dds\"",
            "\"pool-dds\"",
            "\"par-dds\"",
            "\"uniform\"",
            "\"lhs\"",
            "\"sobol\"",
            "\"list\"",
            "\"sce-ua\""
        ]
    );
}
