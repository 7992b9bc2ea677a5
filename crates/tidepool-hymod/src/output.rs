//! The flow file: `date,q`, one row per forcing day, the date in ISO form
//! (`tidepool_metrics::format_time`), `q` in mm/day written with Rust's shortest
//! round-trip formatting, so reading it back gives the computed f64 exactly.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::HymodError;

/// The CSV text for `days` (Unix seconds) and `q` (mm/day).
pub fn flow_csv(days: &[i64], q: &[f64]) -> String {
    let mut out = String::with_capacity(24 * q.len() + 8);
    out.push_str("date,q\n");
    for (day, value) in days.iter().zip(q) {
        let _ = writeln!(out, "{},{value}", tidepool_metrics::format_time(*day));
    }
    out
}

/// Writes the flow file atomically (a temporary file beside it, then a rename), so a
/// reader never sees half a file.
pub fn write_flow(path: &Path, days: &[i64], q: &[f64]) -> Result<(), HymodError> {
    let error = |source| HymodError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    std::fs::write(&temporary, flow_csv(days, q)).map_err(error)?;
    std::fs::rename(&temporary, path).map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_iso_dates_and_round_trip_values() {
        let csv = flow_csv(&[1_325_376_000, 1_325_462_400], &[0.1 + 0.2, 0.0]);
        assert_eq!(
            csv,
            "date,q\n2012-01-01,0.30000000000000004\n2012-01-02,0\n"
        );
    }
}
