//! The report: pure aggregation of tracer events into counts, rates and tables, its
//! versioned JSON form, the timeline CSV, the terminal summary, and side-by-side
//! comparison of two reports. No ptrace here: everything is a function of the events.

mod build;
mod compare;
mod imports;
mod packages;
mod python;
mod summary;
mod timeline;

pub use build::{resolve_dirs, ReportInput};
pub use compare::{compare, CompareRow, Comparison};
pub use imports::PREFIX as IMPORT_TIME_PREFIX;
pub use python::module_key;
pub use summary::table as table_rows;
pub use timeline::{Timeline, TimelineRow, BUCKET};

use crate::lustre::LustreDelta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON schema; bumped when a key changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 2;

/// Filesystem key for calls whose path could not be resolved.
pub const UNRESOLVED: &str = "(unresolved)";

/// Calls and failures of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub count: u64,
    pub failed: u64,
}

/// Lookups on one filesystem.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilesystemCounts {
    pub fstype: String,
    pub source: String,
    pub total: u64,
    pub failed: u64,
    pub peak_per_sec: u64,
}

/// Lookups under one `--shared` prefix.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SharedCounts {
    pub total: u64,
    pub failed: u64,
    pub enoent: u64,
    pub peak_per_sec: u64,
}

/// A `--shared` prefix as the user gave it (absolute, normalised) and with its
/// directory symlinks resolved; a call counts under it when its path, as written or
/// resolved, lies under either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedPrefix {
    pub given: String,
    pub canonical: String,
}

impl SharedPrefix {
    /// A prefix whose canonical form is itself (no symlinks, or not resolvable).
    pub fn plain(given: &str) -> Self {
        Self {
            given: given.to_string(),
            canonical: given.to_string(),
        }
    }
}

/// fd-based stats, kept out of `total`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FdStat {
    pub count: u64,
    pub failed: u64,
    pub by_syscall: BTreeMap<String, Counts>,
}

/// One traced process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessRow {
    pub pid: i32,
    pub parent: Option<i32>,
    pub executable: Option<String>,
    pub total: u64,
    pub failed: u64,
    pub exit_code: Option<i32>,
}

/// A directory and how many lookups (or failed lookups) it saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirCount {
    pub dir: String,
    pub count: u64,
}

/// The 10 directories with the most lookups, and with the most failed lookups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopDirs {
    pub lookups: Vec<DirCount>,
    pub failed: Vec<DirCount>,
}

/// Python modules loaded: distinct modules whose .py, .pyc or .so was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PythonModules {
    pub loaded: u64,
    pub stdlib: u64,
    pub site_packages: u64,
}

/// The calls of Python processes charged to one top-level package (a site-packages
/// distribution, `(stdlib)` or `(other)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageRow {
    pub package: String,
    pub ops: u64,
    pub failed: u64,
    /// Distinct modules of it opened.
    pub modules: u64,
    /// `ops` as a fraction of the report's `total`.
    pub share: f64,
    /// Time of its first call since the trace started, and from its first to its last.
    pub first_s: f64,
    pub span_s: f64,
}

/// One top-level package's import time, from `--python-imports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    pub package: String,
    /// Cumulative import time (µs) where it was first entered from another package.
    pub cumulative_us: u64,
    /// Time (µs) spent in its own modules, summed over all of them.
    pub self_us: u64,
    /// How many of its modules were imported.
    pub modules: u64,
    /// The modules that imported it, nearest first; empty when imported from the top.
    pub imported_by: Vec<String>,
}

/// One distinct resolved path and the calls on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRow {
    pub path: String,
    pub ops: u64,
    pub failed: u64,
}

/// Everything `tidepool profile` reports; its JSON form is documented in
/// docs/profiling.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub command: Vec<String>,
    pub exit_code: i32,
    pub interrupted_by: Option<i32>,
    pub duration_s: f64,
    pub total: u64,
    pub failed: u64,
    pub enoent: u64,
    pub peak_per_sec: u64,
    pub failures_by_errno: BTreeMap<String, u64>,
    pub by_syscall: BTreeMap<String, Counts>,
    pub fd_stat: FdStat,
    pub by_filesystem: BTreeMap<String, FilesystemCounts>,
    pub shared: BTreeMap<String, SharedCounts>,
    /// Calls in `total` under none of the `--shared` prefixes (null without prefixes).
    #[serde(default)]
    pub elsewhere: Option<SharedCounts>,
    /// `getcwd` calls: answered by the kernel from the process's state, never by a
    /// metadata server, so not in `total`.
    #[serde(default)]
    pub getcwd: u64,
    pub processes: Vec<ProcessRow>,
    pub top_dirs: TopDirs,
    pub python_modules: PythonModules,
    /// Calls of Python processes by top-level package, most calls first.
    #[serde(default)]
    pub python_packages: Vec<PackageRow>,
    /// Import times by top-level package (`--python-imports`), slowest first; empty
    /// without the flag.
    #[serde(default)]
    pub python_imports: Vec<ImportRow>,
    pub timeline: Timeline,
    pub lustre: Option<LustreDelta>,
    pub unfinished: u64,
    pub files: Vec<FileRow>,
}

impl Report {
    /// Aggregate a trace.
    pub fn build(input: &ReportInput<'_>) -> Self {
        build::build(input)
    }

    /// The aligned text summary for a terminal.
    pub fn summary(&self) -> String {
        summary::render(self)
    }

    /// The timeline as CSV: bucket start in seconds, then one column per filesystem.
    pub fn timeline_csv(&self) -> String {
        self.timeline.to_csv()
    }
}

/// Name of an errno value (`ENOENT`), or `errno N` when unknown.
pub fn errno_name(errno: i32) -> String {
    match nix::errno::Errno::from_raw(errno) {
        nix::errno::Errno::UnknownErrno => format!("errno {errno}"),
        known => format!("{known:?}"),
    }
}
