//! Which values count as missing: NaN and infinities always, sentinel values such as
//! -9999, and (when asked) any negative observed value. Missing pairs are skipped, never
//! scored.

use serde::{Deserialize, Serialize};

/// How missing values are recognised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissingPolicy {
    /// Exact values meaning "no data", in either series (default: `[-9999.0]`).
    #[serde(default = "default_sentinels")]
    pub sentinels: Vec<f64>,
    /// Treat every negative observed value as missing (default: false).
    #[serde(default)]
    pub negative_observed: bool,
}

fn default_sentinels() -> Vec<f64> {
    vec![-9999.0]
}

impl Default for MissingPolicy {
    fn default() -> Self {
        MissingPolicy {
            sentinels: default_sentinels(),
            negative_observed: false,
        }
    }
}

impl MissingPolicy {
    /// Only NaN and infinities are missing.
    pub fn non_finite_only() -> Self {
        MissingPolicy {
            sentinels: Vec::new(),
            negative_observed: false,
        }
    }

    /// True when a simulated value is missing.
    pub fn is_missing_simulated(&self, value: f64) -> bool {
        !value.is_finite() || self.sentinels.contains(&value)
    }

    /// True when an observed value is missing.
    pub fn is_missing_observed(&self, value: f64) -> bool {
        self.is_missing_simulated(value) || (self.negative_observed && value < 0.0)
    }
}

/// Pairs left after removing every pair with a missing value on either side.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidPairs {
    pub sim: Vec<f64>,
    pub obs: Vec<f64>,
    /// How many pairs were skipped.
    pub missing: usize,
}

/// Keep the pairs where both values are present under `policy`.
pub fn valid_pairs(sim: &[f64], obs: &[f64], policy: &MissingPolicy) -> ValidPairs {
    let mut pairs = ValidPairs::default();
    for (&s, &o) in sim.iter().zip(obs) {
        if policy.is_missing_simulated(s) || policy.is_missing_observed(o) {
            pairs.missing += 1;
        } else {
            pairs.sim.push(s);
            pairs.obs.push(o);
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_infinity_and_sentinels_are_skipped() {
        let policy = MissingPolicy::default();
        let sim = [1.0, f64::NAN, 3.0, 4.0, 5.0, -9999.0];
        let obs = [1.5, 2.0, -9999.0, f64::INFINITY, -0.5, 6.0];
        let pairs = valid_pairs(&sim, &obs, &policy);
        assert_eq!(pairs.sim, vec![1.0, 5.0]);
        assert_eq!(pairs.obs, vec![1.5, -0.5]);
        assert_eq!(pairs.missing, 4);
    }

    #[test]
    fn negative_observations_are_skipped_only_when_asked() {
        let policy = MissingPolicy {
            negative_observed: true,
            ..MissingPolicy::non_finite_only()
        };
        let pairs = valid_pairs(&[-1.0, 2.0, 3.0], &[1.0, -0.001, 3.0], &policy);
        assert_eq!(pairs.sim, vec![-1.0, 3.0], "negative simulated values stay");
        assert_eq!(pairs.missing, 1);
        let kept = valid_pairs(&[2.0], &[-0.001], &MissingPolicy::non_finite_only());
        assert_eq!(kept.obs, vec![-0.001]);
    }

    #[test]
    fn policy_reads_from_config_with_defaults() {
        let policy: MissingPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(policy, MissingPolicy::default());
        let policy: MissingPolicy =
            serde_json::from_str(r#"{"sentinels": [-999.0], "negative_observed": true}"#).unwrap();
        assert!(policy.is_missing_observed(-999.0) && policy.is_missing_observed(-1.0));
        assert!(
            !policy.is_missing_simulated(-9999.0),
            "the sentinel list was replaced"
        );
        assert!(serde_json::from_str::<MissingPolicy>(r#"{"sentinel": []}"#).is_err());
    }
}
