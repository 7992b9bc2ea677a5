//! Subcommands: one module each, holding its `Args` and its `run` function.

use crate::color::{ColorWhen, COLOR_ENV};
use crate::output::Output;
use clap::{Args, Parser, Subcommand};
use std::process::ExitCode;

pub mod agent;
pub mod check;
pub mod export;
mod export_pareto;
pub mod import;
pub mod import_symfluence;
pub mod pack;
pub mod profile;
pub mod report;
pub mod run;
pub mod slurm_script;
pub mod stage;
pub mod status;

/// Calibrate and run ensembles of hydrological models on HPC clusters with persistent
/// workers and node-local environments, and measure the metadata load on the shared
/// filesystem.
#[derive(Debug, Parser)]
#[command(name = "tidepool", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to colour stderr (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, env = COLOR_ENV, hide_env = true)]
    pub color: ColorWhen,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Trace a command and count its filesystem-metadata operations (the "storm"),
    /// per syscall, per filesystem, per shared prefix, failures included.
    Profile(profile::Args),
    /// Pack a Python venv (with its base interpreter), executables (with their shared
    /// libraries) and input trees into one reproducible archive.
    Pack(pack::Args),
    /// Extract an archive once per node into node-local storage and print the
    /// environment to use (PATH, VIRTUAL_ENV, LD_LIBRARY_PATH, executables).
    Stage(stage::Args),
    /// Check a run config without running it (keys, paths, executables, templates,
    /// observations) and print what the run would do.
    Check(check::Args),
    /// Run a config: start the coordinator, launch agents, run every trial.
    Run(run::Args),
    /// Print a ready sbatch job script for a run: SIGTERM before the time limit, so the
    /// run stops resumably and the same script resubmitted resumes it.
    SlurmScript(slurm_script::Args),
    /// Show the state of a run from its run directory.
    Status(status::Args),
    /// Write a run's trials table (one row per trial, a column per parameter and per
    /// response) as CSV, to stdout or a file.
    Export(export::Args),
    /// Write a run's report: one self-contained HTML file with its figures (progress,
    /// parameters, hydrograph, slot utilisation, start gate, barriers, failures).
    Report(report::Args),
    /// Write a tidepool config from another tool's configuration (SYMFLUENCE).
    Import(import::Args),
    /// The per-node agent (started by `tidepool run`'s launcher, or by hand).
    Agent(agent::Args),
}

/// Run one subcommand; its `Ok` value is the process exit code.
pub fn dispatch(command: Command, out: &Output) -> anyhow::Result<ExitCode> {
    match command {
        Command::Profile(args) => profile::run(args, out),
        Command::Pack(args) => pack::run(args, out),
        Command::Stage(args) => stage::run(args, out),
        Command::Check(args) => check::run(args, out),
        Command::Run(args) => run::run(args, out),
        Command::SlurmScript(args) => slurm_script::run(args, out),
        Command::Status(args) => status::run(args, out),
        Command::Export(args) => export::run(args, out),
        Command::Report(args) => report::run(args, out),
        Command::Import(args) => import::run(args, out),
        Command::Agent(args) => agent::run(args, out),
    }
}
