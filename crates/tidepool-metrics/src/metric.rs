//! The metric names users write in configs, their directions, and their objectives.

use crate::{formulas, MetricError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A goodness-of-fit metric, named in configs by its serde name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Kling-Gupta efficiency, Gupta et al. (2009). Perfect: 1.
    Kge,
    /// Modified KGE (KGE'), Kling et al. (2012): CV ratio instead of std ratio. Perfect: 1.
    Kge2012,
    /// Nash-Sutcliffe efficiency. Perfect: 1.
    Nse,
    /// NSE of log flows, offset by mean(observed)/100. Perfect: 1.
    #[serde(rename = "lognse")]
    LogNse,
    /// Root-mean-square error, in flow units. Perfect: 0.
    Rmse,
    /// Mean absolute error, in flow units. Perfect: 0.
    Mae,
    /// Percent bias, 100 sum(s - o) / sum(o). Perfect: 0, either sign is worse.
    Pbias,
    /// Squared Pearson correlation. Perfect: 1.
    R2,
    /// KGE over the days whose observed flow is above the observed median (high
    /// flows). Perfect: 1.
    #[serde(rename = "kge_high")]
    KgeHigh,
    /// KGE over the days whose observed flow is at or below the observed median (low
    /// flows). Perfect: 1.
    #[serde(rename = "kge_low")]
    KgeLow,
}

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Larger is better (efficiencies, R^2).
    Maximise,
    /// Smaller is better (errors).
    Minimise,
    /// Closer to zero is better, whatever the sign (bias).
    MinimiseAbsolute,
}

impl Metric {
    /// Every metric, in a stable order.
    pub const ALL: [Metric; 10] = [
        Metric::Kge,
        Metric::Kge2012,
        Metric::Nse,
        Metric::LogNse,
        Metric::Rmse,
        Metric::Mae,
        Metric::Pbias,
        Metric::R2,
        Metric::KgeHigh,
        Metric::KgeLow,
    ];

    /// The name used in configs and reports (`kge`, `kge2012`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Metric::Kge => "kge",
            Metric::Kge2012 => "kge2012",
            Metric::Nse => "nse",
            Metric::LogNse => "lognse",
            Metric::Rmse => "rmse",
            Metric::Mae => "mae",
            Metric::Pbias => "pbias",
            Metric::R2 => "r2",
            Metric::KgeHigh => "kge_high",
            Metric::KgeLow => "kge_low",
        }
    }

    /// Which way the metric improves.
    pub fn direction(self) -> Direction {
        match self {
            Metric::Kge
            | Metric::Kge2012
            | Metric::Nse
            | Metric::LogNse
            | Metric::R2
            | Metric::KgeHigh
            | Metric::KgeLow => Direction::Maximise,
            Metric::Rmse | Metric::Mae => Direction::Minimise,
            Metric::Pbias => Direction::MinimiseAbsolute,
        }
    }

    /// The value of a perfect simulation.
    pub fn perfect(self) -> f64 {
        match self.direction() {
            Direction::Maximise => 1.0,
            Direction::Minimise | Direction::MinimiseAbsolute => 0.0,
        }
    }

    /// Turn a metric value into an objective to minimise: its distance from the
    /// perfect value (1 - KGE, RMSE, |PBIAS|, ...), so 0 is a perfect fit for every metric.
    pub fn objective(self, value: f64) -> f64 {
        match self.direction() {
            Direction::Maximise => self.perfect() - value,
            Direction::Minimise => value,
            Direction::MinimiseAbsolute => value.abs(),
        }
    }

    /// The metric over valid pairs (no missing values; see [`crate::prepare`] to get
    /// them from raw series). Errors when the slices are empty or unequal, or when the
    /// metric is undefined for these values.
    pub fn compute(self, sim: &[f64], obs: &[f64]) -> Result<f64, MetricError> {
        if sim.len() != obs.len() {
            return Err(MetricError::LengthMismatch {
                simulated: sim.len(),
                observed: obs.len(),
            });
        }
        if obs.is_empty() {
            return Err(MetricError::NothingToScore {
                total: 0,
                missing: 0,
                outside_period: 0,
            });
        }
        match self {
            Metric::Kge => formulas::kge(self, sim, obs, false),
            Metric::Kge2012 => formulas::kge(self, sim, obs, true),
            Metric::Nse => formulas::nse(self, sim, obs),
            Metric::LogNse => formulas::log_nse(self, sim, obs),
            Metric::Rmse => Ok(formulas::rmse(sim, obs)),
            Metric::Mae => Ok(formulas::mae(sim, obs)),
            Metric::Pbias => formulas::pbias(self, sim, obs),
            Metric::R2 => formulas::r_squared(self, sim, obs),
            Metric::KgeHigh => formulas::kge_split(self, sim, obs, true),
            Metric::KgeLow => formulas::kge_split(self, sim, obs, false),
        }
    }
}

impl FromStr for Metric {
    type Err = MetricError;

    /// Parse a config name (`kge`, `kge2012`, `nse`, `lognse`, `rmse`, `mae`, `pbias`, `r2`,
    /// `kge_high`, `kge_low`).
    fn from_str(name: &str) -> Result<Metric, MetricError> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| MetricError::UnknownMetric {
                name: name.to_string(),
                known: Metric::ALL.map(Metric::name).join(", "),
            })
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OBS: [f64; 5] = [1.0, 2.0, 3.0, 4.0, 5.0];

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn shifted_series_matches_hand_worked_values() {
        // sim = obs + 1: residuals all 1, spread of obs 10, r = 1, alpha = 1, beta = 4/3.
        let sim = OBS.map(|o| o + 1.0);
        let expect = [
            (Metric::Nse, 0.5),
            (Metric::Rmse, 1.0),
            (Metric::Mae, 1.0),
            (Metric::Pbias, 100.0 / 3.0),
            (Metric::R2, 1.0),
            (Metric::Kge, 2.0 / 3.0),
            // gamma = alpha / beta = 3/4: 1 - sqrt(1/16 + 1/9) = 1 - 5/12
            (Metric::Kge2012, 7.0 / 12.0),
        ];
        for (metric, value) in expect {
            let got = metric.compute(&sim, &OBS).unwrap();
            assert!(close(got, value), "{metric}: got {got}, expected {value}");
        }
    }

    #[test]
    fn high_and_low_flow_kge_split_at_the_observed_median_by_hand() {
        // obs 1..6: median 3.5; high days obs (4,5,6), low days (1,2,3).
        let obs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        // high days sim = 2 * obs (8,10,12): r 1, alpha 2, beta 2 -> 1 - sqrt(2)
        // low days sim = obs + 1 (2,3,4): r 1, alpha 1, beta 3/2 -> 1/2
        let sim = [2.0, 3.0, 4.0, 8.0, 10.0, 12.0];
        let high = Metric::KgeHigh.compute(&sim, &obs).unwrap();
        assert!(close(high, 1.0 - 2f64.sqrt()), "{high}");
        let low = Metric::KgeLow.compute(&sim, &obs).unwrap();
        assert!(close(low, 0.5), "{low}");
        // an odd count: the middle value is a low day
        let obs = [1.0, 2.0, 3.0, 4.0, 5.0];
        let low = Metric::KgeLow
            .compute(&[2.0, 3.0, 4.0, 0.0, 0.0], &obs)
            .unwrap();
        // low days obs (1,2,3), sim (2,3,4): 1 - |beta - 1| = 1/2
        assert!(close(low, 0.5), "{low}");
        assert_eq!("kge_high".parse::<Metric>().unwrap(), Metric::KgeHigh);
    }

    #[test]
    fn published_example_from_the_hydroerr_test_suite() {
        // Expected values published with HydroErr (Roberts et al. 2018, BYU Hydroinformatics),
        // its unit tests on this pair of series.
        let sim = [5.0, 7.0, 9.0, 2.0, 4.5, 6.7];
        let obs = [4.7, 6.0, 10.0, 2.5, 4.0, 6.8];
        let expect = [
            (Metric::Mae, 0.5666666666666665),
            (Metric::Rmse, 0.6582805886043833),
            (Metric::R2, 0.9246652089263256),
            (Metric::Nse, 0.923333988598388),
            (Metric::Kge, 0.9181073779138655),
            (Metric::Kge2012, 0.9132923608280753),
        ];
        for (metric, value) in expect {
            let got = metric.compute(&sim, &obs).unwrap();
            assert!(close(got, value), "{metric}: got {got}, published {value}");
        }
        // PBIAS by hand: sums 34.2 and 34.0.
        let pbias = Metric::Pbias.compute(&sim, &obs).unwrap();
        assert!(close(pbias, 100.0 * 0.2 / 34.0), "{pbias}");
    }

    #[test]
    fn doubled_series_separates_kge_from_kge2012() {
        // sim = 2 obs: alpha = beta = 2, so KGE = 1 - sqrt(2) but KGE' has gamma = 1.
        let sim = OBS.map(|o| 2.0 * o);
        assert!(close(
            Metric::Kge.compute(&sim, &OBS).unwrap(),
            1.0 - 2f64.sqrt()
        ));
        assert!(close(Metric::Kge2012.compute(&sim, &OBS).unwrap(), 0.0));
        // NSE = 1 - sum(o^2) / 10 = 1 - 55/10
        assert!(close(Metric::Nse.compute(&sim, &OBS).unwrap(), -4.5));
        assert!(close(Metric::Pbias.compute(&sim, &OBS).unwrap(), 100.0));
    }

    #[test]
    fn lognse_uses_an_offset_of_one_percent_of_the_mean() {
        // obs mean 100 -> eps = 1; ln(obs + 1) = 0, 0, L with L = ln 301; sim adds 1 to
        // the first log. Spread of the logs = 2 L^2 / 3, residual = 1.
        let obs = [0.0, 0.0, 300.0];
        let sim = [std::f64::consts::E - 1.0, 0.0, 300.0];
        let l = 301f64.ln();
        let expected = 1.0 - 3.0 / (2.0 * l * l);
        assert!(close(Metric::LogNse.compute(&sim, &obs).unwrap(), expected));
        let err = Metric::LogNse.compute(&[-5.0, 0.0, 1.0], &obs).unwrap_err();
        assert!(
            matches!(err, MetricError::NonPositiveLog { index: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn undefined_metrics_are_errors_not_nan() {
        let flat = [2.0; 4];
        let varied = [1.0, 2.0, 3.0, 4.0];
        for metric in [Metric::Nse, Metric::Kge, Metric::R2, Metric::LogNse] {
            let err = metric.compute(&varied, &flat).unwrap_err();
            assert!(
                matches!(err, MetricError::ConstantObserved { pairs: 4, .. }),
                "{err}"
            );
        }
        let err = Metric::Kge.compute(&flat, &varied).unwrap_err();
        assert!(matches!(err, MetricError::ConstantSimulated { .. }));
        let centred = [-1.0, 1.0, -2.0, 2.0];
        let err = Metric::Pbias.compute(&varied, &centred).unwrap_err();
        assert!(matches!(err, MetricError::ZeroObservedMean { .. }));
        let err = Metric::Kge2012.compute(&centred, &varied).unwrap_err();
        assert!(matches!(err, MetricError::ZeroSimulatedMean { .. }));
        let err = Metric::Rmse.compute(&[], &[]).unwrap_err();
        assert!(matches!(err, MetricError::NothingToScore { total: 0, .. }));
    }

    #[test]
    fn objectives_are_zero_at_a_perfect_fit_and_grow_with_error() {
        for metric in Metric::ALL {
            let perfect = metric.compute(&OBS, &OBS).unwrap();
            assert!(close(perfect, metric.perfect()), "{metric}: {perfect}");
            assert!(metric.objective(perfect).abs() < 1e-12, "{metric}");
            let worse = metric.compute(&OBS.map(|o| o * 1.5 + 0.3), &OBS).unwrap();
            // R^2 stays 1 under a linear map; every other metric degrades.
            if metric != Metric::R2 {
                assert!(metric.objective(worse) > 1e-6, "{metric}: {worse}");
            }
        }
        assert_eq!(Metric::Pbias.objective(-12.0), 12.0);
        assert_eq!(Metric::Kge.objective(0.25), 0.75);
        assert_eq!(Metric::Rmse.direction(), Direction::Minimise);
    }

    #[test]
    fn serde_names_round_trip() {
        let names: Vec<String> = Metric::ALL
            .iter()
            .map(|m| serde_json::to_string(m).unwrap())
            .collect();
        assert_eq!(
            names.join(","),
            r#""kge","kge2012","nse","lognse","rmse","mae","pbias","r2","kge_high","kge_low""#
        );
        for metric in Metric::ALL {
            let back: Metric = serde_json::from_str(&format!("\"{}\"", metric.name())).unwrap();
            assert_eq!(back, metric);
        }
        assert!(serde_json::from_str::<Metric>("\"KGE\"").is_err());
        assert_eq!("kge2012".parse::<Metric>().unwrap(), Metric::Kge2012);
        let err = "kge'".parse::<Metric>().unwrap_err();
        assert!(
            err.to_string().contains("one of kge, kge2012, nse"),
            "{err}"
        );
    }
}
