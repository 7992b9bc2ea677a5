//! `tidepool-hymod PARAMS FORCING OUT`: runs HYMOD once (see the library's docs).

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: tidepool-hymod PARAMS FORCING OUT
  PARAMS   `name = value` lines for cmax, bexp, alpha, Ks, Kq
  FORCING  CSV: date (DD.MM.YYYY or YYYY-MM-DD); rainfall mm/day; PET mm/day; ...
  OUT      flow CSV written: date,q (q in mm/day)";

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let [params, forcing, out] = args.as_slice() else {
        eprintln!("error: expected 3 arguments, got {}\n{USAGE}", args.len());
        return ExitCode::from(2);
    };
    match tidepool_hymod::run(params, forcing, out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", anyhow::Error::from(err));
            ExitCode::FAILURE
        }
    }
}
