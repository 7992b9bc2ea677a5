//! Journal write throughput: records N trials (proposed, started, finished, observed;
//! 10 parameters, 2 responses each) through the batching writer into a temporary run
//! directory, flushes durably, and prints one JSON line:
//! `{"journal_trials_per_sec": ..., "trials": N, "seconds": ...}`.
//!
//! Run: `cargo run --release -p tidepool-journal --example throughput -- [N]`
//! (default N = 200000).

use std::collections::BTreeMap;
use std::time::Instant;
use tidepool_journal::{FinishedTrial, Journal, ProposedTrial, StartedTrial, TrialStatus};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let trials: u64 = match std::env::args().nth(1) {
        Some(n) => n
            .parse()
            .map_err(|e| format!("N must be a whole number, got `{n}`: {e}"))?,
        None => 200_000,
    };
    let dir = tempfile::tempdir()?;
    let names: Vec<String> = (0..10).map(|i| format!("param_{i}")).collect();
    let journal = Journal::create(dir.path(), &names, "[run]\nseed = 1\n")?;
    let clock = Instant::now();
    for id in 0..trials {
        record_trial(&journal, id)?;
    }
    journal.flush()?;
    let seconds = clock.elapsed().as_secs_f64();
    let observed = journal.reader()?.counts()?.observed;
    if observed != trials {
        return Err(format!("journal holds {observed} observations, expected {trials}").into());
    }
    println!(
        "{{\"journal_trials_per_sec\": {:.0}, \"trials\": {trials}, \"seconds\": {seconds:.3}}}",
        trials as f64 / seconds
    );
    Ok(())
}

fn record_trial(journal: &Journal, id: u64) -> tidepool_journal::Result<()> {
    let now = 1.7e9 + id as f64 * 1e-3;
    let params = (0..10)
        .map(|j| (id * 10 + j) as f64 * 0.001 + 0.5)
        .collect();
    journal.proposed(&ProposedTrial {
        id,
        params,
        queued_at: now,
    })?;
    journal.started(StartedTrial {
        id,
        node: format!("node-{}", id % 8),
        slot: (id % 32) as u32,
        attempt: 1,
        started_at: now,
    })?;
    let objective = 1.0 / (id as f64 + 1.0);
    let responses = BTreeMap::from([
        ("kge".to_string(), 1.0 - objective),
        ("nse".to_string(), 0.5),
    ]);
    if id % 50 == 49 {
        let failed = FinishedTrial::unsuccessful(
            id,
            TrialStatus::Failed,
            "exit status 1",
            "error: diverged",
        );
        journal.finished(failed)?;
        journal.observed(id, None)
    } else {
        journal.finished(FinishedTrial::ok(id, Some(objective), responses))?;
        journal.observed(id, Some(objective))
    }
}
