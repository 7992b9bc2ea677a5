//! The Pareto front of a multi-objective run. Two objectives: a scatter of every
//! trial's objectives (as minimised: distance from perfect, lower is better) with the
//! front highlighted and joined as a staircase. Three or more: parallel coordinates,
//! one vertical axis per objective scaled to [0, 1] over all trials, every trial a
//! grey line and the front's members red lines.

use super::{label_font, padded, svg, FONT, GREY_POINT, WIDTH};
use crate::error::Result;
use crate::shape::pareto::FrontPlot;
use plotters::prelude::*;

pub const FRONT_RED: RGBColor = RGBColor(214, 39, 40);

pub fn figure(plot: &FrontPlot) -> Result<String> {
    match plot.names.len() {
        2 => scatter(plot),
        _ => parallel(plot),
    }
}

fn scatter(plot: &FrontPlot) -> Result<String> {
    let all = || plot.others.iter().chain(&plot.front);
    let (x0, x1) = padded(all().map(|v| v[0]));
    let (y0, y1) = padded(all().map(|v| v[1]));
    let caption = format!(
        "Pareto front: {} of {} trials (lower is better)",
        plot.front.len(),
        plot.front.len() + plot.others.len()
    );
    svg("pareto front", (WIDTH, 480), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, (FONT, 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_desc(format!("{} (distance from perfect)", plot.names[0]))
            .y_desc(format!("{} (distance from perfect)", plot.names[1]))
            .draw()?;
        let others = plot
            .others
            .iter()
            .map(|v| Circle::new((v[0], v[1]), 2, GREY_POINT.filled()));
        chart
            .draw_series(others)?
            .label("trial")
            .legend(|(x, y)| Circle::new((x + 10, y), 3, GREY_POINT.filled()));
        let mut stairs = Vec::new();
        for v in &plot.front {
            if let Some(&(_, before)) = stairs.last() {
                stairs.push((v[0], before));
            }
            stairs.push((v[0], v[1]));
        }
        chart.draw_series(LineSeries::new(stairs, FRONT_RED.stroke_width(1)))?;
        let front = plot
            .front
            .iter()
            .map(|v| Circle::new((v[0], v[1]), 4, FRONT_RED.filled()));
        chart
            .draw_series(front)?
            .label("on the front")
            .legend(|(x, y)| Circle::new((x + 10, y), 4, FRONT_RED.filled()));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}

fn parallel(plot: &FrontPlot) -> Result<String> {
    let m = plot.names.len();
    let caption = format!(
        "Pareto front: {} of {} trials in parallel coordinates (each axis scaled over all trials, lower is better)",
        plot.front.len(),
        plot.front.len() + plot.others.len()
    );
    let ranges = plot.ranges();
    let ticks: Vec<String> = plot
        .names
        .iter()
        .zip(&ranges)
        .map(|(n, (lo, hi))| format!("{n} [{}, {}]", super::short(*lo), super::short(*hi)))
        .collect();
    svg("pareto front", (WIDTH, 460), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, (FONT, 14))
            .margin(20)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.1..(m as f64 - 0.9), 0.0..1.0)?;
        let label = |x: &f64| {
            let k = x.round();
            match ((x - k).abs() < 1e-9, ticks.get(k as usize)) {
                (true, Some(t)) if k >= 0.0 => t.clone(),
                _ => String::new(),
            }
        };
        chart
            .configure_mesh()
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_labels(m)
            .x_label_formatter(&label)
            .y_desc("scaled objective (0 = best of all trials)")
            .disable_x_mesh()
            .draw()?;
        let line = |v: &Vec<f64>| -> Vec<(f64, f64)> {
            plot.scaled(v)
                .into_iter()
                .enumerate()
                .map(|(k, y)| (k as f64, y))
                .collect()
        };
        for v in &plot.others {
            chart.draw_series(LineSeries::new(line(v), GREY_POINT.mix(0.4)))?;
        }
        for v in &plot.front {
            chart.draw_series(LineSeries::new(line(v), FRONT_RED.stroke_width(2)))?;
        }
        Ok(())
    })
}
