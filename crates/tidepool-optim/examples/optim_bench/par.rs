//! The parallel DDS comparisons of bench/optim: `par-dds` against serial `dds` at
//! equal evaluations for several slot counts (with `async-dds` and `pool-dds` beside
//! it), at equal wall time on the simulated clock, and its variants (each change to
//! `async-dds` on its own) at one slot count.

use serde_json::{json, Map, Value};
use tidepool_optim::bench_fns::BenchFunction;
use tidepool_optim::{build, build_par_dds, Algorithm, Optimizer, ParVariant, Settings};

use crate::sim::{median, simulate, space, RunStats};

/// The slot counts of the equal-wall-time comparison; the equal-evaluation one adds 1
/// (at one slot `par-dds` differs from `dds` only in its step sizes and random draws).
pub const SLOTS: [usize; 3] = [4, 16, 64];

const PARALLEL: [(&str, Algorithm); 3] = [
    ("par", Algorithm::ParDds),
    ("async", Algorithm::AsyncDds),
    ("pool", Algorithm::PoolDds),
];

fn variants() -> Vec<(&'static str, ParVariant)> {
    let none = ParVariant {
        serial_schedule: false,
        spread: false,
        merge: false,
        r_ladder: false,
    };
    let schedule = ParVariant {
        serial_schedule: true,
        ..none
    };
    let ladder = ParVariant {
        r_ladder: true,
        ..none
    };
    let all = ParVariant::default();
    vec![
        ("none", none),
        ("schedule", schedule),
        (
            "spread",
            ParVariant {
                spread: true,
                ..none
            },
        ),
        (
            "merge",
            ParVariant {
                merge: true,
                ..none
            },
        ),
        ("ladder", ladder),
        (
            "schedule_spread",
            ParVariant {
                spread: true,
                ..schedule
            },
        ),
        (
            "schedule_merge",
            ParVariant {
                merge: true,
                ..schedule
            },
        ),
        (
            "schedule_ladder",
            ParVariant {
                r_ladder: true,
                ..schedule
            },
        ),
        (
            "all_but_ladder",
            ParVariant {
                r_ladder: false,
                ..all
            },
        ),
        (
            "all_but_merge",
            ParVariant {
                merge: false,
                ..all
            },
        ),
        (
            "all_but_spread",
            ParVariant {
                spread: false,
                ..all
            },
        ),
        ("all", all),
    ]
}

/// Runs `make` for every seed, each until done or past its seed's horizon.
fn runs(
    f: BenchFunction,
    seeds: u64,
    slots: usize,
    horizon: impl Fn(u64) -> f64,
    make: impl Fn(u64) -> Box<dyn Optimizer>,
) -> Vec<RunStats> {
    (0..seeds)
        .map(|seed| simulate(make(seed).as_mut(), f, slots, seed, horizon(seed)))
        .collect()
}

fn built(
    alg: Algorithm,
    f: BenchFunction,
    settings: &Settings,
    seed: u64,
    slots: usize,
) -> Box<dyn Optimizer> {
    build(alg, space(f, 10), settings, seed, slots).expect("valid set-up")
}

fn bests(stats: &[RunStats]) -> Value {
    json!(stats.iter().map(|s| s.best).collect::<Vec<_>>())
}

/// Per slot count: each parallel algorithm's best per seed at `budget` evaluations
/// and its median idle fraction.
fn equal_evaluations(f: BenchFunction, seeds: u64, budget: u64) -> Value {
    let settings = Settings::new(budget);
    let mut out = Map::new();
    for slots in std::iter::once(1).chain(SLOTS) {
        let mut at = Map::new();
        for (key, alg) in PARALLEL {
            let stats = runs(
                f,
                seeds,
                slots,
                |_| f64::INFINITY,
                |seed| built(alg, f, &settings, seed, slots),
            );
            at.insert(key.into(), bests(&stats));
            let idle = median(stats.iter().map(|s| s.idle_fraction).collect());
            at.insert(format!("{key}_idle_fraction"), json!(idle));
        }
        out.insert(slots.to_string(), Value::Object(at));
    }
    Value::Object(out)
}

/// Per slot count: the best each algorithm found by the time serial `dds` (same seed)
/// finished its `budget` evaluations, given `slots x budget` evaluations to spend.
fn equal_wall_time(f: BenchFunction, seeds: u64, budget: u64) -> Value {
    let serial = runs(
        f,
        seeds,
        1,
        |_| f64::INFINITY,
        |seed| built(Algorithm::Dds, f, &Settings::new(budget), seed, 1),
    );
    let clocks: Vec<f64> = serial.iter().map(|s| s.clock).collect();
    let mut out = Map::new();
    out.insert("dds".into(), bests(&serial));
    for slots in SLOTS {
        let settings = Settings::new(budget * slots as u64);
        let mut at = Map::new();
        for (key, alg) in PARALLEL {
            let stats = runs(
                f,
                seeds,
                slots,
                |seed| clocks[seed as usize],
                |seed| built(alg, f, &settings, seed, slots),
            );
            let by: Vec<f64> = stats.iter().map(|s| s.best_by_horizon).collect();
            at.insert(key.into(), json!(by));
        }
        out.insert(slots.to_string(), Value::Object(at));
    }
    Value::Object(out)
}

/// Each variant of `par-dds` at `slots` and `budget` evaluations.
fn variant_runs(f: BenchFunction, seeds: u64, budget: u64, slots: usize) -> Value {
    let settings = Settings::new(budget);
    let mut out = Map::new();
    for (name, variant) in variants() {
        let stats = runs(
            f,
            seeds,
            slots,
            |_| f64::INFINITY,
            |seed| {
                build_par_dds(space(f, 10), &settings, variant, seed, slots).expect("valid set-up")
            },
        );
        out.insert(name.into(), bests(&stats));
    }
    Value::Object(out)
}

/// The `par` object of one function in the bench's JSON.
pub fn run_function(f: BenchFunction, seeds: u64, budget: u64, slots: usize) -> Value {
    json!({
        "equal_evaluations": equal_evaluations(f, seeds, budget),
        "equal_wall_time": equal_wall_time(f, seeds, budget),
        "variants": variant_runs(f, seeds, budget, slots),
        "variant_slots": slots,
    })
}
