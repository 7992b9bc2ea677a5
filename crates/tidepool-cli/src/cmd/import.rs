//! `tidepool import SOURCE ...`: a tidepool config written from another tool's.

use crate::output::Output;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub source: Source,
}

#[derive(Debug, clap::Subcommand)]
pub enum Source {
    /// Write a tidepool config (`[model] kind = "summa"`) from a SYMFLUENCE config
    /// (flat or nested YAML): parameters, bounds, periods, metric, algorithm and budget,
    /// slots, executables, settings, timeouts, staging.
    Symfluence(super::import_symfluence::Args),
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    match args.source {
        Source::Symfluence(a) => super::import_symfluence::run(a, out),
    }
}
