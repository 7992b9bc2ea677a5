//! The binary's front door: `--version`, `--help`, unknown commands.

mod util;

use util::tidepool;

#[test]
fn version_names_the_tool_and_its_version() {
    let out = tidepool(&["--version"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("tidepool {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_lists_every_subcommand() {
    let out = tidepool(&["--help"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    insta::assert_snapshot!("help", text);
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let out = tidepool(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognized subcommand"));
}

/// A stdout whose reader is already gone: every write fails with EPIPE.
fn closed_pipe() -> std::process::Stdio {
    let (read_end, write_end) = nix::unistd::pipe().expect("a pipe");
    drop(read_end);
    std::process::Stdio::from(write_end)
}

/// Regression: `tidepool status RUNDIR --json | head` printed `error: Broken pipe` and
/// exited 1.
#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trials.csv"), "x\n1\n2\n3\n").unwrap();
    std::fs::write(
        dir.path().join("run.toml"),
        "[run]\nname = \"pipe\"\ndir = \"run\"\n[launch]\nmode = \"local\"\nagents = 1\n\
         [model]\nkind = \"noop\"\n[[parameters]]\nname = \"x\"\nlower = 0\nupper = 9\n\
         [trials]\ncsv = \"trials.csv\"\n",
    )
    .unwrap();
    let run = util::tidepool(&["run", dir.path().join("run.toml").to_str().unwrap()]);
    assert!(run.status.success(), "{run:?}");
    let rundir = dir.path().join("run");
    let rundir = rundir.to_str().unwrap();
    for args in [
        vec!["status", rundir, "--json"],
        vec!["status", rundir],
        vec!["export", rundir, "--csv"],
        vec!["profile", "--", "true"],
    ] {
        let out = std::process::Command::new(util::bin())
            .args(&args)
            .stdout(closed_pipe())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
