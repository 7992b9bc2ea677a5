//! What to stage, read from the archives' manifests.

use super::StagingError;
use crate::protocol::{ArchiveMeta, StagePlan};
use std::path::PathBuf;
use tidepool_stage::manifest::{Manifest, Role};

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
            executables: packed_executables(&manifest),
        });
    }
    Ok(StagePlan {
        dir: opts.dir.clone(),
        keep: opts.keep,
        archives,
    })
}

/// Each packed executable's original (canonical) path and its archive path.
fn packed_executables(manifest: &Manifest) -> Vec<(String, String)> {
    manifest
        .entries
        .iter()
        .filter(|e| manifest.parts[e.part].role == Role::Executable)
        .filter_map(|e| Some((e.source.clone()?, e.path.clone())))
        .collect()
}
