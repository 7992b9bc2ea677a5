//! Removing an agent's scratch when it stops: its directory `tidepool-<run>/agent-<n>`
//! goes, except the trial directories `[slots] keep_workdirs` keeps (`failed`: the
//! last few failed ones; `all`: everything stays); `tidepool-<run>` goes with it once
//! empty (the last agent of a node to stop removes it).

use std::path::Path;
use tidepool_models::KeepWorkdirs;

/// Clean `dir` (this agent's run scratch) according to `keep`.
pub fn clean_scratch(dir: &Path, keep: KeepWorkdirs) {
    match keep {
        KeepWorkdirs::All => return,
        KeepWorkdirs::None => remove_tree(dir),
        KeepWorkdirs::Failed => {
            for slot in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                remove_all_but_trials(&slot.path());
                let _ = std::fs::remove_dir(slot.path());
            }
            let _ = std::fs::remove_dir(dir);
        }
    }
    if let Some(run) = dir.parent() {
        let _ = std::fs::remove_dir(run);
    }
}

/// Removes what a slot leaves besides kept trial directories (`python.err`, spares).
fn remove_all_but_trials(slot: &Path) {
    for entry in std::fs::read_dir(slot).into_iter().flatten().flatten() {
        let is_trial = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with("trial-"));
        if is_trial && entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            remove_tree(&entry.path());
        } else if let Err(err) = std::fs::remove_file(entry.path()) {
            tracing::warn!(path = %entry.path().display(), %err, "cannot remove scratch file");
        }
    }
}

fn remove_tree(dir: &Path) {
    if let Err(err) = std::fs::remove_dir_all(dir) {
        if err.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(dir = %dir.display(), %err, "cannot remove scratch");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_keeps_trial_directories_only() {
        let tmp = tempfile::tempdir().unwrap();
        let agent = tmp.path().join("tidepool-r").join("agent-0");
        std::fs::create_dir_all(agent.join("slot-0/trial-3-1")).unwrap();
        std::fs::create_dir_all(agent.join("slot-1/.spare-trial")).unwrap();
        std::fs::write(agent.join("slot-1/python.err"), "x").unwrap();
        clean_scratch(&agent, KeepWorkdirs::Failed);
        assert!(agent.join("slot-0/trial-3-1").is_dir());
        assert!(!agent.join("slot-1").exists());
        std::fs::remove_dir_all(agent.join("slot-0/trial-3-1")).unwrap();
        clean_scratch(&agent, KeepWorkdirs::Failed);
        assert!(!tmp.path().join("tidepool-r").exists());
    }
}
