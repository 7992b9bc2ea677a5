//! Asynchronous parallel DDS (OSTRICH ParallelDDS; Tolson, Sharma & Swayne 2014).
//!
//! `max(5, round(0.005 m), slots)` initial uniform samples (the initial point first if
//! given), then a candidate from the current best on every `propose`, with P = 1 for the
//! first `2 n` search candidates and `1 - ln(k - 2n) / ln(m - 2n)` after (k the 1-based
//! search candidate count, n the slot count). Results are accepted in any order; a
//! result at least as good as the best (ties accepted) replaces it. Failures count
//! against the budget and never become the best. `Wait` only while no valid result
//! exists yet and initial samples are still in flight.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::dds::{initial_samples, uniform_unit, DdsOptions};
use crate::error::OptimError;
use crate::ledger::Ledger;
use crate::params::ParamSpace;
use crate::perturb::{async_probability, dds_candidate};
use crate::{Outcome, Proposal, TrialId};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AsyncDds {
    ledger: Ledger,
    rng: ChaCha8Rng,
    opts: DdsOptions,
    workers: u64,
    n_init: u64,
    search_k: u64,
    initial: Option<Vec<f64>>,
}

impl AsyncDds {
    pub fn new(space: ParamSpace, opts: DdsOptions, workers: u64, seed: u64) -> Self {
        let initial = space.initial_point().map(|x| space.normalise(&x));
        let n_init = initial_samples(opts.budget).max(workers).min(opts.budget);
        AsyncDds {
            ledger: Ledger::new(space),
            rng: ChaCha8Rng::seed_from_u64(seed),
            opts,
            workers,
            n_init,
            search_k: 0,
            initial,
        }
    }

    pub fn propose(&mut self) -> Proposal {
        let initial = self.initial.as_deref();
        let (ledger, rng) = (&mut self.ledger, &mut self.rng);
        if let Some(p) = opening(ledger, rng, initial, self.n_init, self.opts.budget) {
            return p;
        }
        let Some(best) = self.ledger.best.as_ref() else {
            return Proposal::Wait;
        };
        self.search_k += 1;
        let p = async_probability(self.search_k, self.workers, self.opts.budget);
        let unit = dds_candidate(
            &self.ledger.space,
            &best.unit,
            p,
            self.opts.r,
            self.opts.bound_rule,
            &mut self.rng,
        );
        Proposal::Trial(self.ledger.issue(unit))
    }

    pub fn try_observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        self.ledger.observe(id, outcome)
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }
}

/// The asynchronous opening of `async-dds` and `par-dds`: `Done` once `budget` trials
/// are proposed; the first `n_init` trials uniform samples (the initial point first);
/// then, until a valid result exists, `Wait` while trials are in flight, else one more
/// uniform sample. `None` when the search can go on from the best.
pub(crate) fn opening(
    ledger: &mut Ledger,
    rng: &mut ChaCha8Rng,
    initial: Option<&[f64]>,
    n_init: u64,
    budget: u64,
) -> Option<Proposal> {
    let proposed = ledger.proposed();
    if proposed >= budget {
        return Some(Proposal::Done);
    }
    let d = ledger.space.dim();
    if proposed < n_init {
        let unit = match (initial, proposed) {
            (Some(x), 0) => x.to_vec(),
            _ => uniform_unit(d, rng),
        };
        return Some(Proposal::Trial(ledger.issue(unit)));
    }
    if ledger.best.is_some() {
        return None;
    }
    if ledger.in_flight() > 0 {
        return Some(Proposal::Wait);
    }
    Some(Proposal::Trial(ledger.issue(uniform_unit(d, rng))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Param;
    use crate::perturb::BoundRule;
    use crate::Trial;

    fn make(budget: u64, workers: u64) -> AsyncDds {
        let space = ParamSpace::new(
            (0..3)
                .map(|j| Param::new(format!("x{j}"), 0.0, 1.0))
                .collect(),
        )
        .unwrap();
        let opts = DdsOptions {
            budget,
            r: 0.2,
            bound_rule: BoundRule::Reflect,
        };
        AsyncDds::new(space, opts, workers, 9)
    }

    fn trial(p: Proposal) -> Trial {
        match p {
            Proposal::Trial(t) => t,
            other => panic!("expected a trial, got {other:?}"),
        }
    }

    #[test]
    fn initial_count_is_at_least_the_slot_count() {
        assert_eq!(make(1000, 16).n_init, 16);
        assert_eq!(make(1000, 2).n_init, 5);
        assert_eq!(make(4000, 2).n_init, 20);
    }

    #[test]
    fn never_waits_once_a_result_exists_and_accepts_any_order() {
        let mut opt = make(100, 4);
        let init: Vec<Trial> = (0..5).map(|_| trial(opt.propose())).collect();
        assert_eq!(opt.propose(), Proposal::Wait);
        opt.try_observe(init[3].id, Outcome::Value(0.5)).unwrap();
        // the other initial samples are still running: the search starts anyway
        let a = trial(opt.propose());
        let b = trial(opt.propose());
        opt.try_observe(b.id, Outcome::Value(0.1)).unwrap();
        opt.try_observe(init[0].id, Outcome::Value(0.3)).unwrap();
        opt.try_observe(a.id, Outcome::Failed).unwrap();
        assert_eq!(opt.ledger().best.as_ref().unwrap().id, b.id);
        for _ in 0..93 {
            trial(opt.propose());
        }
        assert_eq!(opt.propose(), Proposal::Done);
    }
}
