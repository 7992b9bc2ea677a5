//! `[stage] python / exe / dirs` in `tidepool run`: packed into the run directory at
//! the first start, re-used on a resume.
//!
//! The archive is `RUNDIR/stage/<input id>.tpk`, where the input id
//! ([`tidepool_stage::input_id`]) digests the paths, sizes, mtimes, modes and inodes
//! of everything the pack would read, and the pack options, without reading file
//! contents. A start that finds the archive of the current id re-uses it; one that
//! does not packs a new archive (atomically: a pack that fails or is interrupted
//! leaves nothing) and then removes the archives of earlier ids. The archives then
//! stage like `[stage] archives`.

use crate::output::Output;
use anyhow::Context;
use std::path::{Path, PathBuf};
use tidepool_config::{RunConfig, StageSection};
use tidepool_stage::{PackPhase, PackProgress, PackSpec};

/// Every archive the run stages: `[stage] archives`, then the one packed from
/// `python`, `exe` and `dirs` (packed now, or re-used).
pub(super) fn archives(cfg: &RunConfig, out: &Output) -> anyhow::Result<Vec<PathBuf>> {
    let Some(stage) = &cfg.stage else {
        return Ok(Vec::new());
    };
    let mut archives: Vec<PathBuf> = stage.archives.iter().map(|a| cfg.resolve(a)).collect();
    if stage.packs_on_the_fly() {
        archives.push(packed(cfg, stage, out)?);
    }
    Ok(archives)
}

/// What `python`, `exe` and `dirs` ask to pack, with paths resolved.
fn pack_spec(cfg: &RunConfig, stage: &StageSection) -> PackSpec {
    PackSpec {
        python: stage.python.as_ref().map(|p| cfg.resolve(p)),
        exes: stage.exe.iter().map(|e| cfg.resolve(e)).collect(),
        dirs: stage.dirs.iter().map(|d| (cfg.resolve(d), None)).collect(),
        ..PackSpec::default()
    }
}

/// The archive of the current inputs, packed unless a start before packed it.
fn packed(cfg: &RunConfig, stage: &StageSection, out: &Output) -> anyhow::Result<PathBuf> {
    let spec = pack_spec(cfg, stage);
    let what = describe(stage);
    // One walk of the inputs for their id and, when they changed, the pack.
    let plan = tidepool_stage::plan::Plan::build(&spec)
        .and_then(|plan| Ok((tidepool_stage::input_id_of(&spec, &plan)?, plan)));
    let (input_id, plan) =
        plan.with_context(|| format!("cannot read the [stage] inputs ({what})"))?;
    let dir = cfg.run_dir().join("stage");
    let new_dir = tidepool_rundir::create_dir_new(&dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let archive = dir.join(format!("{input_id}.tpk"));
    // A new stage directory holds neither this archive nor earlier ones: no `stat`
    // and no listing of it on the shared filesystem.
    if !new_dir && archive.is_file() {
        match tidepool_stage::open_archive(&archive) {
            Ok((header, _)) => {
                out.human(&format!(
                    "re-using packed {what}: archive {} ({})",
                    header.id,
                    archive.display()
                ));
                return Ok(archive);
            }
            Err(e) => out.warn(&format!(
                "cannot read the archive packed before ({e}); packing it again"
            )),
        }
    }
    let earlier = if new_dir {
        Vec::new()
    } else {
        earlier_archives(&dir, &archive)
    };
    let why = if earlier.is_empty() {
        "first start"
    } else {
        "inputs changed since the last start"
    };
    out.human(&format!(
        "packing {what} into {} ({why})",
        archive.display()
    ));
    let report = pack(&spec, plan, &archive, out)
        .with_context(|| format!("cannot pack the [stage] inputs ({what})"))?;
    out.human(&format!(
        "packed archive {}: {} files, {:.1} MB",
        report.id,
        report.files,
        report.archive_bytes as f64 / 1e6
    ));
    for old in earlier {
        match std::fs::remove_file(&old) {
            Ok(()) => out.human(&format!("removed the earlier archive {}", old.display())),
            Err(e) => out.warn(&format!("cannot remove {}: {e}", old.display())),
        }
    }
    Ok(archive)
}

fn pack(
    spec: &PackSpec,
    plan: tidepool_stage::plan::Plan,
    archive: &Path,
    out: &Output,
) -> Result<tidepool_stage::PackReport, tidepool_stage::PackError> {
    let bar = out.byte_progress("{msg}");
    let mut on_progress = |p: PackProgress| {
        bar.set_message(match p.phase {
            PackPhase::Hashing => "hashing",
            PackPhase::Writing => "writing",
        });
        bar.set_length(p.total_bytes);
        bar.set_position(p.done_bytes);
    };
    let report = tidepool_stage::pack_plan(spec, plan, archive, &mut on_progress);
    bar.finish_and_clear();
    report
}

/// The `.tpk` files in `dir` other than `current` (archives of earlier inputs), and
/// the partial file of a pack that was killed.
fn earlier_archives(dir: &Path, current: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            (name.ends_with(".tpk") || name.ends_with(".tpk.partial")) && p != current
        })
        .collect();
    found.sort();
    found
}

/// `venv /x/venv, 2 executables, 1 directory`.
fn describe(stage: &StageSection) -> String {
    let count = |n: usize, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    let parts: Vec<String> = [
        stage
            .python
            .as_ref()
            .map(|p| format!("venv {}", p.display())),
        count(stage.exe.len(), "executable", "executables"),
        count(stage.dirs.len(), "directory", "directories"),
    ]
    .into_iter()
    .flatten()
    .collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(text: &str) -> StageSection {
        let cfg = RunConfig::from_str(
            &format!("[run]\nname = \"d\"\n[model]\nkind = \"noop\"\n[stage]\n{text}"),
            Path::new("/runs/d.toml"),
        )
        .unwrap();
        cfg.stage.unwrap()
    }

    #[test]
    fn what_is_packed_is_described_in_words() {
        assert_eq!(describe(&stage("dirs = [\"a\"]\n")), "1 directory");
        assert_eq!(
            describe(&stage(
                "python = \"v\"\nexe = [\"a\", \"b\"]\ndirs = [\"a\", \"b\"]\n"
            )),
            "venv v, 2 executables, 2 directories"
        );
    }
}
