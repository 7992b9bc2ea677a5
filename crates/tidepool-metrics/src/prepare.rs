//! From two raw series to the pairs that are scored: optional daily aggregation,
//! alignment on timestamps, calibration-period selection, missing values removed.

use crate::missing::{valid_pairs, MissingPolicy};
use crate::series::{align, Period, Series};
use crate::{Metric, MetricError};

/// How raw series become scored pairs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreOptions {
    /// Only pairs inside this window are scored (after aggregation, on day stamps).
    pub period: Option<Period>,
    /// Aggregate both series to daily means (UTC days) before aligning them.
    pub daily: bool,
    pub missing: MissingPolicy,
}

/// The pairs to score, with the counts of what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub sim: Vec<f64>,
    pub obs: Vec<f64>,
    /// Pairs at common timestamps before the period and missing-value filters.
    pub total: usize,
    pub outside_period: usize,
    pub missing: usize,
}

/// Align, select and clean two series. Errors when no valid pair is left.
pub fn prepare(
    sim: &Series,
    obs: &Series,
    options: &ScoreOptions,
) -> Result<Prepared, MetricError> {
    let policy = &options.missing;
    let aggregated;
    let (sim, obs) = if options.daily {
        aggregated = (
            sim.daily_mean(|v| policy.is_missing_simulated(v)),
            obs.daily_mean(|v| policy.is_missing_observed(v)),
        );
        (&aggregated.0, &aggregated.1)
    } else {
        (sim, obs)
    };
    let aligned = align(sim, obs);
    let total = aligned.times.len();
    let (mut in_sim, mut in_obs) = (Vec::with_capacity(total), Vec::with_capacity(total));
    for ((&time, &s), &o) in aligned.times.iter().zip(&aligned.sim).zip(&aligned.obs) {
        if options.period.is_none_or(|p| p.contains(time)) {
            in_sim.push(s);
            in_obs.push(o);
        }
    }
    let outside_period = total - in_obs.len();
    let pairs = valid_pairs(&in_sim, &in_obs, policy);
    if pairs.obs.is_empty() {
        return Err(MetricError::NothingToScore {
            total,
            missing: pairs.missing,
            outside_period,
        });
    }
    Ok(Prepared {
        sim: pairs.sim,
        obs: pairs.obs,
        total,
        outside_period,
        missing: pairs.missing,
    })
}

impl Prepared {
    /// One metric over the prepared pairs.
    pub fn score(&self, metric: Metric) -> Result<f64, MetricError> {
        metric.compute(&self.sim, &self.obs)
    }
}

/// Score equally long value slices (no timestamps): missing pairs skipped.
pub fn score_values(
    metric: Metric,
    sim: &[f64],
    obs: &[f64],
    missing: &MissingPolicy,
) -> Result<f64, MetricError> {
    if sim.len() != obs.len() {
        return Err(MetricError::LengthMismatch {
            simulated: sim.len(),
            observed: obs.len(),
        });
    }
    let pairs = valid_pairs(sim, obs, missing);
    if pairs.obs.is_empty() {
        return Err(MetricError::NothingToScore {
            total: obs.len(),
            missing: pairs.missing,
            outside_period: 0,
        });
    }
    metric.compute(&pairs.sim, &pairs.obs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn hourly(name: &str, days: i64, value: impl Fn(i64) -> f64) -> Series {
        let times: Vec<i64> = (0..days * 24).map(|h| h * 3600).collect();
        let values = times.iter().map(|&t| value(t)).collect();
        Series::new(name, times, values).unwrap()
    }

    #[test]
    fn daily_period_and_missing_are_applied_in_order() {
        // Day d has hourly sim = d + 1 and obs = d + 2, except obs is -9999 all of day 2
        // and NaN for half of day 3 (the other half still averages to 5).
        let sim = hourly("sim", 6, |t| (t / DAY + 1) as f64);
        let obs = hourly("obs", 6, |t| match (t / DAY, (t % DAY) / 3600) {
            (2, _) => -9999.0,
            (3, h) if h < 12 => f64::NAN,
            (d, _) => (d + 2) as f64,
        });
        let options = ScoreOptions {
            period: Some(Period::new(DAY, 5 * DAY).unwrap()),
            daily: true,
            missing: MissingPolicy::default(),
        };
        let prepared = prepare(&sim, &obs, &options).unwrap();
        // Days 0..6 of sim, days 0,1,3,4,5 of obs (day 2 dropped as all missing) -> 5 common
        // days; the period [1, 5) drops days 0 and 5.
        assert_eq!(prepared.total, 5);
        assert_eq!(prepared.outside_period, 2);
        assert_eq!(prepared.missing, 0);
        assert_eq!(prepared.sim, vec![2.0, 4.0, 5.0]);
        assert_eq!(prepared.obs, vec![3.0, 5.0, 6.0]);
        assert_eq!(prepared.score(Metric::Mae).unwrap(), 1.0);
    }

    #[test]
    fn nothing_left_is_an_error_that_says_why() {
        let sim = Series::new("sim", vec![0, 1, 2], vec![1.0, 2.0, 3.0]).unwrap();
        let obs = Series::new("obs", vec![0, 1, 2], vec![-9999.0, f64::NAN, 3.0]).unwrap();
        let options = ScoreOptions {
            period: Some(Period::new(0, 2).unwrap()),
            ..ScoreOptions::default()
        };
        let err = prepare(&sim, &obs, &options).unwrap_err();
        assert_eq!(
            err,
            MetricError::NothingToScore {
                total: 3,
                missing: 2,
                outside_period: 1
            }
        );
        assert!(err.to_string().contains("missing-value sentinel"));
        let disjoint = Series::new("obs", vec![10, 11], vec![1.0, 2.0]).unwrap();
        let err = prepare(&sim, &disjoint, &ScoreOptions::default()).unwrap_err();
        assert!(matches!(err, MetricError::NothingToScore { total: 0, .. }));
    }

    #[test]
    fn score_values_skips_missing_and_checks_lengths() {
        let missing = MissingPolicy::default();
        let v = score_values(
            Metric::Rmse,
            &[1.0, 5.0, 2.0],
            &[1.0, -9999.0, 4.0],
            &missing,
        );
        assert_eq!(v.unwrap(), 2.0f64.sqrt());
        let err = score_values(Metric::Nse, &[1.0], &[1.0, 2.0], &missing).unwrap_err();
        assert!(matches!(err, MetricError::LengthMismatch { .. }));
        let err = score_values(Metric::Nse, &[1.0], &[f64::NAN], &missing).unwrap_err();
        assert!(matches!(
            err,
            MetricError::NothingToScore { missing: 1, .. }
        ));
    }
}
