//! Trimming by distribution: each `.dist-info/RECORD` in a packed site-packages names
//! the files of one distribution. A distribution stays whole when a profile touched
//! any of its files or top-level directories, and goes whole otherwise. Files no
//! RECORD lists (and the standard library, executables, libraries, data) stay.

use super::{ancestors_of, sizes, DroppedDist, TrimReport};
use crate::error::PackError;
use crate::manifest::Role;
use crate::plan::{normalise_archive, Plan, PlannedKind};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// One distribution found in the plan: its name and the archive paths it owns.
struct Dist {
    name: String,
    paths: Vec<String>,
}

pub(super) fn trim(plan: &mut Plan, touched: &HashSet<PathBuf>) -> Result<TrimReport, PackError> {
    let before = sizes(plan)?;
    let dists = distributions(plan)?;
    let mut drop: HashSet<String> = HashSet::new();
    let mut dropped = Vec::new();
    for dist in &dists {
        if used(plan, dist, touched) {
            continue;
        }
        let mut files = 0;
        let mut bytes = 0;
        for path in &dist.paths {
            if let Some(planned) = plan.entries.get(path) {
                if matches!(planned.kind, PlannedKind::File(_)) {
                    files += 1;
                    bytes += std::fs::metadata(&planned.source)
                        .map_err(PackError::read(&planned.source))?
                        .len();
                }
            }
            drop.insert(path.clone());
        }
        dropped.push(DroppedDist {
            name: dist.name.clone(),
            files,
            bytes,
        });
    }
    plan.entries.retain(|path, _| !drop.contains(path));
    remove_emptied_dirs(plan, &drop);
    dropped.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    let after = sizes(plan)?;
    Ok(TrimReport {
        mode: "distributions",
        files_before: before.0,
        bytes_before: before.1,
        files_after: after.0,
        bytes_after: after.1,
        dropped,
    })
}

/// Every distribution of the plan's Python parts, from its RECORD.
fn distributions(plan: &Plan) -> Result<Vec<Dist>, PackError> {
    let mut out = Vec::new();
    for (path, planned) in &plan.entries {
        let role = plan.parts[planned.part].role;
        if !path.ends_with(".dist-info/RECORD")
            || !matches!(role, Role::PythonVenv | Role::PythonBase)
        {
            continue;
        }
        let dist_info = path.trim_end_matches("/RECORD");
        let (site, dir_name) = dist_info.rsplit_once('/').unwrap_or(("", dist_info));
        let text =
            std::fs::read_to_string(&planned.source).map_err(PackError::read(&planned.source))?;
        let mut paths: Vec<String> = text
            .lines()
            .filter_map(|line| line.split(',').next())
            .filter(|rel| !rel.is_empty())
            .map(|rel| normalise_archive(&format!("{site}/{rel}")))
            .collect();
        let prefix = format!("{dist_info}/");
        paths.extend(
            plan.entries
                .keys()
                .filter(|p| p.starts_with(&prefix) || p.as_str() == dist_info)
                .cloned(),
        );
        out.push(Dist {
            name: dir_name.trim_end_matches(".dist-info").to_string(),
            paths,
        });
    }
    Ok(out)
}

/// Whether a profile touched a file of `dist`, or one of its top-level directories.
fn used(plan: &Plan, dist: &Dist, touched: &HashSet<PathBuf>) -> bool {
    let is_touched = |path: &str| {
        plan.entries
            .get(path)
            .is_some_and(|p| touched.contains(&p.source))
    };
    dist.paths
        .iter()
        .filter(|p| !p.contains(".dist-info"))
        .any(|p| {
            is_touched(p)
                || ancestors_of(p)
                    .iter()
                    .any(|dir| owned_dir(dir, dist) && is_touched(dir))
        })
}

/// A directory below site-packages that holds files of the distribution (a package
/// directory); site-packages itself and everything above it are shared and never
/// mark a distribution as used.
fn owned_dir(dir: &str, dist: &Dist) -> bool {
    let prefix = format!("{dir}/");
    (dir.contains("/site-packages/") || dir.contains("/dist-packages/"))
        && dist.paths.iter().any(|p| p.starts_with(&prefix))
}

/// Directories left with nothing in them once a distribution is gone.
fn remove_emptied_dirs(plan: &mut Plan, dropped: &HashSet<String>) {
    let candidates: HashSet<String> = dropped.iter().flat_map(|p| ancestors_of(p)).collect();
    let mut holds: HashMap<String, usize> = HashMap::new();
    let kept = plan.entries.iter().filter(|(path, planned)| {
        !(matches!(planned.kind, PlannedKind::Dir) && candidates.contains(*path))
    });
    for (path, _) in kept {
        for dir in ancestors_of(path) {
            *holds.entry(dir).or_default() += 1;
        }
    }
    plan.entries.retain(|path, planned| {
        !(matches!(planned.kind, PlannedKind::Dir)
            && candidates.contains(path)
            && !holds.contains_key(path))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_paths_climbing_out_of_site_packages_normalise() {
        assert_eq!(
            normalise_archive("python/venv/lib/python3.11/site-packages/../../../bin/f2py"),
            "python/venv/bin/f2py"
        );
    }
}
