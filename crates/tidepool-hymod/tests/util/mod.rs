//! Shared by the integration tests: the example data, the binary, the venvs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's copy of SPOTPY's HYMOD forcing.
pub fn forcing() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hymod-data/hymod_input.csv")
}

/// Parameter sets spread over SPOTPY's bounds (cmax, bexp, alpha, Ks, Kq), including its
/// `optguess` and both corners.
pub const SETS: [[f64; 5]; 4] = [
    [412.33, 0.1725, 0.8127, 0.0404, 0.5592],
    [1.0, 0.1, 0.1, 0.001, 0.1],
    [500.0, 2.0, 0.99, 0.1, 0.99],
    [137.5, 1.234, 0.456, 0.0123, 0.789],
];

/// Writes a parameter file for `set` with full precision.
pub fn params_file(dir: &Path, set: &[f64; 5]) -> PathBuf {
    let path = dir.join("params.txt");
    let [cmax, bexp, alpha, ks, kq] = set;
    let text =
        format!("cmax = {cmax:?}\nbexp = {bexp:?}\nalpha = {alpha:?}\nKs = {ks:?}\nKq = {kq:?}\n");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the real binary; returns the `q` column of its output.
pub fn run_binary(dir: &Path, set: &[f64; 5]) -> Vec<(String, f64)> {
    let params = params_file(dir, set);
    let out = dir.join("q.csv");
    let status = Command::new(env!("CARGO_BIN_EXE_tidepool-hymod"))
        .arg(&params)
        .arg(forcing())
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "tidepool-hymod failed for {set:?}");
    let text = std::fs::read_to_string(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("date,q"));
    lines
        .map(|l| {
            let (date, q) = l.split_once(',').unwrap();
            (date.to_string(), q.parse().unwrap())
        })
        .collect()
}

/// Runs `code` with `python`, `args` after it; returns stdout.
pub fn python(python: &Path, code: &str, args: &[String]) -> String {
    let out = Command::new(python)
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `a` and `b` agree to `rel` relative (exactly when both are zero).
pub fn assert_close(what: &str, a: &[f64], b: &[f64], rel: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let scale = x.abs().max(y.abs());
        assert!((x - y).abs() <= rel * scale, "{what}: day {i}: {x} vs {y}");
    }
}
