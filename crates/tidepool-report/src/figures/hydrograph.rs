//! Observed against simulated flow of the best trial, one chart per series: the
//! warm-up shaded grey, the calibration period green, the evaluation period orange;
//! a missing value breaks its line.

use super::{label_font, padded, svg, BLUE_LINE, FONT, WIDTH};
use crate::best::{BestFile, Hydrograph};
use crate::error::Result;
use plotters::prelude::*;

const DAY: f64 = 86_400.0;

/// The x axis: days since the midnight before the first row, so that ticks fall on
/// whole days (and stay small numbers, which plotters' tick placement needs).
#[derive(Clone, Copy)]
struct Days {
    origin: f64,
}

impl Days {
    fn of(h: &Hydrograph) -> Days {
        let first = h.rows.iter().map(|r| r.time).min().unwrap_or(0);
        Days {
            origin: (first as f64 / DAY).floor(),
        }
    }

    fn x(self, seconds: f64) -> f64 {
        seconds / DAY - self.origin
    }

    /// A tick's date; none for a tick between two days.
    fn date(self, x: f64) -> String {
        if (x - x.round()).abs() > 1e-6 {
            return String::new();
        }
        tidepool_metrics::format_time(((x.round() + self.origin) * DAY) as i64)
    }
}

pub fn figure(h: &Hydrograph, best: &BestFile) -> Result<String> {
    let days = Days::of(h);
    let times = || h.rows.iter().map(|r| days.x(r.time as f64));
    let (t_lo, t_hi) = (
        times().fold(f64::INFINITY, f64::min),
        times().fold(f64::NEG_INFINITY, f64::max),
    );
    let (t_lo, t_hi) = if t_lo < t_hi {
        (t_lo, t_hi)
    } else {
        (t_lo - 1.0, t_lo + 1.0)
    };
    let values = h
        .rows
        .iter()
        .flat_map(|r| [r.observed, r.simulated])
        .flatten();
    let (_, hi) = padded(values.clone());
    let lo = values.fold(0.0_f64, f64::min);
    let periods = periods(best, days, t_lo, t_hi);
    svg("hydrograph", (WIDTH, 400), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("{}: observed and simulated (best trial)", h.series),
                (FONT, 16),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(t_lo..t_hi, lo..hi)?;
        for (from, to, colour, name) in &periods {
            let area = Rectangle::new([(*from, lo), (*to, hi)], colour.mix(0.15).filled());
            chart
                .draw_series([area])?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 20, y + 5)], colour.mix(0.3).filled())
                });
        }
        chart
            .configure_mesh()
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_desc("date")
            .y_desc("flow")
            .x_labels(8)
            .x_label_formatter(&|x| days.date(*x))
            .draw()?;
        let observed = runs(h, days, |r| r.observed);
        let simulated = runs(h, days, |r| r.simulated);
        for (i, run) in observed.into_iter().enumerate() {
            let s = chart.draw_series(LineSeries::new(run, BLACK.stroke_width(1)))?;
            if i == 0 {
                s.label("observed")
                    .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK));
            }
        }
        for (i, run) in simulated.into_iter().enumerate() {
            let s = chart.draw_series(LineSeries::new(run, BLUE_LINE.stroke_width(1)))?;
            if i == 0 {
                s.label("simulated")
                    .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE_LINE));
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}

/// Unbroken stretches of a column.
fn runs(
    h: &Hydrograph,
    days: Days,
    value: impl Fn(&crate::best::HydroRow) -> Option<f64>,
) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for r in &h.rows {
        match value(r) {
            Some(v) => out
                .last_mut()
                .expect("never empty")
                .push((days.x(r.time as f64), v)),
            None => out.push(Vec::new()),
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

type Period = (f64, f64, RGBColor, &'static str);

/// The shaded periods within the data's span (in days): the warm-up from the first date to its
/// end, calibration (after the warm-up) and evaluation; a period's end date is
/// included (to the end of that day).
fn periods(best: &BestFile, days: Days, t_lo: f64, t_hi: f64) -> Vec<Period> {
    let at = |d: &str| {
        tidepool_metrics::parse_time(d, None)
            .ok()
            .map(|t| days.x(t as f64))
    };
    let span = |p: &Option<[String; 2]>| -> Option<(f64, f64)> {
        let [a, b] = p.as_ref()?;
        Some((at(a)?.max(t_lo), (at(b)? + 1.0).min(t_hi)))
    };
    let mut out = Vec::new();
    let calibration = span(&best.calibration);
    if let Some(w) = best.warmup_end.as_deref().and_then(at) {
        if w > t_lo {
            out.push((t_lo, w.min(t_hi), RGBColor(120, 120, 120), "warm-up"));
        }
    }
    if let Some((a, b)) = calibration {
        let a = best
            .warmup_end
            .as_deref()
            .and_then(at)
            .map_or(a, |w| a.max(w));
        out.push((a, b, RGBColor(44, 160, 44), "calibration"));
    }
    if let Some((a, b)) = span(&best.evaluation) {
        out.push((a, b, RGBColor(255, 127, 14), "evaluation"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::best::HydroRow;

    fn best(warmup: Option<&str>, evaluation: Option<[&str; 2]>) -> BestFile {
        BestFile {
            trial: 0,
            objective: 0.0,
            label: "kge".into(),
            shown: 1.0,
            parameters: Default::default(),
            terms: Default::default(),
            calibration: Some(["2013-01-01".into(), "2013-01-04".into()]),
            evaluation: evaluation.map(|[a, b]| [a.into(), b.into()]),
            warmup_end: warmup.map(str::to_string),
        }
    }

    /// Rows 2012-12-30 .. 2013-01-06 (days 0..7 from the first midnight): warm-up to
    /// 2013-01-02 (day 3), calibration from then to the end of 2013-01-04 (day 6),
    /// evaluation 2013-01-05 .. 2013-01-10 clipped to the last row (day 7).
    #[test]
    fn periods_are_whole_days_from_the_first_row() {
        let first = tidepool_metrics::parse_time("2012-12-30", None).unwrap();
        let h = Hydrograph {
            series: "q".into(),
            rows: (0..8)
                .map(|d| HydroRow {
                    time: first + d * 86_400,
                    observed: Some(1.0),
                    simulated: None,
                })
                .collect(),
        };
        let days = Days::of(&h);
        assert_eq!(days.x(first as f64 + 86_400.0 * 1.5), 1.5);
        assert_eq!(days.date(3.0), "2013-01-02");
        assert_eq!(days.date(0.5), "");
        let b = best(Some("2013-01-02"), Some(["2013-01-05", "2013-01-10"]));
        let got: Vec<(f64, f64, &str)> = periods(&b, days, 0.0, 7.0)
            .into_iter()
            .map(|(a, z, _, name)| (a, z, name))
            .collect();
        assert_eq!(
            got,
            [
                (0.0, 3.0, "warm-up"),
                (3.0, 6.0, "calibration"),
                (6.0, 7.0, "evaluation")
            ]
        );
        let no_warmup = periods(&best(None, None), days, 0.0, 7.0);
        assert_eq!((no_warmup.len(), no_warmup[0].0), (1, 2.0));
    }
}
