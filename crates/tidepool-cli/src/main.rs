//! `tidepool`: run hydrological model calibrations and ensembles on HPC allocations
//! without flooding the shared filesystem, and measure that it is so.
//!
//! This binary is thin: it parses arguments, hands each subcommand to its module in
//! [`cmd`], and maps the outcome to an exit code. All printing goes through [`output`].

mod cmd;
mod color;
mod diagnostic;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    // Agents and other tidepool processes started from here make the same choice.
    std::env::set_var(color::COLOR_ENV, cli.global.color.as_str());
    let color = cli.global.color.for_stderr();
    output::init_logging(cli.global.verbose, color);
    let out = output::Output::new(false, color);
    match cmd::dispatch(cli.command, &out) {
        Ok(code) => code,
        // The reader went away (`tidepool export ... | head`): nothing is wrong.
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            out.error(&err);
            ExitCode::from(1)
        }
    }
}
