//! Failures by reason: how many failed or timed-out trials gave each reason, and the
//! first line of the stderr tail of the first of them that has one.

use tidepool_journal::{TrialRecord, TrialStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub reason: String,
    pub count: usize,
    pub stderr_line: Option<String>,
}

/// Reasons, most frequent first (then by first appearance in proposal order).
pub fn by_reason(trials: &[TrialRecord]) -> Vec<Reason> {
    let mut reasons: Vec<Reason> = Vec::new();
    let failed = trials
        .iter()
        .filter(|t| matches!(t.status, TrialStatus::Failed | TrialStatus::TimedOut));
    for t in failed {
        let reason = t
            .failure_reason
            .clone()
            .unwrap_or_else(|| t.status.to_string());
        let line = t.stderr_tail.as_deref().and_then(first_line);
        match reasons.iter_mut().find(|r| r.reason == reason) {
            Some(r) => {
                r.count += 1;
                r.stderr_line = r.stderr_line.take().or(line);
            }
            None => reasons.push(Reason {
                reason,
                count: 1,
                stderr_line: line,
            }),
        }
    }
    reasons.sort_by_key(|r| std::cmp::Reverse(r.count)); // stable: first appearance kept
    reasons
}

fn first_line(tail: &str) -> Option<String> {
    tail.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::timeline::tests::trial;

    #[test]
    fn reasons_are_counted_with_the_first_stderr_line() {
        let mut trials: Vec<TrialRecord> = (0..5).map(|i| trial(i, "n", 0, 0.0, 1.0)).collect();
        let fail = |t: &mut TrialRecord, reason: &str, tail: &str| {
            t.status = TrialStatus::Failed;
            t.failure_reason = Some(reason.into());
            t.stderr_tail = Some(tail.into());
        };
        fail(&mut trials[0], "exit 1", "");
        fail(&mut trials[1], "exit 2", "\nboom\nmore");
        fail(&mut trials[2], "exit 1", "  \nfirst\nsecond");
        fail(&mut trials[3], "exit 1", "later");
        let got = by_reason(&trials);
        assert_eq!(
            got,
            vec![
                Reason {
                    reason: "exit 1".into(),
                    count: 3,
                    stderr_line: Some("first".into())
                },
                Reason {
                    reason: "exit 2".into(),
                    count: 1,
                    stderr_line: Some("boom".into())
                },
            ]
        );
    }
}
