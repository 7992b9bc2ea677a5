//! CF time decoding: `units = "<unit> since <reference>"` and `calendar` to Unix seconds.
//!
//! Units: seconds, minutes, hours, days (with the usual short forms). The reference is
//! `Y-M-D`, optionally ` h:m:s[.f]` (or `T...`) and a zone (`Z`, `UTC`, `-0:00`,
//! `+05:30`). Calendars: `standard`/`gregorian`/`proleptic_gregorian` (the same for
//! references from 1582-10-15 on; earlier ones are rejected for `standard`, which is
//! Julian there), `noleap`/`365_day` (every year 365 days: a date is found by counting
//! days in that calendar, then stamped in real time). Others (`360_day`, `julian`,
//! `all_leap`) are rejected with an error naming them.

use chrono::{Datelike, NaiveDate};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TimeError {
    #[error("time units `{units}` are not `<seconds|minutes|hours|days> since Y-M-D [h:m:s]`")]
    Units { units: String },
    #[error("calendar `{calendar}` is not supported (use standard, gregorian, proleptic_gregorian, noleap or 365_day)")]
    Calendar { calendar: String },
    #[error("calendar `{calendar}` with a reference before 1582-10-15 (`{units}`) mixes Julian and Gregorian dates; not supported")]
    BeforeGregorian { calendar: String, units: String },
    #[error("time value {value} is not finite or out of range")]
    Value { value: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Calendar {
    Gregorian,
    NoLeap,
}

/// The Unix seconds of each value of a CF time variable.
pub fn decode(units: &str, calendar: Option<&str>, values: &[f64]) -> Result<Vec<i64>, TimeError> {
    let calendar_name = calendar.unwrap_or("standard").trim().to_ascii_lowercase();
    let calendar = match calendar_name.as_str() {
        "standard" | "gregorian" | "proleptic_gregorian" => Calendar::Gregorian,
        "noleap" | "365_day" => Calendar::NoLeap,
        _ => {
            return Err(TimeError::Calendar {
                calendar: calendar_name,
            })
        }
    };
    let bad_units = || TimeError::Units {
        units: units.to_string(),
    };
    let (step, date, day_seconds) = parse_units(units).ok_or_else(bad_units)?;
    let mixed = matches!(calendar_name.as_str(), "standard" | "gregorian");
    if mixed && date < NaiveDate::from_ymd_opt(1582, 10, 15).expect("valid date") {
        return Err(TimeError::BeforeGregorian {
            calendar: calendar_name,
            units: units.to_string(),
        });
    }
    values
        .iter()
        .map(|&v| {
            let offset = v * step;
            if !offset.is_finite() || offset.abs() > 1e15 {
                return Err(TimeError::Value { value: v });
            }
            let offset = offset.round() as i64 + day_seconds;
            stamp(calendar, date, offset).ok_or(TimeError::Value { value: v })
        })
        .collect()
}

/// Unix seconds of `offset` seconds after midnight of `date` in `calendar`.
fn stamp(calendar: Calendar, date: NaiveDate, offset: i64) -> Option<i64> {
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
    match calendar {
        Calendar::Gregorian => Some(midnight(date)? + offset),
        Calendar::NoLeap => {
            let days = offset.div_euclid(86_400);
            let rest = offset.rem_euclid(86_400);
            let day = noleap::from_days(noleap::to_days(date)? + days)?;
            Some(midnight(day)? + rest)
        }
    }
}

/// `(seconds per unit, reference date, seconds into that day incl. the zone offset)`.
fn parse_units(units: &str) -> Option<(f64, NaiveDate, i64)> {
    let (unit, reference) = units.trim().split_once(" since ")?;
    let step = match unit.trim().to_ascii_lowercase().as_str() {
        "seconds" | "second" | "secs" | "sec" | "s" => 1.0,
        "minutes" | "minute" | "mins" | "min" => 60.0,
        "hours" | "hour" | "hrs" | "hr" | "h" => 3600.0,
        "days" | "day" | "d" => 86_400.0,
        _ => return None,
    };
    let reference = reference.trim().replacen('T', " ", 1);
    let mut parts = reference.split_whitespace();
    let date = parse_date(parts.next()?)?;
    let mut seconds = 0;
    for part in parts {
        seconds += match part.contains(':') && !part.starts_with(['+', '-']) {
            true => parse_clock(part.trim_end_matches('Z'))?,
            false => -parse_zone(part)?,
        };
    }
    Some((step, date, seconds))
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut it = text.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// `h:m[:s[.f]]` as seconds (fractions rounded).
fn parse_clock(text: &str) -> Option<i64> {
    let mut it = text.split(':');
    let h: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next().map_or(Some(0), |m| m.parse().ok())?;
    let s: f64 = it.next().map_or(Some(0.0), |s| s.parse().ok())?;
    let ok = (0..24).contains(&h) && (0..60).contains(&m) && (0.0..61.0).contains(&s);
    ok.then(|| h * 3600 + m * 60 + s.round() as i64)
}

/// A zone `Z`, `UTC`, `+h`, `-h:mm`, `+hhmm` as seconds east of UTC.
fn parse_zone(text: &str) -> Option<i64> {
    if matches!(text, "Z" | "UTC" | "utc" | "GMT") {
        return Some(0);
    }
    let (sign, body) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = match body.split_once(':') {
        Some((h, m)) => (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?),
        None if body.len() == 4 => (body[..2].parse().ok()?, body[2..].parse().ok()?),
        None => (body.parse().ok()?, 0),
    };
    Some(sign * (h * 3600 + m * 60))
}

/// Day numbers in a 365-day calendar (day 0 = 0000-01-01).
mod noleap {
    use super::*;

    const MONTH_DAYS: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

    pub fn to_days(date: NaiveDate) -> Option<i64> {
        if date.month() == 2 && date.day() == 29 {
            return None;
        }
        let before: i64 = MONTH_DAYS[..date.month0() as usize].iter().sum();
        Some(i64::from(date.year()) * 365 + before + i64::from(date.day0()))
    }

    pub fn from_days(days: i64) -> Option<NaiveDate> {
        let year = days.div_euclid(365);
        let mut rest = days.rem_euclid(365);
        let mut month = 0;
        while rest >= MONTH_DAYS[month] {
            rest -= MONTH_DAYS[month];
            month += 1;
        }
        let year = i32::try_from(year).ok()?;
        NaiveDate::from_ymd_opt(year, month as u32 + 1, rest as u32 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Unix seconds of the dates, by `date -u -d '2008-07-15' +%s`.
    const JUL_15_2008: i64 = 1_216_080_000;

    #[test]
    fn mizuroute_units() {
        let units = "seconds since 1990-1-1 0:0:0.0 -0:00";
        // the first time of the fixture's mizuRoute output (ncdump -t: 2008-07-15)
        let t = decode(units, Some("standard"), &[584_928_000.0]).unwrap();
        assert_eq!(t, vec![JUL_15_2008]);
    }

    #[test]
    fn days_hours_and_zones() {
        let t = decode("days since 2008-07-14", None, &[1.0, 1.5]).unwrap();
        assert_eq!(t, vec![JUL_15_2008, JUL_15_2008 + 43_200]);
        let t = decode(
            "hours since 2008-07-15T01:00:00Z",
            Some("gregorian"),
            &[-1.0],
        )
        .unwrap();
        assert_eq!(t, vec![JUL_15_2008]);
        // 02:00 at +02:00 is midnight UTC.
        let t = decode("minutes since 2008-07-15 02:00 +02:00", None, &[0.0]).unwrap();
        assert_eq!(t, vec![JUL_15_2008]);
    }

    #[test]
    fn noleap_skips_february_29() {
        // 2008 is a leap year: in noleap, 2008-02-28 + 1 day is 2008-03-01.
        let t = decode("days since 2008-02-28", Some("noleap"), &[1.0]).unwrap();
        assert_eq!(t, vec![1_204_329_600]); // date -u -d 2008-03-01 +%s
        let t = decode("days since 2008-02-28", Some("standard"), &[1.0]).unwrap();
        assert_eq!(t, vec![1_204_243_200]); // date -u -d 2008-02-29 +%s
    }

    #[test]
    fn rejects_what_it_cannot_decode() {
        let err = decode("days since 2000-01-01", Some("360_day"), &[0.0]).unwrap_err();
        assert!(matches!(err, TimeError::Calendar { .. }));
        let err = decode("fortnights since 2000-01-01", None, &[0.0]).unwrap_err();
        assert!(matches!(err, TimeError::Units { .. }));
        let err = decode("days since 1500-01-01", Some("standard"), &[0.0]).unwrap_err();
        assert!(matches!(err, TimeError::BeforeGregorian { .. }));
        assert!(decode("days since 1500-01-01", Some("proleptic_gregorian"), &[0.0]).is_ok());
    }
}
