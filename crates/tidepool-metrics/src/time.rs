//! Dates and times as written in model outputs and observation files, read into the
//! Unix seconds that [`crate::Series`] uses (UTC; a time without a zone is UTC).

use crate::MetricError;
use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

/// Formats tried, in order, when none is given: ISO dates and date-times.
const DEFAULT_FORMATS: [&str; 5] = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
];

/// What [`parse_time`] shows as the expected format when none was given.
const ISO_SHOWN: &str = "YYYY-MM-DD[ HH:MM[:SS]]";

/// A date format read once, for reading many cells (a file's date column): the
/// strftime text is parsed here, not per cell, and ISO dates take a direct path.
#[derive(Debug, Clone)]
pub struct TimeFormat {
    /// `None`: ISO dates and date-times.
    items: Option<Vec<Item<'static>>>,
    shown: String,
}

impl TimeFormat {
    /// A chrono/strftime `format` (`%d/%m/%Y`), or `None` for ISO.
    pub fn new(format: Option<&str>) -> TimeFormat {
        TimeFormat {
            items: format.map(|f| {
                StrftimeItems::new(f)
                    .parse_to_owned()
                    .unwrap_or_else(|_| vec![Item::Error])
            }),
            shown: format.unwrap_or(ISO_SHOWN).to_string(),
        }
    }

    /// Unix seconds of `text` (UTC); a format with only date fields gives midnight.
    pub fn parse(&self, text: &str) -> Result<i64, MetricError> {
        let text = text.trim();
        let found = match &self.items {
            None => iso(text).or_else(|| {
                DEFAULT_FORMATS
                    .iter()
                    .find_map(|f| with_items(text, StrftimeItems::new(f)))
            }),
            Some(items) => with_items(text, items.iter()),
        };
        found.ok_or_else(|| MetricError::BadTime {
            text: text.to_string(),
            format: self.shown.clone(),
        })
    }
}

/// Reads `text` with a chrono/strftime `format` (`%d/%m/%Y`, `%Y-%m-%d %H:%M`), or, when
/// `format` is `None`, as an ISO date (`2012-01-31`) or date-time (`2012-01-31 06:00`,
/// `2012-01-31T06:00:00`). A format with only date fields gives midnight. For many
/// cells of one format, make a [`TimeFormat`] once.
pub fn parse_time(text: &str, format: Option<&str>) -> Result<i64, MetricError> {
    TimeFormat::new(format).parse(text)
}

fn with_items<'a, I, B>(text: &str, items: I) -> Option<i64>
where
    I: Iterator<Item = B> + Clone,
    B: std::borrow::Borrow<Item<'a>>,
{
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, items).ok()?;
    if let Ok(t) = parsed.to_naive_datetime_with_offset(0) {
        return Some(t.and_utc().timestamp());
    }
    let date = parsed.to_naive_date().ok()?;
    Some(midnight(date))
}

fn midnight(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
}

/// `YYYY-MM-DD`, optionally followed by ` HH:MM[:SS]` or `THH:MM[:SS]`.
fn iso(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let (h, m, sec) = match b.len() {
        10 => return Some(midnight(date)),
        16 | 19 if matches!(b[10], b' ' | b'T') && b[13] == b':' => {
            let sec = match b.len() {
                19 if b[16] == b':' => num(17..19)?,
                19 => return None,
                _ => 0,
            };
            (num(11..13)?, num(14..16)?, sec)
        }
        _ => return None,
    };
    let t: NaiveDateTime = date.and_hms_opt(h, m, sec)?;
    Some(t.and_utc().timestamp())
}

/// `2012-01-31` for midnight, else `2012-01-31 06:00:00` (UTC).
pub fn format_time(seconds: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp(seconds, 0) else {
        return seconds.to_string();
    };
    let date = format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day());
    match seconds % 86_400 == 0 {
        true => date,
        false => format!("{date} {:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_and_times_read_as_utc_seconds() {
        assert_eq!(parse_time("1970-01-02", None).unwrap(), 86_400);
        assert_eq!(parse_time("2012-01-01", None).unwrap(), 1_325_376_000);
        assert_eq!(
            parse_time(" 2012-01-01 06:30 ", None).unwrap(),
            1_325_399_400
        );
        assert_eq!(
            parse_time("2012-01-01T06:30:15", None).unwrap(),
            1_325_399_415
        );
    }

    #[test]
    fn a_given_format_is_used_alone() {
        assert_eq!(
            parse_time("31/01/2012", Some("%d/%m/%Y")).unwrap(),
            1_327_968_000
        );
        let err = parse_time("2012-01-31", Some("%d/%m/%Y")).unwrap_err();
        assert!(err.to_string().contains("%d/%m/%Y"), "{err}");
        assert!(err.to_string().contains("2012-01-31"), "{err}");
    }

    #[test]
    fn the_iso_path_agrees_with_the_formats_and_refuses_what_they_refuse() {
        for text in [
            "2012-02-29",
            "2012-02-29 23:59",
            "2012-02-29T23:59:58",
            "1969-12-31",
        ] {
            let via_formats = DEFAULT_FORMATS
                .iter()
                .find_map(|f| with_items(text, StrftimeItems::new(f)));
            assert_eq!(iso(text), via_formats, "{text}");
        }
        for bad in [
            "2013-02-29",
            "2012-13-01",
            "2012-1-01",
            "2012-01-01 25:00",
            "2012-01-01x",
        ] {
            assert_eq!(iso(bad), None, "{bad}");
        }
        assert!(parse_time("2013-02-29", None).is_err());
        assert_eq!(parse_time("1969-12-31", None).unwrap(), -86_400);
    }

    #[test]
    fn a_format_made_once_reads_many_cells() {
        let format = TimeFormat::new(Some("%d.%m.%Y"));
        assert_eq!(format.parse("01.01.2012").unwrap(), 1_325_376_000);
        assert_eq!(format.parse("02.01.2012").unwrap(), 1_325_462_400);
        assert!(format.parse("2012-01-02").is_err());
        let with_time = TimeFormat::new(Some("%Y%m%d %H:%M"));
        assert_eq!(with_time.parse("20120101 06:00").unwrap(), 1_325_397_600);
    }

    #[test]
    fn formatting_round_trips() {
        for text in ["2012-01-31", "2016-12-31 23:00:00"] {
            assert_eq!(format_time(parse_time(text, None).unwrap()), text);
        }
    }
}
