//! The pack plan: which original files go to which archive path, per part.
//!
//! Layout: this module walks trees and data dirs and finishes the plan (parent
//! directories, relative symlinks); `python` adds a venv and its base
//! installation, `exe` executables and their library closure.

use crate::error::PackError;
use crate::manifest::{Part, Role};
use crate::python::{EditableInstall, PythonEnv};
use crate::relocate::{relink_symlink, PrefixMap};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

mod exe;
mod python;

/// What to pack.
#[derive(Debug, Clone, Default)]
pub struct PackSpec {
    /// A venv; its base interpreter installation is packed with it.
    pub python: Option<PathBuf>,
    /// Executables; their shared-library closure is packed with them.
    pub exes: Vec<PathBuf>,
    /// Input trees, each with an optional name (default: the directory's name).
    pub dirs: Vec<(PathBuf, Option<String>)>,
    /// `tidepool profile --json` documents: trim the Python parts to what they touched.
    pub trim_from: Vec<PathBuf>,
    /// Trim to the files the profiles list instead of whole distributions.
    pub trim_files: bool,
    /// Also pack glibc's core libraries and the loader.
    pub include_core_libs: bool,
}

/// How a file's bytes are changed on their way into the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transform {
    None,
    /// Set DT_RUNPATH/DT_RPATH to this value if it fits.
    Runpath(String),
    /// If ELF, make RUNPATH/RPATH entries under a packed prefix `$ORIGIN`-relative.
    ElfPrefixes,
    /// Normalise the source mtime recorded in a timestamp-based `.pyc` header.
    Pyc {
        source: PathBuf,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlannedKind {
    Dir,
    File(Transform),
    Symlink(String),
}

/// One archive entry before hashing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub part: usize,
    pub source: PathBuf,
    /// Whether `source` must be written to the manifest (it is not prefix + path).
    pub record_source: bool,
    pub kind: PlannedKind,
}

/// Parts and entries, keyed by archive path (so iteration is archive order).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub parts: Vec<Part>,
    pub entries: BTreeMap<String, Planned>,
    pub executables: Vec<(String, String)>,
    pub editable: Vec<EditableInstall>,
    pub python: Option<PythonEnv>,
}

impl Plan {
    /// Walk all inputs of `spec`.
    pub fn build(spec: &PackSpec) -> Result<Self, PackError> {
        if spec.python.is_none() && spec.exes.is_empty() && spec.dirs.is_empty() {
            return Err(PackError::Empty);
        }
        let mut plan = Plan::default();
        if let Some(venv) = &spec.python {
            plan.add_python(venv)?;
        }
        if !spec.exes.is_empty() {
            plan.add_exes(&spec.exes, spec.include_core_libs)?;
        }
        for (dir, name) in &spec.dirs {
            plan.add_dir(dir, name.as_deref())?;
        }
        plan.add_parents();
        plan.relink_symlinks();
        Ok(plan)
    }

    fn add_part(&mut self, name: &str, role: Role, root: &str, prefix: Option<&Path>) -> usize {
        self.parts.push(Part {
            name: name.to_string(),
            role,
            root: root.to_string(),
            prefix: prefix.map(|p| p.to_string_lossy().into_owned()),
        });
        self.parts.len() - 1
    }

    fn insert(&mut self, path: String, planned: Planned) -> Result<(), PackError> {
        if let Some(existing) = self.entries.get(&path) {
            if existing.source != planned.source && existing.kind != PlannedKind::Dir {
                return Err(PackError::Conflict {
                    archive_path: path,
                    first: existing.source.clone(),
                    second: planned.source,
                });
            }
            return Ok(());
        }
        self.entries.insert(path, planned);
        Ok(())
    }

    /// Add the tree at `source` (already canonical) under archive dir `root`,
    /// skipping directories for which `skip` is true.
    fn add_tree(
        &mut self,
        part: usize,
        source: &Path,
        root: &str,
        skip: &dyn Fn(&Path) -> bool,
    ) -> Result<(), PackError> {
        let python = matches!(self.parts[part].role, Role::PythonVenv | Role::PythonBase);
        let walker = walkdir::WalkDir::new(source)
            .follow_links(false)
            .sort_by_file_name();
        let mut iter = walker.into_iter();
        while let Some(item) = iter.next() {
            let item = item.map_err(|err| {
                let path = err.path().unwrap_or(source).to_path_buf();
                PackError::Read {
                    path,
                    source: err.into(),
                }
            })?;
            let rel = item
                .path()
                .strip_prefix(source)
                .expect("walkdir yields paths under its root");
            if item.file_type().is_dir() && skip(rel) {
                iter.skip_current_dir();
                continue;
            }
            let archive_path = join_archive(root, rel);
            let kind = if item.file_type().is_dir() {
                PlannedKind::Dir
            } else if item.file_type().is_symlink() {
                let target =
                    std::fs::read_link(item.path()).map_err(PackError::read(item.path()))?;
                PlannedKind::Symlink(target.to_string_lossy().into_owned())
            } else if item.file_type().is_file() {
                PlannedKind::File(file_transform(item.path(), python))
            } else {
                continue;
            };
            self.insert(
                archive_path,
                Planned {
                    part,
                    source: item.path().to_path_buf(),
                    record_source: false,
                    kind,
                },
            )?;
        }
        Ok(())
    }

    fn add_dir(&mut self, dir: &Path, name: Option<&str>) -> Result<(), PackError> {
        let real = dir.canonicalize().map_err(PackError::read(dir))?;
        let default_name = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "root".into());
        let name = name.map(str::to_string).unwrap_or(default_name);
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return Err(PackError::BadName { name });
        }
        let root = format!("data/{name}");
        let part = self.add_part(&name, Role::Data, &root, Some(&real));
        self.add_tree(part, &real, &root, &|_| false)
    }

    /// Directory entries for every ancestor of every entry.
    fn add_parents(&mut self) {
        let mut missing = BTreeMap::new();
        for (path, planned) in &self.entries {
            let mut current = Path::new(path).parent();
            while let Some(dir) = current.filter(|d| !d.as_os_str().is_empty()) {
                let key = dir.to_string_lossy().into_owned();
                if !self.entries.contains_key(&key) {
                    let entry = Planned {
                        part: planned.part,
                        source: PathBuf::new(),
                        record_source: false,
                        kind: PlannedKind::Dir,
                    };
                    missing.entry(key).or_insert(entry);
                }
                current = dir.parent();
            }
        }
        self.entries.extend(missing);
    }

    /// Absolute symlink targets under a packed prefix become relative archive links.
    /// A link's chain is followed to its final target first (a venv's `bin/python3`
    /// -> the base's `bin/python3` -> `python3.11`), so the link points at the file
    /// that is packed rather than at an intermediate link that is not.
    fn relink_symlinks(&mut self) {
        let map = self.archive_prefix_map();
        let planned: HashSet<String> = self.entries.keys().cloned().collect();
        for (path, entry) in self.entries.iter_mut() {
            let PlannedKind::Symlink(target) = &entry.kind else {
                continue;
            };
            if !target.starts_with('/') {
                continue;
            }
            let through_chain = std::fs::canonicalize(&entry.source)
                .ok()
                .and_then(|t| relink_symlink(path, &t.to_string_lossy(), &map))
                .filter(|new| planned.contains(&link_destination(path, new)));
            if let Some(new) = through_chain.or_else(|| relink_symlink(path, target, &map)) {
                entry.kind = PlannedKind::Symlink(new);
            }
        }
    }

    /// Old prefixes mapped to archive directories (relative to the staged root).
    pub fn archive_prefix_map(&self) -> PrefixMap {
        let mut pairs: Vec<(String, String)> = self
            .parts
            .iter()
            .filter_map(|p| p.prefix.clone().map(|prefix| (prefix, p.root.clone())))
            .collect();
        if let Some(env) = &self.python {
            if !env.interpreter.starts_with(&env.facts.base_prefix) {
                let name = env
                    .interpreter
                    .file_name()
                    .expect("interpreter has a name")
                    .to_string_lossy();
                pairs.push((
                    env.interpreter.to_string_lossy().into_owned(),
                    format!("python/base/bin/{name}"),
                ));
            }
        }
        PrefixMap::new(pairs)
    }
}

/// `root/rel` as an archive path string.
pub fn join_archive(root: &str, rel: &Path) -> String {
    if rel.as_os_str().is_empty() {
        root.to_string()
    } else {
        format!("{root}/{}", rel.to_string_lossy())
    }
}

fn file_transform(path: &Path, python: bool) -> Transform {
    if !python {
        return Transform::None;
    }
    let is_pyc = path.extension().is_some_and(|e| e == "pyc");
    let parent = path.parent();
    if is_pyc
        && parent
            .and_then(Path::file_name)
            .is_some_and(|n| n == "__pycache__")
    {
        let stem = path.file_name().expect("file has a name").to_string_lossy();
        let module = stem.split('.').next().unwrap_or_default();
        let dir = parent
            .and_then(Path::parent)
            .expect("__pycache__ has a parent");
        return Transform::Pyc {
            source: dir.join(format!("{module}.py")),
        };
    }
    Transform::ElfPrefixes
}

/// The archive path a relative link at archive path `link` with target `target`
/// points to (lexically: `..` climbs one directory).
fn link_destination(link: &str, target: &str) -> String {
    let dir = link.rsplit_once('/').map_or("", |(dir, _)| dir);
    normalise_archive(&format!("{dir}/{target}"))
}

/// Lexical normalisation of an archive path: no `.`, `..` climbs one directory, no
/// empty components, no leading `/`.
pub(crate) fn normalise_archive(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyc_transform_points_at_source() {
        assert_eq!(
            file_transform(
                Path::new("/v/lib/pkg/__pycache__/mod.cpython-311.opt-1.pyc"),
                true
            ),
            Transform::Pyc {
                source: PathBuf::from("/v/lib/pkg/mod.py")
            }
        );
        assert_eq!(
            file_transform(Path::new("/v/lib/pkg/mod.so"), true),
            Transform::ElfPrefixes
        );
        assert_eq!(
            file_transform(Path::new("/d/__pycache__/m.cpython-311.pyc"), false),
            Transform::None
        );
    }

    #[test]
    fn dir_plan_has_parents_and_relative_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/f.txt"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("a/b/f.txt"), root.join("link")).unwrap();
        let spec = PackSpec {
            dirs: vec![(root.clone(), Some("settings".into()))],
            ..Default::default()
        };
        let plan = Plan::build(&spec).unwrap();
        let paths: Vec<&str> = plan.entries.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "data",
                "data/settings",
                "data/settings/a",
                "data/settings/a/b",
                "data/settings/a/b/f.txt",
                "data/settings/link"
            ]
        );
        assert_eq!(
            plan.entries["data/settings/link"].kind,
            PlannedKind::Symlink("a/b/f.txt".into())
        );
    }

    #[test]
    fn bad_names_and_empty_specs_rejected() {
        assert!(matches!(
            Plan::build(&PackSpec::default()),
            Err(PackError::Empty)
        ));
        let dir = tempfile::tempdir().unwrap();
        let spec = PackSpec {
            dirs: vec![(dir.path().to_path_buf(), Some("../x".into()))],
            ..Default::default()
        };
        assert!(matches!(Plan::build(&spec), Err(PackError::BadName { .. })));
    }
}
