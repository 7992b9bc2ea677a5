//! Resume on a real SQLite journal: interrupted runs continue exactly as uninterrupted.

use super::*;
use rand::{Rng, SeedableRng};
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

/// Run serially until the search ends or `stop_after` more results are observed.
/// Returns every trial handed out, in order.
fn drive(search: &mut Search, stop_after: Option<usize>) -> Vec<Trial> {
    let mut handed = Vec::new();
    let mut seen = 0;
    while let Proposal::Trial(trial) = search.propose() {
        handed.push(trial.clone());
        if stop_after == Some(seen) {
            return handed; // interrupted while this trial was in flight
        }
        search.observe(trial.id, Outcome::Value(rosenbrock(&trial.values)));
        seen += 1;
    }
    assert!(search.error().is_none());
    handed
}

fn uninterrupted(algorithm: Algorithm) -> Vec<Trial> {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "seed = 42\n").unwrap();
    let mut search = Search::start(optimizer(algorithm, 1), journal);
    drive(&mut search, None)
}

/// Interrupt at random points (the journal's writer thread is dropped without a final
/// flush, as after SIGKILL only committed batches survive), resume, and compare the
/// whole sequence of proposals with the uninterrupted run.
fn interrupted(algorithm: Algorithm, seed: u64) -> Vec<Trial> {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "seed = 42\n").unwrap();
    let mut search = Search::start(optimizer(algorithm, 1), journal);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut handed = Vec::new();
    for _ in 0..4 {
        let stop = rng.gen_range(0..60);
        handed.extend(drive(&mut search, Some(stop)));
        drop(search.finish().unwrap());
        let journal = Journal::open(dir.path()).unwrap();
        search = Search::resume(optimizer(algorithm, 1), journal).unwrap();
        // the in-flight trial comes back first, unchanged: don't count it twice
        let again = search.pending_again();
        assert_eq!(again, 1, "one trial was in flight");
        handed.pop();
    }
    handed.extend(drive(&mut search, None));
    handed
}

#[test]
fn serial_runs_resume_bit_for_bit() {
    for algorithm in [Algorithm::Dds, Algorithm::AsyncDds, Algorithm::Lhs] {
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
    let mut search = Search::start(optimizer(Algorithm::Dds, 1), journal);
    drive(&mut search, Some(10));
    drop(search.finish().unwrap());
    let journal = Journal::open(dir.path()).unwrap();
    let other = optimizer(Algorithm::Lhs, 1);
    let err = Search::resume(other, journal).err().expect("refused");
    assert!(matches!(err, SearchError::Diverged { id: 0, .. }), "{err}");
    assert!(
        err.to_string().contains("start a new run directory"),
        "{err}"
    );
}

#[test]
fn results_are_recorded_and_best_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::create(dir.path(), &names(), "").unwrap();
    let mut search = Search::start(optimizer(Algorithm::Dds, 1), journal);
    let handed = drive(&mut search, None);
    let (best, value) = search.best().unwrap();
    let journal = search.finish().unwrap();
    let reader = journal.reader().unwrap();
    let observations = reader.observations().unwrap();
    assert_eq!(observations.len(), handed.len());
    let min = observations
        .iter()
        .filter_map(|o| o.objective.map(|v| (o.trial_id, v)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert_eq!(min, (best.id, value));
}
