//! Applying relocations to an unpacked tree (the I/O around [`crate::relocate`]).

use crate::error::StageError;
use crate::filemode::finish_file;
use crate::manifest::{Kind, Manifest, Relocate, Role};
use crate::relocate::{rewrite_prefixes, rewrite_pyvenv_cfg, rewrite_shebang, PrefixMap};
use std::path::Path;

/// Old absolute prefixes of `manifest` mapped to their places under `final_root`.
pub fn staged_prefix_map(manifest: &Manifest, final_root: &Path) -> PrefixMap {
    let mut pairs = Vec::new();
    for part in &manifest.parts {
        if let Some(prefix) = &part.prefix {
            pairs.push((
                prefix.clone(),
                final_root.join(&part.root).to_string_lossy().into_owned(),
            ));
        }
    }
    for entry in &manifest.entries {
        let role = manifest.parts[entry.part].role;
        if let (Some(source), Role::PythonBase | Role::PythonVenv) = (&entry.source, role) {
            pairs.push((
                source.clone(),
                final_root.join(&entry.path).to_string_lossy().into_owned(),
            ));
        }
    }
    PrefixMap::new(pairs)
}

/// Rewrite every file the manifest marks for relocation. Files live under
/// `unpacked` now and will be renamed to `final_root`, the path they must name.
pub fn apply_relocations(
    manifest: &Manifest,
    unpacked: &Path,
    final_root: &Path,
) -> Result<usize, StageError> {
    let map = staged_prefix_map(manifest, final_root);
    let mut rewritten = 0;
    for entry in &manifest.entries {
        let (Some(kind), Kind::File { mode, .. }) = (entry.relocate, &entry.kind) else {
            continue;
        };
        let path = unpacked.join(&entry.path);
        let content = std::fs::read(&path).map_err(StageError::io("read", &path))?;
        let new = match kind {
            Relocate::PyvenvCfg => {
                Some(rewrite_pyvenv_cfg(&String::from_utf8_lossy(&content), &map).into_bytes())
            }
            Relocate::Shebang => rewrite_shebang(&content, &final_root.join(&entry.path), &map),
            Relocate::Text => rewrite_prefixes(&content, &map),
        };
        if let Some(new) = new {
            std::fs::write(&path, &new).map_err(StageError::io("rewrite", &path))?;
            let file = std::fs::File::options()
                .write(true)
                .open(&path)
                .map_err(StageError::io("open", &path))?;
            finish_file(&file, &path, *mode, true)?;
            rewritten += 1;
        }
    }
    Ok(rewritten)
}
