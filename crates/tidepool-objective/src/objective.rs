//! [`Objective`]: the checked spec with its observations loaded, which scores a trial
//! from the scalars and series a model returned.
//!
//! The combined minimised objective is `sum(weight * distance)`, where a metric term's
//! distance is [`Metric::objective`] of its value on the scored calibration window
//! (1 - KGE, RMSE, |PBIAS|, ...) and a scalar response's is its value (`minimize`) or
//! its negation (`maximize`). Every term is reported under its name with its own value
//! (the KGE itself, the response itself), and metric terms also on the evaluation
//! period as `<name>_eval`; a scalar response has no period and no `_eval`.

use crate::periods::{Periods, Window};
use crate::sense::Sense;
use crate::spec::{Goal, ObjectiveSpec};
use crate::validate::{plan, Planned, PlannedKind};
use crate::{observed, ObjectiveError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use tidepool_metrics::{prepare, Metric, MissingPolicy, ScoreOptions, Series};

/// What a trial is scored on, with its observations (serialisable: sent to agents once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    terms: Vec<Term>,
    periods: Option<Periods>,
    sense: Sense,
}

/// One term of the objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Term {
    pub name: String,
    pub weight: f64,
    pub kind: TermKind,
}

/// A metric against observations, or a scalar response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TermKind {
    Metric(MetricTerm),
    Response { response: String, goal: Goal },
}

/// A metric of a simulated series against observations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricTerm {
    pub metric: Metric,
    /// The simulated series' name; `None`: the only series the model returns.
    pub simulated: Option<String>,
    /// Observed values over [`Periods::span`] (missing values left out).
    pub observed: Series,
    /// Aggregate the simulated series to daily means before aligning.
    pub daily: bool,
    /// The windows it is scored on.
    pub periods: Periods,
}

/// A trial's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The combined objective, minimised.
    pub objective: f64,
    /// Every term's value: `<name>` (calibration) and `<name>_eval` (evaluation).
    pub terms: BTreeMap<String, f64>,
}

impl Objective {
    /// Check `spec`, read its observation files (relative to `base_dir`, the config
    /// file's directory) and check that the periods lie inside the observed data.
    pub fn load(spec: &ObjectiveSpec, base_dir: &Path) -> Result<Objective, ObjectiveError> {
        let (planned, periods) = plan(spec)?;
        let terms = planned
            .iter()
            .map(|p| load_term(p, periods.as_ref(), base_dir))
            .collect::<Result<_, _>>()?;
        Ok(Objective {
            terms,
            periods,
            sense: Sense::of(spec),
        })
    }

    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The periods as Unix seconds (`None` when no term is a metric).
    pub fn periods(&self) -> Option<&Periods> {
        self.periods.as_ref()
    }

    pub fn sense(&self) -> &Sense {
        &self.sense
    }

    /// Every name a score reports, in term order: `<name>`, then `<name>_eval` for
    /// metric terms when there is an evaluation period.
    pub fn term_names(&self) -> Vec<String> {
        let eval = self.periods.is_some_and(|p| p.evaluation.is_some());
        let mut names = Vec::new();
        for term in &self.terms {
            names.push(term.name.clone());
            if eval && matches!(term.kind, TermKind::Metric(_)) {
                names.push(format!("{}_eval", term.name));
            }
        }
        names
    }

    /// The observed series of the metric term `term` over the scored periods.
    pub fn observed(&self, term: &str) -> Option<&Series> {
        self.terms
            .iter()
            .find(|t| t.name == term)
            .and_then(|t| match &t.kind {
                TermKind::Metric(m) => Some(&m.observed),
                TermKind::Response { .. } => None,
            })
    }

    /// Score a trial from the model's scalar responses and series.
    pub fn score(
        &self,
        scalars: &BTreeMap<String, f64>,
        series: &BTreeMap<String, Series>,
    ) -> Result<Score, ObjectiveError> {
        let mut score = Score {
            objective: 0.0,
            terms: BTreeMap::new(),
        };
        for term in &self.terms {
            let distance = match &term.kind {
                TermKind::Response { response, goal } => {
                    let value = response_value(&term.name, response, scalars)?;
                    score.terms.insert(term.name.clone(), value);
                    match goal {
                        Goal::Minimize => value,
                        Goal::Maximize => -value,
                    }
                }
                TermKind::Metric(m) => m.score(&term.name, series, &mut score.terms)?,
            };
            score.objective += term.weight * distance;
        }
        Ok(score)
    }
}

impl MetricTerm {
    /// Record the term `name` on both periods; its distance on the calibration one.
    fn score(
        &self,
        name: &str,
        series: &BTreeMap<String, Series>,
        out: &mut BTreeMap<String, f64>,
    ) -> Result<f64, ObjectiveError> {
        let sim = pick_series(name, self.simulated.as_deref(), series)?;
        let aggregated;
        let sim = if self.daily {
            aggregated = sim.daily_mean(|v| !v.is_finite());
            &aggregated
        } else {
            sim
        };
        let on = |window, period| metric_on(name, self.metric, sim, &self.observed, window, period);
        let value = on(self.periods.scored, "calibration")?;
        out.insert(name.to_string(), value);
        if let Some(window) = self.periods.evaluation {
            out.insert(format!("{name}_eval"), on(window, "evaluation")?);
        }
        Ok(self.metric.objective(value))
    }
}

fn load_term(
    planned: &Planned<'_>,
    periods: Option<&Periods>,
    base_dir: &Path,
) -> Result<Term, ObjectiveError> {
    let kind = match &planned.kind {
        PlannedKind::Response { response, goal } => TermKind::Response {
            response: response.to_string(),
            goal: *goal,
        },
        PlannedKind::Metric {
            metric,
            simulated,
            observed,
        } => {
            let periods = periods.expect("metric terms have periods");
            let key = format!("{}.observed", planned.key);
            let series = observed::read(observed, base_dir, &key)?;
            crate::coverage::check(&series, periods, &observed.csv)?;
            TermKind::Metric(MetricTerm {
                metric: *metric,
                simulated: simulated.map(str::to_string),
                observed: within(&series, periods.span()),
                daily: observed.daily.is_some(),
                periods: *periods,
            })
        }
    };
    Ok(Term {
        name: planned.name.clone(),
        weight: planned.weight,
        kind,
    })
}

/// The part of `series` inside `window`.
fn within(series: &Series, window: Window) -> Series {
    let (times, values) = series
        .times()
        .iter()
        .zip(series.values())
        .filter(|(t, _)| window.contains(**t))
        .map(|(t, v)| (*t, *v))
        .unzip();
    Series::new(series.name(), times, values).expect("a subset of a sorted series is sorted")
}

fn response_value(
    term: &str,
    response: &str,
    scalars: &BTreeMap<String, f64>,
) -> Result<f64, ObjectiveError> {
    let Some(&value) = scalars.get(response) else {
        return Err(ObjectiveError::MissingResponse {
            term: term.to_string(),
            response: response.to_string(),
            available: scalars.keys().cloned().collect(),
        });
    };
    if !value.is_finite() {
        return Err(ObjectiveError::NonFiniteResponse {
            term: term.to_string(),
            response: response.to_string(),
            value,
        });
    }
    Ok(value)
}

fn pick_series<'s>(
    term: &str,
    wanted: Option<&str>,
    series: &'s BTreeMap<String, Series>,
) -> Result<&'s Series, ObjectiveError> {
    let available = || series.keys().cloned().collect::<Vec<_>>();
    match wanted {
        Some(name) => series
            .get(name)
            .ok_or_else(|| ObjectiveError::MissingSeries {
                term: term.to_string(),
                wanted: name.to_string(),
                available: available(),
            }),
        None => match series.len() {
            0 => Err(ObjectiveError::NoSeries {
                term: term.to_string(),
            }),
            1 => Ok(series.values().next().expect("one series")),
            _ => Err(ObjectiveError::WhichSeries {
                term: term.to_string(),
                available: available(),
            }),
        },
    }
}

fn metric_on(
    term: &str,
    metric: Metric,
    sim: &Series,
    obs: &Series,
    window: Window,
    period: &'static str,
) -> Result<f64, ObjectiveError> {
    let options = ScoreOptions {
        period: Some(window.period()),
        daily: false,
        missing: MissingPolicy::non_finite_only(),
    };
    prepare(sim, obs, &options)
        .and_then(|pairs| pairs.score(metric))
        .map_err(|source| ObjectiveError::Metric {
            term: term.to_string(),
            period,
            source,
        })
}
