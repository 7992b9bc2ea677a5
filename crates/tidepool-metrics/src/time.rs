//! Dates and times as written in model outputs and observation files, read into the
//! Unix seconds that [`crate::Series`] uses (UTC; a time without a zone is UTC).

use crate::MetricError;
use chrono::{NaiveDate, NaiveDateTime};

/// Formats tried, in order, when none is given: ISO dates and date-times.
const DEFAULT_FORMATS: [&str; 5] = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
];

/// Reads `text` with a chrono/strftime `format` (`%d/%m/%Y`, `%Y-%m-%d %H:%M`), or, when
/// `format` is `None`, as an ISO date (`2012-01-31`) or date-time (`2012-01-31 06:00`,
/// `2012-01-31T06:00:00`). A format with only date fields gives midnight.
pub fn parse_time(text: &str, format: Option<&str>) -> Result<i64, MetricError> {
    let text = text.trim();
    let formats: Vec<&str> = match format {
        Some(format) => vec![format],
        None => DEFAULT_FORMATS.to_vec(),
    };
    for format in &formats {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(t.and_utc().timestamp());
        }
        if let Ok(d) = NaiveDate::parse_from_str(text, format) {
            return Ok(d.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp()));
        }
    }
    Err(MetricError::BadTime {
        text: text.to_string(),
        format: format.unwrap_or("YYYY-MM-DD[ HH:MM[:SS]]").to_string(),
    })
}

/// `2012-01-31` for midnight, else `2012-01-31 06:00:00` (UTC).
pub fn format_time(seconds: i64) -> String {
    match chrono::DateTime::from_timestamp(seconds, 0) {
        Some(t) if seconds % 86_400 == 0 => t.format("%Y-%m-%d").to_string(),
        Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => seconds.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_and_times_read_as_utc_seconds() {
        assert_eq!(parse_time("1970-01-02", None).unwrap(), 86_400);
        assert_eq!(parse_time("2012-01-01", None).unwrap(), 1_325_376_000);
        assert_eq!(parse_time(" 2012-01-01 06:30 ", None).unwrap(), 1_325_399_400);
        assert_eq!(parse_time("2012-01-01T06:30:15", None).unwrap(), 1_325_399_415);
    }

    #[test]
    fn a_given_format_is_used_alone() {
        assert_eq!(parse_time("31/01/2012", Some("%d/%m/%Y")).unwrap(), 1_327_968_000);
        let err = parse_time("2012-01-31", Some("%d/%m/%Y")).unwrap_err();
        assert!(err.to_string().contains("%d/%m/%Y"), "{err}");
        assert!(err.to_string().contains("2012-01-31"), "{err}");
    }

    #[test]
    fn formatting_round_trips() {
        for text in ["2012-01-31", "2016-12-31 23:00:00"] {
            assert_eq!(format_time(parse_time(text, None).unwrap()), text);
        }
    }
}
