//! `tidepool agent`: the per-node agent the coordinator's launcher starts.

use crate::output::Output;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use tidepool_pool::agent::{self, AgentExit, AgentOptions};
use tidepool_pool::connect;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run's connect.json (the secret is read from the file named there).
    #[arg(long, conflicts_with_all = ["address", "secret_file"], required_unless_present = "address")]
    pub connect: Option<PathBuf>,
    /// Coordinator address HOST:PORT (with --secret-file).
    #[arg(long, requires = "secret_file")]
    pub address: Option<String>,
    /// File holding the run secret (with --address).
    #[arg(long)]
    pub secret_file: Option<PathBuf>,
    /// Node-local scratch directory (default: $SLURM_TMPDIR, then $TMPDIR, then /tmp).
    #[arg(long)]
    pub scratch: Option<PathBuf>,
    /// The node name to announce (default: $SLURMD_NODENAME, then the host name);
    /// `tidepool run` gives its
    /// local agents HOST/INDEX so that they can be told apart.
    #[arg(long)]
    pub node: Option<String>,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let (address, secret) = match (&args.connect, &args.address, &args.secret_file) {
        (Some(file), _, _) => {
            let (info, secret) = connect::read(file)?;
            (info.address, secret)
        }
        (None, Some(address), Some(file)) => (address.clone(), connect::read_secret(file)?),
        _ => anyhow::bail!("give --connect FILE, or --address ADDR with --secret-file FILE"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let exit = runtime.block_on(agent::run(AgentOptions {
        address,
        secret,
        scratch: args.scratch,
        node: args.node,
    }))?;
    match exit {
        AgentExit::Shutdown => Ok(ExitCode::SUCCESS),
        AgentExit::CoordinatorGone => {
            out.human("the coordinator went away; agent stopped");
            Ok(ExitCode::from(3))
        }
    }
}
