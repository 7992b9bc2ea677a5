//! Modes and times of extracted files: the process umask (read once, without
//! changing it) and the final touches every extracted file gets. Shared by the
//! extractor (`extract`), its writer thread (`writer`) and `apply`, which depend on
//! this module and not on each other.

use crate::error::StageError;
use crate::manifest::NORMAL_MTIME;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

/// This process's file-creation mask, read once from `/proc/self/status`
/// (changing it to read it would race with other threads). Assumes the strictest
/// mask (0o777) when it cannot be read, so modes are always set explicitly.
pub fn process_umask() -> u32 {
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        parse_umask(&status).unwrap_or(0o777)
    })
}

/// The `Umask:` value of a `/proc/PID/status` text.
pub fn parse_umask(status: &str) -> Option<u32> {
    let line = status.lines().find(|l| l.starts_with("Umask:"))?;
    u32::from_str_radix(line.trim_start_matches("Umask:").trim(), 8).ok()
}

/// Give an open file its mode (when `set_mode`, i.e. the umask may have changed it)
/// and, for Python sources, the normalised mtime their `.pyc` files were packed with.
pub fn finish_file(
    file: &std::fs::File,
    target: &Path,
    mode: u32,
    set_mode: bool,
) -> Result<(), StageError> {
    if target.extension().is_some_and(|e| e == "py") {
        file.set_modified(UNIX_EPOCH + Duration::from_secs(NORMAL_MTIME))
            .map_err(StageError::io("set mtime of", target))?;
    }
    if !set_mode {
        return Ok(());
    }
    file.set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(StageError::io("set mode of", target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umask_parsed_from_proc_status() {
        assert_eq!(
            parse_umask("Name:\tx\nUmask:\t0022\nState:\tR\n"),
            Some(0o022)
        );
        assert_eq!(parse_umask("Name:\tx\n"), None);
        assert!(process_umask() <= 0o777);
    }
}
