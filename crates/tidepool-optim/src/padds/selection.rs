//! Which archive member a dominated candidate's successor perturbs: a roulette wheel
//! over a metric of the archive (SPOTPY 1.6.7's `padds`). `hvc` (the paper's choice,
//! the default): each member's exclusive contribution to the hypervolume of the
//! normalised front; `crowding`: the normalised crowding distance (Deb); `ones`: every
//! member alike. For both `hvc` and `crowding` the endpoints (the best and worst member
//! in each objective) take the value of their nearest other member, and an archive of
//! at most m + 1 members (m objectives) gives every member 1.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::hypervolume::hypervolume;

/// The selection metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    #[default]
    Hvc,
    Crowding,
    Ones,
}

/// The metric of every member of the front `points` (one row per member).
pub fn metric(selection: Selection, points: &[Vec<f64>]) -> Vec<f64> {
    let n = points.len();
    let m = points.first().map_or(0, Vec::len);
    if selection == Selection::Ones || n <= m + 1 {
        return vec![1.0; n];
    }
    let unit = normalise(points);
    let ends = endpoints(&unit);
    if ends.len() == n {
        return vec![1.0; n];
    }
    let mut values = match selection {
        Selection::Hvc => contributions(&unit),
        _ => crowding(&unit),
    };
    let inner: Vec<usize> = (0..n).filter(|i| !ends.contains(i)).collect();
    for &e in &ends {
        let near = nearest(&unit[e], &inner, &unit);
        values[e] = match selection {
            Selection::Hvc => values[near],
            _ => values[e].max(values[near]),
        };
    }
    values
}

/// Each objective scaled to [0,1] over the front (a constant objective by max + 1).
fn normalise(points: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let m = points[0].len();
    let lo: Vec<f64> = (0..m)
        .map(|k| points.iter().map(|p| p[k]).fold(f64::INFINITY, f64::min))
        .collect();
    let hi: Vec<f64> = (0..m)
        .map(|k| {
            points
                .iter()
                .map(|p| p[k])
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    points
        .iter()
        .map(|p| {
            (0..m)
                .map(|k| {
                    let span = if hi[k] == lo[k] { 1.0 } else { hi[k] - lo[k] };
                    (p[k] - lo[k]) / span
                })
                .collect()
        })
        .collect()
}

/// The members best and worst in some objective (first of ties), ascending.
fn endpoints(unit: &[Vec<f64>]) -> Vec<usize> {
    let mut ends = Vec::new();
    for k in 0..unit[0].len() {
        let order = sorted_by(unit, k);
        ends.push(order[0]);
        ends.push(order[order.len() - 1]);
    }
    ends.sort_unstable();
    ends.dedup();
    ends
}

/// Indices sorted by objective `k` (stable).
fn sorted_by(unit: &[Vec<f64>], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..unit.len()).collect();
    order.sort_by(|&a, &b| unit[a][k].total_cmp(&unit[b][k]));
    order
}

/// Exclusive hypervolume contributions against the reference point (1, ..., 1).
fn contributions(unit: &[Vec<f64>]) -> Vec<f64> {
    let reference = vec![1.0; unit[0].len()];
    let total = hypervolume(unit, &reference);
    (0..unit.len())
        .map(|i| {
            let rest: Vec<Vec<f64>> = (0..unit.len())
                .filter(|&j| j != i)
                .map(|j| unit[j].clone())
                .collect();
            (total - hypervolume(&rest, &reference)).max(0.0)
        })
        .collect()
}

/// Crowding distance: per objective, the gap between a member's neighbours (twice
/// the one gap at either end), summed.
fn crowding(unit: &[Vec<f64>]) -> Vec<f64> {
    let n = unit.len();
    let mut cd = vec![0.0; n];
    for k in 0..unit[0].len() {
        let order = sorted_by(unit, k);
        let at = |r: usize| unit[order[r]][k];
        cd[order[0]] += 2.0 * (at(1) - at(0));
        cd[order[n - 1]] += 2.0 * (at(n - 1) - at(n - 2));
        for r in 1..n - 1 {
            cd[order[r]] += at(r + 1) - at(r - 1);
        }
    }
    cd
}

/// The member of `among` nearest to `point` (Euclidean; first of ties).
fn nearest(point: &[f64], among: &[usize], unit: &[Vec<f64>]) -> usize {
    let dist = |j: usize| -> f64 {
        unit[j]
            .iter()
            .zip(point)
            .map(|(a, b)| (a - b) * (a - b))
            .sum()
    };
    among
        .iter()
        .copied()
        .min_by(|&a, &b| dist(a).total_cmp(&dist(b)))
        .expect("a front with endpoints and more has inner members")
}

/// A roulette wheel over `weights`: index k with probability w_k / sum(w); uniform
/// when no weight is positive.
pub fn roulette(weights: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return rng.gen_range(0..weights.len());
    }
    let target = rng.gen::<f64>() * total;
    let mut cumulative = 0.0;
    for (k, w) in weights.iter().enumerate() {
        cumulative += w;
        if cumulative >= target {
            return k;
        }
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// SPOTPY's own example front: [1 10; 2 9.8; 3 5; 4 4; 8 2; 10 1].
    fn front() -> Vec<Vec<f64>> {
        [
            [1.0, 10.0],
            [2.0, 9.8],
            [3.0, 5.0],
            [4.0, 4.0],
            [8.0, 2.0],
            [10.0, 1.0],
        ]
        .iter()
        .map(|p| p.to_vec())
        .collect()
    }

    #[test]
    fn hvc_of_a_small_front_by_hand() {
        // normalised: x = (p0-1)/9, y = (p1-1)/9; reference (1,1). The exclusive box of
        // an inner member is (x_next - x) * (y_prev - y) with its neighbours in x.
        let u: Vec<(f64, f64)> = front()
            .iter()
            .map(|p| ((p[0] - 1.0) / 9.0, (p[1] - 1.0) / 9.0))
            .collect();
        let expect = |i: usize| (u[i + 1].0 - u[i].0) * (u[i - 1].1 - u[i].1);
        let got = metric(Selection::Hvc, &front());
        for (i, g) in got.iter().enumerate().take(5).skip(1) {
            assert!((g - expect(i)).abs() < 1e-12, "{i}: {got:?}");
        }
        // endpoints take their nearest inner member's value: 0 -> 1, 5 -> 4
        assert_eq!(got[0], got[1]);
        assert_eq!(got[5], got[4]);
    }

    #[test]
    fn crowding_of_a_small_front_by_hand() {
        let u: Vec<(f64, f64)> = front()
            .iter()
            .map(|p| ((p[0] - 1.0) / 9.0, (p[1] - 1.0) / 9.0))
            .collect();
        let got = metric(Selection::Crowding, &front());
        let inner = |i: usize| (u[i + 1].0 - u[i - 1].0) + (u[i - 1].1 - u[i + 1].1);
        for (i, g) in got.iter().enumerate().take(5).skip(1) {
            assert!((g - inner(i)).abs() < 1e-12);
        }
        // endpoint 0: 2*(x1-x0) + 2*(y0-y1) = 2/9 + 0.4/9, vs member 1's value
        let own = 2.0 * (u[1].0 - u[0].0) + 2.0 * (u[0].1 - u[1].1);
        assert!((got[0] - own.max(inner(1))).abs() < 1e-12);
    }

    #[test]
    fn small_fronts_and_ones_give_equal_weights() {
        let three = front()[..3].to_vec();
        assert_eq!(metric(Selection::Hvc, &three), vec![1.0; 3]);
        assert_eq!(metric(Selection::Ones, &front()), vec![1.0; 6]);
    }

    #[test]
    fn the_roulette_follows_the_weights() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut counts = [0usize; 3];
        for _ in 0..3000 {
            counts[roulette(&[1.0, 0.0, 3.0], &mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        // expected 750 and 2250; 5 sigma of a binomial(3000, 0.25) is about 119
        assert!((630..870).contains(&counts[0]), "{counts:?}");
    }
}
