//! `tidepool report RUNDIR`: one self-contained HTML file about a run (figures as
//! inline SVG drawn with plotters, inline CSS, no script, nothing fetched at view time),
//! made from the run's journal and the best trial's files, at any time (also while the
//! run goes on: the journal is read in one read-only snapshot).
//!
//! Sections: a summary; the best objective against evaluations; parameter traces and
//! the best values within their bounds; observed against simulated flow of the best
//! trial with its metric terms (from `best/`, written at the end of a run); slot
//! utilisation as a Gantt chart; the start gate (start -> ready per slot); for
//! `pool-dds`, the slot time lost at batch barriers; failures by reason. The objective
//! is shown through an [`ObjectiveView`] (`shown = offset + sign * minimised`).
//!
//! Layout:
//! - `data`: [`RunData`], read from the journal and `best/` (`best`);
//! - `shape/`: pure data shaping (running best, timeline and utilisation, barrier
//!   loss, failures), tested on hand-made inputs;
//! - `figures/`: one module per figure;
//! - `sections`, `html`: the page;
//! - `view`: [`ObjectiveView`]; `error`: [`ReportError`].
//!
//! ```no_run
//! let data = tidepool_report::RunData::load("runs/r1".as_ref(), false).unwrap();
//! let html = tidepool_report::render(&data, &Default::default()).unwrap();
//! std::fs::write("runs/r1/report.html", html).unwrap();
//! ```

pub mod best;
mod data;
mod error;
mod figures;
mod html;
mod sections;
pub mod shape;
mod view;

pub use data::{Parameter, RunData};
pub use error::{ReportError, Result};
pub use view::ObjectiveView;

/// The file name of the report in a run directory.
pub const FILE_NAME: &str = "report.html";

/// The report as one HTML document.
pub fn render(data: &RunData, view: &ObjectiveView) -> Result<String> {
    let sections = sections::all(data, view)?;
    Ok(html::page(
        &format!("tidepool report: {}", data.name),
        &sections,
    ))
}

/// How many figures a rendered report holds.
pub fn figure_count(html: &str) -> usize {
    html.matches("<figure>").count()
}
