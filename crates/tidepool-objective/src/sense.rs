//! How the minimised objective is shown: the optimisers minimise, people read the
//! metric. `shown = offset + sign * minimised`.
//!
//! - one metric term of weight w: minimised = w (perfect - kge) for maximised metrics,
//!   so shown = 1 - minimised / w, labelled `kge`; w rmse for minimised ones, shown =
//!   minimised / w; w |pbias| for pbias, labelled `|pbias|`;
//! - one scalar response: minimised = w value (minimize) or -w value (maximize), shown
//!   = the value, labelled with the response's name;
//! - several terms: the weighted sum of distances itself, labelled `objective` (the
//!   terms are shown beside it from the score's terms).

use crate::spec::{Goal, ObjectiveSpec};
use crate::validate::{plan, PlannedKind};
use serde::{Deserialize, Serialize};
use tidepool_metrics::{Direction, Metric};

/// The name and affine map from the minimised objective to the value shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sense {
    pub label: String,
    pub offset: f64,
    pub sign: f64,
}

impl Sense {
    /// The sense of `spec`, from the spec alone (no observation is read). A spec that
    /// does not validate shows the minimised value as `objective`.
    pub fn of(spec: &ObjectiveSpec) -> Sense {
        match plan(spec) {
            Ok((terms, _)) if terms.len() == 1 => {
                let w = terms[0].weight;
                match &terms[0].kind {
                    PlannedKind::Metric { metric, .. } => Sense::metric(*metric, w),
                    PlannedKind::Response { response, goal } => Sense::response(response, *goal, w),
                }
            }
            _ => Sense::minimised(),
        }
    }

    /// The minimised value as it is, labelled `objective`.
    pub fn minimised() -> Sense {
        Sense {
            label: "objective".to_string(),
            offset: 0.0,
            sign: 1.0,
        }
    }

    fn metric(metric: Metric, weight: f64) -> Sense {
        let (label, offset, sign) = match metric.direction() {
            Direction::Maximise => (metric.to_string(), metric.perfect(), -1.0 / weight),
            Direction::Minimise => (metric.to_string(), 0.0, 1.0 / weight),
            Direction::MinimiseAbsolute => (format!("|{metric}|"), 0.0, 1.0 / weight),
        };
        Sense {
            label,
            offset,
            sign,
        }
    }

    fn response(response: &str, goal: Goal, weight: f64) -> Sense {
        let sign = match goal {
            Goal::Minimize => 1.0 / weight,
            Goal::Maximize => -1.0 / weight,
        };
        Sense {
            label: response.to_string(),
            offset: 0.0,
            sign,
        }
    }

    /// The value shown for a minimised objective.
    pub fn shown(&self, minimised: f64) -> f64 {
        self.offset + self.sign * minimised
    }

    /// `kge 0.912`.
    pub fn describe(&self, minimised: f64) -> String {
        format!("{} {}", self.label, number(self.shown(minimised)))
    }
}

/// Three decimals for ordinary magnitudes, scientific notation otherwise.
pub fn number(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 || (1e-3..1e6).contains(&a) {
        format!("{x:.3}")
    } else {
        format!("{x:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> ObjectiveSpec {
        toml::from_str(text).unwrap()
    }

    const OBS: &str = "[observed]\ncsv = \"q.csv\"\ndate = 0\nvalue = 1\n";

    #[test]
    fn maximised_metrics_are_shown_as_the_metric() {
        let s = Sense::of(&spec(&format!(
            "metric = \"kge\"\ncalibration = [\"2013-01-01\", \"2013-12-31\"]\n{OBS}"
        )));
        assert_eq!(s.label, "kge");
        // minimised 1 - 0.912 = 0.088
        assert!((s.shown(0.088) - 0.912).abs() < 1e-12);
        assert_eq!(s.describe(0.088), "kge 0.912");
    }

    #[test]
    fn minimised_metrics_and_responses_keep_their_sign() {
        let rmse = Sense::of(&spec(&format!(
            "metric = \"rmse\"\ncalibration = [\"2013-01-01\", \"2013-12-31\"]\n{OBS}"
        )));
        assert_eq!(rmse.describe(2.5), "rmse 2.500");
        let gain = Sense::of(&spec("response = \"gain\"\ndirection = \"maximize\"\n"));
        assert_eq!(gain.describe(-7.25), "gain 7.250");
        let loss = Sense::of(&spec("response = \"loss\"\ndirection = \"minimise\"\n"));
        assert_eq!(loss.describe(1.5e-7), "loss 1.500e-7");
    }

    #[test]
    fn a_weighted_single_term_is_shown_unweighted_and_several_terms_as_objective() {
        let one = Sense::of(&spec(&format!(
            "calibration = [\"2013-01-01\", \"2013-12-31\"]\n[[terms]]\nmetric = \"nse\"\nweight = 2.0\n{}",
            OBS.replace("[observed]", "[terms.observed]")
        )));
        // minimised = 2 (1 - 0.8) = 0.4
        assert!((one.shown(0.4) - 0.8).abs() < 1e-12);
        let two = Sense::of(&spec(
            "[[terms]]\nresponse = \"a\"\ndirection = \"minimize\"\n\
             [[terms]]\nresponse = \"b\"\ndirection = \"maximize\"\n",
        ));
        assert_eq!(two, Sense::minimised());
        assert_eq!(two.describe(0.25), "objective 0.250");
    }
}
