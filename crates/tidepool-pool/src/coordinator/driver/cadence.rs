//! When `status.json` is rewritten. It lives in the run directory, on the shared
//! filesystem, and each atomic rewrite costs it two metadata operations (create the
//! temporary file, rename it over the old one): once a second, that alone was a steady
//! 2 ops/s for the whole run. So it is rewritten every [`STATUS_EVERY`] and at once
//! when something a reader acts on changes ([`Mark`]): the run started (the driver's
//! first write), every started slot is ready, the run ended or failed (the final write
//! in `shutdown`). A pure rule over the time and the mark, tested without a clock.
//! `tidepool status` corrects the ETA by the age of what it reads.

use std::time::Duration;

/// Time between two rewrites while nothing notable changes.
pub(super) const STATUS_EVERY: Duration = Duration::from_secs(5);

/// What a rewrite is due on as soon as it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Mark {
    /// Every slot is ready (and there is at least one).
    pub all_ready: bool,
    /// The run has a failure to report.
    pub failed: bool,
}

/// The rewrite rule: due every [`STATUS_EVERY`], or at once when the mark changed.
#[derive(Debug)]
pub(super) struct Cadence {
    every: Duration,
    last_write: Duration,
    last_mark: Mark,
}

impl Cadence {
    /// A cadence whose first write (the run's start) happened at `now`.
    pub(super) fn started(now: Duration) -> Self {
        Self::with_period(now, STATUS_EVERY)
    }

    fn with_period(now: Duration, every: Duration) -> Self {
        Cadence {
            every,
            last_write: now,
            last_mark: Mark::default(),
        }
    }

    /// Whether to rewrite now; if so, the rewrite is taken as done at `now`.
    pub(super) fn due(&mut self, now: Duration, mark: Mark) -> bool {
        let due = mark != self.last_mark || now.saturating_sub(self.last_write) >= self.every;
        if due {
            self.last_write = now;
            self.last_mark = mark;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: f64) -> Duration {
        Duration::from_secs_f64(secs)
    }

    /// Ticks every 100 ms for 60 s with nothing changing: one write per 5 s, 12 in
    /// all (0.2/s, i.e. 0.4 metadata operations a second), at 5, 10, ... 60 s.
    #[test]
    fn a_quiet_run_is_written_every_five_seconds() {
        let mut cadence = Cadence::started(s(0.0));
        let writes: Vec<u64> = (1..=600)
            .map(|tick| tick * 100)
            .filter(|ms| cadence.due(Duration::from_millis(*ms), Mark::default()))
            .collect();
        let expected: Vec<u64> = (1..=12).map(|k| k * 5000).collect();
        assert_eq!(writes, expected);
    }

    /// All slots ready at 1.3 s is written at once, not at 5 s; the period restarts
    /// from that write.
    #[test]
    fn all_slots_ready_is_written_at_once() {
        let mut cadence = Cadence::started(s(0.0));
        assert!(!cadence.due(s(1.2), Mark::default()));
        let ready = Mark {
            all_ready: true,
            failed: false,
        };
        assert!(cadence.due(s(1.3), ready));
        assert!(!cadence.due(s(1.4), ready));
        assert!(!cadence.due(s(6.2), ready));
        assert!(cadence.due(s(6.3), ready));
    }

    /// A failure is written at once, and so is a slot lost after all were ready
    /// (the mark goes back), each change once.
    #[test]
    fn every_change_of_the_mark_is_written_once() {
        let mut cadence = Cadence::started(s(0.0));
        let ready = Mark {
            all_ready: true,
            failed: false,
        };
        let failed = Mark {
            all_ready: true,
            failed: true,
        };
        assert!(cadence.due(s(0.5), ready));
        assert!(cadence.due(s(0.6), Mark::default()));
        assert!(!cadence.due(s(0.7), Mark::default()));
        assert!(cadence.due(s(0.8), failed));
        assert!(!cadence.due(s(0.9), failed));
    }

    /// The period is a parameter of the rule, not of the tests above.
    #[test]
    fn the_period_is_the_given_one() {
        let mut cadence = Cadence::with_period(s(10.0), s(2.0));
        assert!(!cadence.due(s(11.9), Mark::default()));
        assert!(cadence.due(s(12.0), Mark::default()));
    }
}
