//! The discrete-event simulation of slots: each slot runs one trial at a time for a
//! random evaluation time; freed slots are refilled at once; results are observed in
//! the order they end.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tidepool_optim::bench_fns::BenchFunction;
use tidepool_optim::{Optimizer, Outcome, Param, ParamSpace, Proposal};

/// A running evaluation: when it ends, its trial and value.
struct Running {
    end: f64,
    id: u64,
    value: f64,
}

impl PartialEq for Running {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Running {}
impl PartialOrd for Running {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Running {
    /// Earliest end first (a max-heap of reversed times), ties by trial id.
    fn cmp(&self, other: &Self) -> Ordering {
        other.end.total_cmp(&self.end).then(other.id.cmp(&self.id))
    }
}

/// The outcome of one simulated run.
pub struct RunStats {
    pub best: f64,
    pub evaluations: u64,
    pub idle_fraction: f64,
    pub barrier_lost_fraction: f64,
    /// The best value among the results that ended by the horizon.
    pub best_by_horizon: f64,
    /// When the last result ended.
    pub clock: f64,
}

/// Evaluation time: 0.5 + Exp(1), in arbitrary units.
fn eval_time(rng: &mut ChaCha8Rng) -> f64 {
    0.5 - (1.0 - rng.gen::<f64>()).ln()
}

/// Fills free slots, then advances to the next completion, until the optimiser is done
/// or, past `horizon` on the simulated clock, stops proposing.
pub fn simulate(
    opt: &mut dyn Optimizer,
    f: BenchFunction,
    slots: usize,
    seed: u64,
    horizon: f64,
) -> RunStats {
    let mut clock_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_71de);
    let mut running = BinaryHeap::new();
    let (mut now, mut busy, mut evaluations) = (0.0f64, 0.0f64, 0u64);
    let mut ends = Vec::new();
    let mut best_by_horizon = f64::INFINITY;
    loop {
        while running.len() < slots && now < horizon {
            match opt.propose() {
                Proposal::Trial(t) => {
                    let dt = eval_time(&mut clock_rng);
                    busy += dt;
                    let value = f.eval(&t.values);
                    running.push(Running {
                        end: now + dt,
                        id: t.id,
                        value,
                    });
                }
                Proposal::Wait | Proposal::Done => break,
            }
        }
        let Some(next) = running.pop() else { break };
        now = next.end;
        evaluations += 1;
        if now <= horizon {
            best_by_horizon = best_by_horizon.min(next.value);
        }
        if ends.len() <= next.id as usize {
            ends.resize(next.id as usize + 1, 0.0);
        }
        ends[next.id as usize] = now;
        opt.try_observe(next.id, Outcome::Value(next.value))
            .expect("every proposed trial is observed once");
    }
    let capacity = now * slots as f64;
    let lost: f64 = opt
        .batches()
        .unwrap_or(&[])
        .iter()
        .map(|b| tidepool_optim::barrier_slot_time_lost(b, |id| ends[id as usize]))
        .sum();
    RunStats {
        best: opt.best().map(|(_, v)| v).unwrap_or(f64::NAN),
        evaluations,
        idle_fraction: 1.0 - busy / capacity,
        barrier_lost_fraction: lost / capacity,
        best_by_horizon,
        clock: now,
    }
}

pub fn space(f: BenchFunction, d: usize) -> ParamSpace {
    let (lo, hi) = f.bounds();
    ParamSpace::new(
        (0..d)
            .map(|j| Param::new(format!("x{j}"), lo, hi))
            .collect(),
    )
    .expect("benchmark bounds are valid")
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
