//! A trial's outcome, decided once: what the journal, status, the run summary and the
//! source all take from it. `Ok` needs a finite objective, or none when the source
//! does not need one (lists, samplers); a multi-objective source (`padds`) also needs
//! every `[objective]` term, and is told their distances as a vector; anything else is
//! a failure.
//!
//! Fail-fast: while the first `fail_fast` trials are being decided, failures are held
//! back from the source. When all of them fail with the same reason the run stops
//! (`RunEnd::FailedFast`) and the held trials were never observed: on resume they run
//! again and the budget is untouched. The first success, two different reasons, or a
//! source that cannot propose more until it hears results releases the held failures
//! (in the order they were decided) and ends the watch.

use super::{Action, ActionSink, Record, RunEnd, Scheduler};
use tidepool_models::TrialOutcome;
use tidepool_objective::Distances;
use tidepool_optim::{Outcome, TrialId};

/// What the source is told about a decided trial.
#[derive(Debug, Clone)]
pub(super) struct Decided {
    trial: TrialId,
    objective: Option<f64>,
    /// The terms' distances, for a multi-objective source.
    objectives: Option<Vec<f64>>,
    /// Why it failed; `None` for a success.
    failure: Option<String>,
}

impl Decided {
    pub(super) fn of(
        trial: TrialId,
        outcome: &TrialOutcome,
        distances: Option<&Distances>,
    ) -> Decided {
        let mut objectives = None;
        let (objective, failure) = match outcome {
            TrialOutcome::Ok {
                objective,
                responses,
                ..
            } => {
                objectives = distances.and_then(|d| d.of(responses).ok());
                (*objective, None)
            }
            TrialOutcome::Failed { reason, .. } | TrialOutcome::Crashed { reason, .. } => {
                (None, Some(reason.clone()))
            }
            TrialOutcome::TimedOut { .. } => (None, Some(TIMED_OUT.to_string())),
            TrialOutcome::Cancelled => (None, Some("cancelled".to_string())),
        };
        Decided {
            trial,
            objective,
            objectives,
            failure,
        }
    }
}

/// The failure reason of a timed-out trial.
pub const TIMED_OUT: &str = "over its timeout ([slots] timeout); its process group was killed";

/// Failures held back from the source while the first trials are judged.
#[derive(Debug, Default)]
pub(super) struct Watch {
    held: Vec<Decided>,
    over: bool,
}

impl Scheduler {
    /// The one decision: a non-finite objective fails; so does a missing objective
    /// when the source needs one.
    pub(super) fn decide(&self, outcome: TrialOutcome) -> TrialOutcome {
        match outcome {
            TrialOutcome::Ok {
                objective,
                responses,
                ..
            } => match (objective, &self.cfg.objective_needed_by) {
                (None, Some(algorithm)) => TrialOutcome::Failed {
                    reason: format!(
                        "the model finished without an objective, and the `{algorithm}` \
                         optimiser needs one: make the model report `objective` \
                         (see docs/config.md, [model])"
                    ),
                    stderr_tail: String::new(),
                },
                (objective, _) => match self.missing_term(&responses) {
                    Some(term) => TrialOutcome::Failed {
                        reason: format!(
                            "the trial reported no value of the `[objective]` term `{term}`, \
                             and the multi-objective optimiser needs every term"
                        ),
                        stderr_tail: String::new(),
                    },
                    None => TrialOutcome::finished(objective, responses),
                },
            },
            other => other,
        }
    }

    /// For a multi-objective source: the first `[objective]` term a trial lacks.
    fn missing_term(&self, responses: &std::collections::BTreeMap<String, f64>) -> Option<String> {
        self.cfg.objectives.as_ref()?.of(responses).err()
    }

    /// Tell the source, or hold a failure back while the first trials are judged.
    pub(super) fn settle(&mut self, decided: Decided, out: &mut dyn ActionSink) {
        let watching = self.cfg.fail_fast > 0 && !self.watch.over;
        if !watching {
            return self.observe(decided, out);
        }
        let Some(reason) = decided.failure.clone() else {
            self.release(out);
            return self.observe(decided, out);
        };
        let same = self
            .watch
            .held
            .first()
            .is_none_or(|first| first.failure.as_deref() == Some(reason.as_str()));
        self.watch.held.push(decided);
        if !same {
            return self.release(out);
        }
        if self.watch.held.len() as u32 >= self.cfg.fail_fast {
            self.watch.over = true;
            self.fail_fast(reason, out);
        }
    }

    /// Held failures go to the source when it cannot go on without them: nothing is
    /// open and it proposes nothing more until it hears results (or is done).
    pub(super) fn release_if_stalled(&mut self, out: &mut dyn ActionSink) -> bool {
        let stalled = !self.watch.held.is_empty()
            && !self.stopping
            && self.trials.is_empty()
            && self.pending.is_empty()
            && (self.source_done || self.source_waiting);
        if stalled {
            self.release(out);
        }
        stalled
    }

    /// End the watch: observe the held failures in the order they were decided.
    fn release(&mut self, out: &mut dyn ActionSink) {
        self.watch.over = true;
        for decided in std::mem::take(&mut self.watch.held) {
            self.observe(decided, out);
        }
    }

    fn observe(&mut self, decided: Decided, out: &mut dyn ActionSink) {
        let ok = decided.objective.filter(|_| decided.failure.is_none());
        let (objective, objectives) = match (&self.cfg.objectives, ok, decided.objectives) {
            (None, Some(value), _) => {
                self.source.observe(decided.trial, Outcome::Value(value));
                (Some(value), None)
            }
            (Some(_), Some(value), Some(vector)) => {
                self.observe_vector(decided.trial, &vector);
                (Some(value), Some(vector))
            }
            _ => {
                self.source.observe(decided.trial, Outcome::Failed);
                (None, None)
            }
        };
        self.source_waiting = false;
        out.emit(Action::Record(Record::TrialObserved {
            trial: decided.trial,
            objective,
            objectives,
        }));
        self.observations += 1;
        self.record_front(out);
        self.checkpoint(out);
    }

    /// Tell a multi-objective source a trial's vector.
    fn observe_vector(&mut self, trial: TrialId, vector: &[f64]) {
        if let Err(err) = self.source.try_observe_many(trial, vector) {
            tracing::warn!(trial, %err, "the source refused a vector of objectives");
        }
    }

    /// Record a multi-objective source's archive when it changed.
    fn record_front(&mut self, out: &mut dyn ActionSink) {
        let Some(front) = self.source.pareto() else {
            return;
        };
        let trials: Vec<TrialId> = front.iter().map(|(t, _)| t.id).collect();
        if trials != self.front {
            self.front = trials.clone();
            out.emit(Action::Record(Record::ParetoFront { trials }));
        }
    }

    fn checkpoint(&mut self, out: &mut dyn ActionSink) {
        let Some(every) = self.cfg.checkpoint_every.filter(|&n| n > 0) else {
            return;
        };
        let observations = self.cfg.observed_before + self.observations;
        if observations % every != 0 {
            return;
        }
        match self.source.save() {
            Ok(state) => out.emit(Action::Record(Record::Checkpoint {
                observations,
                state,
            })),
            Err(err) => tracing::debug!(%err, "no checkpoint of the trial source"),
        }
    }

    /// Stop like on a signal, ending with the reason the first trials shared.
    fn fail_fast(&mut self, reason: String, out: &mut dyn ActionSink) {
        let trials = self.watch.held.len() as u32;
        self.cancel_all(out);
        out.emit(Action::Finished(RunEnd::FailedFast { trials, reason }));
    }
}
