//! Trimming a Python environment to what profiled runs touched.
//!
//! By default whole distributions are kept or dropped ([`dists`]): a distribution
//! (every file its `.dist-info/RECORD` lists) stays when a profile touched any of its
//! files, so files a package loads later (netCDF4's compression plugins, opened with
//! the first file, not at import) stay with it; the standard library stays whole.
//!
//! With `--trim-files` ([`TrimMode::Files`]), kept: every file the profile lists, plus what the interpreter and
//! `importlib.metadata` need: `pyvenv.cfg`, the venv's `bin/`, the interpreter and
//! libpython, the modules of interpreter start-up (`os.py`, `site.py`,
//! `encodings/`, sysconfig data), `.pth` files, and the `.dist-info` directory of
//! every package with a kept file (found through its `RECORD`). Executables,
//! libraries and data trees are never trimmed.

use crate::error::PackError;
use crate::manifest::Role;
use crate::plan::{Plan, PlannedKind};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

mod dists;

/// How finely to trim.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TrimMode {
    /// Keep or drop whole distributions (the default).
    #[default]
    Distributions,
    /// Keep only the files the profiles list (and what start-up needs).
    Files,
}

/// Sizes before and after trimming (regular files of the Python parts), and the
/// distributions dropped, largest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrimReport {
    pub mode: &'static str,
    pub files_before: usize,
    pub files_after: usize,
    pub bytes_before: u64,
    pub bytes_after: u64,
    pub dropped: Vec<DroppedDist>,
}

/// One distribution left out of the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedDist {
    /// The `.dist-info` directory's name without the suffix (`torch-2.3.1`).
    pub name: String,
    pub files: usize,
    pub bytes: u64,
}

/// The union of the paths several profiles list.
pub fn load_profiles(paths: &[PathBuf]) -> Result<HashSet<PathBuf>, PackError> {
    let mut all = HashSet::new();
    for path in paths {
        all.extend(load_profile(path)?);
    }
    Ok(all)
}

/// Trim the Python parts of `plan` to what `touched` needs, in `mode`.
pub fn trim_plan(
    plan: &mut Plan,
    touched: &HashSet<PathBuf>,
    mode: TrimMode,
) -> Result<TrimReport, PackError> {
    match mode {
        TrimMode::Files => trim(plan, touched),
        TrimMode::Distributions => dists::trim(plan, touched),
    }
}

#[derive(Debug, Deserialize)]
struct ProfileDoc {
    files: Vec<ProfileFile>,
}

#[derive(Debug, Deserialize)]
struct ProfileFile {
    path: String,
}

/// The set of paths a profile lists, each also in canonical form when it exists.
pub fn load_profile(path: &Path) -> Result<HashSet<PathBuf>, PackError> {
    let text = std::fs::read_to_string(path).map_err(PackError::read(path))?;
    let doc: ProfileDoc = serde_json::from_str(&text).map_err(|err| PackError::Profile {
        path: path.to_path_buf(),
        reason: err.to_string(),
    })?;
    let mut set = HashSet::new();
    for file in doc.files {
        let raw = PathBuf::from(&file.path);
        if let Ok(canonical) = raw.canonicalize() {
            set.insert(canonical);
        }
        set.insert(raw);
    }
    Ok(set)
}

const STARTUP_MODULES: &[&str] = &[
    "os.py",
    "site.py",
    "_sitebuiltins.py",
    "abc.py",
    "codecs.py",
    "io.py",
    "stat.py",
    "posixpath.py",
    "genericpath.py",
    "_collections_abc.py",
];

fn is_essential(rel_in_part: &str, role: Role) -> bool {
    let name = rel_in_part.rsplit('/').next().unwrap_or(rel_in_part);
    match role {
        Role::PythonVenv => {
            rel_in_part == "pyvenv.cfg" || rel_in_part.starts_with("bin/") || name.ends_with(".pth")
        }
        Role::PythonBase => {
            rel_in_part.starts_with("bin/")
                || name.starts_with("libpython")
                || name.starts_with("_sysconfigdata")
                || rel_in_part.contains("/encodings/")
                || (STARTUP_MODULES.contains(&name) && rel_in_part.matches('/').count() == 2)
        }
        _ => true,
    }
}

/// Keep only profiled and essential entries of the Python parts of `plan`.
pub fn trim(plan: &mut Plan, touched: &HashSet<PathBuf>) -> Result<TrimReport, PackError> {
    let before = sizes(plan)?;
    let mut keep: HashSet<String> = HashSet::new();
    for (path, planned) in &plan.entries {
        let part = &plan.parts[planned.part];
        let python = matches!(part.role, Role::PythonVenv | Role::PythonBase);
        let rel = path
            .strip_prefix(&part.root)
            .unwrap_or(path)
            .trim_start_matches('/');
        let wanted = !python
            || matches!(planned.kind, PlannedKind::Symlink(_))
            || touched.contains(&planned.source)
            || is_essential(rel, part.role);
        if !python || (wanted && !matches!(planned.kind, PlannedKind::Dir)) {
            keep.insert(path.clone());
        }
    }
    keep.extend(dist_infos_of_kept(plan, &keep)?);
    let ancestors: Vec<String> = keep.iter().flat_map(|p| ancestors_of(p)).collect();
    keep.extend(ancestors);
    plan.entries.retain(|path, _| keep.contains(path));
    let after = sizes(plan)?;
    Ok(TrimReport {
        mode: "files",
        files_before: before.0,
        bytes_before: before.1,
        files_after: after.0,
        bytes_after: after.1,
        dropped: Vec::new(),
    })
}

pub(crate) fn ancestors_of(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = Path::new(path).parent();
    while let Some(dir) = current.filter(|d| !d.as_os_str().is_empty()) {
        out.push(dir.to_string_lossy().into_owned());
        current = dir.parent();
    }
    out
}

/// Archive paths of every `.dist-info` tree whose RECORD lists a kept file.
fn dist_infos_of_kept(plan: &Plan, keep: &HashSet<String>) -> Result<Vec<String>, PackError> {
    let mut out = Vec::new();
    let records = plan
        .entries
        .iter()
        .filter(|(path, _)| path.ends_with(".dist-info/RECORD"));
    for (path, planned) in records {
        let dist_info = path.trim_end_matches("/RECORD");
        let site = Path::new(dist_info)
            .parent()
            .expect("a dist-info lives in a directory")
            .to_string_lossy()
            .into_owned();
        let text =
            std::fs::read_to_string(&planned.source).map_err(PackError::read(&planned.source))?;
        let used = text
            .lines()
            .filter_map(|line| line.split(',').next())
            .any(|rel| keep.contains(&format!("{site}/{rel}")));
        if used {
            let prefix = format!("{dist_info}/");
            out.extend(
                plan.entries
                    .keys()
                    .filter(|p| p.starts_with(&prefix) || p.as_str() == dist_info)
                    .cloned(),
            );
        }
    }
    Ok(out)
}

pub(crate) fn sizes(plan: &Plan) -> Result<(usize, u64), PackError> {
    let mut files = 0;
    let mut bytes = 0;
    for planned in plan.entries.values() {
        let role = plan.parts[planned.part].role;
        if matches!(planned.kind, PlannedKind::File(_))
            && matches!(role, Role::PythonVenv | Role::PythonBase)
        {
            files += 1;
            bytes += std::fs::metadata(&planned.source)
                .map_err(PackError::read(&planned.source))?
                .len();
        }
    }
    Ok((files, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn essentials_by_role() {
        assert!(is_essential("pyvenv.cfg", Role::PythonVenv));
        assert!(is_essential(
            "lib/python3.11/site-packages/distutils-precedence.pth",
            Role::PythonVenv
        ));
        assert!(!is_essential(
            "lib/python3.11/site-packages/numpy/__init__.py",
            Role::PythonVenv
        ));
        assert!(is_essential("lib/python3.11/os.py", Role::PythonBase));
        assert!(is_essential(
            "lib/python3.11/encodings/utf_8.py",
            Role::PythonBase
        ));
        assert!(!is_essential(
            "lib/python3.11/email/parser.py",
            Role::PythonBase
        ));
        assert!(!is_essential(
            "lib/python3.11/json/abc.py",
            Role::PythonBase
        ));
    }

    #[test]
    fn profile_without_files_key_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        std::fs::write(&path, r#"{"calls": []}"#).unwrap();
        let err = load_profile(&path).unwrap_err();
        assert!(err.to_string().contains("p.json"), "{err}");
    }
}
