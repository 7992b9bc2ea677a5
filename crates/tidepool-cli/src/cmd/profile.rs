//! `tidepool profile`: see the metadata storm of any command, and compare two runs.

use crate::output::Output;
use anyhow::Context;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tidepool_trace::report::SharedPrefix;
use tidepool_trace::{lustre, paths, Event, Report, ReportInput, SpawnOptions};

#[path = "profile_imports.rs"]
mod import_times;

/// Where Lustre clients expose their per-MDC metadata counters.
const LUSTRE_MDC_DIR: &str = "/proc/fs/lustre/mdc";

#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:\n  tidepool profile --shared $PROJECT -- python -c 'import pandas'\n  \
                  tidepool profile --json a.json -- ./run.sh\n  tidepool profile compare a.json b.json"
)]
pub struct Args {
    #[command(subcommand)]
    pub action: Option<Action>,
    /// Write the full report as JSON (versioned schema, see docs/profiling.md) to FILE.
    #[arg(long = "json", value_name = "FILE")]
    pub json_out: Option<PathBuf>,
    /// Write operations per 100 ms bucket, one column per filesystem, as CSV to FILE.
    #[arg(long, value_name = "FILE")]
    pub timeline: Option<PathBuf>,
    /// Count lookups under this prefix apart (repeatable), e.g. the project directory
    /// on the parallel filesystem.
    #[arg(long, value_name = "PATH")]
    pub shared: Vec<PathBuf>,
    /// Time Python imports: set PYTHONPROFILEIMPORTTIME for the traced Python
    /// processes, read their import-time lines from stderr (the rest passes through)
    /// and show who imported each expensive package.
    #[arg(long)]
    pub python_imports: bool,
    /// The command to trace, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Show two JSON reports side by side, with differences B-A and ratios B/A.
    Compare {
        /// The baseline report.
        a: PathBuf,
        /// The report compared with it.
        b: PathBuf,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    match args.action {
        Some(Action::Compare { ref a, ref b, json }) => compare(a, b, &out.with_json(json)),
        None => profile(args, out),
    }
}

fn profile(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let shared = shared_prefixes(&args.shared)?;
    let lustre_dir = Path::new(LUSTRE_MDC_DIR);
    let lustre_before = lustre::snapshot(lustre_dir);
    let mut events: Vec<Event> = Vec::new();
    let (spawn_options, imports) = if args.python_imports {
        let (options, reader) = import_times::capture()?;
        (options, Some(reader))
    } else {
        (SpawnOptions::default(), None)
    };
    let outcome = tidepool_trace::trace_with(&args.command, spawn_options, &mut events)
        .with_context(|| format!("cannot profile `{}`", display_command(&args.command)))?;
    let import_times = imports
        .map(import_times::Reader::finish)
        .unwrap_or_default();
    let lustre = lustre_before.and_then(|(source, before)| {
        let (_, after) = lustre::snapshot(lustre_dir)?;
        Some(tidepool_trace::LustreDelta::new(source, &before, &after))
    });
    let command: Vec<String> = args
        .command
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let resolved_dirs = tidepool_trace::report::resolve_dirs(&events);
    let report = Report::build(&ReportInput {
        command: &command,
        events: &events,
        processes: &outcome.processes,
        mounts: &outcome.mounts,
        shared: &shared,
        resolved_dirs: &resolved_dirs,
        import_times: &import_times,
        exit_code: outcome.exit_code(),
        interrupted_by: outcome.interrupted_by,
        duration: outcome.duration,
        lustre,
        unfinished: outcome.unfinished,
    });
    if let Some(path) = &args.json_out {
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write the JSON report to {}", path.display()))?;
    }
    if let Some(path) = &args.timeline {
        std::fs::write(path, report.timeline_csv())
            .with_context(|| format!("cannot write the timeline CSV to {}", path.display()))?;
    }
    out.human(&report.summary());
    Ok(exit_code(outcome.exit_code()))
}

/// `--shared` prefixes made absolute (against our cwd) and normalised, each with its
/// symlinks resolved (as given when it does not exist).
fn shared_prefixes(raw: &[PathBuf]) -> anyhow::Result<Vec<SharedPrefix>> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    raw.iter()
        .map(|p| {
            let text = p
                .to_str()
                .with_context(|| format!("--shared {} is not valid UTF-8", p.display()))?;
            let given = paths::resolve(&cwd.to_string_lossy(), text);
            let canonical = std::fs::canonicalize(&given)
                .map_or_else(|_| given.clone(), |c| c.to_string_lossy().into_owned());
            Ok(SharedPrefix { given, canonical })
        })
        .collect()
}

fn display_command(argv: &[OsString]) -> String {
    argv.iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn read_report(path: &Path) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the report {}", path.display()))?;
    let report: Report = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a tidepool profile report (schema version {}); write one with `tidepool profile --json FILE -- CMD`",
            path.display(),
            tidepool_trace::SCHEMA_VERSION
        )
    })?;
    anyhow::ensure!(
        report.schema_version == tidepool_trace::SCHEMA_VERSION,
        "{} has schema version {}, this tidepool reads version {}",
        path.display(),
        report.schema_version,
        tidepool_trace::SCHEMA_VERSION
    );
    Ok(report)
}

fn compare(a: &Path, b: &Path, out: &Output) -> anyhow::Result<ExitCode> {
    let (ra, rb) = (read_report(a)?, read_report(b)?);
    let comparison =
        tidepool_trace::compare(&a.display().to_string(), &ra, &b.display().to_string(), &rb);
    out.result(&comparison, tidepool_trace::Comparison::render)?;
    Ok(ExitCode::SUCCESS)
}
