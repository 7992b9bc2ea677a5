//! [`Distances`]: each `[objective]` term's distance from perfect, kept apart: the
//! vector a multi-objective optimiser (`padds`) minimises instead of their weighted
//! sum. A trial's score reports every term's own value (the KGE, the response) under
//! the term's name; the distance follows from it as in the sum (1 - KGE, RMSE,
//! |PBIAS|, a response or its negation), so the coordinator needs no series for it.

use crate::objective::{Objective, TermKind};
use crate::spec::Goal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tidepool_metrics::Metric;

/// How each term's distance follows from its reported value, in term order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distances {
    terms: Vec<(String, Toward)>,
}

/// Which way a term's value improves.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Toward {
    Metric(Metric),
    Goal(Goal),
}

impl Distances {
    /// The terms' names, in order: the objectives' names.
    pub fn names(&self) -> Vec<&str> {
        self.terms.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// Every term's distance from the values a trial reported under the terms'
    /// names; the first term missing, by name, when one is.
    pub fn of(&self, reported: &BTreeMap<String, f64>) -> Result<Vec<f64>, String> {
        self.terms
            .iter()
            .map(|(name, toward)| {
                let value = *reported.get(name).ok_or_else(|| name.clone())?;
                Ok(match toward {
                    Toward::Metric(m) => m.objective(value),
                    Toward::Goal(Goal::Minimize) => value,
                    Toward::Goal(Goal::Maximize) => -value,
                })
            })
            .collect()
    }
}

impl Objective {
    /// The terms' distances kept apart (see [`Distances`]).
    pub fn distances(&self) -> Distances {
        let terms = self.terms().iter().map(|t| {
            let toward = match &t.kind {
                TermKind::Metric(m) => Toward::Metric(m.metric),
                TermKind::Response { goal, .. } => Toward::Goal(*goal),
            };
            (t.name.clone(), toward)
        });
        Distances {
            terms: terms.collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Objective, ObjectiveSpec};
    use std::collections::BTreeMap;
    use tidepool_metrics::Series;

    fn objective() -> Objective {
        let spec: ObjectiveSpec = toml::from_str(
            r#"
            [[terms]]
            response = "loss"
            direction = "minimize"
            weight = 2.0
            [[terms]]
            response = "gain"
            direction = "maximize"
            "#,
        )
        .unwrap();
        Objective::load(&spec, std::path::Path::new(".")).unwrap()
    }

    #[test]
    fn the_vector_holds_each_distance_and_sums_to_the_unweighted_objective() {
        let o = objective();
        let scalars = BTreeMap::from([("loss".to_string(), 0.5), ("gain".to_string(), 3.0)]);
        let score = o
            .score(&scalars, &BTreeMap::<String, Series>::new())
            .unwrap();
        let v = o.distances().of(&score.terms).unwrap();
        assert_eq!(v, vec![0.5, -3.0]);
        // the weighted sum the scalar optimisers see: 2 * 0.5 - 3
        assert_eq!(score.objective, 2.0 * v[0] + v[1]);
        assert_eq!(o.distances().names(), ["loss", "gain"]);
    }

    #[test]
    fn a_missing_term_is_named() {
        let reported = BTreeMap::from([("loss".to_string(), 0.5)]);
        assert_eq!(
            objective().distances().of(&reported),
            Err("gain".to_string())
        );
    }

    #[test]
    fn metric_terms_use_the_metric_distance() {
        use tidepool_metrics::Metric;
        let d = super::Distances {
            terms: vec![("kge".into(), super::Toward::Metric(Metric::Kge))],
        };
        let reported = BTreeMap::from([("kge".to_string(), 0.75)]);
        assert_eq!(d.of(&reported), Ok(vec![0.25]));
    }
}
