//! The objective against evaluations: each observed trial in the order the optimiser
//! saw it (evaluation 1, 2, ...) and the best value so far after each.

use tidepool_journal::TrialRecord;

/// One evaluation: its number (from 1), its minimised objective (`None`: failed) and
/// the best minimised objective up to and including it (`None`: none yet).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    pub number: usize,
    pub objective: Option<f64>,
    pub best: Option<f64>,
}

/// Observed trials in observation order.
pub fn observed(trials: &[TrialRecord]) -> Vec<&TrialRecord> {
    let mut seen: Vec<&TrialRecord> = trials.iter().filter(|t| t.observed_seq.is_some()).collect();
    seen.sort_by_key(|t| t.observed_seq);
    seen
}

/// The running best (smallest) of minimised objectives; NaN counts as failed.
pub fn running_best(objectives: &[Option<f64>]) -> Vec<Evaluation> {
    let mut best: Option<f64> = None;
    objectives
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let objective = o.filter(|v| !v.is_nan());
            if let Some(v) = objective {
                best = Some(best.map_or(v, |b| b.min(v)));
            }
            Evaluation {
                number: i + 1,
                objective,
                best,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_best_skips_failures_and_keeps_the_minimum() {
        let got = running_best(&[None, Some(3.0), Some(f64::NAN), Some(4.0), Some(1.5)]);
        let best: Vec<Option<f64>> = got.iter().map(|e| e.best).collect();
        assert_eq!(best, [None, Some(3.0), Some(3.0), Some(3.0), Some(1.5)]);
        assert_eq!(got[2].objective, None);
        assert_eq!(got[4].number, 5);
    }
}
