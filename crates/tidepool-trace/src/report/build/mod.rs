//! Events -> [`Report`].

use super::python::{module_key, ModuleRoot};
use super::timeline::{bucket_of, peak_per_sec, Timeline};
use super::*;
use crate::event::{Event, ProcessInfo};
use crate::mounts::MountTable;
use crate::paths::parent;
use crate::syscalls::Kind;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// Everything a report is made from.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    pub command: &'a [String],
    pub events: &'a [Event],
    pub processes: &'a [ProcessInfo],
    pub mounts: &'a MountTable,
    /// `--shared` prefixes, as given and with symlinks resolved.
    pub shared: &'a [SharedPrefix],
    /// Directories of the traced paths with their symlinks resolved ([`resolve_dirs`]);
    /// a directory missing here is taken as written.
    pub resolved_dirs: &'a BTreeMap<String, String>,
    /// The `import time:` lines the traced Python processes printed (`-X importtime`).
    pub import_times: &'a [String],
    pub exit_code: i32,
    pub interrupted_by: Option<i32>,
    pub duration: Duration,
    pub lustre: Option<LustreDelta>,
    pub unfinished: u64,
}

const TOP: usize = 10;
const ENOENT: i32 = libc::ENOENT;

pub fn build(input: &ReportInput<'_>) -> Report {
    let counted: Vec<&Event> = input
        .events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Path | Kind::DirList))
        .collect();
    let buckets = bucket_of(input.duration) + 1;
    let paths = Paths::new(&counted, input.resolved_dirs);
    let (by_filesystem, timeline) = filesystems(&counted, &paths, input.mounts, buckets);
    let all_buckets: Vec<u64> = timeline.buckets.iter().map(|r| r.total).collect();
    Report {
        schema_version: SCHEMA_VERSION,
        command: input.command.to_vec(),
        exit_code: input.exit_code,
        interrupted_by: input.interrupted_by,
        duration_s: input.duration.as_secs_f64(),
        total: counted.len() as u64,
        failed: counted.iter().filter(|e| e.failed()).count() as u64,
        enoent: counted.iter().filter(|e| e.errno() == Some(ENOENT)).count() as u64,
        peak_per_sec: peak_per_sec(&all_buckets),
        failures_by_errno: failures_by_errno(&counted),
        by_syscall: by_syscall(&counted),
        fd_stat: fd_stat(input.events),
        by_filesystem,
        shared: shared(&counted, &paths, input.shared, buckets),
        elsewhere: elsewhere(&counted, &paths, input.shared, buckets),
        getcwd: input.events.iter().filter(|e| e.kind == Kind::Cwd).count() as u64,
        processes: processes(&counted, input.processes),
        top_dirs: top_dirs(&counted),
        python_modules: python_modules(&counted),
        python_packages: super::packages::packages(&counted, input.processes, counted.len() as u64),
        python_imports: super::imports::import_rows(input.import_times),
        timeline,
        lustre: input.lustre.clone(),
        unfinished: input.unfinished,
        files: files(&counted),
    }
}

fn failures_by_errno(events: &[&Event]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for errno in events.iter().filter_map(|e| e.errno()) {
        *out.entry(errno_name(errno)).or_insert(0) += 1;
    }
    out
}

fn by_syscall(events: &[&Event]) -> BTreeMap<String, Counts> {
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for e in events {
        let c = out.entry(e.syscall.to_string()).or_default();
        c.count += 1;
        c.failed += u64::from(e.failed());
    }
    out
}

fn fd_stat(events: &[Event]) -> FdStat {
    let mut out = FdStat::default();
    for e in events.iter().filter(|e| e.kind == Kind::FdStat) {
        out.count += 1;
        out.failed += u64::from(e.failed());
        let c = out.by_syscall.entry(e.syscall.to_string()).or_default();
        c.count += 1;
        c.failed += u64::from(e.failed());
    }
    out
}

fn filesystems(
    events: &[&Event],
    paths: &Paths,
    mounts: &MountTable,
    buckets: usize,
) -> (BTreeMap<String, FilesystemCounts>, Timeline) {
    let mut counts: BTreeMap<String, FilesystemCounts> = BTreeMap::new();
    let mut series: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        let mount = paths.resolved(i).and_then(|p| mounts.find(p));
        let key = mount.map_or(UNRESOLVED, |m| m.mount_point.as_str());
        let c = counts
            .entry(key.to_string())
            .or_insert_with(|| FilesystemCounts {
                fstype: mount.map(|m| m.fstype.clone()).unwrap_or_default(),
                source: mount.map(|m| m.source.clone()).unwrap_or_default(),
                ..Default::default()
            });
        c.total += 1;
        c.failed += u64::from(e.failed());
        let s = series
            .entry(key.to_string())
            .or_insert_with(|| vec![0; buckets]);
        s[bucket_of(e.at).min(buckets - 1)] += 1;
    }
    for (key, c) in counts.iter_mut() {
        c.peak_per_sec = peak_per_sec(&series[key]);
    }
    let names: Vec<String> = series.keys().cloned().collect();
    let columns: Vec<Vec<u64>> = series.into_values().collect();
    (counts, Timeline::new(names, &columns, buckets))
}

fn shared(
    events: &[&Event],
    paths: &Paths,
    prefixes: &[SharedPrefix],
    buckets: usize,
) -> BTreeMap<String, SharedCounts> {
    prefixes
        .iter()
        .map(|prefix| {
            let under = (0..events.len()).filter(|&i| paths.under(i, prefix));
            let counts = shared_counts(under.map(|i| events[i]), buckets);
            (prefix.given.clone(), counts)
        })
        .collect()
}

/// The calls under none of the prefixes; `None` when there are no prefixes.
fn elsewhere(
    events: &[&Event],
    paths: &Paths,
    prefixes: &[SharedPrefix],
    buckets: usize,
) -> Option<SharedCounts> {
    if prefixes.is_empty() {
        return None;
    }
    let outside = (0..events.len()).filter(|&i| !prefixes.iter().any(|p| paths.under(i, p)));
    Some(shared_counts(outside.map(|i| events[i]), buckets))
}

fn shared_counts<'e>(events: impl Iterator<Item = &'e Event>, buckets: usize) -> SharedCounts {
    let mut c = SharedCounts::default();
    let mut series = vec![0u64; buckets];
    for e in events {
        c.total += 1;
        c.failed += u64::from(e.failed());
        c.enoent += u64::from(e.errno() == Some(ENOENT));
        series[bucket_of(e.at).min(buckets - 1)] += 1;
    }
    c.peak_per_sec = peak_per_sec(&series);
    c
}

fn processes(events: &[&Event], infos: &[ProcessInfo]) -> Vec<ProcessRow> {
    let mut per_pid: HashMap<i32, Counts> = HashMap::new();
    for e in events {
        let c = per_pid.entry(e.pid).or_default();
        c.count += 1;
        c.failed += u64::from(e.failed());
    }
    let mut rows: Vec<ProcessRow> = infos
        .iter()
        .map(|p| {
            let c = per_pid.get(&p.pid).copied().unwrap_or_default();
            ProcessRow {
                pid: p.pid,
                parent: p.parent,
                executable: p.executable.clone(),
                total: c.count,
                failed: c.failed,
                exit_code: p.termination.map(|t| t.exit_code()),
            }
        })
        .collect();
    rows.sort_by_key(|r| r.pid);
    rows
}

/// The directory a call looked in: a listing's own directory, a lookup's parent, or the
/// directory itself when the path as written named it (`.`).
fn dir_of(e: &Event) -> Option<&str> {
    let path = e.path.as_deref()?;
    Some(if e.kind == Kind::DirList || e.names_base {
        path
    } else {
        parent(path)
    })
}

fn top_dirs(events: &[&Event]) -> TopDirs {
    let top = |only_failed: bool| {
        let mut counts: HashMap<&str, u64> = HashMap::new();
        for e in events.iter().filter(|e| !only_failed || e.failed()) {
            if let Some(dir) = dir_of(e) {
                *counts.entry(dir).or_insert(0) += 1;
            }
        }
        let mut rows: Vec<DirCount> = counts
            .into_iter()
            .map(|(dir, count)| DirCount {
                dir: dir.to_string(),
                count,
            })
            .collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.dir.cmp(&b.dir)));
        rows.truncate(TOP);
        rows
    };
    TopDirs {
        lookups: top(false),
        failed: top(true),
    }
}

fn python_modules(events: &[&Event]) -> PythonModules {
    let opened: BTreeSet<(bool, String)> = events
        .iter()
        .filter(|e| e.syscall.starts_with("open") && !e.failed())
        .filter_map(|e| module_key(e.path.as_deref()?))
        .map(|(root, key)| (root == ModuleRoot::Stdlib, key))
        .collect();
    let stdlib = opened.iter().filter(|(std, _)| *std).count() as u64;
    PythonModules {
        loaded: opened.len() as u64,
        stdlib,
        site_packages: opened.len() as u64 - stdlib,
    }
}

fn files(events: &[&Event]) -> Vec<FileRow> {
    let mut per_path: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for e in events {
        if let Some(path) = e.path.as_deref() {
            let c = per_path.entry(path).or_insert((0, 0));
            c.0 += 1;
            c.1 += u64::from(e.failed());
        }
    }
    per_path
        .into_iter()
        .map(|(path, (ops, failed))| FileRow {
            path: path.to_string(),
            ops,
            failed,
        })
        .collect()
}

mod resolved;
pub use resolved::resolve_dirs;
use resolved::Paths;

#[cfg(test)]
mod tests;
