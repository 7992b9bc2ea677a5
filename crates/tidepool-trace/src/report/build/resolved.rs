//! Paths as written and with their directory symlinks resolved.
//!
//! On clusters `/home -> /gpfs/home`, `/lib -> usr/lib` and project links are the rule:
//! a call through a link reaches the filesystem the link points to. The tracer records
//! each path as the tracee wrote it (lexically normalised); after the trace,
//! [`resolve_dirs`] resolves each distinct directory once (the only filesystem access in
//! the report), and [`Paths`] gives every call both forms, so a `--shared` prefix or a
//! mount matches a call through either.

use super::SharedPrefix;
use crate::event::Event;
use crate::paths::{is_under, parent};
use std::collections::BTreeMap;

/// Each distinct directory of the events' paths mapped to its canonical form, for the
/// directories whose canonical form differs. Directories that no longer exist (or
/// cannot be resolved) are left out and taken as written.
pub fn resolve_dirs(events: &[Event]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for path in events.iter().filter_map(|e| e.path.as_deref()) {
        let dir = parent(path);
        if !seen.insert(dir.to_string()) {
            continue;
        }
        if let Ok(canonical) = std::fs::canonicalize(dir) {
            let canonical = canonical.to_string_lossy().into_owned();
            if canonical != dir {
                out.insert(dir.to_string(), canonical);
            }
        }
    }
    out
}

/// The counted events' paths, as written and resolved, by event index.
pub(super) struct Paths {
    written: Vec<Option<String>>,
    resolved: Vec<Option<String>>,
}

impl Paths {
    pub(super) fn new(events: &[&Event], dirs: &BTreeMap<String, String>) -> Self {
        let written: Vec<Option<String>> = events.iter().map(|e| e.path.clone()).collect();
        let resolved = written
            .iter()
            .map(|p| p.as_deref().map(|p| resolve_with(p, dirs)))
            .collect();
        Self { written, resolved }
    }

    /// The path with its directory's symlinks resolved (as written when unknown).
    pub(super) fn resolved(&self, i: usize) -> Option<&str> {
        self.resolved[i].as_deref()
    }

    /// True when the call's path, as written or resolved, lies under the prefix as
    /// given or canonicalised.
    pub(super) fn under(&self, i: usize, prefix: &SharedPrefix) -> bool {
        [&self.written[i], &self.resolved[i]]
            .into_iter()
            .flatten()
            .any(|p| is_under(p, &prefix.given) || is_under(p, &prefix.canonical))
    }
}

fn resolve_with(path: &str, dirs: &BTreeMap<String, String>) -> String {
    let dir = parent(path);
    match dirs.get(dir) {
        Some(canonical) if path == "/" => canonical.clone(),
        Some(canonical) => format!("{canonical}/{}", &path[dir.len()..].trim_start_matches('/')),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_takes_its_directory_s_canonical_form() {
        let dirs = BTreeMap::from([(
            "/lib/x86_64-linux-gnu".to_string(),
            "/usr/lib/x86_64-linux-gnu".to_string(),
        )]);
        assert_eq!(
            resolve_with("/lib/x86_64-linux-gnu/libc.so.6", &dirs),
            "/usr/lib/x86_64-linux-gnu/libc.so.6"
        );
        assert_eq!(resolve_with("/etc/passwd", &dirs), "/etc/passwd");
    }

    #[test]
    fn real_symlinked_directories_resolve() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("gpfs/home");
        std::fs::create_dir_all(&real).unwrap();
        std::os::unix::fs::symlink(&real, tmp.path().join("home")).unwrap();
        let link = tmp.path().join("home").to_string_lossy().into_owned();
        let ev = Event {
            pid: 1,
            syscall: "openat",
            kind: crate::syscalls::Kind::Path,
            path: Some(format!("{link}/x.py")),
            result: -2,
            at: std::time::Duration::ZERO,
            names_base: false,
        };
        let dirs = resolve_dirs(&[ev]);
        let canonical = std::fs::canonicalize(&real).unwrap();
        assert_eq!(dirs.get(&link).map(String::as_str), canonical.to_str());
    }
}
