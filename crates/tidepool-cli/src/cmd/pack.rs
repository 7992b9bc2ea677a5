//! `tidepool pack`: build one reproducible archive from a venv, executables and trees.

use crate::output::Output;
use anyhow::Context;
use clap::CommandFactory;
use std::path::PathBuf;
use std::process::ExitCode;
use tidepool_stage::{PackPhase, PackProgress, PackReport, PackSpec};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Archive to write (conventionally ENV.tpk).
    #[arg(short, long, value_name = "ENV.tpk")]
    pub output: PathBuf,
    /// A Python venv; its base interpreter installation is packed with it.
    #[arg(long, value_name = "VENV")]
    pub python: Option<PathBuf>,
    /// An executable; its shared-library closure is packed with it. Repeatable.
    #[arg(long = "exe", value_name = "PATH")]
    pub exes: Vec<PathBuf>,
    /// An input tree (model settings, forcing data). Repeatable.
    #[arg(long = "dir", value_name = "PATH")]
    pub dirs: Vec<PathBuf>,
    /// Name under which the preceding --dir is staged (default: its directory name).
    #[arg(long = "as", value_name = "NAME")]
    pub names: Vec<String>,
    /// Trim the Python environment to what a `tidepool profile --json` run touched:
    /// whole distributions are kept or dropped. Repeatable (e.g. the import and one
    /// real trial).
    #[arg(long, value_name = "PROFILE.json")]
    pub trim_from: Vec<PathBuf>,
    /// With --trim-from: keep only the files the profiles list (and what start-up
    /// needs), not whole distributions. Files loaded later than the profiled runs
    /// (plugins opened with the first data file) are then missing.
    #[arg(long, requires = "trim_from")]
    pub trim_files: bool,
    /// Also pack glibc's core libraries (libc, libm, libpthread, libdl, librt, ld-linux...).
    #[arg(long)]
    pub include_libc: bool,
    /// Print the report as JSON (id, sizes, file counts, parts, editable installs, trim).
    #[arg(long)]
    pub json: bool,
}

/// Pair each `--as NAME` with the `--dir` right before it on the command line.
fn pair_dirs(args: &Args) -> anyhow::Result<Vec<(PathBuf, Option<String>)>> {
    if args.names.is_empty() {
        return Ok(args.dirs.iter().map(|d| (d.clone(), None)).collect());
    }
    let matches = crate::cmd::Cli::command().get_matches_from(std::env::args_os());
    let (_, sub) = matches.subcommand().context("`pack` subcommand expected")?;
    let dir_at: Vec<usize> = sub
        .indices_of("dirs")
        .map(|i| i.collect())
        .unwrap_or_default();
    let as_at: Vec<usize> = sub
        .indices_of("names")
        .map(|i| i.collect())
        .unwrap_or_default();
    let mut pairs: Vec<(PathBuf, Option<String>)> =
        args.dirs.iter().map(|d| (d.clone(), None)).collect();
    for (name, at) in args.names.iter().zip(as_at) {
        let owner = dir_at
            .iter()
            .rposition(|&d| d < at)
            .with_context(|| format!("--as {name} must follow a --dir"))?;
        anyhow::ensure!(
            pairs[owner].1.is_none(),
            "--dir {} has two --as names",
            pairs[owner].0.display()
        );
        pairs[owner].1 = Some(name.clone());
    }
    Ok(pairs)
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let out = &out.with_json(args.json);
    let spec = PackSpec {
        python: args.python.clone(),
        exes: args.exes.clone(),
        dirs: pair_dirs(&args)?,
        trim_from: args.trim_from.clone(),
        trim_files: args.trim_files,
        include_core_libs: args.include_libc,
    };
    let bar = out.byte_progress("{msg}");
    let mut on_progress = |p: PackProgress| {
        bar.set_message(match p.phase {
            PackPhase::Hashing => "hashing",
            PackPhase::Writing => "writing",
        });
        bar.set_length(p.total_bytes);
        bar.set_position(p.done_bytes);
    };
    let report = tidepool_stage::pack(&spec, &args.output, &mut on_progress)
        .with_context(|| format!("packing {}", args.output.display()))?;
    bar.finish_and_clear();
    for editable in &report.editable_installs {
        tracing::warn!(
            package = %editable.package,
            location = %editable.location,
            evidence = %editable.evidence.display(),
            "editable install points outside the venv; its code is not packed"
        );
    }
    out.result(&report, human)?;
    Ok(ExitCode::SUCCESS)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn human(report: &PackReport) -> String {
    let mut text = format!(
        "packed {} (id {}, {}): {} files, {} dirs, {} symlinks, {} unpacked, {} archive\n",
        report.archive.display(),
        report.id,
        report.arch,
        report.files,
        report.dirs,
        report.symlinks,
        mb(report.unpacked_bytes),
        mb(report.archive_bytes)
    );
    for part in &report.parts {
        let from = part
            .prefix
            .as_deref()
            .map(|p| format!(" from {p}"))
            .unwrap_or_default();
        text.push_str(&format!(
            "  {:<12} {:>6} files {:>10}  {}{from}\n",
            part.name,
            part.files,
            mb(part.bytes),
            part.root
        ));
    }
    if let Some(trim) = &report.trim {
        text.push_str(&format!(
            "trimmed Python files (by {}): {} -> {} files, {} -> {}\n",
            trim.mode,
            trim.files_before,
            trim.files_after,
            mb(trim.bytes_before),
            mb(trim.bytes_after)
        ));
        for d in &trim.dropped {
            text.push_str(&format!(
                "  dropped {:<40} {:>6} files {:>10}\n",
                d.name,
                d.files,
                mb(d.bytes)
            ));
        }
    }
    if !report.editable_installs.is_empty() {
        text.push_str("warning: editable installs point outside the venv and are NOT packed:\n");
        for e in &report.editable_installs {
            text.push_str(&format!(
                "  {} -> {} (from {})\n",
                e.package,
                e.location,
                e.evidence.display()
            ));
        }
    }
    text
}
