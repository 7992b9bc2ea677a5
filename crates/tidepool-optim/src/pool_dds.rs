//! `pool-dds`: the batch-synchronous "ASYNC-DDS" of SYMFLUENCE, for reproducing runs
//! made with it. Unit box; a pool of the best `p` points; batches of `b` candidates,
//! each from the best of a tournament of 3 pool members; P = max(1 - ln(n + i + 1) /
//! ln(T), 1/d); one reflection at 0 or 1 then clipping; a barrier after each batch
//! (`propose` answers `Wait` until the whole batch is observed); stop after `T`
//! evaluations (T = the budget, the initial pool included, the last batch shortened to
//! fit) or after `s` batches without improvement.
//!
//! Failed evaluations neither count as valid (n) nor enter the pool, but they use the
//! budget. Each closed batch leaves a [`BatchRecord`] so that a report can state the
//! slot time lost at the barrier (see [`barrier_slot_time_lost`]).

use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::dds::uniform_unit;
use crate::error::OptimError;
use crate::ledger::Ledger;
use crate::params::ParamSpace;
use crate::{Outcome, Proposal, TrialId};

/// Options of `pool-dds`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PoolOptions {
    /// T: total evaluations, initial pool included.
    pub budget: u64,
    pub pool_size: usize,
    pub batch_size: usize,
    pub r: f64,
    /// s: batches without improvement before stopping.
    pub stagnation_limit: u32,
}

/// One closed batch: trials `first_trial .. first_trial + proposed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRecord {
    pub index: u32,
    pub first_trial: TrialId,
    pub proposed: u32,
    pub valid: u32,
    pub improved: bool,
    /// How many results had been observed in the run when the batch closed.
    pub closed_at_observation: u64,
}

/// Slot time lost waiting at one batch's barrier: for each trial, the time from its own
/// end to the batch's last end. `finished_at` gives a trial's end time (any unit).
pub fn barrier_slot_time_lost(record: &BatchRecord, finished_at: impl Fn(TrialId) -> f64) -> f64 {
    let ends: Vec<f64> = (0..record.proposed as u64)
        .map(|k| finished_at(record.first_trial + k))
        .collect();
    let last = ends.iter().copied().fold(f64::MIN, f64::max);
    ends.iter().map(|e| last - e).sum()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct OpenBatch {
    first_trial: TrialId,
    size: u32,
    issued: u32,
    results: Vec<(TrialId, Vec<f64>, Option<f64>)>,
    initial: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PoolDds {
    ledger: Ledger,
    rng: ChaCha8Rng,
    opts: PoolOptions,
    pool: Vec<(f64, Vec<f64>)>,
    valid: u64,
    stagnant: u32,
    stopped: bool,
    open: Option<OpenBatch>,
    records: Vec<BatchRecord>,
    initial: Option<Vec<f64>>,
}

impl PoolDds {
    pub fn new(space: ParamSpace, opts: PoolOptions, seed: u64) -> Self {
        let initial = space.initial_point().map(|x| space.normalise(&x));
        PoolDds {
            ledger: Ledger::new(space),
            rng: ChaCha8Rng::seed_from_u64(seed),
            opts,
            pool: Vec::new(),
            valid: 0,
            stagnant: 0,
            stopped: false,
            open: None,
            records: Vec::new(),
            initial,
        }
    }

    pub fn records(&self) -> &[BatchRecord] {
        &self.records
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn propose(&mut self) -> Proposal {
        if self.stopped {
            return Proposal::Done;
        }
        if self.open.is_none() {
            let left = self.opts.budget - self.ledger.proposed();
            if left == 0 {
                self.stopped = true;
                return Proposal::Done;
            }
            let initial = self.pool.is_empty();
            let want = if initial {
                self.opts.pool_size
            } else {
                self.opts.batch_size
            };
            self.open = Some(OpenBatch {
                first_trial: self.ledger.proposed(),
                size: (want as u64).min(left) as u32,
                issued: 0,
                results: Vec::new(),
                initial,
            });
        }
        let Some(batch) = self.open.as_ref() else {
            return Proposal::Done;
        };
        if batch.issued == batch.size {
            return Proposal::Wait;
        }
        let (i, initial) = (batch.issued, batch.initial);
        let unit = self.candidate(i, initial);
        if let Some(b) = self.open.as_mut() {
            b.issued += 1;
        }
        Proposal::Trial(self.ledger.issue(unit))
    }

    fn candidate(&mut self, i: u32, initial: bool) -> Vec<f64> {
        let d = self.ledger.space.dim();
        if initial {
            return match (&self.initial, self.ledger.proposed()) {
                (Some(x), 0) => x.clone(),
                _ => uniform_unit(d, &mut self.rng),
            };
        }
        let parent = self.tournament();
        let n = (self.valid + i as u64 + 1) as f64;
        let p = (1.0 - n.ln() / (self.opts.budget as f64).ln()).max(1.0 / d as f64);
        let mut x = parent;
        let mut any = false;
        for v in x.iter_mut() {
            if self.rng.gen::<f64>() < p {
                *v = self.step(*v);
                any = true;
            }
        }
        if !any {
            let j = self.rng.gen_range(0..d);
            x[j] = self.step(x[j]);
        }
        x
    }

    /// Best of three distinct pool members drawn at random (fewer if the pool is smaller).
    fn tournament(&mut self) -> Vec<f64> {
        let k = self.pool.len().min(3);
        let picks = sample(&mut self.rng, self.pool.len(), k);
        let best = picks.iter().min().unwrap_or(0);
        self.pool[best].1.clone()
    }

    fn step(&mut self, x: f64) -> f64 {
        let z: f64 = self.rng.sample(StandardNormal);
        let mut y = x + self.opts.r * z;
        if y < 0.0 {
            y = -y;
        } else if y > 1.0 {
            y = 2.0 - y;
        }
        y.clamp(0.0, 1.0)
    }

    pub fn try_observe(&mut self, id: TrialId, outcome: Outcome) -> Result<(), OptimError> {
        let (unit, value) = self.ledger.settle(id, outcome)?;
        if let Some(v) = value {
            self.ledger.offer(id, &unit, v);
        }
        let Some(batch) = self.open.as_mut() else {
            return Err(OptimError::UnknownTrial { id });
        };
        batch.results.push((id, unit, value));
        if batch.results.len() == batch.size as usize {
            self.close_batch();
        }
        Ok(())
    }

    fn close_batch(&mut self) {
        let Some(mut batch) = self.open.take() else {
            return;
        };
        batch.results.sort_by_key(|r| r.0);
        let best = self.pool.first().map(|b| b.0);
        let worst = self.pool.last().map(|w| w.0);
        let full = self.pool.len() >= self.opts.pool_size;
        let mut improved = false;
        let mut valid = 0;
        for (_, unit, value) in batch.results {
            let Some(v) = value else { continue };
            improved |= best.is_none_or(|b| v < b) || !full || worst.is_some_and(|w| v < w);
            valid += 1;
            self.pool.push((v, unit));
        }
        self.valid += valid as u64;
        self.pool.sort_by(|a, b| a.0.total_cmp(&b.0));
        self.pool.truncate(self.opts.pool_size);
        self.stagnant = if improved { 0 } else { self.stagnant + 1 };
        self.stopped = self.stagnant >= self.opts.stagnation_limit;
        self.records.push(BatchRecord {
            index: self.records.len() as u32,
            first_trial: batch.first_trial,
            proposed: batch.size,
            valid,
            improved,
            closed_at_observation: self.ledger.observed,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Param;
    use crate::Trial;

    fn make(budget: u64, stagnation_limit: u32) -> PoolDds {
        let space = ParamSpace::new(
            (0..4)
                .map(|j| Param::new(format!("x{j}"), 0.0, 1.0))
                .collect(),
        )
        .unwrap();
        let opts = PoolOptions {
            budget,
            pool_size: 6,
            batch_size: 4,
            r: 0.2,
            stagnation_limit,
        };
        PoolDds::new(space, opts, 21)
    }

    /// Proposes until the barrier; returns the batch.
    fn batch(opt: &mut PoolDds) -> Vec<Trial> {
        let mut out = Vec::new();
        loop {
            match opt.propose() {
                Proposal::Trial(t) => out.push(t),
                Proposal::Wait | Proposal::Done => return out,
            }
        }
    }

    #[test]
    fn batches_wait_at_the_barrier() {
        let mut opt = make(30, 10);
        let init = batch(&mut opt);
        assert_eq!(init.len(), 6);
        for t in &init[..5] {
            opt.try_observe(t.id, Outcome::Value(t.values[0])).unwrap();
        }
        assert_eq!(opt.propose(), Proposal::Wait);
        opt.try_observe(init[5].id, Outcome::Failed).unwrap();
        let next = batch(&mut opt);
        assert_eq!(next.len(), 4);
        let rec = &opt.records()[0];
        assert_eq!((rec.proposed, rec.valid, rec.first_trial), (6, 5, 0));
        assert_eq!(rec.closed_at_observation, 6);
        assert_eq!(opt.pool.len(), 5);
        assert_eq!(opt.valid, 5);
    }

    #[test]
    fn tournament_takes_the_best_of_three_distinct_members() {
        let mut opt = make(1000, 10);
        opt.pool = (0..6)
            .map(|k| (k as f64, vec![k as f64 / 10.0; 4]))
            .collect();
        let mut wins = [0usize; 6];
        for _ in 0..2000 {
            let parent = opt.tournament();
            wins[(parent[0] * 10.0).round() as usize] += 1;
        }
        // best of 3 distinct out of 6: member k wins with C(5-k, 2) / C(6, 3)
        let expected = [10.0, 6.0, 3.0, 1.0, 0.0, 0.0].map(|c| c / 20.0 * 2000.0);
        for k in 0..6 {
            assert!((wins[k] as f64 - expected[k]).abs() < 80.0, "{wins:?}");
        }
    }

    #[test]
    fn stagnation_stops_the_search() {
        let mut opt = make(1000, 3);
        let init = batch(&mut opt);
        for t in &init {
            opt.try_observe(t.id, Outcome::Value(1.0)).unwrap();
        }
        for round in 0..3 {
            let b = batch(&mut opt);
            assert_eq!(b.len(), 4, "round {round}");
            for t in &b {
                opt.try_observe(t.id, Outcome::Value(5.0)).unwrap();
            }
        }
        assert_eq!(opt.propose(), Proposal::Done);
        let improved: Vec<bool> = opt.records().iter().map(|r| r.improved).collect();
        assert_eq!(improved, vec![true, false, false, false]);
    }

    #[test]
    fn last_batch_is_shortened_to_the_budget() {
        let mut opt = make(12, 10);
        let mut sizes = Vec::new();
        loop {
            let b = batch(&mut opt);
            if b.is_empty() {
                break;
            }
            sizes.push(b.len());
            for t in &b {
                opt.try_observe(t.id, Outcome::Value(t.values[1])).unwrap();
            }
        }
        assert_eq!(sizes, vec![6, 4, 2]);
    }

    #[test]
    fn barrier_loss_sums_waits_to_the_last_end() {
        let rec = BatchRecord {
            index: 0,
            first_trial: 10,
            proposed: 3,
            valid: 3,
            improved: true,
            closed_at_observation: 3,
        };
        let ends = [4.0, 10.0, 7.0];
        let lost = barrier_slot_time_lost(&rec, |id| ends[(id - 10) as usize]);
        assert_eq!(lost, 6.0 + 0.0 + 3.0);
    }
}
