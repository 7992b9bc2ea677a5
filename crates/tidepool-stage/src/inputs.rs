//! A cheap id of what a pack would read: [`input_id`].
//!
//! The archive id is the digest of the manifest, which holds the digest of every
//! file: computing it reads every byte. To decide whether an archive packed earlier
//! is still current (`tidepool run` packs `[stage]` inputs at the first start and
//! re-uses the archive on a resume), [`input_id`] walks the same plan as [`pack`]
//! (venv, base installation, executables with their library closure, data trees)
//! and digests, per planned entry, its archive path, its source path, its kind and
//! the source's size, modification time (ns), mode and inode, plus the pack options
//! and this crate's version. A file that is edited, replaced, added or removed
//! changes the id; nothing is read beyond metadata and the ELF headers the closure
//! needs.
//!
//! [`pack`]: crate::pack()

use crate::error::PackError;
use crate::plan::{Plan, PlannedKind, Transform};
use crate::PackSpec;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Number of hex digits of an input id.
pub const INPUT_ID_LEN: usize = 24;

/// The id of the inputs `spec` names, as they are now.
pub fn input_id(spec: &PackSpec) -> Result<String, PackError> {
    input_id_of(spec, &Plan::build(spec)?)
}

/// The id of the inputs of `plan`, built from `spec`: a caller that packs when the id
/// is new hands the same plan to [`crate::pack::pack_plan`], so the inputs are walked
/// once (each walk is a `stat` per entry, on the shared filesystem).
pub fn input_id_of(spec: &PackSpec, plan: &Plan) -> Result<String, PackError> {
    let mut hasher = blake3::Hasher::new();
    let mut add = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    add(env!("CARGO_PKG_VERSION").as_bytes());
    add(&[u8::from(spec.include_core_libs), u8::from(spec.trim_files)]);
    for profile in &spec.trim_from {
        add(&file_facts(profile)?);
    }
    for part in &plan.parts {
        let text = format!(
            "{}\0{:?}\0{}\0{:?}",
            part.name, part.role, part.root, part.prefix
        );
        add(text.as_bytes());
    }
    for (path, planned) in &plan.entries {
        add(path.as_bytes());
        add(&[tag(&planned.kind)]);
        if let PlannedKind::Symlink(target) = &planned.kind {
            add(target.as_bytes());
        }
        if !planned.source.as_os_str().is_empty() {
            add(&file_facts(&planned.source)?);
        }
    }
    Ok(hasher.finalize().to_hex()[..INPUT_ID_LEN].to_string())
}

/// What kind of entry, and how its bytes are changed on the way in.
fn tag(kind: &PlannedKind) -> u8 {
    match kind {
        PlannedKind::Dir => 0,
        PlannedKind::Symlink(_) => 1,
        PlannedKind::File(Transform::None) => 2,
        PlannedKind::File(Transform::Runpath(_)) => 3,
        PlannedKind::File(Transform::ElfPrefixes) => 4,
        PlannedKind::File(Transform::Pyc { .. }) => 5,
    }
}

/// Path, size, mtime (ns), mode and inode of `path` (not following a last symlink).
fn file_facts(path: &Path) -> Result<Vec<u8>, PackError> {
    let meta = std::fs::symlink_metadata(path).map_err(PackError::read(path))?;
    let mut facts = path.as_os_str().as_encoded_bytes().to_vec();
    for n in [
        meta.size(),
        meta.mtime() as u64,
        meta.mtime_nsec() as u64,
        u64::from(meta.mode()),
        meta.ino(),
    ] {
        facts.extend_from_slice(&n.to_le_bytes());
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn data_spec(dir: &Path) -> PackSpec {
        PackSpec {
            dirs: vec![(dir.to_path_buf(), None)],
            ..Default::default()
        }
    }

    fn set_mtime(path: &Path, secs: u64) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
            .unwrap();
    }

    #[test]
    fn the_same_inputs_give_the_same_id_and_a_change_a_new_one() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("a.txt"), "1.0\n").unwrap();
        set_mtime(&data.join("a.txt"), 1_000_000);
        let spec = data_spec(&data);
        let first = input_id(&spec).unwrap();
        assert_eq!(first.len(), INPUT_ID_LEN);
        assert_eq!(input_id(&spec).unwrap(), first, "nothing changed");

        std::fs::write(data.join("a.txt"), "2.0\n").unwrap();
        set_mtime(&data.join("a.txt"), 1_000_000);
        assert_eq!(
            input_id(&spec).unwrap(),
            first,
            "same size and mtime: metadata alone cannot tell (documented)"
        );
        set_mtime(&data.join("a.txt"), 1_000_001);
        let touched = input_id(&spec).unwrap();
        assert_ne!(touched, first, "a new mtime");

        std::fs::write(data.join("b.txt"), "x").unwrap();
        let added = input_id(&spec).unwrap();
        assert_ne!(added, touched, "a file added");
        std::fs::remove_file(data.join("b.txt")).unwrap();
        assert_ne!(input_id(&spec).unwrap(), added, "and removed again");

        let named = PackSpec {
            dirs: vec![(data.clone(), Some("forcing".into()))],
            ..Default::default()
        };
        assert_ne!(input_id(&named).unwrap(), touched, "another staged name");
    }

    #[test]
    fn a_missing_input_is_refused_naming_it() {
        let spec = data_spec(Path::new("/nonexistent/tidepool/data"));
        let err = input_id(&spec).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/tidepool/data"), "{err}");
    }
}
