//! mizuRoute's `<sim_start>` / `<sim_end>` from SUMMA's simulated period.
//!
//! mizuRoute must not run past the last runoff time in its input. SUMMA's per-time-step
//! file (`<prefix>_timestep.nc`) ends at `simEndTime`; its daily file
//! (`<prefix>_day.nc`) holds only the days it completed before `simEndTime`, the last
//! stamped the day before (the fixture: SUMMA to 2008-07-31 23:00, daily values
//! 2008-07-15..30, and the control's `<sim_end> 2008-07-30`). So with daily input the
//! period runs from the first day to the day before the last.

use chrono::DateTime;

const DAY: i64 = 86_400;

/// `(start, end)` in Unix seconds for mizuRoute reading `qsim_file`.
pub(crate) fn routing_period(sim_start: i64, sim_end: i64, qsim_file: &str) -> (i64, i64) {
    match qsim_file.ends_with("_day.nc") {
        true => (day_of(sim_start), day_of(sim_end) - DAY),
        false => (sim_start, sim_end),
    }
}

/// A control time in the style of the value it replaces: `YYYY-MM-DD` if that was a
/// date alone, else `YYYY-MM-DD hh:mm:ss` (UTC).
pub(crate) fn control_time(seconds: i64, style_of: &str) -> String {
    let format = match style_of.trim().len() == "YYYY-MM-DD".len() {
        true => "%Y-%m-%d",
        false => "%Y-%m-%d %H:%M:%S",
    };
    DateTime::from_timestamp(seconds, 0)
        .map_or_else(|| seconds.to_string(), |t| t.format(format).to_string())
}

fn day_of(seconds: i64) -> i64 {
    seconds.div_euclid(DAY) * DAY
}

#[cfg(test)]
mod tests {
    use super::*;

    // date -u -d '2008-07-15 00:00' +%s ; date -u -d '2008-07-31 23:00' +%s
    const START: i64 = 1_216_080_000;
    const END: i64 = 1_217_545_200;

    #[test]
    fn daily_input_ends_the_day_before_summa_does() {
        let (start, end) = routing_period(START, END, "run1_day.nc");
        assert_eq!(control_time(start, "2008-07-15"), "2008-07-15");
        assert_eq!(control_time(end, "2008-07-30"), "2008-07-30");
    }

    #[test]
    fn time_step_input_ends_with_summa() {
        let (start, end) = routing_period(START, END, "run1_timestep.nc");
        assert_eq!((start, end), (START, END));
        assert_eq!(
            control_time(end, "2008-07-30 00:00:00"),
            "2008-07-31 23:00:00"
        );
    }
}
