//! Slot utilisation over time: one row per (node, slot), each trial a bar coloured by
//! its outcome, so idle time shows as gaps; the time before a slot was ready is
//! hatched light grey. Each row's label gives its utilisation.

use super::{row_labels, status_colour, svg, FONT, WIDTH};
use crate::error::Result;
use crate::shape::timeline::Timeline;
use plotters::prelude::*;
use tidepool_journal::TrialStatus;

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
    svg("slot utilisation", (WIDTH, 90 + 24 * n as u32), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("slot utilisation (bars: trials by outcome; gaps: idle)", (FONT, 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..end, n as f64..0.0)?;
        chart
            .configure_mesh()
            .x_desc("seconds since the first slot started")
            .y_labels(0)
            .disable_y_mesh()
            .draw()?;
        for (i, row) in t.rows.iter().enumerate() {
            let y = i as f64;
            if let Some(a) = row.available.filter(|a| *a > 0.0) {
                let wait = Rectangle::new([(0.0, y + 0.3), (a, y + 0.7)], RGBColor(220, 220, 220).filled());
                chart.draw_series([wait])?;
            }
            let bars = row.bars.iter().map(|b| {
                let colour = status_colour(b.status);
                Rectangle::new([(b.start, y + 0.1), (b.end.max(b.start), y + 0.9)], colour.filled())
            });
            chart.draw_series(bars)?;
        }
        for status in [TrialStatus::Ok, TrialStatus::Failed, TrialStatus::TimedOut, TrialStatus::Cancelled, TrialStatus::Running] {
            let colour = status_colour(status);
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
                .label(status.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        row_labels(root, |y| chart.backend_coord(&(0.0, y)), &names)?;
        Ok(())
    })
}
