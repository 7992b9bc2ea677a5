//! ELF inspection (with `goblin`): needed libraries, search paths, and in-place
//! RUNPATH patching when the new value fits.

use crate::error::PackError;
use goblin::elf::dynamic::{DT_NEEDED, DT_NULL, DT_RPATH, DT_RUNPATH, DT_SONAME};
use goblin::elf::program_header::{PT_DYNAMIC, PT_LOAD};
use goblin::elf::Elf;
use std::path::Path;

/// What the dynamic loader needs to know about one ELF object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    pub needed: Vec<String>,
    pub rpath: Vec<String>,
    pub runpath: Vec<String>,
    pub interpreter: Option<String>,
    pub machine: u16,
    pub is_64: bool,
}

/// True when `bytes` starts with the ELF magic.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

fn split_paths(list: &[&str]) -> Vec<String> {
    list.iter()
        .flat_map(|p| p.split(':'))
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// Parse the dynamic-loading facts of an ELF file held in `bytes`.
pub fn parse_info(path: &Path, bytes: &[u8]) -> Result<ElfInfo, PackError> {
    let elf = Elf::parse(bytes).map_err(|err| PackError::Elf {
        path: path.to_path_buf(),
        reason: err.to_string(),
    })?;
    Ok(ElfInfo {
        needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
        rpath: split_paths(&elf.rpaths),
        runpath: split_paths(&elf.runpaths),
        interpreter: elf.interpreter.map(str::to_string),
        machine: elf.header.e_machine,
        is_64: elf.is_64,
    })
}

/// Read and parse an ELF file.
pub fn read_info(path: &Path) -> Result<ElfInfo, PackError> {
    let bytes = std::fs::read(path).map_err(PackError::read(path))?;
    parse_info(path, &bytes)
}

/// The DT_RUNPATH (or else DT_RPATH) value of an ELF image, if any.
pub fn runpath_value(bytes: &[u8]) -> Option<String> {
    let elf = Elf::parse(bytes).ok()?;
    let list = if elf.runpaths.is_empty() {
        &elf.rpaths
    } else {
        &elf.runpaths
    };
    (!list.is_empty()).then(|| list.join(":"))
}

/// Replace the DT_RUNPATH (or DT_RPATH) string of an ELF image with `new_value`,
/// in place, padding with NULs. Returns `Ok(None)` when the object has neither,
/// when the new value does not fit, or when another dynamic string shares bytes
/// with the old one (string-table tail merging): patching is then unsafe and the
/// staged environment relies on LD_LIBRARY_PATH instead.
pub fn patch_runpath(
    path: &Path,
    bytes: &[u8],
    new_value: &str,
) -> Result<Option<Vec<u8>>, PackError> {
    let bad = |reason: String| PackError::Elf {
        path: path.to_path_buf(),
        reason,
    };
    let elf = Elf::parse(bytes).map_err(|err| bad(err.to_string()))?;
    let Some(dynamic) = &elf.dynamic else {
        return Ok(None);
    };
    let string_offsets: Vec<(u64, u64)> = dynamic.dyns.iter().map(|d| (d.d_tag, d.d_val)).collect();
    let Some(&(_, target)) = string_offsets
        .iter()
        .find(|(tag, _)| *tag == DT_RUNPATH || *tag == DT_RPATH)
    else {
        return Ok(None);
    };
    let Some(strtab) = vaddr_to_offset(&elf, dynamic.info.strtab as u64) else {
        return Ok(None);
    };
    let start = strtab + target as usize;
    let old_len = c_len(bytes, start).ok_or_else(|| bad("unterminated RUNPATH string".into()))?;
    if new_value.len() > old_len {
        return Ok(None);
    }
    let mut others: Vec<u64> = string_offsets
        .iter()
        .filter(|(tag, val)| {
            matches!(*tag, DT_NEEDED | DT_SONAME | DT_RPATH | DT_RUNPATH) && *val != target
        })
        .map(|(_, val)| *val)
        .collect();
    others.extend(elf.dynsyms.iter().map(|sym| sym.st_name as u64));
    let ours = (target, target + old_len as u64);
    let shares_bytes = others.iter().any(|&o| {
        let len = c_len(bytes, strtab + o as usize).unwrap_or(0) as u64;
        o <= ours.1 && o + len >= ours.0 && o != 0
    });
    if shares_bytes {
        return Ok(None);
    }
    let mut out = bytes.to_vec();
    out[start..start + old_len].fill(0);
    out[start..start + new_value.len()].copy_from_slice(new_value.as_bytes());
    Ok(Some(out))
}

fn c_len(bytes: &[u8], at: usize) -> Option<usize> {
    bytes.get(at..)?.iter().position(|&b| b == 0)
}

/// Set an object's search path for the staged tree: `new_value` in place of the
/// old DT_RUNPATH/DT_RPATH when [`patch_runpath`] can do it safely; otherwise turn
/// a DT_RPATH into a DT_RUNPATH ([`rpath_to_runpath`]) so that `LD_LIBRARY_PATH`,
/// which points at the staged libraries, is searched before the old directories.
/// Returns the bytes unchanged when neither applies.
pub fn retarget(path: &Path, bytes: Vec<u8>, new_value: &str) -> Result<Vec<u8>, PackError> {
    if let Some(patched) = patch_runpath(path, &bytes, new_value)? {
        return Ok(patched);
    }
    if let Some(converted) = rpath_to_runpath(&bytes) {
        return Ok(converted);
    }
    if has_search_path(&bytes) {
        return Ok(bytes);
    }
    add_runpath(path, &bytes, new_value)
}

/// Whether the object has a DT_RPATH or DT_RUNPATH at all.
fn has_search_path(bytes: &[u8]) -> bool {
    Elf::parse(bytes).is_ok_and(|elf| !elf.rpaths.is_empty() || !elf.runpaths.is_empty())
}

/// A new DT_RUNPATH for an object that has none (as `patchelf --set-rpath` does: the
/// dynamic section and string table are rewritten with room for the entry), so a
/// staged executable finds its staged libraries without LD_LIBRARY_PATH. Objects
/// without a dynamic section (static executables) are returned unchanged, and so are
/// objects the ELF writer cannot rewrite (it refuses e.g. Rust's PIE executables): they
/// find the staged libraries through the staged `LD_LIBRARY_PATH`.
pub fn add_runpath(path: &Path, bytes: &[u8], value: &str) -> Result<Vec<u8>, PackError> {
    match rewrite_with_runpath(path, bytes, value) {
        Ok(out) => Ok(out),
        Err(err) => {
            let reason = match err {
                PackError::Elf { reason, .. } => reason,
                other => other.to_string(),
            };
            tracing::warn!(
                "{}: {reason}; packed without a RUNPATH, it finds its staged libraries \
                 through LD_LIBRARY_PATH",
                path.display()
            );
            Ok(bytes.to_vec())
        }
    }
}

fn rewrite_with_runpath(path: &Path, bytes: &[u8], value: &str) -> Result<Vec<u8>, PackError> {
    let Ok(elf) = Elf::parse(bytes) else {
        return Ok(bytes.to_vec());
    };
    if elf.dynamic.is_none() {
        return Ok(bytes.to_vec());
    }
    let fail = |e: arwen::elf::ElfError| PackError::Elf {
        path: path.to_path_buf(),
        reason: format!("cannot add a RUNPATH: {e}"),
    };
    let mut container = arwen::elf::ElfContainer::parse(bytes).map_err(fail)?;
    container.set_runpath(value.as_bytes()).map_err(fail)?;
    let mut out = Vec::with_capacity(bytes.len() + 8192);
    container.write(&mut out).map_err(fail)?;
    Ok(out)
}

/// Change the tag of a DT_RPATH entry to DT_RUNPATH in place (the value is kept),
/// as `chrpath -c` does. `None` if the object has no DT_RPATH or already has a
/// DT_RUNPATH (then DT_RPATH is ignored by the loader anyway).
pub fn rpath_to_runpath(bytes: &[u8]) -> Option<Vec<u8>> {
    let elf = Elf::parse(bytes).ok()?;
    if !elf.runpaths.is_empty() || elf.rpaths.is_empty() {
        return None;
    }
    let dynamic = elf
        .program_headers
        .iter()
        .find(|ph| ph.p_type == PT_DYNAMIC)?;
    let width = if elf.is_64 { 8 } else { 4 };
    let read = |at: usize| -> Option<u64> {
        let raw = bytes.get(at..at + width)?;
        let mut buf = [0u8; 8];
        if elf.little_endian {
            buf[..width].copy_from_slice(raw);
            Some(u64::from_le_bytes(buf))
        } else {
            buf[8 - width..].copy_from_slice(raw);
            Some(u64::from_be_bytes(buf))
        }
    };
    let start = dynamic.p_offset as usize;
    let end = start + dynamic.p_filesz as usize;
    let mut out = bytes.to_vec();
    let mut at = start;
    while at + 2 * width <= end {
        let tag = read(at)?;
        if tag == DT_NULL {
            break;
        }
        if tag == DT_RPATH {
            let new_tag = DT_RUNPATH.to_le_bytes();
            let field = &mut out[at..at + width];
            if elf.little_endian {
                field.copy_from_slice(&new_tag[..width]);
            } else {
                field.copy_from_slice(&DT_RUNPATH.to_be_bytes()[8 - width..]);
            }
            return Some(out);
        }
        at += 2 * width;
    }
    None
}

fn vaddr_to_offset(elf: &Elf, vaddr: u64) -> Option<usize> {
    elf.program_headers
        .iter()
        .find(|ph| ph.p_type == PT_LOAD && ph.p_vaddr <= vaddr && vaddr < ph.p_vaddr + ph.p_filesz)
        .map(|ph| (vaddr - ph.p_vaddr + ph.p_offset) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_executable_the_writer_refuses_is_packed_unchanged() {
        // This test binary is a Rust PIE with debug info, which the ELF writer refuses.
        let exe = std::env::current_exe().unwrap();
        let bytes = std::fs::read(&exe).unwrap();
        let out = add_runpath(&exe, &bytes, "$ORIGIN/../lib").unwrap();
        let elf = Elf::parse(&out).unwrap();
        assert!(elf.dynamic.is_some());
    }

    const PYENV_PYTHON: &str = "/root/.pyenv/versions/3.11.7/bin/python3.11";

    #[test]
    fn reads_python_needed_and_runpath() {
        if tidepool_testkit::existing(Path::new(PYENV_PYTHON)).is_none() {
            return;
        }
        let info = read_info(Path::new(PYENV_PYTHON)).unwrap();
        assert!(
            info.needed.iter().any(|n| n.starts_with("libpython3.11")),
            "{info:?}"
        );
        assert_eq!(
            info.runpath,
            vec!["/root/.pyenv/versions/3.11.7/lib".to_string()]
        );
        assert!(info.is_64);
    }

    #[test]
    fn patched_runpath_is_read_back_and_binary_still_runs() {
        if tidepool_testkit::existing(Path::new(PYENV_PYTHON)).is_none() {
            return;
        }
        let bytes = std::fs::read(PYENV_PYTHON).unwrap();
        let patched = patch_runpath(Path::new(PYENV_PYTHON), &bytes, "$ORIGIN/../lib")
            .unwrap()
            .unwrap();
        assert_eq!(patched.len(), bytes.len());
        let info = parse_info(Path::new("patched"), &patched).unwrap();
        assert_eq!(info.runpath, vec!["$ORIGIN/../lib".to_string()]);
        let too_long = "/x".repeat(40);
        assert!(patch_runpath(Path::new(PYENV_PYTHON), &bytes, &too_long)
            .unwrap()
            .is_none());
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        std::os::unix::fs::symlink("/root/.pyenv/versions/3.11.7/lib", dir.path().join("lib"))
            .unwrap();
        let exe = dir.path().join("bin/python3.11");
        std::fs::write(&exe, &patched).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = std::process::Command::new(&exe)
            .args(["-c", "print(6*7)"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "42\n", "{out:?}");
    }

    #[test]
    fn non_elf_is_an_error_naming_the_file() {
        let err = parse_info(Path::new("/x/notes.txt"), b"hello").unwrap_err();
        assert!(err.to_string().contains("/x/notes.txt"), "{err}");
    }
}
