//! Staging: extract an archive once per node into `DIR/<id>`.
//!
//! Protocol, per archive id, in the target directory `DIR`:
//! 1. read the archive header; if `DIR/<id>/.tidepool/complete` exists, reuse it;
//! 2. otherwise take an exclusive lock on `DIR/.<id>.lock` (other callers wait);
//! 3. check again; remove leftovers of crashed attempts (`DIR/.<id>.tmp-*`, or a
//!    `DIR/<id>` without the marker); check free space;
//! 4. unpack into `DIR/.<id>.tmp-<pid>`, verifying every digest; relocate;
//! 5. rename it to `DIR/<id>`, then write the completion marker last.
//!
//! A crash at any point leaves either a temporary directory or a tree without the
//! marker; neither is ever used, and the next caller cleans both up.

use crate::env::StagedEnv;
use crate::error::StageError;
use crate::extract::{self, StageProgress};
use crate::manifest::{Header, Manifest, HEADER_PATH};
use fs4::fs_std::FileExt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Marker written last, inside the staged directory.
pub const COMPLETE_MARKER: &str = ".tidepool/complete";
/// The environment record, inside the staged directory.
pub const ENV_RECORD: &str = ".tidepool/env.json";
/// Allowance per entry for filesystem blocks and inodes in the space check.
const PER_ENTRY_OVERHEAD: u64 = 4096;

/// The outcome of a stage call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staged {
    pub header: Header,
    pub env: StagedEnv,
    /// True when an earlier call had already staged this id.
    pub reused: bool,
}

/// Where archive `id` is (or will be) staged under `to`.
pub fn staged_root(to: &Path, id: &str) -> PathBuf {
    to.join(id)
}

/// The environment of a completely staged archive, or `None` if it is not staged.
pub fn lookup(to: &Path, id: &str) -> Result<Option<StagedEnv>, StageError> {
    let root = staged_root(to, id);
    if !root.join(COMPLETE_MARKER).exists() {
        return Ok(None);
    }
    let record = root.join(ENV_RECORD);
    let bytes = std::fs::read(&record).map_err(StageError::io("read", &record))?;
    let env = serde_json::from_slice(&bytes).map_err(|source| StageError::EnvRecord {
        path: record,
        source,
    })?;
    Ok(Some(env))
}

/// Open an archive file and read its header and manifest.
pub fn open_archive(path: &Path) -> Result<(Header, Manifest), StageError> {
    let file = std::fs::File::open(path).map_err(|source| StageError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut archive = extract::open_stream(file)?;
    let mut entries = archive.entries().map_err(|source| StageError::Corrupt {
        what: "tar stream".into(),
        source: Some(source),
    })?;
    let (header, _): (Header, _) = extract::read_json_entry(&mut entries, HEADER_PATH)?;
    let manifest = extract::read_manifest(&mut entries, &header)?;
    Ok((header, manifest))
}

/// Stage the archive file at `archive` under `to`.
pub fn stage_file(
    archive: &Path,
    to: &Path,
    progress: &mut dyn FnMut(StageProgress),
) -> Result<Staged, StageError> {
    let file = std::fs::File::open(archive).map_err(|source| StageError::Open {
        path: archive.to_path_buf(),
        source,
    })?;
    stage_reader(file, to, progress)
}

/// Stage an archive read from any byte stream (a file, a socket) under `to`.
/// If the id is already staged, returns after reading only the header.
pub fn stage_reader<R: Read>(
    reader: R,
    to: &Path,
    progress: &mut dyn FnMut(StageProgress),
) -> Result<Staged, StageError> {
    let mut archive = extract::open_stream(reader)?;
    let mut entries = archive.entries().map_err(|source| StageError::Corrupt {
        what: "tar stream".into(),
        source: Some(source),
    })?;
    let (header, _): (Header, _) = extract::read_json_entry(&mut entries, HEADER_PATH)?;
    extract::check_header(&header)?;
    if let Some(env) = lookup(to, &header.id)? {
        tracing::debug!(id = %header.id, root = %env.root.display(), "already staged");
        return Ok(Staged {
            header,
            env,
            reused: true,
        });
    }
    std::fs::create_dir_all(to).map_err(StageError::io("create directory", to))?;
    let lock_path = to.join(format!(".{}.lock", header.id));
    let lock = std::fs::File::create(&lock_path)
        .map_err(StageError::io("create lock file", &lock_path))?;
    lock.lock_exclusive()
        .map_err(StageError::io("lock", &lock_path))?;
    if let Some(env) = lookup(to, &header.id)? {
        return Ok(Staged {
            header,
            env,
            reused: true,
        });
    }
    clean_leftovers(to, &header.id)?;
    check_space(to, needed_bytes(&header))?;
    let tmp = to.join(format!(".{}.tmp-{}", header.id, std::process::id()));
    tracing::info!(id = %header.id, tmp = %tmp.display(), bytes = header.unpacked_bytes, "extracting");
    let result = extract_into(&mut entries, &header, to, &tmp, progress);
    let result = result.and_then(|env| {
        // Nothing may follow the archive's end: a stream with data after it is not
        // the archive that was packed.
        extract::check_trailing(archive.into_inner())?;
        commit(&tmp, &env, &header)?;
        Ok(env)
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    let env = result?;
    Ok(Staged {
        header,
        env,
        reused: false,
    })
}

fn extract_into<R: Read>(
    entries: &mut tar::Entries<'_, R>,
    header: &Header,
    to: &Path,
    tmp: &Path,
    progress: &mut dyn FnMut(StageProgress),
) -> Result<StagedEnv, StageError> {
    std::fs::create_dir(tmp).map_err(StageError::io("create directory", tmp))?;
    let manifest = extract::read_manifest(entries, header)?;
    extract::unpack_entries(entries, &manifest, tmp, progress)?;
    let root = staged_root(to, &header.id);
    crate::apply::apply_relocations(&manifest, tmp, &root)?;
    crate::verify::verify_tree(&manifest, tmp)?;
    let env = StagedEnv::for_manifest(&manifest, &header.id, &root);
    write_records(tmp, header, &manifest, &env)?;
    Ok(env)
}

/// Rename the checked tree into place, then write the completion marker last.
fn commit(tmp: &Path, env: &StagedEnv, header: &Header) -> Result<(), StageError> {
    let root = &env.root;
    std::fs::rename(tmp, root).map_err(StageError::io("rename into place", root))?;
    let marker = root.join(COMPLETE_MARKER);
    let mut file = std::fs::File::create(&marker).map_err(StageError::io("create", &marker))?;
    file.write_all(header.id.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(StageError::io("write", &marker))
}

fn write_records(
    tmp: &Path,
    header: &Header,
    manifest: &Manifest,
    env: &StagedEnv,
) -> Result<(), StageError> {
    let dir = tmp.join(".tidepool");
    std::fs::create_dir_all(&dir).map_err(StageError::io("create directory", &dir))?;
    let files = [
        (
            "header.json",
            serde_json::to_vec(header).expect("header serialises"),
        ),
        ("manifest.json", manifest.to_bytes()),
        (
            "env.json",
            serde_json::to_vec_pretty(env).expect("env serialises"),
        ),
    ];
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(StageError::io("write", &path))?;
    }
    Ok(())
}

/// Remove temporary directories of crashed attempts and an unmarked `DIR/<id>`.
fn clean_leftovers(to: &Path, id: &str) -> Result<(), StageError> {
    let tmp_prefix = format!(".{id}.tmp-");
    let listing = std::fs::read_dir(to).map_err(StageError::io("list", to))?;
    for item in listing {
        let item = item.map_err(StageError::io("list", to))?;
        if item.file_name().to_string_lossy().starts_with(&tmp_prefix) {
            std::fs::remove_dir_all(item.path())
                .map_err(StageError::io("remove leftover", item.path()))?;
        }
    }
    let root = staged_root(to, id);
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(StageError::io("remove incomplete", &root))?;
    }
    Ok(())
}

/// Bytes an archive needs once unpacked, with an allowance per entry.
pub fn needed_bytes(header: &Header) -> u64 {
    let entries = (header.files + header.dirs + header.symlinks) as u64;
    header.unpacked_bytes + entries * PER_ENTRY_OVERHEAD
}

/// Free bytes for an unprivileged user in the filesystem holding `dir`.
pub fn free_bytes(dir: &Path) -> Result<u64, StageError> {
    use std::os::unix::ffi::OsStrExt;
    let c_path =
        std::ffi::CString::new(dir.as_os_str().as_bytes()).map_err(|_| StageError::Io {
            action: "check free space of",
            path: dir.to_path_buf(),
            source: std::io::Error::other("path holds a NUL byte"),
        })?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: c_path is a valid NUL-terminated string and stat a valid out-pointer.
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return Err(StageError::io("check free space of", dir)(
            std::io::Error::last_os_error(),
        ));
    }
    Ok(stat.f_bavail as u64 * stat.f_frsize as u64)
}

/// Refuse when `dir` has less than `needed` bytes free.
pub fn check_space(dir: &Path, needed: u64) -> Result<(), StageError> {
    let free = free_bytes(dir)?;
    if free < needed {
        return Err(StageError::NoSpace {
            dir: dir.to_path_buf(),
            needed,
            free,
        });
    }
    Ok(())
}

/// Remove the staged copy of `id` under `to`. Returns false if it was not there.
/// The marker goes first, so a crash half-way leaves nothing that looks complete.
pub fn remove(to: &Path, id: &str) -> Result<bool, StageError> {
    let lock_path = to.join(format!(".{id}.lock"));
    if !to.is_dir() {
        return Ok(false);
    }
    let lock = std::fs::File::create(&lock_path)
        .map_err(StageError::io("create lock file", &lock_path))?;
    lock.lock_exclusive()
        .map_err(StageError::io("lock", &lock_path))?;
    let root = staged_root(to, id);
    let existed = root.exists();
    let marker = root.join(COMPLETE_MARKER);
    if marker.exists() {
        std::fs::remove_file(&marker).map_err(StageError::io("remove", &marker))?;
    }
    clean_leftovers(to, id)?;
    let _ = std::fs::remove_file(&lock_path);
    Ok(existed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_check_names_dir_and_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let free = free_bytes(dir.path()).unwrap();
        assert!(free > 0);
        check_space(dir.path(), 1).unwrap();
        let err = check_space(dir.path(), u64::MAX).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&dir.path().display().to_string()) && text.contains("--to"),
            "{text}"
        );
        assert!(
            text.contains("needs 18446.7 PB"),
            "human-readable sizes: {text}"
        );
        assert!(matches!(
            err,
            StageError::NoSpace {
                needed: u64::MAX,
                ..
            }
        ));
    }

    #[test]
    fn stage_reader_from_bytes_keeps_modes_and_reuses() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        std::fs::create_dir_all(tree.join("private")).unwrap();
        std::fs::write(tree.join("private/key"), "secret").unwrap();
        std::fs::write(tree.join("tool.py"), "print(1)\n").unwrap();
        let mode =
            |p: &Path, m| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
        mode(&tree.join("private/key"), 0o600);
        mode(&tree.join("private"), 0o700);
        mode(&tree.join("tool.py"), 0o750);
        let spec = crate::PackSpec {
            dirs: vec![(tree, None)],
            ..Default::default()
        };
        let archive = dir.path().join("t.tpk");
        let report = crate::pack(&spec, &archive, &mut |_| {}).unwrap();
        let bytes = std::fs::read(&archive).unwrap();
        let to = dir.path().join("to");
        let staged = stage_reader(std::io::Cursor::new(&bytes), &to, &mut |_| {}).unwrap();
        assert!(!staged.reused);
        assert_eq!(staged.header.id, report.id);
        let root = staged.env.data["tree"].clone();
        let mode_of = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode_of(&root.join("private")), 0o700);
        assert_eq!(mode_of(&root.join("private/key")), 0o600);
        assert_eq!(mode_of(&root.join("tool.py")), 0o750);
        let mtime = std::fs::metadata(root.join("tool.py"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(
            mtime,
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(crate::manifest::NORMAL_MTIME)
        );
        let header_only = &bytes[..bytes.len().min(4096)];
        let again = stage_reader(std::io::Cursor::new(header_only), &to, &mut |_| {}).unwrap();
        assert!(
            again.reused,
            "a staged id must be recognised from the header alone"
        );
        assert!(remove(&to, &report.id).unwrap());
        assert!(lookup(&to, &report.id).unwrap().is_none());
    }

    #[test]
    fn lookup_ignores_unmarked_tree() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("abc/.tidepool")).unwrap();
        assert!(lookup(dir.path(), "abc").unwrap().is_none());
        std::fs::write(dir.path().join("abc/.tidepool/complete"), "abc").unwrap();
        std::fs::write(dir.path().join("abc/.tidepool/env.json"), "{broken").unwrap();
        assert!(matches!(
            lookup(dir.path(), "abc"),
            Err(StageError::EnvRecord { .. })
        ));
    }
}
