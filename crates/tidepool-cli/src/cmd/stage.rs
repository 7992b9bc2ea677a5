//! `tidepool stage`: extract an archive once per node and print its environment.

use crate::output::Output;
use anyhow::Context;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use tidepool_stage::{StageProgress, Staged};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `export VAR=...` lines for `eval "$(tidepool stage ...)"`.
    Sh,
    /// One JSON object.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The archive written by `tidepool pack`.
    #[arg(value_name = "ENV.tpk")]
    pub archive: PathBuf,
    /// Node-local directory to stage into (the archive goes to DIR/<id>).
    #[arg(long, value_name = "DIR", env = "TIDEPOOL_STAGE_DIR")]
    pub to: PathBuf,
    /// How to print the environment.
    #[arg(long, value_enum, default_value = "sh")]
    pub format: Format,
    /// Remove this archive's staged copy from DIR instead of staging it.
    #[arg(long)]
    pub remove: bool,
    /// Print JSON (the same as `--format json`; with `--remove`, a JSON summary).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct StageOutput<'a> {
    id: &'a str,
    root: &'a PathBuf,
    reused: bool,
    env: BTreeMap<String, String>,
    executables: &'a BTreeMap<String, PathBuf>,
    data: &'a BTreeMap<String, PathBuf>,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let out = &out.with_json(args.json);
    if args.remove {
        return remove(&args, out);
    }
    let bar = out.byte_progress("staging");
    let mut on_progress = |p: StageProgress| {
        bar.set_length(p.total_bytes);
        bar.set_position(p.done_bytes);
    };
    let staged = tidepool_stage::stage_file(&args.archive, &args.to, &mut on_progress);
    if let (Err(err), true) = (&staged, out.is_json() || args.format == Format::Json) {
        print_failure(err, out)?;
    }
    let staged = staged.with_context(|| {
        format!(
            "staging {} into {}",
            args.archive.display(),
            args.to.display()
        )
    })?;
    bar.finish_and_clear();
    print_env(&staged, args.format, out)?;
    Ok(ExitCode::SUCCESS)
}

/// With JSON output, a failure is a JSON document too (on stdout, the error still on
/// stderr), with raw numbers where the message rounds them.
fn print_failure(err: &tidepool_stage::StageError, out: &Output) -> anyhow::Result<()> {
    let mut doc = serde_json::json!({ "error": err.to_string() });
    if let tidepool_stage::StageError::NoSpace { dir, needed, free } = err {
        doc["kind"] = "no_space".into();
        doc["dir"] = dir.display().to_string().into();
        doc["needed_bytes"] = (*needed).into();
        doc["free_bytes"] = (*free).into();
    }
    out.json(&doc)
}

fn print_env(staged: &Staged, format: Format, out: &Output) -> anyhow::Result<()> {
    if format == Format::Sh && !out.is_json() {
        out.human(&staged.env.to_sh());
        return Ok(());
    }
    let env = staged.env.vars(
        std::env::var("PATH").ok().as_deref(),
        std::env::var("LD_LIBRARY_PATH").ok().as_deref(),
    );
    out.json(&StageOutput {
        id: &staged.header.id,
        root: &staged.env.root,
        reused: staged.reused,
        env,
        executables: &staged.env.executables,
        data: &staged.env.data,
    })
}

fn remove(args: &Args, out: &Output) -> anyhow::Result<ExitCode> {
    let (header, _) = tidepool_stage::open_archive(&args.archive)
        .with_context(|| format!("reading {}", args.archive.display()))?;
    let removed = tidepool_stage::remove(&args.to, &header.id)
        .with_context(|| format!("removing {} from {}", header.id, args.to.display()))?;
    let value = serde_json::json!({ "id": header.id, "removed": removed });
    out.result(&value, |_| {
        if removed {
            format!("removed {}", args.to.join(&header.id).display())
        } else {
            format!("{} was not staged in {}", header.id, args.to.display())
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
