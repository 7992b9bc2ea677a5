//! Means, spreads and correlation of paired samples, computed in two passes (deviations
//! from the mean) for accuracy on long series of large flows.

/// First and second moments of two equally long samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub n: usize,
    pub mean_sim: f64,
    pub mean_obs: f64,
    /// Population standard deviations (divisor n); every ratio used here is the same
    /// with divisor n - 1.
    pub std_sim: f64,
    pub std_obs: f64,
    /// Population covariance (divisor n).
    pub covariance: f64,
}

impl Moments {
    /// Moments of `sim` and `obs`; both must be non-empty and equally long.
    pub fn of(sim: &[f64], obs: &[f64]) -> Moments {
        debug_assert_eq!(sim.len(), obs.len());
        let n = sim.len();
        let count = n as f64;
        let mean_sim = sim.iter().sum::<f64>() / count;
        let mean_obs = obs.iter().sum::<f64>() / count;
        let (mut var_sim, mut var_obs, mut cov) = (0.0, 0.0, 0.0);
        for (s, o) in sim.iter().zip(obs) {
            let (ds, d_o) = (s - mean_sim, o - mean_obs);
            var_sim += ds * ds;
            var_obs += d_o * d_o;
            cov += ds * d_o;
        }
        Moments {
            n,
            mean_sim,
            mean_obs,
            std_sim: (var_sim / count).sqrt(),
            std_obs: (var_obs / count).sqrt(),
            covariance: cov / count,
        }
    }

    /// Pearson correlation coefficient; NaN when either spread is zero (callers check).
    pub fn pearson(&self) -> f64 {
        self.covariance / (self.std_sim * self.std_obs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_of_a_small_sample_match_hand_values() {
        // sim = 1,2,3 (mean 2, var 2/3); obs = 2,4,7 (mean 13/3).
        let m = Moments::of(&[1.0, 2.0, 3.0], &[2.0, 4.0, 7.0]);
        assert_eq!(m.n, 3);
        assert!((m.mean_sim - 2.0).abs() < 1e-15);
        assert!((m.mean_obs - 13.0 / 3.0).abs() < 1e-15);
        assert!((m.std_sim - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        // obs deviations: -7/3, -1/3, 8/3 -> sum of squares 114/9, cov = (7/3 + 0 + 8/3)/3 = 5/3
        assert!((m.std_obs - (114.0f64 / 27.0).sqrt()).abs() < 1e-14);
        assert!((m.covariance - 5.0 / 3.0).abs() < 1e-15);
        let r = (5.0 / 3.0) / ((2.0f64 / 3.0).sqrt() * (114.0f64 / 27.0).sqrt());
        assert!((m.pearson() - r).abs() < 1e-14);
    }
}
