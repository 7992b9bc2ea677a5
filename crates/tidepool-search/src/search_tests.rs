//! Resume on a real SQLite journal: interrupted runs continue exactly as uninterrupted.

use super::*;
use rand::{Rng, SeedableRng};
use tidepool_journal::{unix_now, Journal};
use tidepool_optim::bench_fns::rosenbrock;
use tidepool_optim::{build, Algorithm, Param, ParamSpace, Settings, Transform};

const BUDGET: u64 = 300;

fn names() -> Vec<String> {
    (0..4).map(|i| format!("x{i}")).collect()
}

fn optimizer(algorithm: Algorithm, slots: usize) -> Box<dyn Optimizer> {
    let mut params: Vec<Param> = names()
        .into_iter()
        .map(|n| Param::new(n, -5.0, 10.0))
        .collect();
    params[3] = Param {
        transform: Transform::Log10,
        ..Param::new("x3", 0.01, 100.0)
    };
    let space = ParamSpace::new(params).unwrap();
    build(algorithm, space, &Settings::new(BUDGET), 42, slots).unwrap()
}

/// Run serially until the search ends or `stop_after` more results are observed,
/// journalling every call as the coordinator's recorder does. Returns every trial
/// handed out, in order.
fn drive(search: &mut Search, journal: &Journal, stop_after: Option<usize>) -> Vec<Trial> {
    let mut handed = Vec::new();
    let mut seen = 0;
    while let Proposal::Trial(trial) = search.propose() {
        let record = tidepool_journal::ProposedTrial {
            id: trial.id,
            params: trial.values.clone(),
            queued_at: unix_now(),
        };
        journal.proposed(&record).unwrap();
        handed.push(trial.clone());
        if stop_after == Some(seen) {
            return handed; // interrupted while this trial was in flight
        }
        let value = rosenbrock(&trial.values);
        search.observe(trial.id, Outcome::Value(value));
        journal.observed(trial.id, Some(value)).unwrap();
        seen += 1;
    }
    handed
}

fn uninterrupted(algorithm: Algorithm) -> Vec<Trial> {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "seed = 42\n").unwrap();
    let mut search = Search::start(optimizer(algorithm, 1));
    drive(&mut search, &journal, None)
}

/// Interrupt at random points (the journal's writer thread is dropped without a final
/// flush, as after SIGKILL only committed batches survive), resume, and compare the
/// whole sequence of proposals with the uninterrupted run.
fn interrupted(algorithm: Algorithm, seed: u64) -> Vec<Trial> {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::create(dir.path(), &names(), "seed = 42\n").unwrap();
    let mut search = Search::start(optimizer(algorithm, 1));
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut handed = Vec::new();
    for _ in 0..4 {
        let stop = rng.gen_range(0..60);
        handed.extend(drive(&mut search, &journal, Some(stop)));
        drop(journal);
        journal = Journal::open(dir.path()).unwrap();
        let reader = journal.reader().unwrap();
        search = Search::resume(optimizer(algorithm, 1), &reader, Replay::Exact).unwrap();
        // the in-flight trial comes back first, unchanged: don't count it twice
        let again = search.pending_again();
        assert_eq!(again, 1, "one trial was in flight");
        handed.pop();
    }
    handed.extend(drive(&mut search, &journal, None));
    handed
}

#[test]
fn serial_runs_resume_bit_for_bit() {
    for algorithm in [
        Algorithm::Dds,
        Algorithm::AsyncDds,
        Algorithm::ParDds,
        Algorithm::Lhs,
    ] {
        let full = uninterrupted(algorithm);
        assert_eq!(full.len() as u64, BUDGET);
        for seed in 0..3 {
            let resumed = interrupted(algorithm, seed);
            assert_eq!(resumed.len(), full.len(), "{algorithm:?} seed {seed}");
            for (a, b) in resumed.iter().zip(&full) {
                assert_eq!(a.id, b.id);
                let bits = |t: &Trial| t.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(a), bits(b), "{algorithm:?} trial {}", a.id);
            }
        }
    }
}

#[test]
fn a_changed_search_is_refused_naming_the_trial() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "seed = 42\n").unwrap();
    let mut search = Search::start(optimizer(Algorithm::Dds, 1));
    drive(&mut search, &journal, Some(10));
    let reader = journal.reader().unwrap();
    let other = optimizer(Algorithm::Lhs, 1);
    let err = Search::resume(other, &reader, Replay::Exact)
        .err()
        .expect("refused");
    assert!(matches!(err, SearchError::Diverged { id: 0, .. }), "{err}");
    assert!(
        err.to_string().contains("start a new run directory"),
        "{err}"
    );
}

#[test]
fn a_forced_change_replays_by_ids_and_hands_out_the_trial_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "seed = 42\n").unwrap();
    let mut search = Search::start(optimizer(Algorithm::Dds, 1));
    let handed = drive(&mut search, &journal, Some(10));
    let reader = journal.reader().unwrap();
    let mut other = Search::resume(optimizer(Algorithm::Lhs, 1), &reader, Replay::IdsOnly).unwrap();
    assert_eq!((other.observed(), other.pending_again()), (10, 1));
    let Proposal::Trial(again) = other.propose() else {
        panic!("the trial in flight comes back first");
    };
    assert_eq!(&again, handed.last().unwrap());
}

/// Two objectives of the 4 parameters: distances to two points (a front between them).
fn two_objectives(x: &[f64]) -> Vec<f64> {
    let d = |c: f64| x.iter().map(|v| (v - c).powi(2)).sum::<f64>();
    vec![d(0.0), d(2.0)]
}

fn padds() -> Box<dyn Optimizer> {
    let space = ParamSpace::new(
        names()
            .into_iter()
            .map(|n| Param::new(n, -5.0, 10.0))
            .collect(),
    )
    .unwrap();
    let settings = Settings {
        objectives: 2,
        ..Settings::new(BUDGET)
    };
    build(Algorithm::Padds, space, &settings, 42, 1).unwrap()
}

/// Like `drive`, telling and journalling vectors (every seventh trial fails).
fn drive_vectors(search: &mut Search, journal: &Journal, stop_after: Option<usize>) -> Vec<Trial> {
    let mut handed = Vec::new();
    let mut seen = 0;
    while let Proposal::Trial(trial) = search.propose() {
        let record = tidepool_journal::ProposedTrial {
            id: trial.id,
            params: trial.values.clone(),
            queued_at: unix_now(),
        };
        journal.proposed(&record).unwrap();
        handed.push(trial.clone());
        if stop_after == Some(seen) {
            return handed;
        }
        if trial.id % 7 == 3 {
            search.try_observe(trial.id, Outcome::Failed).unwrap();
            journal.observed(trial.id, None).unwrap();
        } else {
            let v = two_objectives(&trial.values);
            search.try_observe_many(trial.id, &v).unwrap();
            journal
                .observed_vector(trial.id, Some(v.iter().sum()), Some(&v))
                .unwrap();
        }
        seen += 1;
    }
    handed
}

#[test]
fn padds_resumes_bit_for_bit_with_the_same_archive() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "seed = 42\n").unwrap();
    let mut full = Search::start(padds());
    let all = drive_vectors(&mut full, &journal, None);
    assert_eq!(all.len() as u64, BUDGET);

    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::create(dir.path(), &names(), "seed = 42\n").unwrap();
    let mut search = Search::start(padds());
    let mut handed = Vec::new();
    for stop in [17, 40, 3] {
        handed.extend(drive_vectors(&mut search, &journal, Some(stop)));
        drop(journal);
        journal = Journal::open(dir.path()).unwrap();
        let reader = journal.reader().unwrap();
        search = Search::resume(padds(), &reader, Replay::Exact).unwrap();
        assert_eq!(search.pending_again(), 1);
        handed.pop();
    }
    handed.extend(drive_vectors(&mut search, &journal, None));
    let bits = |t: &Trial| t.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(handed.len(), all.len());
    for (a, b) in handed.iter().zip(&all) {
        assert_eq!((a.id, bits(a)), (b.id, bits(b)));
    }
    assert_eq!(search.pareto(), full.pareto());
    assert!(search.pareto().unwrap().len() > 5);
}
