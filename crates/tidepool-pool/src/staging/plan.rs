//! What to stage (read from the archives' manifests) and how a slot uses it.

use super::StagingError;
use crate::protocol::{ArchiveMeta, StagePlan};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tidepool_models::WorkerSpec;
use tidepool_stage::StagedEnv;

/// The `[stage]` section as the coordinator uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct StageOptions {
    pub archives: Vec<PathBuf>,
    pub dir: Option<PathBuf>,
    pub keep: bool,
    /// Relay tree fan-out: how many agents the coordinator, and each agent, streams to.
    pub fanout: u32,
}

/// Read each archive's header and manifest once and describe them for the agents.
pub fn build_plan(opts: &StageOptions) -> Result<StagePlan, StagingError> {
    let mut archives = Vec::new();
    for path in &opts.archives {
        let archive = |source| StagingError::Archive {
            path: path.clone(),
            source,
        };
        let (header, manifest) = tidepool_stage::open_archive(path).map_err(archive)?;
        let bytes = std::fs::metadata(path)
            .map_err(|source| {
                archive(tidepool_stage::StageError::Open {
                    path: path.clone(),
                    source,
                })
            })?
            .len();
        let prefixes = manifest
            .parts
            .iter()
            .filter_map(|p| p.prefix.clone().map(|pre| (pre, p.root.clone())))
            .collect();
        archives.push(ArchiveMeta {
            id: header.id,
            bytes,
            prefixes,
        });
    }
    Ok(StagePlan {
        dir: opts.dir.clone(),
        keep: opts.keep,
        archives,
    })
}

/// `path` rewritten into the staged copy when it lies under one of the original
/// `prefixes` (longest prefix wins); `None` when it does not.
pub fn map_path(prefixes: &[(String, String)], root: &Path, path: &Path) -> Option<PathBuf> {
    prefixes
        .iter()
        .filter_map(|(prefix, part_root)| {
            let rest = path.strip_prefix(prefix).ok()?;
            Some((prefix.len(), root.join(part_root).join(rest)))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, staged)| staged)
}

/// The environment and model spec slots use once archives are staged.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotSetup {
    pub env: Vec<(String, String)>,
    pub spec: WorkerSpec,
}

impl SlotSetup {
    /// Layer each staged archive's variables over the inherited ones and point the
    /// Python interpreter and its `path` entries at the staged copies.
    pub fn new(
        spec: &WorkerSpec,
        staged: &[(ArchiveMeta, StagedEnv)],
        inherited: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        let mut spec = spec.clone();
        for (meta, env) in staged {
            let path = vars.get("PATH").cloned().or_else(|| inherited("PATH"));
            let ld = vars
                .get("LD_LIBRARY_PATH")
                .cloned()
                .or_else(|| inherited("LD_LIBRARY_PATH"));
            vars.extend(env.vars(path.as_deref(), ld.as_deref()));
            if let WorkerSpec::Python(py) = &mut spec {
                let remap = |p: &Path| map_path(&meta.prefixes, &env.root, p);
                if let Some(staged) = remap(&py.python) {
                    py.python = staged;
                }
                for entry in &mut py.path {
                    if let Some(staged) = remap(entry) {
                        *entry = staged;
                    }
                }
            }
        }
        SlotSetup {
            env: vars.into_iter().collect(),
            spec,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_a_prefix_move_into_the_staged_part() {
        let prefixes = vec![
            ("/shared/env".to_string(), "venv".to_string()),
            ("/shared/env/base".to_string(), "base".to_string()),
            ("/opt/python".to_string(), "python".to_string()),
        ];
        let root = Path::new("/tmp/stage/abc");
        assert_eq!(
            map_path(&prefixes, root, Path::new("/shared/env/bin/python")),
            Some(PathBuf::from("/tmp/stage/abc/venv/bin/python"))
        );
        assert_eq!(
            map_path(&prefixes, root, Path::new("/shared/env/base/lib")),
            Some(PathBuf::from("/tmp/stage/abc/base/lib")),
            "the longest prefix wins"
        );
        assert_eq!(
            map_path(&prefixes, root, Path::new("/shared/envelope/x")),
            None,
            "a prefix matches whole path components only"
        );
        assert_eq!(map_path(&prefixes, root, Path::new("/home/u/m.py")), None);
    }
}
