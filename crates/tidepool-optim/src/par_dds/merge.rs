//! Merging improvements found from a stale best. With many trials in flight, several
//! candidates perturb the same parent; when one improves on its parent after the best
//! has already moved on (a sibling improved first), both improvements are usually in
//! different coordinates, and on problems that are separable in part (most calibration
//! problems, and Griewank, Ackley, Rastrigin) their union is better than either. The
//! merge candidate is the better of the two with the other's changed coordinates
//! copied in; it is proposed next, ahead of new DDS candidates.

use serde::{Deserialize, Serialize};

use crate::TrialId;

/// Where a search candidate came from: its parent, the parent's value, and the
/// coordinates in which it differs from the parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Origin {
    pub parent: TrialId,
    pub parent_value: f64,
    pub changed: Vec<usize>,
}

/// One side of a merge: a point, and the coordinates it changed from its parent
/// (empty for a point without a parent, e.g. an initial sample).
pub(crate) struct Side<'a> {
    pub id: TrialId,
    pub value: f64,
    pub unit: &'a [f64],
    pub changed: &'a [usize],
}

/// The winner with the loser's changed coordinates (those the winner did not change
/// itself) copied in, and its origin; `None` when there is nothing to copy.
pub(crate) fn merge(winner: &Side, loser: &Side) -> Option<(Vec<f64>, Origin)> {
    let copied: Vec<usize> = loser
        .changed
        .iter()
        .copied()
        .filter(|j| !winner.changed.contains(j) && winner.unit[*j] != loser.unit[*j])
        .collect();
    if copied.is_empty() {
        return None;
    }
    let mut unit = winner.unit.to_vec();
    for &j in &copied {
        unit[j] = loser.unit[j];
    }
    let origin = Origin {
        parent: winner.id,
        parent_value: winner.value,
        changed: copied,
    };
    Some((unit, origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_only_the_losers_own_changes() {
        let w = Side {
            id: 7,
            value: 1.0,
            unit: &[0.1, 0.9, 0.5, 0.5],
            changed: &[1],
        };
        let l = Side {
            id: 8,
            value: 2.0,
            unit: &[0.3, 0.2, 0.5, 0.6],
            changed: &[1, 3],
        };
        let (unit, origin) = merge(&w, &l).unwrap();
        assert_eq!(unit, vec![0.1, 0.9, 0.5, 0.6]);
        assert_eq!(origin.parent, 7);
        assert_eq!(origin.parent_value, 1.0);
        assert_eq!(origin.changed, vec![3]);
    }

    #[test]
    fn nothing_to_copy_gives_no_merge() {
        let w = Side {
            id: 1,
            value: 1.0,
            unit: &[0.1, 0.9],
            changed: &[0, 1],
        };
        let l = Side {
            id: 2,
            value: 2.0,
            unit: &[0.3, 0.9],
            changed: &[0, 1],
        };
        assert!(merge(&w, &l).is_none());
    }
}
