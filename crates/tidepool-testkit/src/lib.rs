//! Test support shared by tidepool's crates (a dev-dependency only).
//!
//! Tests that need an external component (strace, the Python venv with numpy and
//! pandas, gcc, Slurm) call [`require`]: when the component is missing the test prints
//! a `SKIP:` line that `cargo test` shows even for passing tests, and returns early;
//! under CI (`CI=true`) a missing component fails the test instead.

pub mod slurm;

use std::io::Write;
use std::path::{Path, PathBuf};

/// True when running under CI, where missing components are failures.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `present`, after reporting a missing component: panics under CI, otherwise writes a
/// visible `SKIP: ...` line (straight to stderr, past the test harness's capture).
pub fn require(present: bool, what: &str) -> bool {
    if !present {
        assert!(
            !under_ci(),
            "required test component missing under CI: {what}"
        );
        let _ = writeln!(std::io::stderr(), "SKIP: {what} is not available");
    }
    present
}

/// The Python venv with numpy and pandas used by tests: `TIDEPOOL_TEST_VENV`, else
/// `~/.cache/tidepool/test-venv` (where `.ci/run` creates it).
pub fn test_venv_dir() -> PathBuf {
    std::env::var_os("TIDEPOOL_TEST_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tidepool/test-venv"))
        })
        .unwrap_or_else(|| PathBuf::from(".cache/tidepool/test-venv"))
}

/// The test venv, if it exists; reports it missing otherwise (see [`require`]).
pub fn test_venv() -> Option<PathBuf> {
    let dir = test_venv_dir();
    let present = dir.join("bin/python").exists();
    require(
        present,
        &format!(
            "the test venv at {} (set TIDEPOOL_TEST_VENV)",
            dir.display()
        ),
    )
    .then_some(dir)
}

/// An executable on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|p| p.join(name))
        .find(|p| p.is_file())
}

/// `path` if it exists; reports it missing otherwise (see [`require`]).
pub fn existing(path: &Path) -> Option<&Path> {
    require(path.exists(), &path.display().to_string()).then_some(path)
}
