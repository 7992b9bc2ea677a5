//! bench/optim's sce-ua runs: `sce-ua` with SPOTPY's defaults at the bench's slot count
//! ("sceua", asynchronous across complexes) and with one slot ("sceua_serial", the
//! order SPOTPY's serial loop evaluates in), at the same budget as the other runs.

use serde_json::{Map, Value};
use tidepool_optim::bench_fns::BenchFunction;
use tidepool_optim::{build, Algorithm, Settings};

use super::{record, simulate, space};

/// Adds `sceua`, `sceua_serial` (best per seed), their evaluations and the median idle
/// fraction of the slots to one function's entry.
pub fn add_runs(
    f: BenchFunction,
    seeds: u64,
    budget: u64,
    slots: usize,
    out: &mut Map<String, Value>,
) {
    let settings = Settings::new(budget);
    for (key, n_slots) in [("sceua", slots), ("sceua_serial", 1)] {
        let stats: Vec<_> = (0..seeds)
            .map(|seed| {
                let mut opt = build(Algorithm::SceUa, space(f, 10), &settings, seed, n_slots)
                    .expect("valid set-up");
                simulate(opt.as_mut(), f, n_slots, seed, f64::INFINITY)
            })
            .collect();
        record(out, key, &stats);
    }
}
