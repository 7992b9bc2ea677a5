//! `tidepool report RUNDIR`: write the run's report, one self-contained HTML file
//! (`RUNDIR/report.html` unless `-o FILE`), at any time, also while the run goes on.
//!
//! Like `tidepool export`, it asks the run directory's lock first: while the run is
//! live on another host the journal is not opened there (SQLite's WAL needs every
//! reader on the writer's host), and the report is refused, saying where it can run.

use crate::output::Output;
use anyhow::{bail, Context};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tidepool_report::{ObjectiveView, RunData};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run directory (the one holding journal.sqlite).
    pub run_dir: PathBuf,
    /// Write the report to this file instead of RUNDIR/report.html.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print a JSON summary (report path, figures, trials, state).
    #[arg(long)]
    pub json: bool,
}

/// What was written (the `--json` document).
#[derive(Debug, Serialize)]
pub struct Written {
    pub run_dir: PathBuf,
    pub report: PathBuf,
    pub state: String,
    pub figures: usize,
    pub trials: usize,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let out = &out.with_json(args.json);
    let view = tidepool_journal::JournalReader::open(&args.run_dir)
        .and_then(|reader| reader.config())
        .map(|config| view_of(&tidepool_config::sense_of_text(&config.text)))
        .unwrap_or_default();
    let written = write(&args.run_dir, args.output, &view)?;
    out.result(&written, |w| {
        format!(
            "wrote the report of run {} ({}, {} trials, {} figures) to {}",
            w.run_dir.display(),
            w.state,
            w.trials,
            w.figures,
            w.report.display()
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Make the report of the run in `run_dir` and write it to `output` (default
/// `RUNDIR/report.html`), replacing an older one atomically. `tidepool run` calls this
/// at the end of a run with the objective's view.
pub fn write(
    run_dir: &Path,
    output: Option<PathBuf>,
    view: &ObjectiveView,
) -> anyhow::Result<Written> {
    let lock = tidepool_rundir::inspect(run_dir)?;
    if let Some(holder) = lock.live_elsewhere() {
        bail!(
            "cannot make the report of the run in {dir} on this host: it is live on host \
             {host} (pid {pid}), and its journal may only be opened on that host while it \
             runs (SQLite's write-ahead log does not work across hosts)\nhint: run \
             `tidepool report` on {host}, or here once the run has ended",
            dir = run_dir.display(),
            host = holder.host,
            pid = holder.pid,
        );
    }
    let data = RunData::load(run_dir, lock.is_live())
        .with_context(|| format!("cannot make the report of the run in {}", run_dir.display()))?;
    write_data(run_dir, data, output, view)
}

/// The report of the run this process coordinates, through the journal reader it
/// holds: no lock to ask (it holds it), no second open of the journal.
pub fn write_own(
    reader: &tidepool_journal::JournalReader,
    run_dir: &Path,
    view: &ObjectiveView,
) -> anyhow::Result<Written> {
    let data = RunData::read(reader, run_dir, true)
        .with_context(|| format!("cannot make the report of the run in {}", run_dir.display()))?;
    write_data(run_dir, data, None, view)
}

fn write_data(
    run_dir: &Path,
    data: RunData,
    output: Option<PathBuf>,
    view: &ObjectiveView,
) -> anyhow::Result<Written> {
    let html = tidepool_report::render(&data, view)?;
    let report = output.unwrap_or_else(|| run_dir.join(tidepool_report::FILE_NAME));
    tidepool_rundir::private::write_atomic(&report, html.as_bytes()).with_context(|| {
        format!(
            "cannot write the report to {}; check that its directory exists and is writable",
            report.display()
        )
    })?;
    Ok(Written {
        run_dir: run_dir.to_path_buf(),
        report,
        state: data.state,
        figures: tidepool_report::figure_count(&html),
        trials: data.trials.len(),
    })
}

/// The report's view of the objective: its name and how the minimised value is shown.
pub fn view_of(sense: &tidepool_objective::Sense) -> tidepool_report::ObjectiveView {
    tidepool_report::ObjectiveView {
        label: sense.label.clone(),
        offset: sense.offset,
        sign: sense.sign,
    }
}
