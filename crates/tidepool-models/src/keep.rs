//! Which trial directories a slot leaves on scratch after a trial (`[slots]
//! keep_workdirs`): with `failed` the last [`KEEP_FAILED_TRIALS`] failed ones, their
//! path noted at the end of the failure's stderr tail; shared by every worker that
//! runs trials in directories of their own.

use crate::{KeepWorkdirs, TrialOutcome, STDERR_TAIL_BYTES};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// How many failed trial directories a slot keeps for inspection; older ones go.
pub const KEEP_FAILED_TRIALS: usize = 8;

/// The failed trial directories a slot keeps, oldest first.
#[derive(Debug, Default)]
pub(crate) struct KeptFailures(VecDeque<PathBuf>);

impl KeptFailures {
    /// Which directories to remove now. With `all` none. Otherwise a cancelled trial's
    /// (a successful one's is already recycled or gone); a failed one is removed with
    /// `none`, or kept with its path noted in the failure, the oldest kept beyond
    /// [`KEEP_FAILED_TRIALS`] going.
    pub(crate) fn settle(
        &mut self,
        keep: KeepWorkdirs,
        workdir: PathBuf,
        outcome: &mut TrialOutcome,
    ) -> Vec<PathBuf> {
        match outcome {
            _ if keep == KeepWorkdirs::All => Vec::new(),
            TrialOutcome::Ok { .. } => Vec::new(),
            TrialOutcome::Cancelled => vec![workdir],
            _ if keep == KeepWorkdirs::None => vec![workdir],
            TrialOutcome::Failed { stderr_tail, .. }
            | TrialOutcome::TimedOut { stderr_tail }
            | TrialOutcome::Crashed { stderr_tail, .. } => {
                note_kept(stderr_tail, &workdir);
                self.0.retain(|kept| kept != &workdir);
                self.0.push_back(workdir);
                let excess = self.0.len().saturating_sub(KEEP_FAILED_TRIALS);
                self.0.drain(..excess).collect()
            }
        }
    }
}

/// Appends where a failed trial's directory was kept to its stderr tail, as the last
/// line, cutting the tail's start so that it stays within [`STDERR_TAIL_BYTES`].
fn note_kept(stderr_tail: &mut String, workdir: &Path) {
    if !stderr_tail.is_empty() && !stderr_tail.ends_with('\n') {
        stderr_tail.push('\n');
    }
    stderr_tail.push_str(&format!(
        "[tidepool] trial directory kept: {}\n",
        workdir.display()
    ));
    let excess = stderr_tail.len().saturating_sub(STDERR_TAIL_BYTES as usize);
    if excess > 0 {
        let mut cut = excess;
        while !stderr_tail.is_char_boundary(cut) {
            cut += 1;
        }
        stderr_tail.drain(..cut);
    }
}
