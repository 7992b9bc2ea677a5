//! `tidepool profile`: see the metadata storm of any command.

use crate::output::Output;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The command to trace, after `--`.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    out.human(&format!("would profile {:?}", args.command));
    Ok(ExitCode::SUCCESS)
}
