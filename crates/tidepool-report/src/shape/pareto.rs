//! The Pareto front of a multi-objective run, shaped for its figure: every observed
//! trial's objectives (as minimised) split into the front and the rest, the front
//! sorted by its first objective (a staircase for two objectives), and for three or
//! more objectives each axis scaled to [0, 1] over all trials (parallel coordinates).

use tidepool_journal::TrialId;

/// The trials' objective vectors, split.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontPlot {
    /// The objectives' names, one per axis.
    pub names: Vec<String>,
    /// Trials not on the front.
    pub others: Vec<Vec<f64>>,
    /// The front, sorted by the first objective.
    pub front: Vec<Vec<f64>>,
}

impl FrontPlot {
    /// `vectors`: every observed trial's objectives; `front`: the archive's trials.
    pub fn build(
        names: &[String],
        vectors: &[(TrialId, Vec<f64>)],
        front: &[TrialId],
    ) -> FrontPlot {
        let m = vectors.first().map_or(names.len(), |(_, v)| v.len());
        let names = (0..m)
            .map(|k| {
                names
                    .get(k)
                    .cloned()
                    .unwrap_or_else(|| format!("objective {}", k + 1))
            })
            .collect();
        let (on, off): (Vec<_>, Vec<_>) = vectors.iter().partition(|(id, _)| front.contains(id));
        let mut front: Vec<Vec<f64>> = on.into_iter().map(|(_, v)| v.clone()).collect();
        front.sort_by(|a, b| a[0].total_cmp(&b[0]));
        FrontPlot {
            names,
            others: off.into_iter().map(|(_, v)| v.clone()).collect(),
            front,
        }
    }

    /// Each objective's range over all trials (a constant one widened by 1).
    pub fn ranges(&self) -> Vec<(f64, f64)> {
        (0..self.names.len())
            .map(|k| {
                let all = self.others.iter().chain(&self.front).map(|v| v[k]);
                let (lo, hi) = all
                    .filter(|x| x.is_finite())
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
                        (l.min(x), h.max(x))
                    });
                if hi > lo {
                    (lo, hi)
                } else {
                    (lo, lo + 1.0)
                }
            })
            .collect()
    }

    /// A vector with each objective scaled to [0, 1] over all trials.
    pub fn scaled(&self, v: &[f64]) -> Vec<f64> {
        v.iter()
            .zip(self.ranges())
            .map(|(x, (lo, hi))| (x - lo) / (hi - lo))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_is_split_off_sorted_and_scaled_over_all_trials() {
        let vectors = vec![
            (0, vec![3.0, 1.0, 5.0]),
            (1, vec![1.0, 3.0, 5.0]),
            (2, vec![4.0, 4.0, 5.0]),
            (3, vec![2.0, 2.0, 5.0]),
        ];
        let plot = FrontPlot::build(&["a".into(), "b".into()], &vectors, &[0, 1, 3]);
        assert_eq!(plot.names, ["a", "b", "objective 3"]);
        assert_eq!(plot.others, vec![vec![4.0, 4.0, 5.0]]);
        let firsts: Vec<f64> = plot.front.iter().map(|v| v[0]).collect();
        assert_eq!(firsts, [1.0, 2.0, 3.0]);
        // a: 1..4, b: 1..4, the constant third: 5..6
        assert_eq!(plot.ranges(), vec![(1.0, 4.0), (1.0, 4.0), (5.0, 6.0)]);
        assert_eq!(plot.scaled(&[2.5, 4.0, 5.0]), vec![0.5, 1.0, 0.0]);
    }
}
