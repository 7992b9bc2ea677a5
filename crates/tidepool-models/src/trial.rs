//! One trial in, one outcome out.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use tidepool_metrics::Series;

/// One trial to evaluate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrialInput {
    pub trial_id: u64,
    pub attempt: u32,
    /// Parameter names and values, in definition order.
    pub params: Vec<(String, f64)>,
    /// Wall-clock limit; over it the trial's process group gets SIGTERM, then SIGKILL
    /// after `kill_grace`.
    pub timeout: Option<Duration>,
    pub kill_grace: Duration,
}

/// What a trial gave back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrialOutcome {
    /// Finished; `objective` is what the optimiser minimises, if the model gave one;
    /// `responses` are named scalars, `series` named time series (simulated hydrographs,
    /// scored elsewhere against observations).
    Ok {
        objective: Option<f64>,
        responses: BTreeMap<String, f64>,
        #[serde(default)]
        series: BTreeMap<String, Series>,
    },
    /// The model ran and failed (non-zero exit, exception, unreadable output).
    Failed { reason: String, stderr_tail: String },
    /// Over its timeout; its process group was killed.
    TimedOut { stderr_tail: String },
    /// The slot's process died; the slot must be restarted before its next trial.
    Crashed { reason: String, stderr_tail: String },
    /// Cancelled on request (a straggler copy that lost, or shutdown).
    Cancelled,
}

impl TrialOutcome {
    /// A finished evaluation: `Ok`, unless the objective is not a finite number, which
    /// fails the trial (responses may be non-finite; no objective is computed from them).
    pub fn finished(objective: Option<f64>, responses: BTreeMap<String, f64>) -> Self {
        match objective.filter(|x| !x.is_finite()) {
            Some(x) => TrialOutcome::failed(format!(
                "the objective is {}, not a finite number; report a finite value, \
                 or fail the trial (non-zero exit, exception)",
                number_text(x)
            )),
            None => TrialOutcome::Ok {
                objective,
                responses,
                series: BTreeMap::new(),
            },
        }
    }

    /// This outcome with `series` added (an `Ok` only; others stay as they are).
    pub fn with_series(mut self, added: BTreeMap<String, Series>) -> Self {
        if let TrialOutcome::Ok { series, .. } = &mut self {
            series.extend(added);
        }
        self
    }

    /// A failure with no stderr to show.
    pub(crate) fn failed(reason: impl Into<String>) -> Self {
        TrialOutcome::Failed {
            reason: reason.into(),
            stderr_tail: String::new(),
        }
    }
}

/// `nan`, `inf`, `-inf` or the number.
fn number_text(x: f64) -> String {
    match x {
        x if x.is_nan() => "nan".into(),
        f64::INFINITY => "inf".into(),
        f64::NEG_INFINITY => "-inf".into(),
        x => x.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_finite_objective_fails_and_non_finite_responses_do_not() {
        for (x, text) in [
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            let TrialOutcome::Failed { reason, .. } =
                TrialOutcome::finished(Some(x), BTreeMap::new())
            else {
                panic!("{x} must fail");
            };
            assert!(
                reason.contains(&format!("is {text}, not a finite number")),
                "{reason}"
            );
        }
        let responses = BTreeMap::from([("peak".to_string(), f64::NAN)]);
        let ok = TrialOutcome::finished(Some(0.5), responses.clone());
        assert!(matches!(
            ok,
            TrialOutcome::Ok {
                objective: Some(_),
                ..
            }
        ));
        let ok = TrialOutcome::finished(None, responses);
        assert!(matches!(
            ok,
            TrialOutcome::Ok {
                objective: None,
                ..
            }
        ));
    }
}
