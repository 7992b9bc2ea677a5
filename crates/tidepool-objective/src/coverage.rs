//! Whether the observed data cover the periods: each scored window (the calibration
//! period after the warm-up, and the evaluation period) must lie inside the days from
//! the first to the last observation, and hold at least two observations.

use crate::periods::{Periods, Window};
use crate::ObjectiveError;
use std::path::Path;
use tidepool_metrics::Series;

const DAY: i64 = 86_400;

/// Check `periods` against the observed `series` read from `path`.
pub(crate) fn check(series: &Series, periods: &Periods, path: &Path) -> Result<(), ObjectiveError> {
    check_window(
        series,
        periods.scored,
        "calibration",
        "objective.calibration",
        path,
    )?;
    if let Some(window) = periods.evaluation {
        check_window(series, window, "evaluation", "objective.evaluation", path)?;
    }
    Ok(())
}

fn check_window(
    series: &Series,
    window: Window,
    what: &'static str,
    key: &str,
    path: &Path,
) -> Result<(), ObjectiveError> {
    let times = series.times();
    let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
        return Ok(());
    };
    let from = first.div_euclid(DAY) * DAY;
    let to = last.div_euclid(DAY) * DAY + DAY;
    if window.start < from || window.end > to {
        return Err(ObjectiveError::PeriodOutside {
            key: key.to_string(),
            what,
            period: window,
            path: path.to_path_buf(),
            first,
            last,
        });
    }
    let count = times.iter().filter(|t| window.contains(**t)).count();
    if count < 2 {
        return Err(ObjectiveError::PeriodSparse {
            key: key.to_string(),
            what,
            period: window,
            path: path.to_path_buf(),
            count,
        });
    }
    Ok(())
}
