//! Parameter traces: one small panel per parameter, its value at each evaluation (in
//! observation order) within the parameter's bounds, the best trial's value marked.

use super::{label_font, padded, svg, whole, FONT, GREY_POINT, WIDTH};
use crate::data::Parameter;
use crate::error::Result;
use plotters::prelude::*;

/// Panels per row.
const COLUMNS: usize = 3;

/// `values[k]` = the parameter values of evaluation k + 1; `best` = the best values.
pub fn figure(params: &[Parameter], values: &[Vec<f64>], best: Option<&[f64]>) -> Result<String> {
    let columns = params.len().clamp(1, COLUMNS);
    let rows = params.len().div_ceil(columns).max(1);
    let n = values.len().max(1) as f64;
    svg("traces", (WIDTH, 240 * rows as u32), |root| {
        let panels = root.split_evenly((rows, columns));
        for (i, (p, area)) in params.iter().zip(panels.iter()).enumerate() {
            let (lo, hi) = bounds(p, values.iter().map(|v| v[i]));
            let mut chart = ChartBuilder::on(area)
                .caption(format!("{} (red line: best)", p.name), (FONT, 14))
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(55)
                .build_cartesian_2d(0.0..n + 1.0, lo..hi)?;
            chart
                .configure_mesh()
                .label_style(label_font())
                .axis_desc_style(label_font())
                .x_desc("evaluation")
                .x_label_formatter(&whole)
                .x_labels(5)
                .y_labels(5)
                .draw()?;
            let points = values
                .iter()
                .enumerate()
                .map(|(k, v)| Circle::new(((k + 1) as f64, v[i]), 2, GREY_POINT.filled()));
            chart.draw_series(points)?;
            if let Some(b) = best {
                let line = [(0.0, b[i]), (n + 1.0, b[i])];
                chart.draw_series(LineSeries::new(line, RED.stroke_width(1)))?;
            }
        }
        Ok(())
    })
}

/// The axis of a parameter: its bounds, or the values' range when unknown.
fn bounds(p: &Parameter, values: impl Iterator<Item = f64>) -> (f64, f64) {
    if p.lower.is_finite() && p.upper.is_finite() && p.upper > p.lower {
        (p.lower, p.upper)
    } else {
        padded(values)
    }
}
