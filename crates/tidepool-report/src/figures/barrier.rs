//! Slot time lost at `pool-dds` batch barriers: per batch, the slot-seconds that
//! available slots stood idle while the batch waited for its last trial.

use super::{label_font, svg, whole, FONT, WIDTH};
use crate::error::Result;
use crate::shape::barrier::Batch;
use plotters::prelude::*;

pub fn figure(batches: &[Batch]) -> Result<String> {
    let n = batches.len().max(1) as f64;
    let top = batches
        .iter()
        .map(|b| b.lost)
        .fold(0.0_f64, f64::max)
        .max(1e-3)
        * 1.1;
    svg("barrier loss", (WIDTH, 320), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("slot time lost at batch barriers", (FONT, 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.5..n + 0.5, 0.0..top)?;
        chart
            .configure_mesh()
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_desc("batch")
            .x_label_formatter(&whole)
            .y_desc("idle slot-seconds")
            .disable_x_mesh()
            .draw()?;
        let bars = batches.iter().map(|b| {
            let x = b.index as f64;
            Rectangle::new(
                [(x - 0.4, 0.0), (x + 0.4, b.lost)],
                RGBColor(255, 127, 14).filled(),
            )
        });
        chart.draw_series(bars)?;
        Ok(())
    })
}
