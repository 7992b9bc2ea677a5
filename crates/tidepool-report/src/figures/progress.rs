//! Best objective against evaluations: each evaluation as a point, the running best
//! as a line, both as the metric is shown (`kge`, not its minimised form). The y axis
//! spans the best value to the 90th percentile of the others, so a few very bad trials
//! do not flatten the curve (the caption says how many lie outside).

use super::{label_font, padded, svg, whole, BLUE_LINE, FONT, GREY_POINT, WIDTH};
use crate::error::Result;
use crate::shape::progress::Evaluation;
use crate::view::ObjectiveView;
use plotters::prelude::*;

pub fn figure(evals: &[Evaluation], view: &ObjectiveView) -> Result<String> {
    let mut values: Vec<f64> = evals.iter().filter_map(|e| e.objective).collect();
    values.sort_by(f64::total_cmp);
    let cut = values
        .get((values.len() as f64 * 0.9).ceil() as usize)
        .copied()
        .unwrap_or(f64::INFINITY);
    let kept = |v: &f64| *v <= cut;
    let outside = values.iter().filter(|v| !kept(v)).count();
    let (lo, hi) = padded(values.iter().copied().filter(kept).map(|v| view.shown(v)));
    let n = evals.len().max(1) as f64;
    let caption = match outside {
        0 => format!("{} by evaluation", view.label),
        k => format!(
            "{} by evaluation ({k} worse evaluations above the 90th percentile not shown)",
            view.label
        ),
    };
    svg("progress", (WIDTH, 380), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, (FONT, 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..n + 1.0, lo..hi)?;
        chart
            .configure_mesh()
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_desc("evaluation")
            .x_label_formatter(&whole)
            .y_desc(view.label.as_str())
            .draw()?;
        let points = evals
            .iter()
            .filter_map(|e| Some((e.number as f64, e.objective.filter(kept)?)))
            .map(|(x, v)| Circle::new((x, view.shown(v)), 2, GREY_POINT.filled()));
        chart
            .draw_series(points)?
            .label("each evaluation")
            .legend(|(x, y)| Circle::new((x + 10, y), 3, GREY_POINT.filled()));
        // A step line: the best changes at the evaluation that improves it.
        let mut best: Vec<(f64, f64)> = Vec::new();
        for e in evals {
            let Some(b) = e.best.map(|b| view.shown(b)) else {
                continue;
            };
            if let Some(&(_, before)) = best.last() {
                best.push((e.number as f64, before));
            }
            best.push((e.number as f64, b));
        }
        chart
            .draw_series(LineSeries::new(best, BLUE_LINE.stroke_width(2)))?
            .label("best so far")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE_LINE.stroke_width(2)));
        let corner = if view.maximised() {
            SeriesLabelPosition::LowerRight
        } else {
            SeriesLabelPosition::UpperRight
        };
        chart
            .configure_series_labels()
            .position(corner)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}
