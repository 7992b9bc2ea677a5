//! Where staged inputs live: a map from the paths the config names (on the shared
//! filesystem, where `[stage]` packed them from) to their copies on node-local storage.
//!
//! The agent fills it from the archives it staged ([`SlotContext::staged`]): every
//! packed tree (a venv, its base installation, each `[stage] dirs` entry) as an
//! original prefix and its staged directory, and every packed executable as an original
//! file and its staged file. A model that reads files from a configured path (a
//! template directory, say) asks [`StagedPaths::map`] first and falls back to the
//! original path when it gives `None`:
//!
//! ```
//! use std::path::Path;
//! let mut staged = tidepool_models::StagedPaths::default();
//! staged.add_tree("/shared/model/data", "/tmp/stage/ab12/data/data");
//! let dir = Path::new("/shared/model/data/template");
//! let used = staged.map(dir).unwrap_or_else(|| dir.to_path_buf());
//! assert_eq!(used, Path::new("/tmp/stage/ab12/data/data/template"));
//! ```
//!
//! [`SlotContext::staged`]: crate::SlotContext::staged

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Original path -> staged path for everything a slot's node has staged. Cheap to
/// clone: every slot of a node shares one map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StagedPaths(Arc<Maps>);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Maps {
    /// Whole trees: original absolute prefix, staged directory.
    trees: Vec<(PathBuf, PathBuf)>,
    /// Single files (packed executables): original path, staged file.
    files: Vec<(PathBuf, PathBuf)>,
}

impl StagedPaths {
    /// Everything under `original` is staged under `staged`.
    pub fn add_tree(&mut self, original: impl Into<PathBuf>, staged: impl Into<PathBuf>) {
        Arc::make_mut(&mut self.0)
            .trees
            .push((original.into(), staged.into()));
    }

    /// The file `original` is staged as `staged`.
    pub fn add_file(&mut self, original: impl Into<PathBuf>, staged: impl Into<PathBuf>) {
        Arc::make_mut(&mut self.0)
            .files
            .push((original.into(), staged.into()));
    }

    /// Nothing staged.
    pub fn is_empty(&self) -> bool {
        self.0.trees.is_empty() && self.0.files.is_empty()
    }

    /// The staged copy of `path`: a staged file of that exact path, else the path
    /// under the longest staged tree holding it (whole components: `/a/bc` is not
    /// under `/a/b`); `None` when `path` was not staged.
    pub fn map(&self, path: &Path) -> Option<PathBuf> {
        if let Some((_, staged)) = self.0.files.iter().find(|(original, _)| original == path) {
            return Some(staged.clone());
        }
        self.0
            .trees
            .iter()
            .filter_map(|(prefix, staged)| {
                let rest = path.strip_prefix(prefix).ok()?;
                let depth = prefix.components().count();
                Some((depth, staged.join(rest)))
            })
            .max_by_key(|(depth, _)| *depth)
            .map(|(_, staged)| staged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StagedPaths {
        let mut staged = StagedPaths::default();
        staged.add_tree("/shared/env", "/stage/a/python/venv");
        staged.add_tree("/shared/env/base", "/stage/a/python/base");
        staged.add_tree("/proj/data", "/stage/b/data/data");
        staged.add_file("/proj/bin/hymod", "/stage/b/exe/bin/hymod");
        staged
    }

    #[test]
    fn files_and_trees_map_to_their_staged_copies() {
        let staged = sample();
        let map = |p: &str| staged.map(Path::new(p));
        assert_eq!(
            map("/proj/bin/hymod"),
            Some("/stage/b/exe/bin/hymod".into())
        );
        assert_eq!(
            map("/proj/data/tpl/params.tpl"),
            Some("/stage/b/data/data/tpl/params.tpl".into())
        );
        assert_eq!(map("/proj/data"), Some("/stage/b/data/data".into()));
        assert_eq!(
            map("/shared/env/base/lib/x"),
            Some("/stage/a/python/base/lib/x".into()),
            "the longest tree wins"
        );
        assert_eq!(
            map("/shared/env/bin/python"),
            Some("/stage/a/python/venv/bin/python".into())
        );
    }

    #[test]
    fn paths_not_staged_map_to_nothing() {
        let staged = sample();
        assert_eq!(
            staged.map(Path::new("/proj/database/x")),
            None,
            "whole components only"
        );
        assert_eq!(
            staged.map(Path::new("/proj/bin/other")),
            None,
            "files match exactly"
        );
        assert_eq!(staged.map(Path::new("/proj/bin")), None);
        assert!(StagedPaths::default()
            .map(Path::new("/proj/data"))
            .is_none());
        assert!(StagedPaths::default().is_empty() && !staged.is_empty());
    }
}
