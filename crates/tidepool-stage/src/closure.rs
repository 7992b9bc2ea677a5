//! Shared-library closure of an executable, resolved the way `ld.so` does.
//!
//! Search order for each DT_NEEDED name without a `/`: DT_RPATH of the object and
//! of its loaders (only when the object has no DT_RUNPATH), `LD_LIBRARY_PATH`,
//! DT_RUNPATH of the object, `/etc/ld.so.cache`, then the default directories.
//! `$ORIGIN`, `$LIB` and `$PLATFORM` are expanded. A candidate is accepted only if it
//! is an ELF object of the same class and machine as the executable.
//!
//! The C library core set ([`CORE_LIBS`]) is left out by default: those libraries
//! must match the node's own dynamic loader and kernel, so shipping them breaks
//! more than it fixes. `libgcc_s` and `libstdc++` are *not* core: they often come
//! from a compiler module on the shared filesystem and are packed.

use crate::elf::{self, ElfInfo};
use crate::error::PackError;
use crate::ldcache::{self, LdCache};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

/// glibc's own libraries and the loader, left out unless asked for.
pub const CORE_LIBS: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
    "libresolv.so.2",
    "libanl.so.1",
    "libmvec.so.1",
    "libnsl.so.1",
    "libBrokenLocale.so.1",
];

/// True for glibc core libraries and any dynamic loader (`ld-linux*`, `ld64.so*`).
pub fn is_core(name: &str) -> bool {
    CORE_LIBS.contains(&name)
        || name.starts_with("ld-linux")
        || name.starts_with("ld64.so")
        || name.starts_with("libnss_")
}

const DEFAULT_DIRS: &[&str] = &[
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
];

/// One resolved library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedLib {
    /// The DT_NEEDED name (the file name it is staged under).
    pub name: String,
    /// Where the loader would find it now.
    pub path: PathBuf,
    /// The object that needed it first.
    pub needed_by: PathBuf,
}

/// Where the resolver looks, captured once.
#[derive(Debug, Clone)]
pub struct Resolver {
    pub ld_library_path: Vec<String>,
    pub cache: LdCache,
    pub default_dirs: Vec<PathBuf>,
    pub include_core: bool,
}

impl Resolver {
    /// A resolver with this process's `LD_LIBRARY_PATH` and `/etc/ld.so.cache`.
    pub fn from_system(include_core: bool) -> Result<Self, PackError> {
        let cache_path = Path::new("/etc/ld.so.cache");
        let cache = ldcache::load(cache_path).map_err(PackError::read(cache_path))?;
        let ld_library_path = std::env::var("LD_LIBRARY_PATH")
            .unwrap_or_default()
            .split(':')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        let default_dirs = DEFAULT_DIRS.iter().map(PathBuf::from).collect();
        Ok(Self {
            ld_library_path,
            cache,
            default_dirs,
            include_core,
        })
    }

    /// All non-core libraries `exe` loads, directly or indirectly, sorted by name.
    pub fn closure(&self, exe: &Path) -> Result<Vec<ResolvedLib>, PackError> {
        let root = elf::read_info(exe)?;
        let mut found: BTreeMap<String, ResolvedLib> = BTreeMap::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut queue: VecDeque<(PathBuf, ElfInfo, Vec<String>)> = VecDeque::new();
        let root_rpath = expand_all(&root.rpath, exe);
        queue.push_back((exe.to_path_buf(), root.clone(), root_rpath));
        while let Some((object, info, inherited_rpath)) = queue.pop_front() {
            for name in &info.needed {
                if !seen.insert(name.clone()) || (is_core(name) && !self.include_core) {
                    continue;
                }
                let path = self
                    .find(name, &object, &info, &inherited_rpath, &root)
                    .ok_or_else(|| PackError::LibraryNotFound {
                        library: name.clone(),
                        needed_by: object.clone(),
                    })?;
                let lib_info = elf::read_info(&path)?;
                let mut chain = expand_all(&lib_info.rpath, &path);
                chain.extend(inherited_rpath.iter().cloned());
                found.insert(
                    name.clone(),
                    ResolvedLib {
                        name: name.clone(),
                        path: path.clone(),
                        needed_by: object.clone(),
                    },
                );
                queue.push_back((path, lib_info, chain));
            }
        }
        Ok(found.into_values().collect())
    }

    fn find(
        &self,
        name: &str,
        object: &Path,
        info: &ElfInfo,
        loader_rpath: &[String],
        root: &ElfInfo,
    ) -> Option<PathBuf> {
        if name.contains('/') {
            return Some(PathBuf::from(name)).filter(|p| compatible(p, root));
        }
        let mut dirs: Vec<String> = Vec::new();
        if info.runpath.is_empty() {
            dirs.extend(expand_all(&info.rpath, object));
            dirs.extend(loader_rpath.iter().cloned());
        }
        dirs.extend(self.ld_library_path.iter().cloned());
        dirs.extend(expand_all(&info.runpath, object));
        let from_dirs = dirs.iter().map(|d| Path::new(d).join(name));
        let from_cache = self.cache.get(name).into_iter().flatten().cloned();
        let from_defaults = self.default_dirs.iter().map(|d| d.join(name));
        from_dirs
            .chain(from_cache)
            .chain(from_defaults)
            .find(|p| compatible(p, root))
    }
}

/// Whether `candidate` is an ELF object of the executable's class and machine,
/// judged from its 64-byte header alone. Like `ld.so`, unreadable or foreign
/// candidates are skipped rather than reported.
fn compatible(candidate: &Path, root: &ElfInfo) -> bool {
    use std::io::Read;
    let mut header = [0u8; goblin::elf::header::header64::SIZEOF_EHDR];
    let read = std::fs::File::open(candidate).and_then(|mut f| f.read_exact(&mut header));
    if read.is_err() || !elf::is_elf(&header) {
        return false;
    }
    goblin::elf::Elf::parse_header(&header).is_ok_and(|h| {
        let is_64 = h.e_ident[goblin::elf::header::EI_CLASS] == goblin::elf::header::ELFCLASS64;
        h.e_machine == root.machine && is_64 == root.is_64
    })
}

fn expand_all(paths: &[String], object: &Path) -> Vec<String> {
    let origin = object
        .parent()
        .unwrap_or(Path::new("/"))
        .to_string_lossy()
        .into_owned();
    paths.iter().map(|p| expand_tokens(p, &origin)).collect()
}

/// Expand `$ORIGIN`, `$LIB` and `$PLATFORM` (bare or braced) in a search path.
pub fn expand_tokens(path: &str, origin: &str) -> String {
    let lib = if cfg!(target_pointer_width = "64") {
        "lib64"
    } else {
        "lib"
    };
    let platform = std::env::consts::ARCH;
    path.replace("${ORIGIN}", origin)
        .replace("$ORIGIN", origin)
        .replace("${LIB}", lib)
        .replace("$LIB", lib)
        .replace("${PLATFORM}", platform)
        .replace("$PLATFORM", platform)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expand() {
        assert_eq!(expand_tokens("$ORIGIN/../lib", "/a/bin"), "/a/bin/../lib");
        assert_eq!(expand_tokens("${ORIGIN}/x", "/o"), "/o/x");
    }

    #[test]
    fn core_set_recognised() {
        assert!(is_core("libc.so.6"));
        assert!(is_core("ld-linux-x86-64.so.2"));
        assert!(!is_core("libstdc++.so.6"));
        assert!(!is_core("libgcc_s.so.1"));
    }

    #[test]
    fn pyenv_python_closure_is_libpython_via_runpath() {
        let python = Path::new("/root/.pyenv/versions/3.11.7/bin/python3.11");
        if tidepool_testkit::existing(python).is_none() {
            return;
        }
        let resolver = Resolver::from_system(false).unwrap();
        let libs = resolver.closure(python).unwrap();
        let names: Vec<_> = libs.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, vec!["libpython3.11.so.1.0"]);
        assert_eq!(
            libs[0].path,
            Path::new("/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0")
        );
        let with_core = Resolver::from_system(true)
            .unwrap()
            .closure(python)
            .unwrap();
        assert!(with_core.iter().any(|l| l.name == "libc.so.6"));
    }
}
