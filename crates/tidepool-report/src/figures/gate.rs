//! The start gate at work: per slot, each pass through the gate from start to ready
//! (blue), to a failed start (red), or not ready when the record ends
//! (grey: still starting, or stopped with the run).

use super::{label_font, legend, row_labels, svg, BLUE_LINE, FONT, WIDTH};
use crate::error::Result;
use crate::shape::timeline::{GateEnd, Timeline};
use plotters::prelude::*;

pub fn figure(t: &Timeline) -> Result<String> {
    let rows: Vec<_> = t.rows.iter().filter(|r| !r.gates.is_empty()).collect();
    let n = rows.len().max(1);
    let names: Vec<String> = rows.iter().map(|r| r.key.to_string()).collect();
    let last = rows
        .iter()
        .flat_map(|r| r.gates.iter().map(|g| g.end))
        .fold(0.0_f64, f64::max);
    let end = (last * 1.05).max(1e-3);
    svg("slot start gate", (WIDTH, 118 + 24 * n as u32), |root| {
        let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 - 28);
        let mut chart = ChartBuilder::on(&top)
            .caption("slot start -> ready (the start gate)", (FONT, 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..end, n as f64..0.0)?;
        chart
            .configure_mesh()
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_desc("seconds since the first slot started")
            .y_labels(0)
            .disable_y_mesh()
            .draw()?;
        let colour = |how: GateEnd| match how {
            GateEnd::Ready => BLUE_LINE,
            GateEnd::Failed => RGBColor(214, 39, 40),
            GateEnd::Pending => RGBColor(150, 150, 150),
        };
        for (i, row) in rows.iter().enumerate() {
            let y = i as f64;
            let bars = row.gates.iter().map(|g| {
                let to = g.end.max(g.start + end * 0.002);
                Rectangle::new([(g.start, y + 0.2), (to, y + 0.8)], colour(g.how).filled())
            });
            chart.draw_series(bars)?;
        }
        row_labels(&top, |y| chart.backend_coord(&(0.0, y)), &names)?;
        let items = [GateEnd::Ready, GateEnd::Failed, GateEnd::Pending].map(|how| {
            (
                colour(how),
                match how {
                    GateEnd::Ready => "started -> ready",
                    GateEnd::Failed => "start failed",
                    GateEnd::Pending => "not ready when the record ends",
                },
            )
        });
        legend(&bottom, &items)
    })
}
