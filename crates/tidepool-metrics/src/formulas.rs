//! The metric formulas over valid pairs (missing values already removed).
//!
//! Each function takes equally long, non-empty slices of simulated and observed values
//! and returns the metric or the reason it is undefined.

use crate::moments::Moments;
use crate::{Metric, MetricError};

type Scored = Result<f64, MetricError>;

/// Nash-Sutcliffe efficiency: 1 - sum((s - o)^2) / sum((o - mean o)^2).
pub fn nse(metric: Metric, sim: &[f64], obs: &[f64]) -> Scored {
    let mean_obs = obs.iter().sum::<f64>() / obs.len() as f64;
    let spread: f64 = obs.iter().map(|o| (o - mean_obs).powi(2)).sum();
    if spread == 0.0 {
        return Err(MetricError::ConstantObserved {
            metric,
            pairs: obs.len(),
        });
    }
    let residual: f64 = sim.iter().zip(obs).map(|(s, o)| (s - o).powi(2)).sum();
    Ok(1.0 - residual / spread)
}

/// NSE of ln(s + eps) and ln(o + eps), eps = mean(o) / 100 (Pushpalatha et al. 2012),
/// so that zero flows stay finite.
pub fn log_nse(metric: Metric, sim: &[f64], obs: &[f64]) -> Scored {
    let epsilon = obs.iter().sum::<f64>() / obs.len() as f64 / 100.0;
    let log_sim = logs(metric, sim, epsilon)?;
    let log_obs = logs(metric, obs, epsilon)?;
    nse(metric, &log_sim, &log_obs)
}

fn logs(metric: Metric, values: &[f64], epsilon: f64) -> Result<Vec<f64>, MetricError> {
    values
        .iter()
        .enumerate()
        .map(|(index, &value)| {
            if value + epsilon > 0.0 {
                Ok((value + epsilon).ln())
            } else {
                Err(MetricError::NonPositiveLog {
                    metric,
                    index,
                    value,
                    epsilon,
                })
            }
        })
        .collect()
}

/// Kling-Gupta efficiency (Gupta et al. 2009) when `cv_ratio` is false, and KGE'
/// (Kling et al. 2012, the ratio of coefficients of variation in place of the ratio of
/// standard deviations) when it is true.
pub fn kge(metric: Metric, sim: &[f64], obs: &[f64], cv_ratio: bool) -> Scored {
    let m = checked_moments(metric, sim, obs)?;
    if m.mean_obs == 0.0 {
        return Err(MetricError::ZeroObservedMean { metric, pairs: m.n });
    }
    let r = m.pearson();
    let beta = m.mean_sim / m.mean_obs;
    let alpha = m.std_sim / m.std_obs;
    let spread_ratio = if cv_ratio {
        if m.mean_sim == 0.0 {
            return Err(MetricError::ZeroSimulatedMean { metric, pairs: m.n });
        }
        alpha / beta
    } else {
        alpha
    };
    let distance = ((r - 1.0).powi(2) + (spread_ratio - 1.0).powi(2) + (beta - 1.0).powi(2)).sqrt();
    Ok(1.0 - distance)
}

/// KGE over the pairs whose observed value is above (`high`) or at or below the
/// median of the observed values (the middle value, or the mean of the two middle
/// values of an even count).
pub fn kge_split(metric: Metric, sim: &[f64], obs: &[f64], high: bool) -> Scored {
    let median = median(obs);
    let (s, o): (Vec<f64>, Vec<f64>) = sim
        .iter()
        .zip(obs)
        .filter(|(_, &o)| (o > median) == high)
        .map(|(&s, &o)| (s, o))
        .unzip();
    kge(metric, &s, &o, false)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n % 2 {
        1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Coefficient of determination as the square of Pearson's r.
pub fn r_squared(metric: Metric, sim: &[f64], obs: &[f64]) -> Scored {
    Ok(checked_moments(metric, sim, obs)?.pearson().powi(2))
}

/// Root-mean-square error.
pub fn rmse(sim: &[f64], obs: &[f64]) -> f64 {
    let sum: f64 = sim.iter().zip(obs).map(|(s, o)| (s - o).powi(2)).sum();
    (sum / obs.len() as f64).sqrt()
}

/// Mean absolute error.
pub fn mae(sim: &[f64], obs: &[f64]) -> f64 {
    sim.iter().zip(obs).map(|(s, o)| (s - o).abs()).sum::<f64>() / obs.len() as f64
}

/// Percent bias: 100 * sum(s - o) / sum(o); positive when the model overestimates.
pub fn pbias(metric: Metric, sim: &[f64], obs: &[f64]) -> Scored {
    let total_obs: f64 = obs.iter().sum();
    if total_obs == 0.0 {
        return Err(MetricError::ZeroObservedMean {
            metric,
            pairs: obs.len(),
        });
    }
    let total_diff: f64 = sim.iter().zip(obs).map(|(s, o)| s - o).sum();
    Ok(100.0 * total_diff / total_obs)
}

/// Moments with both spreads non-zero, so the correlation is defined.
fn checked_moments(metric: Metric, sim: &[f64], obs: &[f64]) -> Result<Moments, MetricError> {
    let m = Moments::of(sim, obs);
    if m.std_obs == 0.0 {
        return Err(MetricError::ConstantObserved { metric, pairs: m.n });
    }
    if m.std_sim == 0.0 {
        return Err(MetricError::ConstantSimulated { metric, pairs: m.n });
    }
    Ok(m)
}
