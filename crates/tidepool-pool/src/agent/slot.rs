//! One slot: a persistent [`Worker`] that evaluates its trials in order. A crash drops
//! the worker and the slot's queued trials (the coordinator re-sends them) until the
//! coordinator restarts the slot through the start gate.

use crate::protocol::TrialReport;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tidepool_models::{SlotContext, TrialInput, TrialOutcome, Worker, WorkerSpec};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Most bytes of stderr that travel back with a failure (the models' own limit, also
/// applied to tails a worker did not read from a file, e.g. a Python traceback).
const TAIL_BYTES: usize = tidepool_models::STDERR_TAIL_BYTES as usize;

/// Extra time past `timeout + kill_grace` before the agent stops waiting for a worker.
const LIMIT_MARGIN: Duration = Duration::from_secs(2);

pub enum SlotCmd {
    Start,
    Run {
        input: TrialInput,
        cancel: CancellationToken,
    },
    Shutdown,
}

pub enum SlotEvent {
    Ready { slot: u32, startup: Duration },
    StartFailed { slot: u32, reason: String },
    Done(TrialReport),
}

pub struct Slot {
    pub ctx: SlotContext,
    pub spec: Arc<WorkerSpec>,
    /// Scores each finished trial (`[objective]`); `None`: the model's own objective.
    pub objective: Option<Arc<tidepool_objective::Objective>>,
    pub events: mpsc::UnboundedSender<SlotEvent>,
    /// Faults the test harness asked for (none in release builds).
    pub faults: Arc<super::fault::Plan>,
}

impl Slot {
    pub async fn run(self, mut rx: mpsc::UnboundedReceiver<SlotCmd>) {
        let mut worker: Option<Worker> = None;
        while let Some(cmd) = rx.recv().await {
            match cmd {
                SlotCmd::Start => {
                    if let Some(old) = worker.take() {
                        old.shutdown().await;
                    }
                    worker = self.start().await;
                }
                SlotCmd::Run { input, cancel } => {
                    let Some(w) = worker.as_mut() else {
                        // Queued behind a crash (the coordinator already re-queued it
                        // and ignores this report) or behind a failed restart (the
                        // report tells it the slot must go through the start gate).
                        self.report(&input, TrialOutcome::Crashed {
                            reason: "the slot has no running worker (it crashed or could not restart)".into(),
                            stderr_tail: String::new(),
                        });
                        continue;
                    };
                    let outcome = self.evaluate(w, &input, &cancel).await;
                    let crashed = matches!(outcome, TrialOutcome::Crashed { .. });
                    let alive = w.is_alive();
                    self.report(&input, outcome);
                    if crashed || !alive {
                        if let Some(dead) = worker.take() {
                            dead.shutdown().await;
                        }
                    }
                    if !crashed && !alive {
                        // Killed by a timeout or a cancel (e.g. of a straggler's
                        // copy): the next trial gets a fresh worker.
                        worker = self.start().await;
                    }
                }
                SlotCmd::Shutdown => break,
            }
        }
        if let Some(w) = worker {
            w.shutdown().await;
        }
    }

    fn report(&self, input: &TrialInput, outcome: TrialOutcome) {
        let _ = self.events.send(SlotEvent::Done(TrialReport {
            slot: self.ctx.slot,
            trial: input.trial_id,
            attempt: input.attempt,
            outcome: trim_tails(crate::scoring::scored(self.objective.as_deref(), outcome)),
        }));
    }

    async fn start(&self) -> Option<Worker> {
        let began = Instant::now();
        let slot = self.ctx.slot;
        if let Err(e) = std::fs::create_dir_all(&self.ctx.scratch) {
            let reason = format!(
                "cannot create scratch dir {}: {e}",
                self.ctx.scratch.display()
            );
            let _ = self.events.send(SlotEvent::StartFailed { slot, reason });
            return None;
        }
        match Worker::start(&self.spec, &self.ctx).await {
            Ok(w) => {
                let _ = self.events.send(SlotEvent::Ready {
                    slot,
                    startup: began.elapsed(),
                });
                Some(w)
            }
            Err(e) => {
                let _ = self.events.send(SlotEvent::StartFailed {
                    slot,
                    reason: e.to_string(),
                });
                None
            }
        }
    }

    /// Evaluate with the agent's own limit on top of the worker's timeout handling.
    async fn evaluate(
        &self,
        w: &mut Worker,
        input: &TrialInput,
        cancel: &CancellationToken,
    ) -> TrialOutcome {
        if cancel.is_cancelled() {
            return TrialOutcome::Cancelled;
        }
        let outcome = match input.timeout {
            None => w.evaluate(input, cancel).await,
            Some(timeout) => {
                let eval = w.evaluate(input, cancel);
                tokio::pin!(eval);
                tokio::select! {
                    outcome = &mut eval => outcome,
                    _ = tokio::time::sleep(timeout + input.kill_grace + LIMIT_MARGIN) => {
                        cancel.cancel();
                        let _ = eval.await;
                        TrialOutcome::TimedOut {
                            stderr_tail: format!("the worker did not stop within timeout {timeout:?} + kill_grace"),
                        }
                    }
                }
            }
        };
        if self.faults.crashes(input.trial_id, input.attempt) {
            return TrialOutcome::Crashed {
                reason: "fault injected (TIDEPOOL_FAULT_CRASH_TRIALS)".into(),
                stderr_tail: String::new(),
            };
        }
        outcome
    }
}

/// Keep only the last [`TAIL_BYTES`] of any stderr tail.
pub fn trim_tails(outcome: TrialOutcome) -> TrialOutcome {
    match outcome {
        TrialOutcome::Failed {
            reason,
            stderr_tail,
        } => TrialOutcome::Failed {
            reason,
            stderr_tail: tail(stderr_tail),
        },
        TrialOutcome::TimedOut { stderr_tail } => TrialOutcome::TimedOut {
            stderr_tail: tail(stderr_tail),
        },
        TrialOutcome::Crashed {
            reason,
            stderr_tail,
        } => TrialOutcome::Crashed {
            reason,
            stderr_tail: tail(stderr_tail),
        },
        other => other,
    }
}

fn tail(text: String) -> String {
    if text.len() <= TAIL_BYTES {
        return text;
    }
    let mut start = text.len() - TAIL_BYTES;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tidepool_models::{KeepWorkdirs, PythonSpec, Sentinel};

    fn venv_python() -> Option<std::path::PathBuf> {
        let python = tidepool_testkit::test_venv_dir().join("bin/python");
        tidepool_testkit::require(python.exists(), "the test venv (TIDEPOOL_TEST_VENV)")
            .then_some(python)
    }

    fn input(trial: u64) -> TrialInput {
        TrialInput {
            trial_id: trial,
            attempt: 1,
            params: vec![("x".into(), trial as f64)],
            timeout: None,
            kill_grace: Duration::from_millis(200),
        }
    }

    async fn next_done(rx: &mut mpsc::UnboundedReceiver<SlotEvent>) -> TrialReport {
        loop {
            match rx.recv().await.expect("the slot reports") {
                SlotEvent::Done(report) => return report,
                SlotEvent::StartFailed { reason, .. } => panic!("start failed: {reason}"),
                SlotEvent::Ready { .. } => {}
            }
        }
    }

    /// A python slot whose trial was cancelled (as a straggler's other copy is) has
    /// lost its interpreter; the next trial must still be served.
    #[tokio::test]
    async fn a_python_slot_serves_the_trial_after_a_cancelled_one() {
        let Some(python) = venv_python() else { return };
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("m.py"),
            "import time\ndef f(p):\n    if p['x'] == 1:\n        time.sleep(60)\n    return p['x']\n",
        )
        .unwrap();
        let spec = tidepool_models::WorkerSpec::Python(PythonSpec {
            function: "m:f".into(),
            python,
            path: vec![dir.path().to_path_buf()],
        });
        let (events, mut rx) = mpsc::unbounded_channel();
        let slot = Slot {
            ctx: SlotContext {
                node: "n".into(),
                slot: 0,
                scratch: dir.path().join("slot-0"),
                env: vec![],
                keep: KeepWorkdirs::Failed,
                sentinel: Sentinel::none(),
                staged: Default::default(),
            },
            spec: Arc::new(spec),
            objective: None,
            events,
            faults: Default::default(),
        };
        let (tx, cmds) = mpsc::unbounded_channel();
        let task = tokio::spawn(slot.run(cmds));
        tx.send(SlotCmd::Start).unwrap();
        let cancel = CancellationToken::new();
        tx.send(SlotCmd::Run {
            input: input(1),
            cancel: cancel.clone(),
        })
        .unwrap();
        tx.send(SlotCmd::Run {
            input: input(2),
            cancel: CancellationToken::new(),
        })
        .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        cancel.cancel();
        assert_eq!(next_done(&mut rx).await.outcome, TrialOutcome::Cancelled);
        let second = next_done(&mut rx).await;
        assert!(
            matches!(second.outcome, TrialOutcome::Ok { objective: Some(v), .. } if v == 2.0),
            "{:?}",
            second.outcome
        );
        tx.send(SlotCmd::Shutdown).unwrap();
        task.await.unwrap();
    }

    #[test]
    fn tails_are_cut_to_the_last_bytes() {
        let long = "é".repeat(TAIL_BYTES);
        let cut = trim_tails(TrialOutcome::TimedOut { stderr_tail: long });
        let TrialOutcome::TimedOut { stderr_tail } = cut else {
            panic!()
        };
        assert!(stderr_tail.len() <= TAIL_BYTES && stderr_tail.chars().all(|c| c == 'é'));
    }
}
