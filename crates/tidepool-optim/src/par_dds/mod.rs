//! `par-dds`: asynchronous parallel DDS that accounts for the trials in flight.
//!
//! `async-dds` (OSTRICH's rules) proposes every candidate from the current best as if
//! it were alone; with `n` slots, up to `n - 1` siblings from the same best are still
//! running, drawn from the same distribution, so they explore the same neighbourhood
//! and most of what they find is lost when one of them replaces the best. `par-dds`
//! keeps the asynchronous loop (a candidate for every freed slot, no barrier) and
//! changes four things:
//!
//! - the inclusion probability follows serial DDS over the evaluations, P(i) = 1 -
//!   ln(i) / ln(m - n0) (no 2n candidates at P = 1);
//! - siblings from the same best perturb different coordinates (`spread`): each takes
//!   as many coordinates as DDS would, but those its siblings perturbed least;
//! - siblings from the same best take neighbourhood sizes r, r/2, 2r, r/4 in turn (the
//!   ladder), so that concurrent candidates also search at different scales;
//! - improvements found from a stale best are merged (`merge`): when a result improves
//!   on its own parent but the best has moved, the better of the two gets the other's
//!   changed coordinates, and that point is proposed next.
//!
//! Each change was measured on its own and together in bench/optim (bench/RESULTS.md,
//! "optim: parallel DDS"); all four together lose least against serial `dds`.
//!
//! Initial samples as in `async-dds` (`max(n0, slots)`, the initial point first).
//! Everything depends only on the seed and the order of observations, so a replayed
//! journal gives the same proposals. Failures count against the budget, never become
//! the best, and start no merge.

mod merge;
mod spread;

use std::collections::{BTreeMap, VecDeque};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::async_dds::opening;
use crate::dds::{initial_samples, DdsOptions};
use crate::error::OptimError;
use crate::ledger::{Best, Ledger};
use crate::params::ParamSpace;
use crate::perturb::{async_probability, dds_probability, dds_step, select};
use crate::{Outcome, Proposal, TrialId};
use merge::{merge, Origin, Side};
use spread::spread_select;

/// Which of the changes to `async-dds` are on (all by default); switching them off
/// measures each on its own in bench/optim (all off is `async-dds`, bit for bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParVariant {
    /// Serial DDS's schedule over the evaluations; off: OSTRICH's (P = 1 for 2n).
    pub serial_schedule: bool,
    /// Siblings perturb the coordinates least perturbed by their siblings.
    pub spread: bool,
    /// Merge improvements found from a stale best.
    pub merge: bool,
    /// Siblings use neighbourhood sizes r, r/2, 2r, r/4 in turn.
    pub r_ladder: bool,
}

impl Default for ParVariant {
    fn default() -> Self {
        ParVariant {
            serial_schedule: true,
            spread: true,
            merge: true,
            r_ladder: true,
        }
    }
}

const LADDER: [f64; 4] = [1.0, 0.5, 2.0, 0.25];

/// Siblings of the current best: how many were issued, and how many of those in
/// flight perturb each coordinate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Siblings {
    parent: TrialId,
    issued: usize,
    cover: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParDds {
    ledger: Ledger,
    rng: ChaCha8Rng,
    opts: DdsOptions,
    variant: ParVariant,
    workers: u64,
    n_init: u64,
    search_k: u64,
    initial: Option<Vec<f64>>,
    origins: BTreeMap<TrialId, Origin>,
    best_origin: Option<Origin>,
    merges: VecDeque<(Vec<f64>, Origin)>,
    siblings: Option<Siblings>,
}

impl ParDds {
    pub fn new(
        space: ParamSpace,
        opts: DdsOptions,
        variant: ParVariant,
        workers: u64,
        seed: u64,
    ) -> Self {
        let initial = space.initial_point().map(|x| space.normalise(&x));
        let n_init = initial_samples(opts.budget).max(workers).min(opts.budget);
        ParDds {
            ledger: Ledger::new(space),
            rng: ChaCha8Rng::seed_from_u64(seed),
            opts,
            variant,
            workers,
            n_init,
            search_k: 0,
            initial,
            origins: BTreeMap::new(),
            best_origin: None,
            merges: VecDeque::new(),
            siblings: None,
        }
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn propose(&mut self) -> Proposal {
        let initial = self.initial.as_deref();
        let (ledger, rng) = (&mut self.ledger, &mut self.rng);
        if let Some(p) = opening(ledger, rng, initial, self.n_init, self.opts.budget) {
            return p;
        }
        let Some(best) = self.ledger.best.clone() else {
            return Proposal::Wait;
        };
        let (unit, origin) = match self.merges.pop_front() {
            Some(queued) => queued,
            None => self.candidate(&best),
        };
        let trial = self.ledger.issue(unit);
        self.cover(&origin, true);
        self.origins.insert(trial.id, origin);
        Proposal::Trial(trial)
    }

    /// A DDS candidate from `best`, its coordinates spread over its siblings.
    fn candidate(&mut self, best: &Best) -> (Vec<f64>, Origin) {
        self.search_k += 1;
        let p = if self.variant.serial_schedule {
            let i = self.ledger.proposed() - self.n_init + 1;
            dds_probability(i, self.opts.budget - self.n_init)
        } else {
            async_probability(self.search_k, self.workers, self.opts.budget)
        };
        let d = best.unit.len();
        let mut sib = match self.siblings.take() {
            Some(s) if s.parent == best.id => s,
            _ => Siblings {
                parent: best.id,
                issued: 0,
                cover: vec![0; d],
            },
        };
        let vars = if self.variant.spread {
            spread_select(&sib.cover, p, &mut self.rng)
        } else {
            select(d, p, &mut self.rng)
        };
        let r = if self.variant.r_ladder {
            (self.opts.r * LADDER[sib.issued % LADDER.len()]).min(1.0)
        } else {
            self.opts.r
        };
        sib.issued += 1;
        self.siblings = Some(sib);
        let unit = dds_step(
            &self.ledger.space,
            &best.unit,
            &vars,
            r,
            self.opts.bound_rule,
            &mut self.rng,
        );
        let origin = Origin {
            parent: best.id,
            parent_value: best.value,
            changed: vars,
        };
        (unit, origin)
    }

    pub fn try_observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        let before = self.ledger.best.clone();
        let (unit, value) = self.ledger.settle(id, outcome)?;
        let origin = self.origins.remove(&id);
        if let Some(o) = origin.as_ref() {
            self.cover(o, false);
        }
        let Some(v) = value else { return Ok(()) };
        let became_best = self.ledger.offer(id, &unit, v);
        if let (true, Some(o), Some(b)) = (self.variant.merge, origin.as_ref(), before.as_ref()) {
            self.queue_merge(id, v, &unit, o, b, became_best);
        }
        if became_best {
            self.best_origin = origin;
        }
        Ok(())
    }

    /// Counts a sibling of the current best in flight (`add`) or back.
    fn cover(&mut self, origin: &Origin, add: bool) {
        let Some(sib) = self.siblings.as_mut().filter(|s| s.parent == origin.parent) else {
            return;
        };
        for &j in &origin.changed {
            sib.cover[j] = if add {
                sib.cover[j] + 1
            } else {
                sib.cover[j].saturating_sub(1)
            };
        }
    }

    /// A result that improved on its parent after the best `b` moved away from that
    /// parent: queue the merge of the two improvements.
    fn queue_merge(&mut self, id: TrialId, v: f64, unit: &[f64], o: &Origin, b: &Best, won: bool) {
        if v >= o.parent_value || b.id == o.parent || self.merges.len() as u64 >= self.workers {
            return;
        }
        let b_changed = self.best_origin.as_ref().map_or(&[][..], |x| &x.changed);
        let x = Side {
            id,
            value: v,
            unit,
            changed: &o.changed,
        };
        let old = Side {
            id: b.id,
            value: b.value,
            unit: &b.unit,
            changed: b_changed,
        };
        let merged = if won {
            merge(&x, &old)
        } else {
            merge(&old, &x)
        };
        if let Some(m) = merged {
            self.merges.push_back(m);
        }
    }
}

#[cfg(test)]
mod tests;
