//! Private files: the run directory is 0700 and every file tidepool writes in it 0600,
//! whatever the umask (the mode is set explicitly after creation, since the umask only
//! ever removes bits). Replacing a file goes through a temporary file and a rename, and
//! a write that fails (a full disk) removes the temporary file instead of leaving it.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// Create the run directory `dir` (and missing parents, with the umask) and make it
/// 0700; an existing run directory of this user is tightened to 0700.
///
/// On a shared filesystem every call is a metadata operation on its server, so this
/// makes as few as it can: one `mkdir` for a new directory whose parent exists (the
/// mode 0700 survives any umask that leaves the owner's bits alone, so no `chmod`),
/// the parents only when that `mkdir` says they are missing, and one `mkdir` and one
/// `stat` for a directory that exists.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    create_dir_new(dir).map(|_| ())
}

/// [`create_dir`], saying whether `dir` is new (then it is empty, and a caller need
/// not look inside it).
pub fn create_dir_new(dir: &Path) -> std::io::Result<bool> {
    let made = match DirBuilder::new().mode(DIR_MODE).create(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            DirBuilder::new().mode(DIR_MODE).create(dir)
        }
        other => other,
    };
    match made {
        Ok(()) if umask_keeps_owner_bits() => Ok(true),
        Ok(()) => std::fs::set_permissions(dir, Permissions::from_mode(DIR_MODE)).map(|()| true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => tighten(dir, e).map(|()| false),
        Err(e) => Err(e),
    }
}

/// An existing `dir` made 0700; `exists` is the error when it is no directory.
fn tighten(dir: &Path, exists: std::io::Error) -> std::io::Result<()> {
    let meta = std::fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(exists);
    }
    if meta.mode() & 0o7777 != DIR_MODE {
        std::fs::set_permissions(dir, Permissions::from_mode(DIR_MODE))?;
    }
    Ok(())
}

/// Whether this process's umask leaves the owner's bits (0700) alone, read from
/// `/proc/self/status` (no operation on the run's filesystem); `false` when unknown.
fn umask_keeps_owner_bits() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|m| u32::from_str_radix(m.trim(), 8).ok())
        })
        .is_some_and(|mask| mask & DIR_MODE == 0)
}

/// Create `path` with mode 0600; `new` refuses an existing file (O_EXCL).
pub fn create_file(path: &Path, new: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).mode(FILE_MODE);
    if new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    let file = options.open(path)?;
    file.set_permissions(Permissions::from_mode(FILE_MODE))?;
    Ok(file)
}

/// Replace `path` with `bytes` atomically (a 0600 temporary file beside it, then a
/// rename). On failure the temporary file is removed and the old file stays.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let written = create_file(&tmp, false)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.flush()))
        .and_then(|_| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// `DIR/.NAME.tmp` for `DIR/NAME`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn modes_are_private_whatever_the_umask() {
        let tmp = tempfile::tempdir().unwrap();
        // SAFETY: umask(2) only changes this process's file-creation mask.
        let old = unsafe { nix::libc::umask(0) };
        let dir = tmp.path().join("runs/r");
        create_dir(&dir).unwrap();
        write_atomic(&dir.join("status.json"), b"{}").unwrap();
        unsafe { nix::libc::umask(old) };
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("status.json")), 0o600);
        std::fs::set_permissions(&dir, Permissions::from_mode(0o775)).unwrap();
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700, "an existing run directory is tightened");
    }

    #[test]
    fn create_dir_new_says_whether_the_directory_is_new() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("runs/r");
        assert!(create_dir_new(&dir).unwrap(), "missing parents are created");
        assert_eq!(mode(&dir), 0o700);
        assert!(
            !create_dir_new(&dir).unwrap(),
            "an existing directory is not new"
        );
        assert!(create_dir_new(&dir.join("stage")).unwrap());
        let file = tmp.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let err = create_dir_new(&file).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists, "{err}");
    }

    /// A full disk (a tiny tmpfs, mounted as root) fails the write and leaves neither
    /// a temporary file nor a changed file behind.
    #[test]
    fn a_full_disk_leaves_no_temporary_file() {
        let tmp = tempfile::tempdir().unwrap();
        let mnt = tmp.path().join("full");
        std::fs::create_dir(&mnt).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16k", "tidepool-test"])
            .arg(&mnt)
            .status()
            .is_ok_and(|s| s.success());
        if !tidepool_testkit::require(mounted, "a tmpfs mount (root)") {
            return;
        }
        let status = mnt.join("status.json");
        std::fs::write(&status, b"old").unwrap();
        let filler = mnt.join("filler");
        let _ = std::fs::write(&filler, vec![0u8; 64 * 1024]);
        let err = write_atomic(&status, &vec![b'x'; 32 * 1024]).unwrap_err();
        let left: Vec<_> = std::fs::read_dir(&mnt)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let old = std::fs::read(&status).unwrap();
        let _ = std::process::Command::new("umount").arg(&mnt).status();
        assert!(err.raw_os_error() == Some(nix::libc::ENOSPC), "{err}");
        assert_eq!(old, b"old");
        assert!(!left.contains(&".status.json.tmp".to_string()), "{left:?}");
    }
}
