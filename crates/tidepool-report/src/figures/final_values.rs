//! The best trial's parameter values as bars within their bounds: each row spans its
//! parameter's range from lower (left) to upper (right); the bar ends at the value,
//! and the row's label gives the value and the bounds.

use super::{label_font, row_labels, short, svg, BLUE_LINE, FONT, WIDTH};
use crate::data::Parameter;
use crate::error::Result;
use plotters::prelude::*;

pub fn figure(params: &[Parameter], best: &[f64]) -> Result<String> {
    let n = params.len().max(1);
    let names: Vec<String> = params
        .iter()
        .zip(best)
        .map(|(p, v)| {
            format!(
                "{} = {} in [{}, {}]",
                p.name,
                short(*v),
                short(p.lower),
                short(p.upper)
            )
        })
        .collect();
    svg("final values", (WIDTH, 60 + 36 * n as u32), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("best parameter values within their bounds", (FONT, 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(300)
            .build_cartesian_2d(0.0..1.0, n as f64..0.0)?;
        chart
            .configure_mesh()
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_desc("position within bounds (0 = lower, 1 = upper)")
            .y_labels(0)
            .disable_y_mesh()
            .draw()?;
        let bars = params.iter().zip(best).enumerate().map(|(i, (p, v))| {
            let at = ((v - p.lower) / (p.upper - p.lower)).clamp(0.0, 1.0);
            let at = if at.is_finite() { at } else { 0.0 };
            let y = i as f64;
            Rectangle::new([(0.0, y + 0.2), (at, y + 0.8)], BLUE_LINE.filled())
        });
        chart.draw_series(bars)?;
        row_labels(root, |y| chart.backend_coord(&(0.0, y)), &names)?;
        Ok(())
    })
}
