//! Subcommands: one module each, holding its `Args` and its `run` function.

use crate::output::Output;
use clap::{Args, Parser, Subcommand};
use std::process::ExitCode;

pub mod agent;
pub mod profile;
pub mod run;
pub mod status;

/// Calibrate and run ensembles of hydrological models on HPC clusters with persistent
/// workers and node-local environments, and measure the metadata load on the shared
/// filesystem.
#[derive(Debug, Parser)]
#[command(name = "tidepool", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print results as JSON on stdout (for scripts).
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Trace a command and count its filesystem-metadata operations (the "storm"),
    /// per syscall, per filesystem, per shared prefix, failures included.
    Profile(profile::Args),
    /// Run a config: start the coordinator, launch agents, run every trial.
    Run(run::Args),
    /// The per-node agent (started by `tidepool run`'s launcher, or by hand).
    Agent(agent::Args),
    /// Show the state of a run from its run directory.
    Status(status::Args),
}

/// Run one subcommand; its `Ok` value is the process exit code.
pub fn dispatch(command: Command, out: &Output) -> anyhow::Result<ExitCode> {
    match command {
        Command::Profile(args) => profile::run(args, out),
        Command::Run(args) => run::run(args, out),
        Command::Agent(args) => agent::run(args, out),
        Command::Status(args) => status::run(args, out),
    }
}
