//! Checks of `[objective]` that need no file: one form (shorthand or terms), each term
//! a metric with observations or a response with a direction, weights above zero,
//! names unique, the periods readable and the warm-up shorter than the calibration.
//! The result is the list of planned terms, each with the key path it was written at.

use crate::periods::{self, Periods};
use crate::spec::{Goal, ObjectiveSpec, ObservedSpec, TermSpec};
use crate::ObjectiveError;
use std::collections::BTreeSet;
use tidepool_metrics::Metric;

/// A checked term, not yet with its observations.
#[derive(Debug, Clone)]
pub(crate) struct Planned<'a> {
    /// `objective` (shorthand) or `objective.terms[i]`.
    pub key: String,
    pub name: String,
    pub weight: f64,
    pub kind: PlannedKind<'a>,
}

#[derive(Debug, Clone)]
pub(crate) enum PlannedKind<'a> {
    Metric {
        metric: Metric,
        simulated: Option<&'a str>,
        observed: &'a ObservedSpec,
    },
    Response {
        response: &'a str,
        goal: Goal,
    },
}

/// Check `spec` without reading any file (what a config check at load time can do).
pub fn validate(spec: &ObjectiveSpec) -> Result<(), ObjectiveError> {
    plan(spec).map(|_| ())
}

/// The terms' names in order (the objectives a multi-objective run keeps apart),
/// without reading any file.
pub fn term_names(spec: &ObjectiveSpec) -> Result<Vec<String>, ObjectiveError> {
    let terms = planned_terms(spec)?;
    Ok(terms.into_iter().map(|t| t.name).collect())
}

/// The checked terms and the periods (`None` when no term is a metric).
pub(crate) fn plan(
    spec: &ObjectiveSpec,
) -> Result<(Vec<Planned<'_>>, Option<Periods>), ObjectiveError> {
    let terms = planned_terms(spec)?;
    check_names(&terms)?;
    let has_metric = terms
        .iter()
        .any(|t| matches!(t.kind, PlannedKind::Metric { .. }));
    let periods = periods_of(spec, has_metric)?;
    Ok((terms, periods))
}

fn planned_terms(spec: &ObjectiveSpec) -> Result<Vec<Planned<'_>>, ObjectiveError> {
    let shorthand_used = spec.metric.is_some()
        || spec.simulated.is_some()
        || spec.observed.is_some()
        || spec.response.is_some()
        || spec.direction.is_some()
        || spec.name.is_some();
    match (shorthand_used, spec.terms.is_empty()) {
        (true, false) => Err(ObjectiveError::spec(
            "objective.terms",
            "both the single-term keys (metric, simulated, observed, response, direction, \
             name) and [[objective.terms]] are given; keep one form: move the single term \
             into [[objective.terms]], or remove the terms",
        )),
        (false, true) => Err(ObjectiveError::spec(
            "objective",
            "says nothing to score; give `metric` with [objective.observed], or `response` \
             with `direction`, or one [[objective.terms]] table per term",
        )),
        (true, true) => Ok(vec![plan_term("objective", spec_term(spec))?]),
        (false, false) => spec
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| plan_term(&format!("objective.terms[{i}]"), t_ref(t)))
            .collect(),
    }
}

/// The fields of a term, borrowed from wherever they were written.
struct TermRef<'a> {
    name: Option<&'a str>,
    weight: f64,
    metric: Option<Metric>,
    simulated: Option<&'a str>,
    observed: Option<&'a ObservedSpec>,
    response: Option<&'a str>,
    direction: Option<Goal>,
}

fn spec_term(spec: &ObjectiveSpec) -> TermRef<'_> {
    TermRef {
        name: spec.name.as_deref(),
        weight: 1.0,
        metric: spec.metric,
        simulated: spec.simulated.as_deref(),
        observed: spec.observed.as_ref(),
        response: spec.response.as_deref(),
        direction: spec.direction,
    }
}

fn t_ref(t: &TermSpec) -> TermRef<'_> {
    TermRef {
        name: t.name.as_deref(),
        weight: t.weight,
        metric: t.metric,
        simulated: t.simulated.as_deref(),
        observed: t.observed.as_ref(),
        response: t.response.as_deref(),
        direction: t.direction,
    }
}

fn plan_term<'a>(key: &str, t: TermRef<'a>) -> Result<Planned<'a>, ObjectiveError> {
    if !(t.weight.is_finite() && t.weight > 0.0) {
        return Err(ObjectiveError::spec(
            format!("{key}.weight"),
            format!(
                "must be a number above 0 (1 is the default), got {}",
                t.weight
            ),
        ));
    }
    let kind = match (t.metric, t.response) {
        (Some(_), Some(_)) => {
            return Err(ObjectiveError::spec(
                format!("{key}.response"),
                "a term is either a metric (`metric`) or a scalar response (`response`), not \
                 both; split it into two [[objective.terms]]",
            ))
        }
        (None, None) => {
            return Err(ObjectiveError::spec(
                key,
                "this term scores nothing; give `metric` (kge, kge2012, nse, lognse, rmse, \
                 mae, pbias, r2) with `observed`, or `response` with `direction`",
            ))
        }
        (Some(metric), None) => metric_term(key, metric, &t)?,
        (None, Some(response)) => response_term(key, response, &t)?,
    };
    let name = match (t.name, &kind) {
        (Some(name), _) => name.to_string(),
        (
            None,
            PlannedKind::Metric {
                metric, simulated, ..
            },
        ) => match simulated {
            Some(sim) => format!("{metric}_{sim}"),
            None => metric.to_string(),
        },
        (None, PlannedKind::Response { response, .. }) => response.to_string(),
    };
    Ok(Planned {
        key: key.to_string(),
        name,
        weight: t.weight,
        kind,
    })
}

fn metric_term<'a>(
    key: &str,
    metric: Metric,
    t: &TermRef<'a>,
) -> Result<PlannedKind<'a>, ObjectiveError> {
    if t.direction.is_some() {
        return Err(ObjectiveError::spec(
            format!("{key}.direction"),
            format!(
                "the direction of a metric comes from the metric ({metric} is {}); remove \
                 `direction` (it is for scalar responses)",
                direction_word(metric)
            ),
        ));
    }
    let Some(observed) = t.observed else {
        return Err(ObjectiveError::spec(
            key,
            format!(
                "the metric {metric} needs observations: add the table `observed` (csv, date, \
                 value) to this term"
            ),
        ));
    };
    check_observed(&format!("{key}.observed"), observed)?;
    Ok(PlannedKind::Metric {
        metric,
        simulated: t.simulated,
        observed,
    })
}

fn response_term<'a>(
    key: &str,
    response: &'a str,
    t: &TermRef<'a>,
) -> Result<PlannedKind<'a>, ObjectiveError> {
    for (field, given) in [
        ("observed", t.observed.is_some()),
        ("simulated", t.simulated.is_some()),
    ] {
        if given {
            return Err(ObjectiveError::spec(
                format!("{key}.{field}"),
                format!(
                    "a scalar response term (`response = \"{response}\"`) is used as it is; \
                     `{field}` is for metric terms: remove it, or give `metric` instead of \
                     `response`"
                ),
            ));
        }
    }
    let Some(goal) = t.direction else {
        return Err(ObjectiveError::spec(
            key,
            format!(
                "say which way the response `{response}` improves: add direction = \
                 \"minimize\" or \"maximize\""
            ),
        ));
    };
    Ok(PlannedKind::Response { response, goal })
}

fn direction_word(metric: Metric) -> &'static str {
    match metric.direction() {
        tidepool_metrics::Direction::Maximise => "maximised",
        tidepool_metrics::Direction::Minimise => "minimised",
        tidepool_metrics::Direction::MinimiseAbsolute => "minimised in absolute value",
    }
}

fn check_observed(key: &str, observed: &ObservedSpec) -> Result<(), ObjectiveError> {
    if !(observed.factor.is_finite() && observed.factor > 0.0) {
        return Err(ObjectiveError::spec(
            format!("{key}.factor"),
            format!(
                "must be a number above 0 (e.g. 0.001 for l/s to m3/s, 0.0283168 for cfs to \
                 m3/s), got {}",
                observed.factor
            ),
        ));
    }
    if let Some(delimiter) = &observed.delimiter {
        if crate::observed::Delimiter::parse(delimiter).is_none() {
            return Err(ObjectiveError::spec(
                format!("{key}.delimiter"),
                format!(
                    "must be one character (\",\", \";\", \"\\t\") or \"whitespace\", got \
                     {delimiter:?}"
                ),
            ));
        }
    }
    Ok(())
}

fn check_names(terms: &[Planned<'_>]) -> Result<(), ObjectiveError> {
    let mut seen = BTreeSet::new();
    for term in terms {
        if term.name.is_empty() {
            return Err(ObjectiveError::spec(
                format!("{}.name", term.key),
                "a term name must not be empty",
            ));
        }
        let eval = format!("{}_eval", term.name);
        if !seen.insert(term.name.clone()) || !seen.insert(eval) {
            return Err(ObjectiveError::spec(
                format!("{}.name", term.key),
                format!(
                    "the term name `{}` is used twice (each term is reported as NAME and \
                     NAME_eval); give each term its own `name`",
                    term.name
                ),
            ));
        }
    }
    Ok(())
}

fn periods_of(spec: &ObjectiveSpec, has_metric: bool) -> Result<Option<Periods>, ObjectiveError> {
    if !has_metric {
        let written = [
            ("calibration", spec.calibration.is_some()),
            ("evaluation", spec.evaluation.is_some()),
            ("warmup_days", spec.warmup_days > 0),
        ];
        if let Some((key, _)) = written.iter().find(|(_, given)| *given) {
            return Err(ObjectiveError::spec(
                format!("objective.{key}"),
                format!(
                    "`{key}` applies to metric terms, and no term is a metric (scalar \
                     responses are used as the model reports them); remove it"
                ),
            ));
        }
        return Ok(None);
    }
    let Some(calibration) = &spec.calibration else {
        return Err(ObjectiveError::spec(
            "objective",
            "a metric term needs the calibration period: add calibration = [\"START\", \
             \"END\"] (inclusive dates, e.g. [\"2013-01-01\", \"2016-12-31\"])",
        ));
    };
    periods::parse(calibration, spec.warmup_days, spec.evaluation.as_ref()).map(Some)
}
