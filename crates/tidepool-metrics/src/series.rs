//! Time series on integer timestamps: seconds since 1970-01-01T00:00:00 UTC (Unix
//! time, no leap seconds). Days are UTC days. Alignment keeps the timestamps present in
//! both series; periods are half-open, `[start, end)`.

use crate::MetricError;

const SECONDS_PER_DAY: i64 = 86_400;

/// A named series with strictly increasing timestamps.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Series {
    name: String,
    times: Vec<i64>,
    values: Vec<f64>,
}

/// A time window `[start, end)` in Unix seconds, e.g. the calibration period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: i64,
    pub end: i64,
}

impl Period {
    /// A non-empty window `[start, end)`.
    pub fn new(start: i64, end: i64) -> Result<Period, MetricError> {
        if start >= end {
            return Err(MetricError::EmptyPeriod { start, end });
        }
        Ok(Period { start, end })
    }

    pub fn contains(&self, time: i64) -> bool {
        self.start <= time && time < self.end
    }
}

/// Two series restricted to their common timestamps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aligned {
    pub times: Vec<i64>,
    pub sim: Vec<f64>,
    pub obs: Vec<f64>,
}

impl Series {
    /// A series; `name` appears in errors (e.g. the file it came from).
    pub fn new(
        name: impl Into<String>,
        times: Vec<i64>,
        values: Vec<f64>,
    ) -> Result<Series, MetricError> {
        let name = name.into();
        if times.len() != values.len() {
            return Err(MetricError::ShapeMismatch {
                name,
                times: times.len(),
                values: values.len(),
            });
        }
        if let Some(index) = times.windows(2).position(|w| w[0] >= w[1]) {
            return Err(MetricError::UnsortedTimes {
                name,
                index: index + 1,
                time: times[index + 1],
                prev_index: index,
                prev_time: times[index],
            });
        }
        Ok(Series {
            name,
            times,
            values,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn times(&self) -> &[i64] {
        &self.times
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Daily means over UTC days, stamped at each day's midnight. Values for which
    /// `is_missing` holds are left out of the mean; a day with no value left is dropped.
    pub fn daily_mean(&self, is_missing: impl Fn(f64) -> bool) -> Series {
        let mut times = Vec::new();
        let mut values = Vec::new();
        let mut current: Option<(i64, f64, usize)> = None;
        for (&time, &value) in self.times.iter().zip(&self.values) {
            let day = time.div_euclid(SECONDS_PER_DAY) * SECONDS_PER_DAY;
            if let Some((d, sum, n)) = current {
                if d != day {
                    times.push(d);
                    values.push(sum / n as f64);
                    current = None;
                }
            }
            if !is_missing(value) {
                let (_, sum, n) = current.get_or_insert((day, 0.0, 0));
                *sum += value;
                *n += 1;
            }
        }
        if let Some((d, sum, n)) = current {
            times.push(d);
            values.push(sum / n as f64);
        }
        Series {
            name: format!("{} (daily mean)", self.name),
            times,
            values,
        }
    }
}

/// Keep the timestamps present in both series (a merge join on sorted times).
pub fn align(sim: &Series, obs: &Series) -> Aligned {
    let mut out = Aligned::default();
    let (mut i, mut j) = (0, 0);
    while i < sim.times.len() && j < obs.times.len() {
        match sim.times[i].cmp(&obs.times[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.times.push(sim.times[i]);
                out.sim.push(sim.values[i]);
                out.obs.push(obs.values[j]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = SECONDS_PER_DAY;

    #[test]
    fn unsorted_or_duplicate_times_are_refused_with_their_position() {
        let err = Series::new("q.csv", vec![0, 10, 10], vec![1.0; 3]).unwrap_err();
        assert!(matches!(
            err,
            MetricError::UnsortedTimes {
                index: 2,
                prev_index: 1,
                ..
            }
        ));
        assert!(err.to_string().contains("q.csv"));
        let err = Series::new("q", vec![0], vec![]).unwrap_err();
        assert!(matches!(err, MetricError::ShapeMismatch { .. }));
    }

    #[test]
    fn alignment_keeps_common_timestamps_only() {
        let sim = Series::new("sim", vec![0, 1, 2, 4, 6], vec![10., 11., 12., 14., 16.]).unwrap();
        let obs = Series::new(
            "obs",
            vec![-1, 2, 3, 4, 5, 6, 9],
            vec![0., 2., 3., 4., 5., 6., 9.],
        )
        .unwrap();
        let a = align(&sim, &obs);
        assert_eq!(a.times, vec![2, 4, 6]);
        assert_eq!(a.sim, vec![12., 14., 16.]);
        assert_eq!(a.obs, vec![2., 4., 6.]);
    }

    #[test]
    fn daily_mean_groups_by_utc_day_and_skips_missing() {
        // Hourly-ish values over three days, including before 1970 (negative times).
        let times = vec![
            -DAY + 3600,
            -DAY + 7200,
            0,
            3600,
            7200,
            DAY,
            DAY + 60,
            2 * DAY,
        ];
        let values = vec![1.0, 3.0, 2.0, f64::NAN, 4.0, -9999.0, -9999.0, 7.0];
        let s = Series::new("obs", times, values).unwrap();
        let daily = s.daily_mean(|v| v.is_nan() || v == -9999.0);
        assert_eq!(
            daily.times(),
            &[-DAY, 0, 2 * DAY],
            "day 1 had only missing values"
        );
        assert_eq!(daily.values(), &[2.0, 3.0, 7.0]);
    }

    #[test]
    fn periods_are_half_open_and_non_empty() {
        let p = Period::new(10, 20).unwrap();
        assert!(p.contains(10) && p.contains(19) && !p.contains(20) && !p.contains(9));
        assert!(matches!(
            Period::new(5, 5),
            Err(MetricError::EmptyPeriod { .. })
        ));
    }
}
