//! The report's sections, in order: header, progress, the Pareto front (multi-objective
//! runs only), parameters, hydrograph, slot utilisation, start gate, barrier loss
//! (`pool-dds` only), failures.

use crate::data::RunData;
use crate::error::Result;
use crate::figures::{self, short};
use crate::html::{figure, para, section, table};
use crate::shape::{barrier, failures, pareto::FrontPlot, progress, timeline::Timeline};
use crate::view::ObjectiveView;

/// Every section's HTML.
pub fn all(data: &RunData, view: &ObjectiveView) -> Result<Vec<String>> {
    let timeline = Timeline::build(&data.trials, &data.slot_events);
    let mut out = vec![header(data, view), progress_section(data, view)?];
    if !data.front.is_empty() {
        out.push(pareto(data)?);
    }
    out.extend([
        parameters(data)?,
        hydrograph(data)?,
        utilisation(&timeline)?,
        gate(&timeline)?,
    ]);
    if data.algorithm == "pool-dds" {
        out.push(barriers(&timeline)?);
    }
    out.push(failures_section(data));
    Ok(out)
}

fn best_trial(data: &RunData) -> Option<&tidepool_journal::TrialRecord> {
    progress::observed(&data.trials)
        .into_iter()
        .filter(|t| t.objective.is_some_and(|o| !o.is_nan()))
        .min_by(|a, b| {
            a.objective
                .unwrap_or(f64::NAN)
                .total_cmp(&b.objective.unwrap_or(f64::NAN))
        })
}

fn header(data: &RunData, view: &ObjectiveView) -> String {
    let c = &data.counts;
    let best = best_trial(data).and_then(|t| t.objective).map_or_else(
        || "none yet".to_string(),
        |o| format!("{} {}", view.label, short(view.shown(o))),
    );
    let rows = vec![
        vec!["run".into(), data.name.clone()],
        vec!["state".into(), data.state.clone()],
        vec!["algorithm".into(), data.algorithm.clone()],
        vec![
            "trials done".into(),
            (c.ok + c.failed + c.timed_out).to_string(),
        ],
        vec!["trials failed".into(), (c.failed + c.timed_out).to_string()],
        vec!["best".into(), best],
    ];
    section("summary", "Summary", &table(&["", ""], &rows))
}

fn progress_section(data: &RunData, view: &ObjectiveView) -> Result<String> {
    let objectives: Vec<Option<f64>> = progress::observed(&data.trials)
        .iter()
        .map(|t| t.objective)
        .collect();
    if objectives.is_empty() {
        return Ok(section(
            "progress",
            "Best objective against evaluations",
            &para("no evaluations yet"),
        ));
    }
    let evals = progress::running_best(&objectives);
    let svg = figures::progress::figure(&evals, view)?;
    Ok(section(
        "progress",
        "Best objective against evaluations",
        &figure(&svg),
    ))
}

fn pareto(data: &RunData) -> Result<String> {
    let plot = FrontPlot::build(&data.objective_names, &data.vectors, &data.front);
    let mut body = figure(&figures::pareto::figure(&plot)?);
    body += &para(&format!(
        "{} trials are on the front of non-dominated trials; `tidepool export --pareto` \
         writes them with their parameters and objectives",
        data.front.len()
    ));
    Ok(section("pareto", "Pareto front", &body))
}

fn parameters(data: &RunData) -> Result<String> {
    let values: Vec<Vec<f64>> = progress::observed(&data.trials)
        .iter()
        .map(|t| t.params.clone())
        .collect();
    if values.is_empty() {
        return Ok(section(
            "parameters",
            "Parameters",
            &para("no evaluations yet"),
        ));
    }
    let best = best_trial(data).map(|t| t.params.as_slice());
    let mut body = figure(&figures::traces::figure(&data.parameters, &values, best)?);
    match best {
        Some(b) => body += &figure(&figures::final_values::figure(&data.parameters, b)?),
        None => body += &para("the best values appear after the first successful evaluation"),
    }
    Ok(section("parameters", "Parameters", &body))
}

fn hydrograph(data: &RunData) -> Result<String> {
    const HEADING: &str = "Observed and simulated (best trial)";
    let Some(best) = &data.best else {
        return Ok(section(
            "hydrograph",
            HEADING,
            &para("appears when the run ends"),
        ));
    };
    let f = &best.file;
    let period = |p: &Option<[String; 2]>| {
        p.as_ref()
            .map_or("none".to_string(), |[a, b]| format!("{a} to {b}"))
    };
    let mut rows = vec![
        vec!["trial".into(), f.trial.to_string()],
        vec![f.label.clone(), short(f.shown)],
        vec!["calibration".into(), period(&f.calibration)],
        vec!["evaluation".into(), period(&f.evaluation)],
        vec![
            "warm-up ends".into(),
            f.warmup_end.clone().unwrap_or_else(|| "none".into()),
        ],
    ];
    rows.extend(
        f.terms
            .iter()
            .map(|(k, v)| vec![format!("term {k}"), short(*v)]),
    );
    let mut body = table(&["", ""], &rows);
    for h in &best.hydrographs {
        body += &figure(&figures::hydrograph::figure(h, f)?);
    }
    if best.hydrographs.is_empty() {
        body +=
            &para("no hydrograph files (best/hydrograph-*.csv): the objective scores no series");
    }
    Ok(section("hydrograph", HEADING, &body))
}

fn utilisation(t: &Timeline) -> Result<String> {
    const HEADING: &str = "Slot utilisation";
    if t.rows.is_empty() {
        return Ok(section(
            "utilisation",
            HEADING,
            &para("no trial has started yet"),
        ));
    }
    let pct = |u: Option<f64>| u.map_or("-".into(), |u| format!("{:.1} %", u * 100.0));
    let mut rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            let busy = r.available.map_or(0.0, |a| r.busy_within(a, t.end));
            vec![
                r.key.to_string(),
                r.bars.len().to_string(),
                format!("{busy:.1}"),
                format!("{:.1}", r.span(t.end)),
                pct(r.utilisation(t.end)),
            ]
        })
        .collect();
    rows.push(vec![
        "all slots".into(),
        t.rows
            .iter()
            .map(|r| r.bars.len())
            .sum::<usize>()
            .to_string(),
        String::new(),
        String::new(),
        pct(t.overall_utilisation()),
    ]);
    let body = figure(&figures::gantt::figure(t)?)
        + &table(
            &["slot", "trials", "busy s", "available s", "utilisation"],
            &rows,
        );
    Ok(section("utilisation", HEADING, &body))
}

fn gate(t: &Timeline) -> Result<String> {
    const HEADING: &str = "Slot start and ready";
    if t.rows.iter().all(|r| r.gates.is_empty()) {
        let text = "no slot has started yet (a journal older than schema version 3 records no slot starts)";
        return Ok(section("gate", HEADING, &para(text)));
    }
    Ok(section(
        "gate",
        HEADING,
        &figure(&figures::gate::figure(t)?),
    ))
}

fn barriers(t: &Timeline) -> Result<String> {
    const HEADING: &str = "Slot time lost at batch barriers";
    let batches = barrier::batches(t);
    let total = barrier::total_lost(&batches);
    let busy: f64 = t
        .rows
        .iter()
        .map(|r| r.busy_within(f64::NEG_INFINITY, f64::INFINITY))
        .sum();
    let text = format!(
        "{total:.1} slot-seconds idle at barriers over {} batches ({busy:.1} slot-seconds spent running trials)",
        batches.len()
    );
    let rows: Vec<Vec<String>> = batches
        .iter()
        .map(|b| {
            vec![
                b.index.to_string(),
                b.trials.to_string(),
                format!("{:.1}", b.end - b.start),
                format!("{:.1}", b.lost),
            ]
        })
        .collect();
    let body = para(&text)
        + &figure(&figures::barrier::figure(&batches)?)
        + &table(&["batch", "trials", "duration s", "idle slot-s"], &rows);
    Ok(section("barriers", HEADING, &body))
}

fn failures_section(data: &RunData) -> String {
    const HEADING: &str = "Failures by reason";
    let reasons = failures::by_reason(&data.trials);
    if reasons.is_empty() {
        return section("failures", HEADING, &para("no trial failed"));
    }
    let rows: Vec<Vec<String>> = reasons
        .into_iter()
        .map(|r| {
            vec![
                r.reason,
                r.count.to_string(),
                r.stderr_line.unwrap_or_default(),
            ]
        })
        .collect();
    section(
        "failures",
        HEADING,
        &table(&["reason", "trials", "first stderr line"], &rows),
    )
}
