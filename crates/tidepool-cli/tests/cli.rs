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
