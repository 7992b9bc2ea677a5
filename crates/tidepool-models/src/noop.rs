//! `noop` slots: every trial succeeds at once with no objective; for measuring the
//! engine itself.

use crate::TrialOutcome;
use std::collections::BTreeMap;

/// The outcome of every `noop` trial.
pub(crate) fn outcome() -> TrialOutcome {
    TrialOutcome::Ok {
        objective: None,
        responses: BTreeMap::new(),
        series: BTreeMap::new(),
    }
}
