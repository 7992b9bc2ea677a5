//! `tidepool export`: a run's trials table, one row per trial, as CSV; with
//! `--pareto`, the archive of non-dominated trials of a multi-objective run
//! (`export_pareto`).
//!
//! While the run is live on another host the journal is not opened (SQLite's WAL needs
//! every reader on the writer's host; over NFS or Lustre a reader elsewhere can read a
//! torn or stale database): the export is refused, saying where it can run.

use crate::output::Output;
use anyhow::{bail, Context};
use serde::Serialize;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;
use tidepool_journal::{write_csv, JournalReader, ShownColumn};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run directory (the one holding journal.sqlite).
    pub run_dir: PathBuf,
    /// Write the trials as CSV: a column per parameter and per named response.
    #[arg(long, required_unless_present = "pareto", conflicts_with = "pareto")]
    pub csv: bool,
    /// Write the Pareto front of a multi-objective run (`padds`) instead: trial,
    /// parameters, each objective as shown and as minimised; `csv` (the default) or
    /// `json`.
    #[arg(long, value_name = "FORMAT", num_args = 0..=1, default_missing_value = "csv")]
    pub pareto: Option<super::export_pareto::FrontFormat>,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With `-o`: print a JSON summary (run dir, output file, trial count).
    #[arg(long)]
    pub json: bool,
}

/// What `--json` prints after writing to a file.
#[derive(Debug, Serialize)]
struct Exported {
    run_dir: PathBuf,
    output: PathBuf,
    trials: usize,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let out = &out.with_json(args.json);
    if let Some(holder) = tidepool_rundir::inspect(&args.run_dir)?.live_elsewhere() {
        bail!(
            "cannot export the run in {dir} from this host: it is live on host {host} \
             (pid {pid}), and its journal may only be opened on that host while it runs \
             (SQLite's write-ahead log does not work across hosts)\nhint: run `tidepool \
             export` on {host}, or here once the run has ended; `tidepool status {dir}` \
             shows its progress from here",
            dir = args.run_dir.display(),
            host = holder.host,
            pid = holder.pid,
        );
    }
    let reader = JournalReader::open(&args.run_dir)
        .with_context(|| format!("cannot export the run in {}", args.run_dir.display()))?;
    if let Some(format) = args.pareto {
        let to = super::export_pareto::Target {
            run_dir: &args.run_dir,
            output: args.output.as_deref(),
        };
        return super::export_pareto::run(&reader, format, to, out);
    }
    let sense = tidepool_config::sense_of_text(&reader.config()?.text);
    let to_shown = |x: f64| sense.shown(x);
    let shown = ShownColumn {
        name: sense.label.clone(),
        value: &to_shown,
    };
    let shown = (sense.label != tidepool_objective::Sense::minimised().label).then_some(&shown);
    let Some(path) = args.output else {
        if out.is_json() {
            bail!("--json cannot be combined with CSV on stdout; add `-o FILE` to write the CSV to a file");
        }
        let mut csv = Vec::new();
        write_csv(&reader, &mut csv, shown)?;
        out.human(&String::from_utf8(csv).context("the CSV export is not UTF-8")?);
        return Ok(ExitCode::SUCCESS);
    };
    let file = std::fs::File::create(&path).with_context(|| {
        format!(
            "cannot create {}; check that its directory exists",
            path.display()
        )
    })?;
    let trials = write_csv(&reader, BufWriter::new(file), shown)?;
    let exported = Exported {
        run_dir: args.run_dir,
        output: path,
        trials,
    };
    out.result(&exported, |e| {
        format!("wrote {} trials to {}", e.trials, e.output.display())
    })?;
    Ok(ExitCode::SUCCESS)
}
