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

/// `tidepool run` on a config file holding `text` (bytes), in a fresh directory.
fn run_config(text: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("run.toml");
    std::fs::write(&config, text).unwrap();
    let out = util::tidepool(&["run", config.to_str().unwrap()]);
    shown(&out, dir.path())
}

const NOOP: &str = "[run]\nname = \"demo\"\n[model]\nkind = \"noop\"\n";

#[test]
fn a_parameter_with_lower_above_upper_points_at_the_value() {
    let text = format!("{NOOP}[[parameters]]\nname = \"k\"\nlower = 5\nupper = 2\n");
    insta::assert_snapshot!("parameter_bounds", run_config(text.as_bytes()));
}

#[test]
fn a_negative_budget_must_be_a_non_negative_integer() {
    let text = "[run]\nname = \"demo\"\nbudget = -1\n[model]\nkind = \"noop\"\n";
    insta::assert_snapshot!("negative_budget", run_config(text.as_bytes()));
}

#[test]
fn a_syntax_error_has_line_column_and_caret() {
    let text = "[run]\nname = \"demo\n[model]\nkind = \"noop\"\n";
    insta::assert_snapshot!("syntax_error", run_config(text.as_bytes()));
}

#[test]
fn a_missing_model_is_blamed_on_the_file() {
    insta::assert_snapshot!("missing_model", run_config(b"[run]\nname = \"demo\"\n"));
}

#[test]
fn an_empty_config_says_it_is_empty() {
    insta::assert_snapshot!("empty_config", run_config(b""));
}

#[test]
fn a_binary_config_is_not_utf8_text() {
    insta::assert_snapshot!(
        "binary_config",
        run_config(b"\x7fELF\x02\x01\x01\x00\xff\xfe")
    );
}

#[test]
fn a_missing_config_names_the_file_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nope.toml");
    let out = util::tidepool(&["run", config.to_str().unwrap()]);
    insta::assert_snapshot!("missing_config", shown(&out, dir.path()));
}

#[test]
fn an_unknown_placeholder_is_refused_before_the_run() {
    let text = "[run]\nname = \"demo\"\nbudget = 20\n[model]\nkind = \"command\"\nstages = [[\"echo\", \"{x}\", \"{z}\"]]\n[[parameters]]\nname = \"x\"\nlower = 0\nupper = 1\n";
    insta::assert_snapshot!("unknown_placeholder", run_config(text.as_bytes()));
}

#[test]
fn a_missing_program_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("run.toml");
    let text = "[run]\nname = \"demo\"\nbudget = 20\n[model]\nkind = \"command\"\nstages = [[\"./no-such-model\", \"{x}\"]]\n[[parameters]]\nname = \"x\"\nlower = 0\nupper = 1\n";
    std::fs::write(&config, text).unwrap();
    let out = util::tidepool(&["run", config.to_str().unwrap()]);
    insta::assert_snapshot!("missing_program", shown(&out, dir.path()));
    assert!(!dir.path().join("runs/demo").exists(), "the run started");
}

#[test]
fn empty_stages_are_refused_before_the_run() {
    let text = "[run]\nname = \"demo\"\n[model]\nkind = \"command\"\nstages = []\n";
    insta::assert_snapshot!("empty_stages", run_config(text.as_bytes()));
}

#[test]
fn trials_and_an_optimizer_together_are_refused() {
    let text = format!("{NOOP}[trials]\ncsv = \"t.csv\"\n[optimizer]\nalgorithm = \"dds\"\n");
    insta::assert_snapshot!("trials_and_optimizer", run_config(text.as_bytes()));
}

#[test]
fn errors_have_no_colour_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nope.toml");
    let plain = util::tidepool(&["run", config.to_str().unwrap()]);
    assert!(
        !plain.stderr.contains(&0x1b),
        "{:?}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let forced = util::tidepool(&["--color", "always", "run", config.to_str().unwrap()]);
    assert!(
        forced.stderr.contains(&0x1b),
        "--color always gave no colour"
    );
    let never = std::process::Command::new(util::bin())
        .args(["run", config.to_str().unwrap()])
        .env("TIDEPOOL_COLOR", "never")
        .output()
        .unwrap();
    assert!(!never.stderr.contains(&0x1b));
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
    // The config sits one level down, so `runs/../../x` would land inside the temp dir.
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    let config = project.join("run.toml");
    std::fs::write(
        &config,
        "[run]\nname = \"../../x\"\n[model]\nkind = \"noop\"\n",
    )
    .unwrap();
    let out = util::tidepool(&["run", config.to_str().unwrap()]);
    insta::assert_snapshot!("config_run_name_path", shown(&out, &project));
    assert!(!dir.path().join("x").exists() && !project.join("runs").exists());
}

#[test]
fn a_stage_section_with_nothing_to_stage_says_what_to_give() {
    let text = format!("{NOOP}[stage]\nfanout = 2\n");
    insta::assert_snapshot!("stage_nothing_to_stage", run_config(text.as_bytes()));
}

#[test]
fn a_script_under_stage_exe_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("run.toml");
    std::fs::write(dir.path().join("run.sh"), "#!/bin/sh\necho 1\n").unwrap();
    let script = dir.path().join("run.sh");
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&script, mode).unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let text = format!("{NOOP}[stage]\ndirs = [\"data\"]\nexe = [\"run.sh\"]\n");
    std::fs::write(&config, text).unwrap();
    let out = util::tidepool(&["run", config.to_str().unwrap()]);
    insta::assert_snapshot!("stage_exe_script", shown(&out, dir.path()));
    assert!(!dir.path().join("runs/demo").exists(), "the run started");
}

#[test]
fn a_stage_python_that_is_no_venv_is_refused_before_the_run() {
    let text = format!("{NOOP}[stage]\npython = \"/usr\"\n");
    insta::assert_snapshot!("stage_python_not_a_venv", run_config(text.as_bytes()));
}
