//! Quality benchmark driver for bench/optim: runs `dds` (1 slot), `async-dds` and
//! `pool-dds` (16 slots each), and `sce-ua` (16 slots and 1, `optim_bench/sceua.rs`) on the 10-D benchmark functions for 30 seeds, in a
//! discrete-event simulation of slots with random evaluation times, and prints one
//! JSON object: per function, the best value of each seed per algorithm and the
//! fraction of slot time left idle.
//!
//! Usage: `optim_bench [seeds] [evaluations] [slots]` (defaults 30, 1000, 16).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use tidepool_optim::bench_fns::BenchFunction;
use tidepool_optim::{build, Algorithm, Optimizer, Outcome, Param, ParamSpace, Proposal, Settings};

#[path = "optim_bench/sceua.rs"]
mod sceua;

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
struct RunStats {
    best: f64,
    evaluations: u64,
    idle_fraction: f64,
    barrier_lost_fraction: f64,
}

/// Evaluation time: 0.5 + Exp(1), in arbitrary units.
fn eval_time(rng: &mut ChaCha8Rng) -> f64 {
    0.5 - (1.0 - rng.gen::<f64>()).ln()
}

/// Fills free slots, then advances to the next completion, until the optimiser is done.
fn simulate(opt: &mut dyn Optimizer, f: BenchFunction, slots: usize, seed: u64) -> RunStats {
    let mut clock_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_71de);
    let mut running = BinaryHeap::new();
    let (mut now, mut busy, mut evaluations) = (0.0f64, 0.0f64, 0u64);
    let mut ends = Vec::new();
    loop {
        while running.len() < slots {
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
    }
}

fn space(f: BenchFunction, d: usize) -> ParamSpace {
    let (lo, hi) = f.bounds();
    ParamSpace::new(
        (0..d)
            .map(|j| Param::new(format!("x{j}"), lo, hi))
            .collect(),
    )
    .expect("benchmark bounds are valid")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One algorithm's seeds into a function's entry: the best values, the evaluations
/// and the median idle fraction, under `key`, `key_evaluations`, `key_idle_fraction_median`.
fn record(out: &mut serde_json::Map<String, Value>, key: &str, stats: &[RunStats]) {
    out.insert(
        key.into(),
        json!(stats.iter().map(|s| s.best).collect::<Vec<_>>()),
    );
    out.insert(
        format!("{key}_evaluations"),
        json!(stats.iter().map(|s| s.evaluations).collect::<Vec<_>>()),
    );
    out.insert(
        format!("{key}_idle_fraction_median"),
        json!(median(stats.iter().map(|s| s.idle_fraction).collect())),
    );
}

fn run_function(f: BenchFunction, seeds: u64, budget: u64, slots: usize) -> Value {
    let settings = Settings::new(budget);
    let mut out = serde_json::Map::new();
    let runs = [
        ("dds", Algorithm::Dds, 1),
        ("async", Algorithm::AsyncDds, slots),
        ("pool", Algorithm::PoolDds, slots),
    ];
    for (key, alg, n_slots) in runs {
        let stats: Vec<RunStats> = (0..seeds)
            .map(|seed| {
                let mut opt =
                    build(alg, space(f, 10), &settings, seed, n_slots).expect("valid set-up");
                simulate(opt.as_mut(), f, n_slots, seed)
            })
            .collect();
        record(&mut out, key, &stats);
        if alg == Algorithm::PoolDds {
            out.insert(
                "pool_barrier_lost_fraction_median".into(),
                json!(median(
                    stats.iter().map(|s| s.barrier_lost_fraction).collect()
                )),
            );
        }
    }
    sceua::add_runs(f, seeds, budget, slots, &mut out);
    Value::Object(out)
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| {
            a.parse()
                .expect("arguments are integers: seeds evaluations slots")
        })
        .collect();
    let seeds = args.first().copied().unwrap_or(30);
    let budget = args.get(1).copied().unwrap_or(1000);
    let slots = args.get(2).copied().unwrap_or(16) as usize;
    let mut out = serde_json::Map::new();
    for f in BenchFunction::ALL {
        out.insert(f.name().into(), run_function(f, seeds, budget, slots));
    }
    println!("{}", Value::Object(out));
}
