//! Writing an archive: hash every planned file, build the manifest, then stream the
//! header, the manifest and the entries through tar and zstd.
//!
//! The output is reproducible: entries in sorted path order, every mtime set to
//! [`NORMAL_MTIME`], uid/gid 0, no user or group names.

use crate::elf;
use crate::error::PackError;
use crate::manifest::{
    Entry, Header, Kind, Manifest, Relocate, Role, FORMAT_VERSION, HEADER_PATH, MANIFEST_PATH,
    NORMAL_MTIME,
};
use crate::plan::{PackSpec, Plan, Planned, PlannedKind, Transform};
use crate::python::EditableInstall;
use crate::relocate::{relative_runpath, PrefixMap};
use crate::trim::{self, TrimMode, TrimReport};
use serde::Serialize;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// zstd level: a good ratio while packing stays I/O bound.
const ZSTD_LEVEL: i32 = 6;

/// zstd worker threads for packing: one per available core (at least one, so the
/// frame format is the multi-threaded one everywhere).
fn compression_workers() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}

/// Which pass a progress report belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PackPhase {
    Hashing,
    Writing,
}

/// Progress of a pack: bytes of file content handled so far in this phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackProgress {
    pub phase: PackPhase,
    pub done_bytes: u64,
    pub total_bytes: u64,
}

/// Summary of one part of a written archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartSummary {
    pub name: String,
    pub role: Role,
    pub root: String,
    pub prefix: Option<String>,
    pub files: usize,
    pub bytes: u64,
}

/// What `pack` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackReport {
    pub id: String,
    pub archive: PathBuf,
    pub archive_bytes: u64,
    pub unpacked_bytes: u64,
    pub files: usize,
    pub dirs: usize,
    pub symlinks: usize,
    pub arch: String,
    pub parts: Vec<PartSummary>,
    pub executables: Vec<(String, String)>,
    pub editable_installs: Vec<EditableInstall>,
    pub trim: Option<TrimReport>,
}

/// Pack everything `spec` names into the archive `output`.
pub fn pack(
    spec: &PackSpec,
    output: &Path,
    progress: &mut dyn FnMut(PackProgress),
) -> Result<PackReport, PackError> {
    pack_plan(spec, Plan::build(spec)?, output, progress)
}

/// Pack `plan`, built from `spec` (see [`crate::inputs::input_id_of`]), into `output`.
pub fn pack_plan(
    spec: &PackSpec,
    mut plan: Plan,
    output: &Path,
    progress: &mut dyn FnMut(PackProgress),
) -> Result<PackReport, PackError> {
    let trim_report = if spec.trim_from.is_empty() {
        None
    } else {
        let mode = if spec.trim_files {
            TrimMode::Files
        } else {
            TrimMode::Distributions
        };
        let touched = trim::load_profiles(&spec.trim_from)?;
        Some(trim::trim_plan(&mut plan, &touched, mode)?)
    };
    let manifest = build_manifest(&plan, progress)?;
    write_archive(&plan, &manifest, output, progress)?;
    let archive_bytes = std::fs::metadata(output)
        .map_err(PackError::read(output))?
        .len();
    Ok(report(&plan, &manifest, output, archive_bytes, trim_report))
}

/// The bytes that go into the archive for a planned file (after its transform).
fn load(
    path: &str,
    planned: &Planned,
    transform: &Transform,
    map: &PrefixMap,
) -> Result<Vec<u8>, PackError> {
    let bytes = std::fs::read(&planned.source).map_err(PackError::read(&planned.source))?;
    match transform {
        Transform::None => Ok(bytes),
        Transform::Runpath(value) => {
            if !elf::is_elf(&bytes) {
                return Ok(bytes);
            }
            elf::retarget(&planned.source, bytes, value)
        }
        Transform::ElfPrefixes => {
            let new_value = elf::is_elf(&bytes)
                .then(|| elf::runpath_value(&bytes))
                .flatten()
                .and_then(|old| relative_runpath(&old, path, map));
            match new_value {
                Some(value) => elf::retarget(&planned.source, bytes, &value),
                None => Ok(bytes),
            }
        }
        Transform::Pyc { source } => Ok(normalise_pyc(bytes, source)),
    }
}

/// Set the source mtime of a timestamp-based `.pyc` to [`NORMAL_MTIME`] when the
/// header matches its source file (same mtime and size), so it stays valid for the
/// extracted source, whose mtime is also [`NORMAL_MTIME`].
pub fn normalise_pyc(mut bytes: Vec<u8>, source: &Path) -> Vec<u8> {
    let Ok(meta) = std::fs::metadata(source) else {
        return bytes;
    };
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as u32);
    if bytes.len() < 16 || bytes[4..8] != [0, 0, 0, 0] {
        return bytes;
    }
    let header_mtime = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    let header_size = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes"));
    if Some(header_mtime) == mtime && header_size == meta.len() as u32 {
        bytes[8..12].copy_from_slice(&(NORMAL_MTIME as u32).to_le_bytes());
    }
    bytes
}

fn relocation_for(
    plan: &Plan,
    path: &str,
    planned: &Planned,
    bytes: &[u8],
    olds: &[String],
) -> Option<Relocate> {
    let part = &plan.parts[planned.part];
    if !matches!(part.role, Role::PythonVenv | Role::PythonBase) || bytes.contains(&0) {
        return None;
    }
    if part.role == Role::PythonVenv && path == format!("{}/pyvenv.cfg", part.root) {
        return Some(Relocate::PyvenvCfg);
    }
    let holds = |hay: &[u8]| {
        olds.iter()
            .any(|old| hay.windows(old.len()).any(|w| w == old.as_bytes()))
    };
    if !holds(bytes) {
        return None;
    }
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    if bytes.starts_with(b"#!") && holds(first_line) {
        Some(Relocate::Shebang)
    } else {
        Some(Relocate::Text)
    }
}

fn build_manifest(
    plan: &Plan,
    progress: &mut dyn FnMut(PackProgress),
) -> Result<Manifest, PackError> {
    let map = plan.archive_prefix_map();
    let olds: Vec<String> = map.olds().map(str::to_string).collect();
    let total_bytes = total_file_bytes(plan)?;
    let mut done_bytes = 0;
    let mut entries = Vec::with_capacity(plan.entries.len());
    for (path, planned) in &plan.entries {
        let (kind, relocate) = match &planned.kind {
            PlannedKind::Dir => (
                Kind::Dir {
                    mode: mode_of(&planned.source, 0o755)?,
                },
                None,
            ),
            PlannedKind::Symlink(target) => (
                Kind::Symlink {
                    target: target.clone(),
                },
                None,
            ),
            PlannedKind::File(transform) => {
                let bytes = load(path, planned, transform, &map)?;
                done_bytes += bytes.len() as u64;
                progress(PackProgress {
                    phase: PackPhase::Hashing,
                    done_bytes,
                    total_bytes,
                });
                let relocate = relocation_for(plan, path, planned, &bytes, &olds);
                let kind = Kind::File {
                    mode: mode_of(&planned.source, 0o644)?,
                    size: bytes.len() as u64,
                    blake3: blake3::hash(&bytes).to_hex().to_string(),
                };
                (kind, relocate)
            }
        };
        let source = planned
            .record_source
            .then(|| planned.source.to_string_lossy().into_owned());
        entries.push(Entry {
            path: path.clone(),
            part: planned.part,
            kind,
            source,
            relocate,
        });
    }
    Ok(Manifest {
        format: FORMAT_VERSION,
        arch: std::env::consts::ARCH.to_string(),
        parts: plan.parts.clone(),
        executables: plan.executables.clone(),
        entries,
    })
}

fn total_file_bytes(plan: &Plan) -> Result<u64, PackError> {
    let mut total = 0;
    for planned in plan
        .entries
        .values()
        .filter(|p| matches!(p.kind, PlannedKind::File(_)))
    {
        total += std::fs::metadata(&planned.source)
            .map_err(PackError::read(&planned.source))?
            .len();
    }
    Ok(total)
}

fn mode_of(source: &Path, default: u32) -> Result<u32, PackError> {
    if source.as_os_str().is_empty() {
        return Ok(default);
    }
    Ok(std::fs::metadata(source)
        .map_err(PackError::read(source))?
        .permissions()
        .mode()
        & 0o7777)
}

fn tar_header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(NORMAL_MTIME);
    header
}

fn write_archive(
    plan: &Plan,
    manifest: &Manifest,
    output: &Path,
    progress: &mut dyn FnMut(PackProgress),
) -> Result<(), PackError> {
    let partial = output.with_file_name(format!(
        ".{}.partial",
        output
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let result = write_partial(plan, manifest, output, &partial, progress).and_then(|()| {
        std::fs::rename(&partial, output).map_err(|source| PackError::Write {
            path: output.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        // A failed pack (a full disk, a file that changed) leaves nothing behind.
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn write_partial(
    plan: &Plan,
    manifest: &Manifest,
    output: &Path,
    partial: &Path,
    progress: &mut dyn FnMut(PackProgress),
) -> Result<(), PackError> {
    let write_err = |source: std::io::Error| PackError::Write {
        path: output.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(partial).map_err(write_err)?;
    let mut encoder =
        zstd::Encoder::new(std::io::BufWriter::with_capacity(1 << 20, file), ZSTD_LEVEL)
            .map_err(write_err)?;
    // Compression on every core. zstd's multi-threaded frames do not depend on the
    // number of workers (only on the level and job size), so the archive's bytes stay
    // the same on any machine.
    encoder
        .multithread(compression_workers())
        .map_err(write_err)?;
    let mut builder = tar::Builder::new(encoder);
    let header: Header = manifest.header();
    let header_bytes = serde_json::to_vec(&header).expect("a header always serialises");
    let manifest_bytes = manifest.to_bytes();
    for (path, bytes) in [
        (HEADER_PATH, &header_bytes),
        (MANIFEST_PATH, &manifest_bytes),
    ] {
        let mut h = tar_header(tar::EntryType::Regular, 0o644, bytes.len() as u64);
        builder
            .append_data(&mut h, path, bytes.as_slice())
            .map_err(write_err)?;
    }
    let total_bytes = header.unpacked_bytes;
    let mut done_bytes = 0;
    let map = plan.archive_prefix_map();
    for (entry, planned) in manifest.entries.iter().zip(plan.entries.values()) {
        match (&entry.kind, &planned.kind) {
            (Kind::Dir { mode }, _) => {
                let mut h = tar_header(tar::EntryType::Directory, *mode, 0);
                builder
                    .append_data(&mut h, format!("{}/", entry.path), std::io::empty())
                    .map_err(write_err)?;
            }
            (Kind::Symlink { target }, _) => {
                let mut h = tar_header(tar::EntryType::Symlink, 0o777, 0);
                builder
                    .append_link(&mut h, &entry.path, target)
                    .map_err(write_err)?;
            }
            (Kind::File { mode, size, .. }, PlannedKind::File(transform)) => {
                let bytes = load(&entry.path, planned, transform, &map)?;
                if bytes.len() as u64 != *size {
                    let changed = std::io::Error::other(
                        "the file changed while it was being packed; pack again",
                    );
                    return Err(PackError::Read {
                        path: planned.source.clone(),
                        source: changed,
                    });
                }
                let mut h = tar_header(tar::EntryType::Regular, *mode, *size);
                builder
                    .append_data(&mut h, &entry.path, bytes.as_slice())
                    .map_err(write_err)?;
                done_bytes += size;
                progress(PackProgress {
                    phase: PackPhase::Writing,
                    done_bytes,
                    total_bytes,
                });
            }
            (Kind::File { .. }, _) => {
                unreachable!("manifest entries are built from the plan in the same order")
            }
        }
    }
    let encoder = builder.into_inner().map_err(write_err)?;
    let mut writer = encoder.finish().map_err(write_err)?;
    writer.flush().map_err(write_err)?;
    writer
        .into_inner()
        .map_err(|e| write_err(e.into_error()))?
        .sync_all()
        .map_err(write_err)
}

fn report(
    plan: &Plan,
    manifest: &Manifest,
    output: &Path,
    archive_bytes: u64,
    trim: Option<TrimReport>,
) -> PackReport {
    let header = manifest.header();
    let parts = manifest
        .parts
        .iter()
        .enumerate()
        .map(|(index, part)| {
            let sizes = manifest
                .entries
                .iter()
                .filter(|e| e.part == index)
                .filter_map(|e| match e.kind {
                    Kind::File { size, .. } => Some(size),
                    _ => None,
                });
            let (files, bytes) = sizes.fold((0, 0), |(n, b), s| (n + 1, b + s));
            PartSummary {
                name: part.name.clone(),
                role: part.role,
                root: part.root.clone(),
                prefix: part.prefix.clone(),
                files,
                bytes,
            }
        })
        .collect();
    PackReport {
        id: header.id,
        archive: output.to_path_buf(),
        archive_bytes,
        unpacked_bytes: header.unpacked_bytes,
        files: header.files,
        dirs: header.dirs,
        symlinks: header.symlinks,
        arch: header.arch,
        parts,
        executables: manifest.executables.clone(),
        editable_installs: plan.editable.clone(),
        trim,
    }
}
