//! A slot's work directory (`[model] template_dir`): made once when the slot starts, as
//! `work/` under the slot's scratch, from the template directory. Every directory is
//! created; every file is a symlink to the template's file (read-only to the model),
//! except files matching a `copy` glob (or under a directory matching one), which are
//! copied because the model writes them, and the outputs of templates, which are
//! rendered per trial and never linked. Trials then all run in this directory.
//!
//! Globs are relative to the template directory: `*` and `?` stay within one path
//! component, `**` spans components (`state/**`, `**/*.nc`).

use regex::Regex;
use std::path::{Path, PathBuf};

/// The name of the work directory under the slot's scratch.
pub const WORK_DIR: &str = "work";

/// `copy` globs compiled.
#[derive(Debug, Clone)]
pub(crate) struct CopyGlobs(Vec<Regex>);

impl CopyGlobs {
    pub(crate) fn new(globs: &[String]) -> Result<CopyGlobs, String> {
        globs
            .iter()
            .map(|g| Regex::new(&glob_regex(g)).map_err(|err| format!("copy glob `{g}`: {err}")))
            .collect::<Result<_, _>>()
            .map(CopyGlobs)
    }

    /// Whether `relative` or one of its parent directories matches.
    fn matches(&self, relative: &Path) -> bool {
        relative.ancestors().any(|p| {
            let text = p.to_string_lossy();
            !text.is_empty() && self.0.iter().any(|r| r.is_match(&text))
        })
    }
}

fn glob_regex(glob: &str) -> String {
    let mut out = String::from("^");
    let mut rest = glob.trim_start_matches("./");
    while let Some(c) = rest.chars().next() {
        let (piece, len) = match c {
            '*' if rest.starts_with("**/") => ("(?:.*/)?".to_string(), 3),
            '*' if rest.starts_with("**") => (".*".to_string(), 2),
            '*' => ("[^/]*".to_string(), 1),
            '?' => ("[^/]".to_string(), 1),
            _ => (regex::escape(&c.to_string()), c.len_utf8()),
        };
        out.push_str(&piece);
        rest = &rest[len..];
    }
    out.push('$');
    out
}

/// Makes `work` (replacing an old one) from `template`: links, copies of `copy`, and
/// nothing for `skip` (template outputs, relative to `template`).
pub(crate) fn populate(
    template: &Path,
    work: &Path,
    copy: &CopyGlobs,
    skip: &[PathBuf],
) -> std::io::Result<()> {
    if work.symlink_metadata().is_ok() {
        std::fs::remove_dir_all(work)?;
    }
    std::fs::create_dir_all(work)?;
    let source = std::fs::canonicalize(template)?;
    walk(&source, Path::new(""), work, copy, skip)
}

fn walk(
    source: &Path,
    relative: &Path,
    work: &Path,
    copy: &CopyGlobs,
    skip: &[PathBuf],
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(source.join(relative))? {
        let entry = entry?;
        let rel = relative.join(entry.file_name());
        let (from, to) = (source.join(&rel), work.join(&rel));
        if entry.file_type()?.is_dir() {
            std::fs::create_dir(&to)?;
            walk(source, &rel, work, copy, skip)?;
        } else if skip.contains(&rel) {
            continue;
        } else if copy.matches(&rel) {
            std::fs::copy(&from, &to)?;
        } else {
            std::os::unix::fs::symlink(&from, &to)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_within_and_across_components() {
        let globs =
            CopyGlobs::new(&["state/**".into(), "*.ini".into(), "out?.txt".into()]).unwrap();
        assert!(globs.matches(Path::new("state/a/b.bin")));
        assert!(globs.matches(Path::new("model.ini")));
        assert!(!globs.matches(Path::new("sub/model.ini")));
        assert!(globs.matches(Path::new("out1.txt")));
        assert!(!globs.matches(Path::new("out12.txt")));
        let dirs = CopyGlobs::new(&["state".into(), "**/*.nc".into()]).unwrap();
        assert!(dirs.matches(Path::new("state/x")));
        assert!(dirs.matches(Path::new("a/b/c.nc")) && dirs.matches(Path::new("c.nc")));
    }

    #[test]
    fn files_are_linked_copied_or_skipped() {
        let root = tempfile::tempdir().unwrap();
        let template = root.path().join("model");
        std::fs::create_dir_all(template.join("state")).unwrap();
        std::fs::write(template.join("forcing.csv"), "f").unwrap();
        std::fs::write(template.join("state/s0.txt"), "s").unwrap();
        std::fs::write(template.join("params.txt.tpl"), "t").unwrap();
        std::fs::write(template.join("params.txt"), "old").unwrap();
        let work = root.path().join("slot/work");
        let globs = CopyGlobs::new(&["state/*".into()]).unwrap();
        populate(&template, &work, &globs, &["params.txt".into()]).unwrap();
        let kind = |p: &str| std::fs::symlink_metadata(work.join(p)).map(|m| m.file_type());
        assert!(kind("forcing.csv").unwrap().is_symlink());
        assert!(kind("params.txt.tpl").unwrap().is_symlink());
        assert!(kind("state").unwrap().is_dir());
        assert!(kind("state/s0.txt").unwrap().is_file());
        assert!(
            kind("params.txt").is_err(),
            "a template output is never linked"
        );
        assert_eq!(
            std::fs::read_to_string(work.join("forcing.csv")).unwrap(),
            "f"
        );
        // A second start replaces the directory.
        std::fs::write(work.join("stale"), "x").unwrap();
        populate(&template, &work, &globs, &[]).unwrap();
        assert!(kind("stale").is_err());
    }
}
