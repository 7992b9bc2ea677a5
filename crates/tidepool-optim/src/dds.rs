//! Serial DDS (Tolson & Shoemaker 2007), exactly as specified: an initial point or
//! `n0 = max(5, round(0.005 m))` uniform samples, then `m - n0` search iterations with
//! P(i) = 1 - ln(i)/ln(m - n0), sigma = r (hi - lo), the chosen bound rule, ties accepted.
//!
//! Failures count against the budget and never become the best. If every initial
//! sample failed, further uniform samples are drawn (from the search budget) until one
//! succeeds. Serial: while a search candidate is in flight `propose` answers `Wait`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::OptimError;
use crate::ledger::Ledger;
use crate::params::ParamSpace;
use crate::perturb::{dds_candidate, dds_probability, BoundRule};
use crate::{Outcome, Proposal, TrialId};

/// Options of the DDS family.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DdsOptions {
    /// Total evaluations m, initial samples included.
    pub budget: u64,
    /// Neighbourhood size r (fraction of the range).
    pub r: f64,
    pub bound_rule: BoundRule,
}

/// `n0 = max(5, round(0.005 m))`, never more than the budget.
pub fn initial_samples(budget: u64) -> u64 {
    ((0.005 * budget as f64).round() as u64).max(5).min(budget)
}

pub(crate) fn uniform_unit(d: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..d).map(|_| rng.gen::<f64>()).collect()
}

/// The start of a serial DDS-like search: the initial point (unit box) if the space
/// has one, and how many start samples: 1 with it, else `initial_samples`.
/// Serial DDS's candidate from `from` for proposal `proposed` after `n0` start samples:
/// the perturbation probability of the serial schedule, steps of `opts.r`.
pub(crate) fn serial_step(
    space: &ParamSpace,
    from: &[f64],
    (proposed, n0): (u64, u64),
    opts: &DdsOptions,
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    let p = dds_probability(proposed - n0 + 1, opts.budget - n0);
    dds_candidate(space, from, p, opts.r, opts.bound_rule, rng)
}

pub(crate) fn start(space: &ParamSpace, budget: u64) -> (Option<Vec<f64>>, u64) {
    let initial = space.initial_point().map(|x| space.normalise(&x));
    let n0 = match initial {
        Some(_) => 1.min(budget),
        None => initial_samples(budget),
    };
    (initial, n0)
}

/// `Done` once `budget` trials were proposed, else the next start sample (the initial
/// point first) while fewer than `n0` were; `None`: the search phase.
pub(crate) fn start_proposal(
    ledger: &mut Ledger,
    rng: &mut ChaCha8Rng,
    initial: Option<&Vec<f64>>,
    (n0, budget): (u64, u64),
) -> Option<Proposal> {
    let proposed = ledger.proposed();
    if proposed >= budget {
        return Some(Proposal::Done);
    }
    if proposed >= n0 {
        return None;
    }
    let unit = match (initial, proposed) {
        (Some(x), 0) => x.clone(),
        _ => uniform_unit(ledger.space.dim(), rng),
    };
    Some(Proposal::Trial(ledger.issue(unit)))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dds {
    ledger: Ledger,
    rng: ChaCha8Rng,
    opts: DdsOptions,
    n0: u64,
    initial: Option<Vec<f64>>,
}

impl Dds {
    pub fn new(space: ParamSpace, opts: DdsOptions, seed: u64) -> Self {
        let (initial, n0) = start(&space, opts.budget);
        Dds {
            ledger: Ledger::new(space),
            rng: ChaCha8Rng::seed_from_u64(seed),
            opts,
            n0,
            initial,
        }
    }

    pub fn propose(&mut self) -> Proposal {
        let limits = (self.n0, self.opts.budget);
        let initial = self.initial.as_ref();
        if let Some(p) = start_proposal(&mut self.ledger, &mut self.rng, initial, limits) {
            return p;
        }
        let (proposed, d) = (self.ledger.proposed(), self.ledger.space.dim());
        if self.ledger.in_flight() > 0 {
            return Proposal::Wait;
        }
        let Some(best) = self.ledger.best.as_ref() else {
            let unit = uniform_unit(d, &mut self.rng);
            return Proposal::Trial(self.ledger.issue(unit));
        };
        let step = (proposed, self.n0);
        let unit = serial_step(
            &self.ledger.space,
            &best.unit,
            step,
            &self.opts,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Param;
    use crate::Trial;

    fn space() -> ParamSpace {
        ParamSpace::new(
            (0..4)
                .map(|j| Param::new(format!("x{j}"), -5.0, 5.0))
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

    #[test]
    fn initial_phase_then_serial_search_then_done() {
        let mut dds = Dds::new(space(), opts(20), 1);
        let first: Vec<Trial> = (0..5).map(|_| trial(dds.propose())).collect();
        assert_eq!(dds.propose(), Proposal::Wait);
        for t in &first {
            dds.try_observe(t.id, Outcome::Value(t.values[0].abs()))
                .unwrap();
        }
        for _ in 5..20 {
            let t = trial(dds.propose());
            if t.id < 19 {
                assert_eq!(dds.propose(), Proposal::Wait);
            }
            dds.try_observe(t.id, Outcome::Failed).unwrap();
        }
        assert_eq!(dds.propose(), Proposal::Done);
        let best = first
            .iter()
            .map(|t| t.values[0].abs())
            .fold(f64::MAX, f64::min);
        assert_eq!(dds.ledger().best.as_ref().unwrap().value, best);
        assert_eq!(dds.ledger().failed, 15);
    }

    #[test]
    fn initial_point_is_evaluated_first_and_alone() {
        let s = ParamSpace::new(vec![Param::new("a", 0.0, 10.0).with_initial(3.0)]).unwrap();
        let mut dds = Dds::new(s, opts(10), 2);
        let t = trial(dds.propose());
        assert_eq!(t.values, vec![3.0]);
        assert_eq!(dds.propose(), Proposal::Wait);
        dds.try_observe(t.id, Outcome::Value(1.0)).unwrap();
        let next = trial(dds.propose());
        assert_ne!(next.values, vec![3.0]);
    }

    #[test]
    fn ties_are_accepted_and_failures_never_best() {
        let mut dds = Dds::new(space(), opts(30), 3);
        let init: Vec<Trial> = (0..5).map(|_| trial(dds.propose())).collect();
        for t in &init {
            dds.try_observe(t.id, Outcome::Value(1.0)).unwrap();
        }
        assert_eq!(dds.ledger().best.as_ref().unwrap().id, 4);
        let t = trial(dds.propose());
        dds.try_observe(t.id, Outcome::Value(1.0)).unwrap();
        assert_eq!(dds.ledger().best.as_ref().unwrap().id, t.id);
        let t = trial(dds.propose());
        dds.try_observe(t.id, Outcome::Value(f64::NAN)).unwrap();
        assert_ne!(dds.ledger().best.as_ref().unwrap().id, t.id);
        assert!(dds.try_observe(t.id, Outcome::Value(0.0)).is_err());
    }

    #[test]
    fn all_initial_failures_lead_to_more_samples() {
        let mut dds = Dds::new(space(), opts(8), 4);
        for _ in 0..5 {
            let t = trial(dds.propose());
            dds.try_observe(t.id, Outcome::Failed).unwrap();
        }
        let t = trial(dds.propose());
        dds.try_observe(t.id, Outcome::Value(2.0)).unwrap();
        assert_eq!(dds.ledger().best.as_ref().unwrap().id, 5);
    }
}
