//! Pareto dominance (every objective minimised) and the archive of non-dominated
//! trials, updated by the ND check of PADDS (Asadzadeh and Tolson 2013, as SPOTPY
//! 1.6.7's `nd_check`): a candidate dominated by a member is rejected; one equal to a
//! member in every objective replaces it; otherwise it joins and removes the members
//! it dominates.

use serde::{Deserialize, Serialize};

use crate::TrialId;

/// How a candidate compares with one other point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dominance {
    /// Better in at least one objective and worse in none.
    Dominates,
    /// Worse in at least one objective and better in none.
    DominatedBy,
    /// Equal in every objective.
    Equal,
    /// Better in one, worse in another.
    Neither,
}

/// How `a` compares with `b` (same length; smaller is better).
pub fn compare(a: &[f64], b: &[f64]) -> Dominance {
    let better = a.iter().zip(b).filter(|(x, y)| x < y).count();
    let worse = a.iter().zip(b).filter(|(x, y)| x > y).count();
    match (better, worse) {
        (0, 0) => Dominance::Equal,
        (0, _) => Dominance::DominatedBy,
        (_, 0) => Dominance::Dominates,
        _ => Dominance::Neither,
    }
}

/// What the ND check did with a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Admission {
    /// Dominated by a member: not archived (SPOTPY's flag -1).
    Rejected,
    /// Archived without removing anyone, or replacing an equal member (flag 0).
    Joined,
    /// Archived, removing the members it dominates (flag 1).
    Dominating,
}

/// One archived trial: its id, its point in the unit box and its objectives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: TrialId,
    pub unit: Vec<f64>,
    pub objectives: Vec<f64>,
}

/// The non-dominated trials so far, in the order they joined.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Archive {
    members: Vec<Member>,
}

impl Archive {
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members' objectives, one row each.
    pub fn points(&self) -> Vec<Vec<f64>> {
        self.members.iter().map(|m| m.objectives.clone()).collect()
    }

    /// The ND check: offers `candidate` to the archive.
    pub fn offer(&mut self, candidate: Member) -> Admission {
        let mut admission = Admission::Joined;
        let mut i = 0;
        while i < self.members.len() {
            match compare(&candidate.objectives, &self.members[i].objectives) {
                Dominance::DominatedBy => return Admission::Rejected,
                Dominance::Equal => {
                    self.members[i] = candidate;
                    return Admission::Joined;
                }
                Dominance::Dominates => {
                    self.members.remove(i);
                    admission = Admission::Dominating;
                }
                Dominance::Neither => i += 1,
            }
        }
        self.members.push(candidate);
        admission
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: TrialId, objectives: &[f64]) -> Member {
        Member {
            id,
            unit: vec![id as f64],
            objectives: objectives.to_vec(),
        }
    }

    fn ids(a: &Archive) -> Vec<TrialId> {
        a.members().iter().map(|m| m.id).collect()
    }

    #[test]
    fn dominance_of_two_points() {
        assert_eq!(compare(&[1.0, 2.0], &[1.0, 3.0]), Dominance::Dominates);
        assert_eq!(compare(&[1.0, 3.0], &[1.0, 2.0]), Dominance::DominatedBy);
        assert_eq!(compare(&[1.0, 2.0], &[1.0, 2.0]), Dominance::Equal);
        assert_eq!(compare(&[0.0, 3.0], &[1.0, 2.0]), Dominance::Neither);
    }

    #[test]
    fn the_archive_keeps_exactly_the_non_dominated_points() {
        // points and their front worked out by hand: (1,5) (2,3) (4,1) remain
        let points = [
            [3.0, 4.0], // joins
            [2.0, 5.0], // joins (neither)
            [2.0, 3.0], // dominates both
            [1.0, 5.0], // joins
            [3.0, 3.5], // dominated by (2,3): rejected
            [4.0, 1.0], // joins
            [5.0, 5.0], // rejected
        ];
        let mut a = Archive::default();
        let got: Vec<Admission> = points
            .iter()
            .enumerate()
            .map(|(k, p)| a.offer(member(k as u64, p)))
            .collect();
        use Admission::*;
        assert_eq!(
            got,
            [Joined, Joined, Dominating, Joined, Rejected, Joined, Rejected]
        );
        assert_eq!(ids(&a), [2, 3, 5]);
    }

    #[test]
    fn an_equal_point_replaces_the_member_in_place() {
        let mut a = Archive::default();
        a.offer(member(0, &[1.0, 2.0]));
        a.offer(member(1, &[2.0, 1.0]));
        assert_eq!(a.offer(member(2, &[1.0, 2.0])), Admission::Joined);
        assert_eq!(ids(&a), [2, 1]);
    }
}
