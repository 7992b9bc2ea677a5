//! The binary's messages and exit codes, as a model step's stderr shows them.

mod util;

use std::process::Command;

fn run(args: &[&std::ffi::OsStr], dir: &std::path::Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tidepool-hymod"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_bad_parameter_file_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("params.txt"),
        "cmax = 412.33\nbexp = 0.17\nalpha = {{alpha}}\n",
    )
    .unwrap();
    let forcing = util::forcing();
    let (code, stderr) = run(
        &["params.txt".as_ref(), forcing.as_os_str(), "q.csv".as_ref()],
        dir.path(),
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!(stderr, @"error: params.txt:3: `alpha` = `{{alpha}}` is not a number");
    assert!(!dir.path().join("q.csv").exists());
}

#[test]
fn a_missing_forcing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    util::params_file(dir.path(), &util::SETS[0]);
    let (code, stderr) = run(
        &[
            "params.txt".as_ref(),
            "nowhere.csv".as_ref(),
            "q.csv".as_ref(),
        ],
        dir.path(),
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!(stderr, @"error: cannot read nowhere.csv: No such file or directory (os error 2)");
}

#[test]
fn wrong_arguments_print_the_usage() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = run(&["params.txt".as_ref()], dir.path());
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr, @r"
    error: expected 3 arguments, got 1
    usage: tidepool-hymod PARAMS FORCING OUT
      PARAMS   `name = value` lines for cmax, bexp, alpha, Ks, Kq
      FORCING  CSV: date (DD.MM.YYYY or YYYY-MM-DD); rainfall mm/day; PET mm/day; ...
      OUT      flow CSV written: date,q (q in mm/day)
    ");
}

#[test]
fn writes_one_row_per_forcing_day() {
    let dir = tempfile::tempdir().unwrap();
    let rows = util::run_binary(dir.path(), &util::SETS[0]);
    assert_eq!(rows.len(), 1827);
    assert_eq!(rows[0].0, "2012-01-01");
    assert_eq!(rows[366].0, "2013-01-01");
    assert_eq!(rows[1826].0, "2016-12-31");
}
