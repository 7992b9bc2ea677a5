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
    /// The plan, when the caller read the archives already ([`StageOptions::read_plan`]):
    /// the run and the end's re-run of the best trial then read each archive's header
    /// and manifest once between them, not once each (on the shared filesystem).
    pub plan: Option<StagePlan>,
}

impl StageOptions {
    /// These options with their plan read now, for every later [`build_plan`].
    pub fn read_plan(mut self) -> Result<Self, StagingError> {
        self.plan = None;
        self.plan = Some(build_plan(&self)?);
        Ok(self)
    }
}

/// Read each archive's header and manifest once and describe them for the agents
/// (the plan the options hold, when they hold one).
pub fn build_plan(opts: &StageOptions) -> Result<StagePlan, StagingError> {
    if let Some(plan) = &opts.plan {
        return Ok(plan.clone());
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan read once is what every later `build_plan` returns, without reading the
    /// archives again (here they are gone: reading them would fail).
    #[test]
    fn a_plan_read_once_is_not_read_again() {
        let held = StagePlan {
            dir: None,
            keep: false,
            archives: Vec::new(),
        };
        let opts = StageOptions {
            archives: vec![PathBuf::from("/nonexistent/tidepool-test/env.tpk")],
            dir: None,
            keep: false,
            fanout: 2,
            plan: Some(held.clone()),
        };
        assert_eq!(build_plan(&opts).unwrap(), held);
        let unread = StageOptions { plan: None, ..opts };
        assert!(
            build_plan(&unread).is_err(),
            "without a plan the archive is read"
        );
        assert!(unread.read_plan().is_err());
    }
}
