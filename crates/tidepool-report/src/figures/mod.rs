//! One module per figure; each draws an SVG string with plotters. Shared here: the
//! drawing frame, colours, axis ranges and row labels for the row-per-slot charts.

pub mod barrier;
pub mod final_values;
pub mod gantt;
pub mod gate;
pub mod hydrograph;
pub mod pareto;
pub mod progress;
pub mod traces;

use crate::error::{ReportError, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use tidepool_journal::TrialStatus;

pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

pub const FONT: &str = "sans-serif";
pub const WIDTH: u32 = 900;

/// Draw one figure of `width` x `height` pixels into an SVG string.
pub fn svg(
    figure: &'static str,
    (width, height): (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(|e| e.into())
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(|e| e.into()));
        drawn.map_err(|e| ReportError::Figure {
            figure,
            problem: e.to_string(),
        })?;
    }
    Ok(out)
}

/// A trial's colour by outcome.
pub fn status_colour(status: TrialStatus) -> RGBColor {
    match status {
        TrialStatus::Ok => RGBColor(44, 160, 44),
        TrialStatus::Failed => RGBColor(214, 39, 40),
        TrialStatus::TimedOut => RGBColor(255, 127, 14),
        TrialStatus::Cancelled => RGBColor(150, 150, 150),
        TrialStatus::Queued | TrialStatus::Running => RGBColor(31, 119, 180),
    }
}

pub const BLUE_LINE: RGBColor = RGBColor(31, 119, 180);
pub const GREY_POINT: RGBColor = RGBColor(140, 140, 140);

/// `[lo, hi]` widened by 5 % (or by 1 when empty), for an axis over `values`.
pub fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
    (lo - pad, hi + pad)
}

/// Write each row's name to the left of a chart whose y axis counts rows from the top
/// (row `i` spans y in `[i, i + 1]`).
pub fn row_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: impl Fn(f64) -> (i32, i32),
    names: &[String],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, name) in names.iter().enumerate() {
        let (x, y) = at(i as f64 + 0.5);
        root.draw(&Text::new(name.clone(), (x - 6, y), style.clone()))?;
    }
    Ok(())
}

/// A number with at most 4 decimals (scientific when very large or small).
pub fn short(v: f64) -> String {
    if !v.is_finite() {
        return "?".to_string();
    }
    if v != 0.0 && (v.abs() >= 1e4 || v.abs() < 1e-3) {
        return format!("{v:.3e}");
    }
    let text = format!("{v:.4}");
    match text.trim_end_matches('0').trim_end_matches('.') {
        "-0" | "" => "0".to_string(),
        t => t.to_string(),
    }
}

/// A one-line legend of coloured squares with names, drawn across `area`.
pub fn legend(area: &Area<'_>, items: &[(RGBColor, &str)]) -> DrawResult {
    let style = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let mut x = 180;
    for (colour, name) in items {
        area.draw(&Rectangle::new([(x, 8), (x + 14, 20)], colour.filled()))?;
        area.draw(&Text::new(name.to_string(), (x + 20, 14), style.clone()))?;
        x += 40 + 7 * name.len() as i32;
    }
    Ok(())
}

/// Axis tick labels of counts (evaluations, batches): whole numbers only.
pub fn whole(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

/// Label and axis-description fonts, the same in every figure.
pub fn label_font() -> TextStyle<'static> {
    (FONT, 12).into()
}
