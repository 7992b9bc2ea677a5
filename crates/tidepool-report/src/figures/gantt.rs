//! Slot utilisation over time: one row per (node, slot), each trial a bar coloured by
//! its outcome, so idle time shows as gaps; the time a slot spent starting (from
//! its first start until ready) is a thin light grey bar. Each row's label gives its utilisation.

use super::{label_font, legend, row_labels, status_colour, svg, FONT, WIDTH};
use crate::error::Result;
use crate::shape::timeline::Timeline;
use plotters::prelude::*;
use tidepool_journal::TrialStatus;

/// The time before a slot was ready.
const WAITING: RGBColor = RGBColor(215, 215, 215);

pub fn figure(t: &Timeline) -> Result<String> {
    let n = t.rows.len().max(1);
    let names: Vec<String> = t
        .rows
        .iter()
        .map(|r| match r.utilisation(t.end) {
            Some(u) => format!("{} ({:.0} %)", r.key, u * 100.0),
            None => r.key.to_string(),
        })
        .collect();
    let end = t.end.max(1e-3);
    svg("slot utilisation", (WIDTH, 118 + 24 * n as u32), |root| {
        let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 - 28);
        let mut chart = ChartBuilder::on(&top)
            .caption(
                "slot utilisation (bars: trials by outcome; gaps: idle)",
                (FONT, 16),
            )
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
        for (i, row) in t.rows.iter().enumerate() {
            let y = i as f64;
            let from = row.gates.first().map_or(0.0, |g| g.start);
            let to = row.available.unwrap_or(t.end);
            if to > from {
                let wait = Rectangle::new([(from, y + 0.3), (to, y + 0.7)], WAITING.filled());
                chart.draw_series([wait])?;
            }
            let bars = row.bars.iter().map(|b| {
                let colour = status_colour(b.status);
                Rectangle::new(
                    [(b.start, y + 0.1), (b.end.max(b.start), y + 0.9)],
                    colour.filled(),
                )
            });
            chart.draw_series(bars)?;
        }
        row_labels(&top, |y| chart.backend_coord(&(0.0, y)), &names)?;
        let items: Vec<(RGBColor, &str)> = [
            TrialStatus::Ok,
            TrialStatus::Failed,
            TrialStatus::TimedOut,
            TrialStatus::Cancelled,
            TrialStatus::Running,
        ]
        .into_iter()
        .map(|s| (status_colour(s), s.as_str()))
        .chain([(WAITING, "starting (not ready)")])
        .collect();
        legend(&bottom, &items)
    })
}
