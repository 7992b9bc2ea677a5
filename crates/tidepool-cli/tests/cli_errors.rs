//! What users see when they get something wrong: snapshots of stderr and the exit code,
//! with temporary paths filtered out.

mod util;

use std::process::Output;

/// stderr and exit code, with `dir` replaced by `[TMP]`.
fn shown(out: &Output, dir: &std::path::Path) -> String {
    let text = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "[TMP]");
    format!("exit code: {:?}\n{text}", out.status.code())
}

#[test]
fn a_config_typo_names_the_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("run.toml");
    std::fs::write(
        &config,
        "[run]\nname = \"demo\"\n[slots]\nper_nod = 2\n[model]\nkind = \"noop\"\n",
    )
    .unwrap();
    let out = util::tidepool(&["run", config.to_str().unwrap()]);
    insta::assert_snapshot!("config_typo", shown(&out, dir.path()));
}

#[test]
fn status_of_a_directory_that_is_no_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = util::tidepool(&["status", dir.path().to_str().unwrap()]);
    insta::assert_snapshot!("status_not_a_run", shown(&out, dir.path()));
}

#[test]
fn profiling_a_missing_command() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-model.exe");
    let out = util::tidepool(&["profile", "--", missing.to_str().unwrap()]);
    insta::assert_snapshot!("profile_missing_command", shown(&out, dir.path()));
}

#[test]
fn staging_a_missing_archive() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("env.tpk");
    let to = dir.path().join("scratch");
    let out = util::tidepool(&[
        "stage",
        archive.to_str().unwrap(),
        "--to",
        to.to_str().unwrap(),
    ]);
    insta::assert_snapshot!("stage_missing_archive", shown(&out, dir.path()));
}

#[test]
fn a_run_name_that_is_a_path_is_refused_with_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("run.toml");
    std::fs::write(
        &config,
        "[run]\nname = \"../../x\"\n[model]\nkind = \"noop\"\n",
    )
    .unwrap();
    let out = util::tidepool(&["run", config.to_str().unwrap()]);
    insta::assert_snapshot!("config_run_name_path", shown(&out, dir.path()));
    assert!(!dir.path().join("../x").exists() && !dir.path().join("runs").exists());
}
