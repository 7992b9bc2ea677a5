//! `tidepool export --pareto`: the archive of non-dominated trials of a
//! multi-objective run (`padds`) as CSV or JSON, on stdout or into a file. The
//! objectives are the `[objective]` terms of the config the journal recorded.

use crate::output::Output;
use anyhow::{bail, Context};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tidepool_journal::{Front, JournalReader};

/// How the front is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FrontFormat {
    Csv,
    Json,
}

/// Where the front goes.
pub struct Target<'a> {
    pub run_dir: &'a Path,
    /// A file, or stdout.
    pub output: Option<&'a Path>,
}

/// What `--json` prints after writing to a file.
#[derive(Debug, Serialize)]
struct Exported {
    run_dir: PathBuf,
    output: PathBuf,
    front: usize,
}

pub fn run(
    reader: &JournalReader,
    format: FrontFormat,
    to: Target<'_>,
    out: &Output,
) -> anyhow::Result<ExitCode> {
    let names = tidepool_config::objective_names_of_text(&reader.config()?.text);
    let front = reader.front(&names)?;
    if front.members.is_empty() {
        bail!(
            "the run in {} has no Pareto front: it is not a multi-objective run, or no \
             trial has succeeded yet\nhint: a front comes from `[optimizer] algorithm = \
             \"padds\"` with two or more `[[objective.terms]]`; `--csv` exports every trial",
            to.run_dir.display()
        );
    }
    let Some(path) = to.output else {
        if out.is_json() {
            bail!("--json describes a file written with `-o FILE`; use `--pareto json` for the front as JSON on stdout");
        }
        let mut text = Vec::new();
        write(&front, format, &mut text, to.run_dir)?;
        out.human(&String::from_utf8(text).context("the export is not UTF-8")?);
        return Ok(ExitCode::SUCCESS);
    };
    let mut file = std::fs::File::create(path).with_context(|| {
        format!(
            "cannot create {}; check that its directory exists",
            path.display()
        )
    })?;
    write(&front, format, &mut file, path)?;
    let exported = Exported {
        run_dir: to.run_dir.to_path_buf(),
        output: path.to_path_buf(),
        front: front.members.len(),
    };
    out.result(&exported, |e| {
        format!(
            "wrote the Pareto front ({} trials) to {}",
            e.front,
            e.output.display()
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

fn write(
    front: &Front,
    format: FrontFormat,
    out: &mut dyn Write,
    path: &Path,
) -> anyhow::Result<()> {
    match format {
        FrontFormat::Csv => drop(front.write_csv(out, path)?),
        FrontFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, front)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}
