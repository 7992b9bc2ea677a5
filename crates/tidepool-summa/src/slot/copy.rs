//! Copying a settings dir into a slot: files copied, NetCDF inputs linked to the
//! source, except the names that are rewritten per trial (copied). Subdirectories are
//! walked the same way.

use super::SlotError;
use std::path::Path;

/// Copies `from` into `to` (created), linking `*.nc` files except those in `copied`.
pub(crate) fn settings_dir(from: &Path, to: &Path, copied: &[&str]) -> Result<(), SlotError> {
    std::fs::create_dir_all(to).map_err(|source| io("create", to, source))?;
    let entries = std::fs::read_dir(from).map_err(|source| io("list", from, source))?;
    for entry in entries {
        let entry = entry.map_err(|source| io("list", from, source))?;
        let source_path = std::fs::canonicalize(entry.path())
            .map_err(|source| io("resolve", &entry.path(), source))?;
        let target = to.join(entry.file_name());
        let name = entry.file_name().to_string_lossy().into_owned();
        if source_path.is_dir() {
            settings_dir(&source_path, &target, copied)?;
        } else if name.ends_with(".nc") && !copied.contains(&name.as_str()) {
            std::os::unix::fs::symlink(&source_path, &target)
                .map_err(|source| io("link", &target, source))?;
        } else {
            std::fs::copy(&source_path, &target)
                .map_err(|source| io("copy to", &target, source))?;
        }
    }
    Ok(())
}

/// Removes `dir` if it exists (links inside are removed, not followed).
pub(crate) fn clear(dir: &Path) -> Result<(), SlotError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(io("remove", dir, source)),
    }
}

pub(crate) fn io(action: &'static str, path: &Path, source: std::io::Error) -> SlotError {
    SlotError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}
