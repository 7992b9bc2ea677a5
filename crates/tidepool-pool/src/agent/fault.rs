//! Fault injection for tests, compiled only with the `fault-injection` feature (which
//! tidepool-cli's tests turn on through a dev-dependency; release builds have none of
//! it). The plan comes from `TIDEPOOL_FAULT_CRASH_TRIALS=3,7`: trial ids whose first
//! attempt reports a crash, handled exactly like a worker that died.

#[cfg(feature = "fault-injection")]
use std::collections::HashSet;

/// Which trials to crash.
#[derive(Debug, Default, Clone)]
pub struct Plan {
    #[cfg(feature = "fault-injection")]
    crash_trials: HashSet<u64>,
}

impl Plan {
    /// The plan the test harness passed in (always empty without the feature).
    pub fn from_env() -> Self {
        #[cfg(feature = "fault-injection")]
        {
            let crash_trials = std::env::var("TIDEPOOL_FAULT_CRASH_TRIALS")
                .unwrap_or_default()
                .split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect::<HashSet<u64>>();
            Self { crash_trials }
        }
        #[cfg(not(feature = "fault-injection"))]
        Self::default()
    }

    /// True when this attempt of `trial` is to report a crash.
    pub fn crashes(&self, _trial: u64, _attempt: u32) -> bool {
        #[cfg(feature = "fault-injection")]
        {
            _attempt == 1 && self.crash_trials.contains(&_trial)
        }
        #[cfg(not(feature = "fault-injection"))]
        false
    }
}
