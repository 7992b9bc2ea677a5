//! Which Python packages cost what: the calls of Python processes grouped by top-level
//! package, so a user told to "load only what is needed" sees which imports to drop.
//!
//! A call under `site-packages/` (or `dist-packages/`) belongs to the top-level name
//! after it (`numpy/...`, `six.py`, `numpy-1.26.4.dist-info`, `numpy.libs`,
//! `_cffi_backend.cpython-311-x86_64-linux-gnu.so` all name one package). A call under
//! the standard library belongs to `(stdlib)`, except a failed lookup of a name that is
//! a site-packages package: that is the import system searching for it along
//! `sys.path`, a cost of importing that package. Other calls of Python processes are
//! `(other)`.

use super::python::module_key;
use super::PackageRow;
use crate::event::{Event, ProcessInfo};
use std::collections::{BTreeMap, BTreeSet, HashSet};

pub const STDLIB: &str = "(stdlib)";
pub const OTHER: &str = "(other)";

/// Where a path lies in a Python installation, and the top-level name there.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place<'a> {
    SitePackages(&'a str),
    Stdlib(&'a str),
    Elsewhere,
}

fn place(path: &str) -> Place<'_> {
    for marker in ["/site-packages/", "/dist-packages/"] {
        if let Some(i) = path.find(marker) {
            return Place::SitePackages(top_name(&path[i + marker.len()..]));
        }
    }
    if let Some(i) = path.find("/lib/python3") {
        let rest = &path[i + "/lib/".len()..];
        let after_version = rest.split_once('/').map_or("", |(_, r)| r);
        let after_version = after_version
            .strip_prefix("lib-dynload/")
            .unwrap_or(after_version);
        return Place::Stdlib(top_name(after_version));
    }
    Place::Elsewhere
}

/// The importable name a site-packages entry stands for.
fn top_name(rest: &str) -> &str {
    if let Some(cached) = rest.strip_prefix("__pycache__/") {
        return top_name(cached);
    }
    let first = rest.split('/').next().unwrap_or(rest);
    let first = first.strip_suffix(".libs").unwrap_or(first);
    if first.ends_with(".dist-info") || first.ends_with(".egg-info") {
        return first.split('-').next().unwrap_or(first);
    }
    first.split('.').next().unwrap_or(first)
}

/// The package a call of a Python process is charged to.
fn package_of<'a>(e: &'a Event, site: &HashSet<&str>) -> &'a str {
    let Some(path) = e.path.as_deref() else {
        return OTHER;
    };
    match place(path) {
        Place::SitePackages(name) if !name.is_empty() => name,
        Place::Stdlib(name) if e.failed() && site.contains(name) => name,
        Place::SitePackages(_) | Place::Stdlib(_) => STDLIB,
        Place::Elsewhere => OTHER,
    }
}

fn is_python(p: &ProcessInfo) -> bool {
    p.executable
        .as_deref()
        .and_then(|x| x.rsplit('/').next())
        .is_some_and(|name| name.starts_with("python"))
}

#[derive(Default)]
struct Acc {
    ops: u64,
    failed: u64,
    modules: BTreeSet<String>,
    first: Option<f64>,
    last: f64,
}

/// Per-package rows for the calls of Python processes, most calls first.
pub fn packages(events: &[&Event], processes: &[ProcessInfo], total: u64) -> Vec<PackageRow> {
    let python: HashSet<i32> = processes
        .iter()
        .filter(|p| is_python(p))
        .map(|p| p.pid)
        .collect();
    let mine: Vec<&Event> = events
        .iter()
        .copied()
        .filter(|e| python.contains(&e.pid))
        .collect();
    let site: HashSet<&str> = mine
        .iter()
        .filter_map(|e| match place(e.path.as_deref()?) {
            Place::SitePackages(name) => Some(name),
            _ => None,
        })
        .collect();
    let mut acc: BTreeMap<&str, Acc> = BTreeMap::new();
    for e in &mine {
        let a = acc.entry(package_of(e, &site)).or_default();
        let at = e.at.as_secs_f64();
        a.ops += 1;
        a.failed += u64::from(e.failed());
        a.first = Some(a.first.map_or(at, |f: f64| f.min(at)));
        a.last = a.last.max(at);
        let opened = e.syscall.starts_with("open") && !e.failed();
        if let Some((_, key)) = opened
            .then(|| e.path.as_deref().and_then(module_key))
            .flatten()
        {
            a.modules.insert(key);
        }
    }
    let mut rows: Vec<PackageRow> = acc
        .into_iter()
        .map(|(name, a)| PackageRow {
            package: name.to_string(),
            ops: a.ops,
            failed: a.failed,
            modules: a.modules.len() as u64,
            share: if total == 0 {
                0.0
            } else {
                a.ops as f64 / total as f64
            },
            first_s: a.first.unwrap_or(0.0),
            span_s: a.last - a.first.unwrap_or(0.0),
        })
        .collect();
    rows.sort_by(|a, b| b.ops.cmp(&a.ops).then_with(|| a.package.cmp(&b.package)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_packages_entries_name_their_package() {
        let sp = "/v/lib/python3.11/site-packages";
        for (path, name) in [
            (
                format!("{sp}/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so"),
                "numpy",
            ),
            (format!("{sp}/numpy-1.26.4.dist-info/RECORD"), "numpy"),
            (format!("{sp}/numpy.libs/libopenblas.so"), "numpy"),
            (format!("{sp}/six.py"), "six"),
            (format!("{sp}/__pycache__/six.cpython-311.pyc"), "six"),
        ] {
            assert_eq!(place(&path), Place::SitePackages(name), "{path}");
        }
        assert_eq!(
            place("/p/lib/python3.11/json/__init__.py"),
            Place::Stdlib("json")
        );
        assert_eq!(
            place("/p/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so"),
            Place::Stdlib("_json")
        );
        assert_eq!(place("/etc/ld.so.cache"), Place::Elsewhere);
    }

    fn ev(pid: i32, path: &str, result: i64, ms: u64) -> Event {
        Event {
            pid,
            syscall: "openat",
            kind: crate::syscalls::Kind::Path,
            path: Some(path.to_string()),
            result,
            at: std::time::Duration::from_millis(ms),
            names_base: false,
        }
    }

    #[test]
    fn python_calls_are_charged_to_packages_by_cost() {
        let (sp, std) = ("/v/lib/python3.11/site-packages", "/p/lib/python3.11");
        let events = [
            ev(1, &format!("{std}/numpy.py"), -2, 0),
            ev(1, &format!("{sp}/numpy/__init__.py"), 3, 10),
            ev(1, &format!("{sp}/numpy/core/multiarray.py"), 3, 30),
            ev(1, &format!("{std}/json/__init__.py"), 3, 40),
            ev(1, &format!("{std}/nosuch.py"), -2, 40),
            ev(1, "/etc/ld.so.cache", 3, 0),
            ev(2, &format!("{sp}/numpy/__init__.py"), 3, 0),
        ];
        let refs: Vec<&Event> = events.iter().collect();
        let procs = [
            ProcessInfo {
                pid: 1,
                parent: None,
                executable: Some("/p/bin/python3.11".into()),
                termination: None,
            },
            ProcessInfo {
                pid: 2,
                parent: Some(1),
                executable: Some("/bin/cat".into()),
                termination: None,
            },
        ];
        let rows = packages(&refs, &procs, 7);
        let names: Vec<&str> = rows.iter().map(|r| r.package.as_str()).collect();
        assert_eq!(
            names,
            ["numpy", STDLIB, OTHER],
            "cat's call is not a python call"
        );
        let numpy = &rows[0];
        assert_eq!(
            (numpy.ops, numpy.failed, numpy.modules),
            (3, 1, 2),
            "the failed stdlib lookup of numpy.py is numpy's"
        );
        assert!((numpy.share - 3.0 / 7.0).abs() < 1e-12);
        assert!((numpy.span_s - 0.03).abs() < 1e-9);
        assert_eq!(
            (rows[1].ops, rows[1].failed),
            (2, 1),
            "a failed lookup of no package stays stdlib"
        );
    }
}
