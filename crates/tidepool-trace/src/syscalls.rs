//! The traced syscalls: their numbers on this architecture, their class, and where
//! their path argument sits.
//!
//! The path-based set is strace's `%file` class (every syscall that takes a file name,
//! `getcwd` included), so `tidepool profile` and `strace -f -c -e trace=%file,getdents64`
//! count the same calls; `getcwd` is reported apart, as it never reaches a metadata
//! server. `getdents64`/`getdents` (directory listing) and the fd-based
//! `fstat` are traced too and reported apart.

use serde::{Deserialize, Serialize};

/// How a traced call counts in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A lookup by path name: counted in `total`.
    Path,
    /// A directory listing (`getdents64`): counted in `total` and shown apart.
    DirList,
    /// A stat of an open file descriptor (`fstat`, or `newfstatat`/`statx` with
    /// `AT_EMPTY_PATH` and an empty path): reported apart, not in `total`.
    FdStat,
    /// Traced only to keep the working-directory cache right (`fchdir`): not counted.
    CwdChange,
    /// A query of the working directory (`getcwd`): answered from the process's own
    /// state, it never reaches a metadata server; reported apart, not in `total`.
    Cwd,
}

/// Where a syscall's path comes from, by argument index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathArg {
    /// A path relative to the working directory, in this argument.
    Path(usize),
    /// A directory fd (or `AT_FDCWD`) and a path relative to it.
    At { dirfd: usize, path: usize },
    /// An open file descriptor (the path is what it refers to).
    Fd(usize),
    /// The working directory itself (`getcwd`).
    Cwd,
}

/// One traced syscall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub nr: i64,
    pub name: &'static str,
    pub kind: Kind,
    pub path: PathArg,
    /// Argument holding `AT_*` flags, for stat calls that become fd-based with
    /// `AT_EMPTY_PATH` and an empty path.
    pub empty_path_flags: Option<usize>,
}

const fn spec(nr: i64, name: &'static str, kind: Kind, path: PathArg) -> Spec {
    Spec {
        nr,
        name,
        kind,
        path,
        empty_path_flags: None,
    }
}

const fn p(nr: i64, name: &'static str, arg: usize) -> Spec {
    spec(nr, name, Kind::Path, PathArg::Path(arg))
}

const fn at(nr: i64, name: &'static str, dirfd: usize, path: usize) -> Spec {
    spec(nr, name, Kind::Path, PathArg::At { dirfd, path })
}

const fn stat_at(nr: i64, name: &'static str, flags: usize) -> Spec {
    Spec {
        empty_path_flags: Some(flags),
        ..at(nr, name, 0, 1)
    }
}

use libc as l;

/// `fchmodat2` has the same number on every architecture (new syscalls are unified).
const SYS_FCHMODAT2: i64 = 452;

/// Calls present on every Linux architecture (the generic syscall table).
const COMMON: &[Spec] = &[
    at(l::SYS_openat, "openat", 0, 1),
    at(l::SYS_openat2, "openat2", 0, 1),
    stat_at(l::SYS_newfstatat, "newfstatat", 3),
    stat_at(l::SYS_statx, "statx", 2),
    p(l::SYS_statfs, "statfs", 0),
    at(l::SYS_faccessat, "faccessat", 0, 1),
    at(l::SYS_faccessat2, "faccessat2", 0, 1),
    at(l::SYS_readlinkat, "readlinkat", 0, 1),
    p(l::SYS_execve, "execve", 0),
    at(l::SYS_execveat, "execveat", 0, 1),
    p(l::SYS_chdir, "chdir", 0),
    p(l::SYS_chroot, "chroot", 0),
    at(l::SYS_mkdirat, "mkdirat", 0, 1),
    at(l::SYS_mknodat, "mknodat", 0, 1),
    at(l::SYS_unlinkat, "unlinkat", 0, 1),
    at(l::SYS_renameat2, "renameat2", 0, 1),
    at(l::SYS_linkat, "linkat", 0, 1),
    at(l::SYS_symlinkat, "symlinkat", 1, 2),
    at(l::SYS_fchmodat, "fchmodat", 0, 1),
    at(SYS_FCHMODAT2, "fchmodat2", 0, 1),
    at(l::SYS_fchownat, "fchownat", 0, 1),
    at(l::SYS_utimensat, "utimensat", 0, 1),
    p(l::SYS_truncate, "truncate", 0),
    p(l::SYS_setxattr, "setxattr", 0),
    p(l::SYS_lsetxattr, "lsetxattr", 0),
    p(l::SYS_getxattr, "getxattr", 0),
    p(l::SYS_lgetxattr, "lgetxattr", 0),
    p(l::SYS_listxattr, "listxattr", 0),
    p(l::SYS_llistxattr, "llistxattr", 0),
    p(l::SYS_removexattr, "removexattr", 0),
    p(l::SYS_lremovexattr, "lremovexattr", 0),
    at(l::SYS_name_to_handle_at, "name_to_handle_at", 0, 1),
    at(l::SYS_inotify_add_watch, "inotify_add_watch", 0, 1),
    at(l::SYS_fanotify_mark, "fanotify_mark", 3, 4),
    p(l::SYS_mount, "mount", 1),
    p(l::SYS_umount2, "umount2", 0),
    p(l::SYS_pivot_root, "pivot_root", 0),
    p(l::SYS_swapon, "swapon", 0),
    p(l::SYS_swapoff, "swapoff", 0),
    p(l::SYS_acct, "acct", 0),
    p(l::SYS_quotactl, "quotactl", 1),
    at(l::SYS_open_tree, "open_tree", 0, 1),
    at(l::SYS_move_mount, "move_mount", 0, 1),
    at(l::SYS_fspick, "fspick", 0, 1),
    at(l::SYS_mount_setattr, "mount_setattr", 0, 1),
    spec(l::SYS_getcwd, "getcwd", Kind::Cwd, PathArg::Cwd),
    spec(
        l::SYS_getdents64,
        "getdents64",
        Kind::DirList,
        PathArg::Fd(0),
    ),
    spec(l::SYS_fstat, "fstat", Kind::FdStat, PathArg::Fd(0)),
    spec(l::SYS_fchdir, "fchdir", Kind::CwdChange, PathArg::Fd(0)),
];

/// Legacy calls that x86_64 still has and newer architectures dropped.
#[cfg(target_arch = "x86_64")]
const LEGACY: &[Spec] = &[
    p(l::SYS_open, "open", 0),
    p(l::SYS_creat, "creat", 0),
    p(l::SYS_stat, "stat", 0),
    p(l::SYS_lstat, "lstat", 0),
    p(l::SYS_access, "access", 0),
    p(l::SYS_readlink, "readlink", 0),
    p(l::SYS_mkdir, "mkdir", 0),
    p(l::SYS_rmdir, "rmdir", 0),
    p(l::SYS_unlink, "unlink", 0),
    p(l::SYS_rename, "rename", 0),
    at(l::SYS_renameat, "renameat", 0, 1),
    p(l::SYS_link, "link", 0),
    p(l::SYS_symlink, "symlink", 1),
    p(l::SYS_chmod, "chmod", 0),
    p(l::SYS_chown, "chown", 0),
    p(l::SYS_lchown, "lchown", 0),
    p(l::SYS_mknod, "mknod", 0),
    p(l::SYS_utime, "utime", 0),
    p(l::SYS_utimes, "utimes", 0),
    at(l::SYS_futimesat, "futimesat", 0, 1),
    p(l::SYS_uselib, "uselib", 0),
    spec(l::SYS_getdents, "getdents", Kind::DirList, PathArg::Fd(0)),
];

#[cfg(target_arch = "aarch64")]
const LEGACY: &[Spec] = &[];

/// Every traced syscall on this architecture.
pub fn all() -> impl Iterator<Item = &'static Spec> {
    COMMON.iter().chain(LEGACY.iter())
}

/// Syscall number -> spec, for the syscalls the filter stops on.
#[derive(Debug, Clone)]
pub struct Table {
    by_nr: Vec<Option<&'static Spec>>,
}

impl Table {
    pub fn new() -> Self {
        let max = all().map(|s| s.nr).max().unwrap_or(0);
        let mut by_nr = vec![None; usize::try_from(max).unwrap_or(0) + 1];
        for spec in all() {
            if let Ok(i) = usize::try_from(spec.nr) {
                by_nr[i] = Some(spec);
            }
        }
        Self { by_nr }
    }

    pub fn get(&self, nr: u64) -> Option<&'static Spec> {
        usize::try_from(nr)
            .ok()
            .and_then(|i| self.by_nr.get(i).copied().flatten())
    }
}

impl Default for Table {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn numbers_and_names_are_unique() {
        let nrs: HashSet<i64> = all().map(|s| s.nr).collect();
        let names: HashSet<&str> = all().map(|s| s.name).collect();
        assert_eq!(nrs.len(), all().count());
        assert_eq!(names.len(), all().count());
    }

    #[test]
    fn table_finds_openat_and_ignores_read() {
        let table = Table::new();
        assert_eq!(
            table.get(l::SYS_openat as u64).map(|s| s.name),
            Some("openat")
        );
        assert!(table.get(l::SYS_read as u64).is_none());
        assert!(table.get(100_000).is_none());
    }

    #[test]
    fn the_issue_list_is_covered() {
        let names: HashSet<&str> = all().map(|s| s.name).collect();
        for name in [
            "newfstatat",
            "statx",
            "statfs",
            "faccessat",
            "faccessat2",
            "openat",
            "openat2",
            "readlinkat",
            "execve",
            "execveat",
            "chdir",
            "mkdirat",
            "unlinkat",
            "renameat2",
            "linkat",
            "symlinkat",
            "fchmodat",
            "fchownat",
            "utimensat",
            "truncate",
            "getdents64",
            "fstat",
        ] {
            assert!(names.contains(name), "{name} is not traced");
        }
    }
}
