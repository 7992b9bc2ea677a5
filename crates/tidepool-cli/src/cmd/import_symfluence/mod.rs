//! `tidepool import symfluence CONFIG.yaml`: a SYMFLUENCE calibration as a tidepool
//! config with `[model] kind = "summa"`.
//!
//! The idea: read the YAML into flat keys whichever way it is written (`source`),
//! resolve the project's paths as SYMFLUENCE does (`paths`), map each part in its own
//! module (`params`, `objective`, `budget`), put them together in one pure step
//! (`map`), write TOML (`render`), and say what did not carry over (`summary`): every
//! key left unread is listed with its value, those bearing on the calibration in the
//! summary, the rest (other models, data acquisition, domain set-up) counted, and all
//! of them in `--json`.

mod budget;
mod error;
mod keys;
mod map;
mod objective;
mod params;
mod paths;
mod render;
mod source;
mod summary;

use crate::output::Output;
use error::ImportError;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SYMFLUENCE config (YAML, flat or nested).
    pub config: PathBuf,
    /// Write the tidepool config to this file (else to stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the `-o` file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Map ASYNC-DDS to tidepool's `async-dds` (a new candidate whenever a slot frees,
    /// no batch barrier) instead of `pool-dds` (SYMFLUENCE's batches, as it runs them).
    #[arg(long = "async")]
    pub use_async: bool,
    /// The SYMFLUENCE release the config is run with: how NUMBER_OF_ITERATIONS counts
    /// ASYNC-DDS evaluations changed in 0.8.4. Default: 0.9.2.
    #[arg(long, value_name = "VERSION")]
    pub symfluence_version: Option<String>,
    /// List every key not mapped, also those of other models and workflow steps.
    #[arg(long)]
    pub all_keys: bool,
    /// Print a JSON summary on stdout (with the config's text when there is no `-o`).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let out = &out.with_json(args.json);
    let text = std::fs::read_to_string(&args.config).map_err(|source| ImportError::Read {
        path: args.config.clone(),
        source,
    })?;
    let src = source::Source::parse(&args.config, &text)?;
    let opts = map::Options {
        version: match &args.symfluence_version {
            Some(v) => budget::Version::parse(v)?,
            None => budget::Version::DEFAULT,
        },
        use_async: args.use_async,
        env: paths::Env::from_process(),
    };
    let imported = map::import(&src, &opts)?;
    let toml = render::render(&imported, &args.config);
    if let Some(path) = &args.output {
        write(path, &toml, args.force)?;
    }
    let summary = summary::Summary::new(&src, &imported, args.output.as_deref());
    match (args.output.is_some(), out.is_json()) {
        (_, true) => out.json(&summary.json(args.output.is_none().then_some(&toml)))?,
        (false, false) => out.human(&toml),
        (true, false) => {}
    }
    if !out.is_json() {
        out.stderr(&summary.text(args.all_keys));
    }
    Ok(ExitCode::SUCCESS)
}

fn write(path: &std::path::Path, text: &str, force: bool) -> Result<(), ImportError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists => ImportError::Exists {
            path: path.to_owned(),
        },
        _ => ImportError::Write {
            path: path.to_owned(),
            source,
        },
    })?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|source| ImportError::Write {
        path: path.to_owned(),
        source,
    })
}
