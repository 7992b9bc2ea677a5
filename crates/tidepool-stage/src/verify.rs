//! After extraction and relocation, before the staged tree is renamed into place: every
//! packed link that was relative (or was made relative at pack time) must resolve to
//! something inside the staged tree, and every packed executable must resolve to a
//! file there. A broken environment is refused here, naming the link, instead of
//! staging silently and letting a shell fall back to the shared interpreter on PATH.
//!
//! Links whose target is an absolute path outside every packed prefix (system data
//! such as `/usr/share/zoneinfo`) are left as they are: they never pointed into the
//! archive.

use crate::error::StageError;
use crate::manifest::{Kind, Manifest};
use std::path::Path;

/// Check the links and executables of `manifest` in the tree at `tmp`.
pub fn verify_tree(manifest: &Manifest, tmp: &Path) -> Result<(), StageError> {
    let root = std::fs::canonicalize(tmp).map_err(StageError::io("resolve", tmp))?;
    for entry in &manifest.entries {
        let Kind::Symlink { target } = &entry.kind else {
            continue;
        };
        if target.starts_with('/') {
            continue;
        }
        let broken = |problem| StageError::BrokenLink {
            link: entry.path.clone(),
            target: target.clone(),
            problem,
        };
        let resolved = std::fs::canonicalize(root.join(&entry.path))
            .map_err(|_| broken("points to nothing"))?;
        if !resolved.starts_with(&root) {
            return Err(broken("leads outside"));
        }
    }
    for (name, path) in &manifest.executables {
        let resolved = std::fs::canonicalize(root.join(path));
        let inside = resolved.is_ok_and(|r| r.starts_with(&root) && r.is_file());
        if !inside {
            return Err(StageError::BrokenExecutable {
                name: name.clone(),
                path: path.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Entry;

    fn manifest(links: &[(&str, &str)], exes: &[(&str, &str)]) -> Manifest {
        let mut m: Manifest = serde_json::from_value(serde_json::json!({
            "format": 1, "arch": "x86_64", "parts": [], "executables": [], "entries": []
        }))
        .expect("a minimal manifest");
        m.entries = links
            .iter()
            .map(|(path, target)| Entry {
                path: path.to_string(),
                part: 0,
                kind: Kind::Symlink {
                    target: target.to_string(),
                },
                source: None,
                relocate: None,
            })
            .collect();
        m.executables = exes
            .iter()
            .map(|(n, p)| (n.to_string(), p.to_string()))
            .collect();
        m
    }

    fn tree() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("python/base/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("python3.11"), "elf").unwrap();
        std::fs::create_dir_all(tmp.path().join("python/venv/bin")).unwrap();
        tmp
    }

    #[test]
    fn a_dangling_venv_interpreter_link_is_named() {
        let tmp = tree();
        let link = "python/venv/bin/python3";
        std::os::unix::fs::symlink("../../base/bin/python3", tmp.path().join(link)).unwrap();
        let m = manifest(&[(link, "../../base/bin/python3")], &[]);
        let err = verify_tree(&m, tmp.path()).unwrap_err().to_string();
        assert!(
            err.contains(link) && err.contains("points to nothing"),
            "{err}"
        );
    }

    #[test]
    fn links_and_executables_inside_the_tree_pass() {
        let tmp = tree();
        let link = "python/venv/bin/python3";
        std::os::unix::fs::symlink("../../base/bin/python3.11", tmp.path().join(link)).unwrap();
        let m = manifest(
            &[
                (link, "../../base/bin/python3.11"),
                ("zoneinfo", "/usr/share/zoneinfo"),
            ],
            &[("python", link)],
        );
        verify_tree(&m, tmp.path()).unwrap();
    }

    #[test]
    fn a_link_leading_outside_or_a_missing_executable_is_refused() {
        let tmp = tree();
        std::os::unix::fs::symlink("../../../..", tmp.path().join("python/venv/bin/up")).unwrap();
        let m = manifest(&[("python/venv/bin/up", "../../../..")], &[]);
        let err = verify_tree(&m, tmp.path()).unwrap_err().to_string();
        assert!(err.contains("leads outside"), "{err}");
        let m = manifest(&[], &[("ncdump", "exe/bin/ncdump")]);
        let err = verify_tree(&m, tmp.path()).unwrap_err().to_string();
        assert!(
            err.contains("ncdump") && err.contains("exe/bin/ncdump"),
            "{err}"
        );
    }
}
