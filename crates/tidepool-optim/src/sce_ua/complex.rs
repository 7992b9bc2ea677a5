//! One complex and its competitive complex evolution (CCE): a simplex of `nps` points
//! is drawn with the trapezoidal probability that favours better points, its worst
//! point is reflected through the centroid of the others (a uniform point if the
//! reflection leaves the box); if that is worse than the worst, a contraction halfway
//! to the centroid; if that is worse too, a uniform point. The new point replaces the
//! worst of the simplex and the complex is sorted again. The evaluations of one step
//! run one after the other; different complexes step independently.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::dds::uniform_unit;

/// A point of the population in the unit box and its value (failures are +inf).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Member {
    pub unit: Vec<f64>,
    pub f: f64,
}

/// Sorts by value, best first; stable, so equal values keep their order.
pub(crate) fn sort_members(members: &mut [Member]) {
    members.sort_by(|a, b| a.f.total_cmp(&b.f));
}

/// The point a step is evaluating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Stage {
    Reflect,
    Contract,
    Random,
}

/// A CCE step under way: the simplex (indices into the complex, ascending, so the
/// last is the worst) and the stage whose point is evaluated or due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Step {
    simplex: Vec<usize>,
    stage: Stage,
    in_flight: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Complex {
    pub members: Vec<Member>,
    pub steps_done: usize,
    step: Option<Step>,
}

/// Position (0-based) in a sorted complex of `npg` points for a uniform `r` in [0, 1):
/// Duan et al.'s trapezoidal distribution, P(i) = 2 (npg - i) / (npg (npg + 1)).
pub(crate) fn trapezoidal_position(npg: usize, r: f64) -> usize {
    let m = npg as f64;
    let pos = (m + 0.5 - ((m + 0.5).powi(2) - m * (m + 1.0) * r).sqrt()).floor();
    (pos.max(0.0) as usize).min(npg - 1)
}

/// The simplex: the best point, then `nps - 1` distinct positions drawn trapezoidally
/// (up to 1,000 draws each, as in Duan's code), sorted ascending.
fn select_simplex(npg: usize, nps: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut lcs = vec![0];
    for _ in 1..nps {
        let mut lpos = 0;
        for _ in 0..1000 {
            lpos = trapezoidal_position(npg, rng.gen::<f64>());
            if !lcs.contains(&lpos) {
                break;
            }
        }
        lcs.push(lpos);
    }
    lcs.sort_unstable();
    lcs
}

impl Complex {
    pub fn new(members: Vec<Member>) -> Self {
        Complex {
            members,
            steps_done: 0,
            step: None,
        }
    }

    /// Whether this complex can take a proposal now.
    pub fn ready(&self, nspl: usize) -> bool {
        match &self.step {
            None => self.steps_done < nspl,
            Some(step) => !step.in_flight,
        }
    }

    /// Whether this complex has finished its steps of the loop.
    pub fn finished(&self, nspl: usize) -> bool {
        self.step.is_none() && self.steps_done >= nspl
    }

    /// The next point to evaluate (call only when `ready`).
    pub fn candidate(&mut self, nps: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
        let npg = self.members.len();
        let step = self.step.get_or_insert_with(|| Step {
            simplex: select_simplex(npg, nps, rng),
            stage: Stage::Reflect,
            in_flight: false,
        });
        step.in_flight = true;
        let d = self.members[0].unit.len();
        let (worst, rest) = step.simplex.split_last().expect("a simplex has 2+ points");
        let sw = &self.members[*worst].unit;
        let ce: Vec<f64> = (0..d)
            .map(|j| rest.iter().map(|&i| self.members[i].unit[j]).sum::<f64>() / rest.len() as f64)
            .collect();
        match step.stage {
            Stage::Reflect => {
                let snew: Vec<f64> = (0..d).map(|j| 2.0 * ce[j] - sw[j]).collect();
                if snew.iter().all(|v| (0.0..=1.0).contains(v)) {
                    snew
                } else {
                    uniform_unit(d, rng)
                }
            }
            Stage::Contract => (0..d).map(|j| sw[j] + 0.5 * (ce[j] - sw[j])).collect(),
            Stage::Random => uniform_unit(d, rng),
        }
    }

    /// The value of the point in flight: accept it, or move to the next stage when it
    /// is worse than the simplex's worst (a random point is always accepted).
    pub fn settle(&mut self, unit: Vec<f64>, f: f64) {
        let step = self.step.as_mut().expect("a trial in flight has a step");
        step.in_flight = false;
        let worst = *step.simplex.last().expect("a simplex has 2+ points");
        let fw = self.members[worst].f;
        let next = match step.stage {
            Stage::Reflect if f > fw => Some(Stage::Contract),
            Stage::Contract if f > fw => Some(Stage::Random),
            _ => None,
        };
        match next {
            Some(stage) => step.stage = stage,
            None => {
                self.members[worst] = Member { unit, f };
                sort_members(&mut self.members);
                self.steps_done += 1;
                self.step = None;
            }
        }
    }
}
