//! Shared by the fixture tests: the SUMMA + mizuRoute fixture (Bow River at Banff, see
//! its README) and a reader for `ncdump` output.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared/fixtures/summa-bow`, next to the repository.
pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/summa-bow")
}

pub fn summa_settings() -> PathBuf {
    fixture().join("settings/SUMMA")
}

pub fn mizu_settings() -> PathBuf {
    fixture().join("settings/mizuRoute")
}

/// `ncdump ARGS FILE`, if ncdump (Debian netcdf-bin) is installed; skips visibly, and
/// fails under CI, when it is not.
pub fn ncdump(args: &[&str], file: &Path) -> Option<String> {
    let exe = tidepool_testkit::which("ncdump");
    if !tidepool_testkit::require(exe.is_some(), "ncdump (Debian netcdf-bin)") {
        return None;
    }
    let out = Command::new(exe?)
        .args(args)
        .arg(file)
        .output()
        .expect("run ncdump");
    assert!(
        out.status.success(),
        "ncdump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("utf-8 ncdump output"))
}

/// The values of `name` in the data section of CDL text (`name = 1, 2, NaN ;`).
pub fn cdl_values(cdl: &str, name: &str) -> Vec<f64> {
    let data = cdl.split("\ndata:\n").nth(1).expect("a data section");
    let start = data
        .find(&format!("\n {name} ="))
        .unwrap_or_else(|| panic!("{name} in the data section"));
    let body = &data[start + name.len() + 4..];
    let body = &body[..body.find(';').expect("end of values")];
    body.split(',')
        .map(|cell| {
            let cell = cell.trim().trim_end_matches(['f', 'L']);
            match cell {
                "NaN" | "NaNf" => f64::NAN,
                _ => cell
                    .parse()
                    .unwrap_or_else(|_| panic!("number `{cell}` of {name}")),
            }
        })
        .collect()
}

/// The lines of `a` and `b` that differ, as `(line number, a's line, b's line)`; both
/// must have the same number of lines.
pub fn changed_lines<'a>(a: &'a str, b: &'a str) -> Vec<(usize, &'a str, &'a str)> {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    assert_eq!(la.len(), lb.len(), "line counts differ");
    la.iter()
        .zip(&lb)
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| (i + 1, *x, *y))
        .collect()
}
