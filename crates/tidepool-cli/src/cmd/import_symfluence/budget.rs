//! SYMFLUENCE's search, as a tidepool `[optimizer]` and `[run] budget`.
//!
//! `NUMBER_OF_ITERATIONS` means different things per algorithm and release, so the
//! budget (tidepool counts model evaluations) is computed the way each one counts:
//!
//! - `DDS`: one evaluation of the start point, then `NUMBER_OF_ITERATIONS` steps:
//!   N + 1 evaluations.
//! - `ASYNC-DDS` (tidepool's `pool-dds`: pool, tournament of 3, batches, stagnation
//!   stop), with pool P, batch B: SYMFLUENCE evaluates the pool, then runs batches while
//!   fewer than T evaluations are done and at most K batches ran. Since 0.8.4
//!   (checked in 0.8.4, 0.8.5, 0.9.2) `NUMBER_OF_ITERATIONS` counts batches: K = N,
//!   T = N x B. Up to 0.8.3 (checked in 0.7.0, 0.8.1, 0.8.3) it counted evaluations
//!   per process: T = N x NUM_PROCESSES, K = max(1, T / B). Either way the evaluations
//!   are P + B x min(K, ceil((T - P) / B)) (no batch when P >= T), the most it can run
//!   (stagnation may stop it earlier, in both programs alike).
//!
//! Defaults as in SYMFLUENCE on Linux: P = min(20, 2 x NUM_PROCESSES),
//! B = NUM_PROCESSES, stagnation 10 batches, r = 0.2, N = 100 (its code's default).

use super::error::ImportError;
use super::source::Source;

/// A SYMFLUENCE release, as far as it changes the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    pub const DEFAULT: Version = Version(0, 9, 2);
    const OLDEST: Version = Version(0, 7, 0);
    /// The first release whose ASYNC-DDS counts `NUMBER_OF_ITERATIONS` in batches.
    const BATCHES: Version = Version(0, 8, 4);

    pub fn parse(text: &str) -> Result<Version, ImportError> {
        let bad = || ImportError::Version {
            value: text.to_owned(),
        };
        let t = text.trim().trim_start_matches('v');
        let mut it = t.split('.').map(|p| p.parse::<u32>().map_err(|_| bad()));
        let v = Version(
            it.next().ok_or_else(bad)??,
            it.next().unwrap_or(Ok(0))?,
            it.next().unwrap_or(Ok(0))?,
        );
        if it.next().is_some() || v < Version::OLDEST {
            return Err(bad());
        }
        Ok(v)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The `[optimizer]` and budget of the import.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Search {
    pub algorithm: &'static str,
    pub budget: u64,
    pub r: f64,
    /// `pool-dds` only: (pool_size, batch_size, stagnation_limit).
    pub pool: Option<(u64, u64, u64)>,
    /// How the budget was counted, for the summary.
    pub reason: String,
    /// The algorithm named in the config when tidepool has no equivalent.
    pub replaced: Option<String>,
}

/// What SYMFLUENCE would run, from the config; `use_async` picks tidepool's
/// `async-dds` (a new candidate for every freed slot, no barrier) for ASYNC-DDS.
pub fn search(
    src: &Source,
    version: Version,
    slots: u64,
    use_async: bool,
) -> Result<Search, ImportError> {
    let named = src
        .str("ITERATIVE_OPTIMIZATION_ALGORITHM")
        .unwrap_or_else(|| "DDS".into());
    let n = src.uint("NUMBER_OF_ITERATIONS")?.unwrap_or(100);
    let r = src.float("DDS_R")?.unwrap_or(0.2);
    if !(r > 0.0 && r <= 1.0) {
        return Err(src.bad("DDS_R", "a number in (0, 1]"));
    }
    let pool = src
        .uint("ASYNC_DDS_POOL_SIZE")?
        .unwrap_or((2 * slots).min(20));
    let batch = src.uint("ASYNC_DDS_BATCH_SIZE")?.unwrap_or(slots);
    let stagnation = src.uint("MAX_STAGNATION_BATCHES")?.unwrap_or(10);
    let key = named.to_ascii_uppercase().replace(['_', ' '], "-");
    match key.as_str() {
        "ASYNC-DDS" | "ASYNCDDS" => {
            let (budget, reason) = pool_dds_budget(version, n, slots, pool, batch.max(1));
            Ok(Search {
                algorithm: if use_async { "async-dds" } else { "pool-dds" },
                budget,
                r,
                pool: (!use_async).then_some((pool, batch.max(1), stagnation)),
                reason,
                replaced: None,
            })
        }
        other => Ok(Search {
            algorithm: "dds",
            budget: n + 1,
            r,
            pool: None,
            reason: format!("DDS: 1 start + {n} iterations"),
            replaced: (other != "DDS").then_some(named),
        }),
    }
}

/// SYMFLUENCE's ASYNC-DDS evaluation count (see the module docs).
fn pool_dds_budget(v: Version, n: u64, procs: u64, pool: u64, batch: u64) -> (u64, String) {
    let (target, most_batches, rule) = if v >= Version::BATCHES {
        (n * batch, n, format!("{n} batches of {batch}"))
    } else {
        let t = n * procs;
        let k = if n > 0 { (t / batch).max(1) } else { 0 };
        (t, k, format!("{n} iterations x {procs} processes"))
    };
    let batches = if pool >= target {
        0
    } else {
        most_batches.min((target - pool).div_ceil(batch))
    };
    let budget = pool + batches * batch;
    let reason = format!(
        "ASYNC-DDS (SYMFLUENCE {v}: {rule}): pool {pool} + {batches} batches x {batch} = {budget}"
    );
    (budget, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn run(yaml: &str, v: Version, slots: u64) -> Search {
        let src = Source::parse(Path::new("c.yaml"), yaml).unwrap();
        search(&src, v, slots, false).unwrap()
    }

    #[test]
    fn async_dds_in_0_9_2_counts_batches() {
        // Pool 10, batch 10, 1000 batches: the target is 10000 evaluations; after the
        // pool, 999 batches reach it (SYMFLUENCE stops on `total >= target`).
        let s = run(
            "ITERATIVE_OPTIMIZATION_ALGORITHM: ASYNC-DDS\nNUMBER_OF_ITERATIONS: 1000\nASYNC_DDS_POOL_SIZE: 10\nASYNC_DDS_BATCH_SIZE: 10\n",
            Version::DEFAULT,
            4,
        );
        assert_eq!(s.algorithm, "pool-dds");
        assert_eq!(s.budget, 10_000);
        assert_eq!(s.pool, Some((10, 10, 10)));
        // Pool 20 > batch: 50 batches of 8 -> target 400; ceil(380 / 8) = 48 batches.
        let s = run(
            "ITERATIVE_OPTIMIZATION_ALGORITHM: async_dds\nNUMBER_OF_ITERATIONS: 50\nASYNC_DDS_POOL_SIZE: 20\nASYNC_DDS_BATCH_SIZE: 8\n",
            Version::DEFAULT,
            8,
        );
        assert_eq!(s.budget, 20 + 48 * 8);
    }

    #[test]
    fn async_dds_before_0_8_4_counts_iterations_per_process() {
        // N 100, 4 processes: target 400, at most 400 / 6 = 66 batches; pool 8 (2 x 4):
        // ceil(392 / 6) = 66 -> 8 + 396.
        let s = run(
            "ITERATIVE_OPTIMIZATION_ALGORITHM: ASYNC-DDS\nNUMBER_OF_ITERATIONS: 100\nASYNC_DDS_BATCH_SIZE: 6\n",
            Version(0, 8, 3),
            4,
        );
        assert_eq!(s.budget, 8 + 66 * 6);
    }

    #[test]
    fn defaults_come_from_the_process_count() {
        let s = run(
            "ITERATIVE_OPTIMIZATION_ALGORITHM: ASYNC-DDS\n",
            Version::DEFAULT,
            16,
        );
        // pool min(20, 32) = 20, batch 16, 100 batches: target 1600, ceil(1580/16) = 99.
        assert_eq!(s.pool, Some((20, 16, 10)));
        assert_eq!(s.budget, 20 + 99 * 16);
    }

    #[test]
    fn dds_is_one_start_plus_the_iterations_and_others_fall_back_to_it() {
        let s = run(
            "ITERATIVE_OPTIMIZATION_ALGORITHM: DDS\nNUMBER_OF_ITERATIONS: 500\nDDS_R: 0.3\n",
            Version::DEFAULT,
            1,
        );
        assert_eq!((s.algorithm, s.budget, s.r), ("dds", 501, 0.3));
        assert_eq!(s.replaced, None);
        let s = run(
            "ITERATIVE_OPTIMIZATION_ALGORITHM: PSO\n",
            Version::DEFAULT,
            1,
        );
        assert_eq!(s.replaced.as_deref(), Some("PSO"));
    }

    #[test]
    fn versions_parse_and_old_ones_are_refused() {
        assert_eq!(Version::parse("0.8.1").unwrap(), Version(0, 8, 1));
        assert_eq!(Version::parse("v0.9").unwrap(), Version(0, 9, 0));
        assert!(Version::parse("0.6.1").is_err());
        assert!(Version::parse("latest").is_err());
    }
}
