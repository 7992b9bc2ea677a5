//! Quality benchmark driver for bench/optim: runs `dds` (1 slot), `async-dds` and
//! `pool-dds` (16 slots each), and `sce-ua` (16 slots and 1, `sceua`) on the 10-D benchmark functions for 30 seeds, in a
//! discrete-event simulation of slots with random evaluation times, and prints one
//! JSON object: per function, the best value of each seed per algorithm and the
//! fraction of slot time left idle; under `par`, the parallel DDS comparisons (`par`:
//! `par-dds` at 4, 16 and 64 slots, at equal wall time, and its variants at `slots`).
//!
//! Usage: `optim_bench [seeds] [evaluations] [slots]` (defaults 30, 1000, 16).

mod par;
mod sceua;
mod sim;

use serde_json::{json, Value};
use tidepool_optim::bench_fns::BenchFunction;
use tidepool_optim::{build, Algorithm, Settings};

use sim::{median, simulate, space, RunStats};

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
                simulate(opt.as_mut(), f, n_slots, seed, f64::INFINITY)
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
        let mut one = run_function(f, seeds, budget, slots);
        one["par"] = par::run_function(f, seeds, budget, slots);
        out.insert(f.name().into(), one);
    }
    println!("{}", Value::Object(out));
}
