//! Shared helpers for the integration tests: run the real binary, find external
//! components (skip visibly when absent, fail under CI=true).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `tidepool` binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tidepool"))
}

/// Run `tidepool ARGS` and collect its output.
pub fn tidepool(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("spawn the tidepool binary")
}

#[allow(unused_imports)]
pub use tidepool_testkit::{require, under_ci};

/// `tidepool-hymod` built beside the `tidepool` under test (`cargo test --workspace`
/// builds it for its own tests), for the HYMOD examples.
pub fn hymod_binary() -> Option<PathBuf> {
    let path = bin().with_file_name("tidepool-hymod");
    require(
        path.is_file(),
        "tidepool-hymod (build it: cargo build -p tidepool-hymod)",
    )
    .then_some(path)
}

/// The Python venv with numpy and pandas used by tests, if present.
pub fn test_venv() -> Option<PathBuf> {
    let dir = std::env::var_os("TIDEPOOL_TEST_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tidepool/test-venv"))
        })?;
    dir.join("bin/python").exists().then_some(dir)
}

/// An executable found on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}
