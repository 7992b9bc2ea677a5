//! Runs N `/bin/true` trials through S `command` slots at once and prints one JSON line
//! with the wall time: the per-trial cost of the command fast path (trial directory,
//! params.json, output files, process group, reading the result, clean-up). Runs on a
//! single-threaded runtime; file work and process starts go to tokio's blocking pool.
//!
//! `cargo run --release -p tidepool-models --example command_throughput -- 10000 16`

use std::time::{Duration, Instant};
use tidepool_models::*;
use tokio_util::sync::CancellationToken;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let trials: u64 = args
        .next()
        .map_or(10_000, |a| a.parse().expect("trial count"));
    let slots: u64 = args.next().map_or(16, |a| a.parse().expect("slot count"));
    let scratch = tempfile::tempdir().expect("scratch dir");
    let spec = WorkerSpec::Command(CommandSpec {
        stages: vec![vec!["/bin/true".into()]],
        ..Default::default()
    });
    let started = Instant::now();
    let mut tasks = Vec::new();
    for slot in 0..slots {
        let ctx = SlotContext {
            node: "local".into(),
            slot: slot as u32,
            scratch: scratch.path().join(format!("slot-{slot}")),
            env: vec![],
            keep: KeepWorkdirs::Failed,
            sentinel: Sentinel::none(),
            staged: Default::default(),
        };
        let spec = spec.clone();
        tasks.push(tokio::spawn(async move {
            let mut worker = Worker::start(&spec, &ctx).await.expect("start");
            let cancel = CancellationToken::new();
            let mut id = slot;
            while id < trials {
                let trial = TrialInput {
                    trial_id: id,
                    attempt: 1,
                    params: vec![("x".into(), id as f64)],
                    timeout: None,
                    kill_grace: Duration::from_secs(1),
                };
                let outcome = worker.evaluate(&trial, &cancel).await;
                assert!(matches!(outcome, TrialOutcome::Ok { .. }), "{outcome:?}");
                id += slots;
            }
        }));
    }
    for task in tasks {
        task.await.expect("slot task");
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"trials\":{trials},\"slots\":{slots},\"seconds\":{seconds:.3},\"trials_per_sec\":{:.0}}}",
        trials as f64 / seconds
    );
}
