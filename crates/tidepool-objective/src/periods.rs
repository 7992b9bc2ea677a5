//! The calibration and evaluation periods as Unix-second windows.
//!
//! A period is written `[start, end]`, both inclusive: a date (`2016-12-31`) includes
//! the whole day, a date-time (`2016-12-31 18:00`) includes that second. Inside, every
//! window is half-open, `[start, end)`, as [`tidepool_metrics::Period`] is. The warm-up
//! (`warmup_days`) is cut from the start of the calibration period: the model runs
//! through it, the metric does not score it. The evaluation period has no warm-up.

use crate::ObjectiveError;
use serde::{Deserialize, Serialize};
use tidepool_metrics::{format_time, parse_time, Period};

const DAY: i64 = 86_400;

/// A window `[start, end)` in Unix seconds (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    /// As the metrics crate's period.
    pub fn period(&self) -> Period {
        Period {
            start: self.start,
            end: self.end,
        }
    }

    pub fn contains(&self, time: i64) -> bool {
        self.start <= time && time < self.end
    }

    /// The last second inside, or the last day when both ends are midnights.
    pub fn last(&self) -> i64 {
        if self.start % DAY == 0 && self.end % DAY == 0 {
            self.end - DAY
        } else {
            self.end - 1
        }
    }

    /// `[first, last]` as written in configs (`format_time`: dates for midnights).
    pub fn inclusive(&self) -> [String; 2] {
        [format_time(self.start), format_time(self.last())]
    }

    /// `2013-01-01 to 2016-12-31`.
    pub fn describe(&self) -> String {
        let [first, last] = self.inclusive();
        format!("{first} to {last}")
    }
}

/// The windows a metric term is scored on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Periods {
    /// The calibration period as written, warm-up included.
    pub calibration: Window,
    /// What is scored of it: from the end of the warm-up.
    pub scored: Window,
    /// The evaluation period, if given.
    pub evaluation: Option<Window>,
}

impl Periods {
    /// The first scored time when there is a warm-up, else `None`.
    pub fn warmup_end(&self) -> Option<i64> {
        (self.scored.start != self.calibration.start).then_some(self.scored.start)
    }

    /// The smallest window holding the scored calibration and the evaluation periods.
    pub fn span(&self) -> Window {
        match self.evaluation {
            Some(e) => Window {
                start: self.scored.start.min(e.start),
                end: self.scored.end.max(e.end),
            },
            None => self.scored,
        }
    }
}

/// Read the periods of `[objective]`.
pub(crate) fn parse(
    calibration: &[String; 2],
    warmup_days: u32,
    evaluation: Option<&[String; 2]>,
) -> Result<Periods, ObjectiveError> {
    let cal = window("objective.calibration", calibration)?;
    let days = i64::from(warmup_days);
    let scored = Window {
        start: cal.start + days * DAY,
        end: cal.end,
    };
    if scored.start >= scored.end {
        return Err(ObjectiveError::spec(
            "objective.warmup_days",
            format!(
                "a warm-up of {warmup_days} days leaves nothing of the calibration period \
                 {} ({} days) to score; shorten the warm-up or lengthen the period",
                cal.describe(),
                (cal.end - cal.start).div_euclid(DAY)
            ),
        ));
    }
    let evaluation = evaluation
        .map(|e| window("objective.evaluation", e))
        .transpose()?;
    Ok(Periods {
        calibration: cal,
        scored,
        evaluation,
    })
}

fn window(key: &str, written: &[String; 2]) -> Result<Window, ObjectiveError> {
    let start = bound(&format!("{key}[0]"), &written[0], false)?;
    let end = bound(&format!("{key}[1]"), &written[1], true)?;
    if start >= end {
        return Err(ObjectiveError::spec(
            key,
            format!(
                "the period starts at {} but ends at {}; write [start, end] with start first \
                 (both inclusive)",
                written[0], written[1]
            ),
        ));
    }
    Ok(Window { start, end })
}

/// One end in Unix seconds; an inclusive `end` becomes the exclusive bound after it.
fn bound(key: &str, text: &str, end: bool) -> Result<i64, ObjectiveError> {
    if let Ok(day) = parse_time(text, Some("%Y-%m-%d")) {
        return Ok(if end { day + DAY } else { day });
    }
    match parse_time(text, None) {
        Ok(t) => Ok(if end { t + 1 } else { t }),
        Err(source) => Err(ObjectiveError::BadPeriod {
            key: key.to_string(),
            text: text.to_string(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two(a: &str, b: &str) -> [String; 2] {
        [a.to_string(), b.to_string()]
    }

    #[test]
    fn inclusive_dates_become_half_open_windows_and_warmup_is_cut() {
        // 2013-01-01 is 15706 days after 1970-01-01; 2013 has 365 days.
        let p = parse(&two("2013-01-01", "2013-12-31"), 31, None).unwrap();
        assert_eq!(p.calibration.start, 15_706 * DAY);
        assert_eq!(p.calibration.end, (15_706 + 365) * DAY);
        assert_eq!(p.scored.start, (15_706 + 31) * DAY);
        assert_eq!(p.warmup_end(), Some((15_706 + 31) * DAY));
        assert_eq!(p.calibration.inclusive(), two("2013-01-01", "2013-12-31"));
    }

    #[test]
    fn date_times_include_their_second() {
        let p = parse(&two("2013-01-01 06:00", "2013-01-02 18:00"), 0, None).unwrap();
        assert_eq!(p.calibration.start, 15_706 * DAY + 6 * 3600);
        assert_eq!(p.calibration.end, 15_707 * DAY + 18 * 3600 + 1);
        assert_eq!(p.warmup_end(), None);
    }

    #[test]
    fn reversed_periods_and_long_warmups_are_refused_at_their_key() {
        let err = parse(&two("2013-02-01", "2013-01-01"), 0, None).unwrap_err();
        assert_eq!(err.key(), Some("objective.calibration"));
        let err = parse(&two("2013-01-01", "2013-01-10"), 10, None).unwrap_err();
        assert_eq!(err.key(), Some("objective.warmup_days"));
        assert!(err.to_string().contains("(10 days)"), "{err}");
        let err = parse(&two("2013-01-01", "2013-01-10"), 0, Some(&two("x", "y"))).unwrap_err();
        assert_eq!(err.key(), Some("objective.evaluation[0]"));
    }
}
