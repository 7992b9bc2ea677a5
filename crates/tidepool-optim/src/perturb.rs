//! The DDS neighbourhood move in the unit box: inclusion probability schedules,
//! variable selection, Gaussian steps, the bound rules and integer moves.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::params::ParamSpace;

/// What to do with a step that leaves `[0,1]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BoundRule {
    /// Tolson & Shoemaker (2007): below 0 reflect at 0, and if that lands above 1 set 0;
    /// above 1 reflect at 1, and if that lands below 0 set 1.
    #[default]
    Reflect,
    /// The later variant: reflect with probability 0.5, otherwise clamp to the violated bound.
    ReflectOrClamp,
}

/// DDS (2007): P(i) = 1 - ln(i) / ln(m - n0) for search iteration i (1-based).
pub fn dds_probability(i: u64, search_iterations: u64) -> f64 {
    if search_iterations <= 1 || i <= 1 {
        return 1.0;
    }
    (1.0 - (i as f64).ln() / (search_iterations as f64).ln()).clamp(0.0, 1.0)
}

/// Parallel DDS (OSTRICH): P = 1 for the first 2n candidates, then
/// 1 - ln(k - 2n) / ln(m - 2n), k the 1-based search candidate count.
pub fn async_probability(k: u64, workers: u64, budget: u64) -> f64 {
    let warm = 2 * workers;
    if k <= warm || budget <= warm + 1 {
        return 1.0;
    }
    (1.0 - ((k - warm) as f64).ln() / ((budget - warm) as f64).ln()).clamp(0.0, 1.0)
}

/// The original reflection rule on `[0,1]`.
pub fn reflect(x: f64) -> f64 {
    if x < 0.0 {
        let y = -x;
        if y > 1.0 {
            0.0
        } else {
            y
        }
    } else if x > 1.0 {
        let y = 2.0 - x;
        if y < 0.0 {
            1.0
        } else {
            y
        }
    } else {
        x
    }
}

fn bound(x: f64, rule: BoundRule, rng: &mut ChaCha8Rng) -> f64 {
    if (0.0..=1.0).contains(&x) {
        return x;
    }
    match rule {
        BoundRule::Reflect => reflect(x),
        BoundRule::ReflectOrClamp => {
            if rng.gen_bool(0.5) {
                reflect(x)
            } else {
                x.clamp(0.0, 1.0)
            }
        }
    }
}

/// Selects each coordinate with probability `p`; if none was selected, one at random.
pub fn select(d: usize, p: f64, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut chosen: Vec<usize> = (0..d).filter(|_| rng.gen::<f64>() < p).collect();
    if chosen.is_empty() {
        chosen.push(rng.gen_range(0..d));
    }
    chosen
}

/// The move for an integer coordinate: perturb, round in the user's space, and if
/// the value is unchanged move one unit up or down (the other way at a bound).
fn integer_step(space: &ParamSpace, j: usize, from: f64, to: f64, rng: &mut ChaCha8Rng) -> f64 {
    let old = space.denormalise_one(j, from);
    let new = space.denormalise_one(j, to);
    if new != old {
        return space.normalise_one(j, new);
    }
    let p = &space.params()[j];
    let (lo, hi) = (p.lower.ceil(), p.upper.floor());
    let up = rng.gen_bool(0.5);
    let moved = match (up, old + 1.0 <= hi, old - 1.0 >= lo) {
        (true, true, _) | (false, true, false) => old + 1.0,
        (false, _, true) | (true, false, true) => old - 1.0,
        _ => old,
    };
    space.normalise_one(j, moved)
}

/// One DDS candidate around `best` (unit box): sigma = r (i.e. r * (hi - lo) in the
/// transformed space), bound rule applied, integer moves for integer parameters.
pub fn dds_candidate(
    space: &ParamSpace,
    best: &[f64],
    p: f64,
    r: f64,
    rule: BoundRule,
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    let vars = select(best.len(), p, rng);
    dds_step(space, best, &vars, r, rule, rng)
}

/// The DDS move of the chosen coordinates `vars` only (the rest of `best` kept).
pub fn dds_step(
    space: &ParamSpace,
    best: &[f64],
    vars: &[usize],
    r: f64,
    rule: BoundRule,
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    let mut x = best.to_vec();
    for &j in vars {
        let z: f64 = rng.sample(StandardNormal);
        let stepped = bound(best[j] + r * z, rule, rng);
        x[j] = if space.is_integer(j) {
            integer_step(space, j, best[j], stepped, rng)
        } else {
            stepped
        };
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Param;
    use rand::SeedableRng;

    #[test]
    fn dds_schedule_follows_the_log_rule() {
        assert_eq!(dds_probability(1, 995), 1.0);
        let p = dds_probability(100, 995);
        assert!((p - (1.0 - 100f64.ln() / 995f64.ln())).abs() < 1e-15);
        assert!(dds_probability(995, 995).abs() < 1e-15);
        assert!(dds_probability(2, 995) > dds_probability(3, 995));
    }

    #[test]
    fn async_schedule_is_one_for_the_first_two_n() {
        for k in 1..=32 {
            assert_eq!(async_probability(k, 16, 1000), 1.0);
        }
        let p = async_probability(100, 16, 1000);
        assert!((p - (1.0 - 68f64.ln() / 968f64.ln())).abs() < 1e-15);
    }

    #[test]
    fn reflect_follows_the_original_rule() {
        assert_eq!(reflect(-0.25), 0.25);
        assert_eq!(reflect(1.25), 0.75);
        assert_eq!(reflect(-1.5), 0.0);
        assert_eq!(reflect(2.5), 1.0);
        assert_eq!(reflect(0.4), 0.4);
    }

    #[test]
    fn reflect_or_clamp_uses_both_branches() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let outs: Vec<f64> = (0..200)
            .map(|_| bound(-0.25, BoundRule::ReflectOrClamp, &mut rng))
            .collect();
        assert!(outs.iter().all(|&v| v == 0.25 || v == 0.0));
        let clamped = outs.iter().filter(|&&v| v == 0.0).count();
        assert!((60..140).contains(&clamped), "{clamped}");
    }

    #[test]
    fn selection_never_empty() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..100 {
            assert_eq!(select(5, 0.0, &mut rng).len(), 1);
        }
        assert_eq!(select(5, 1.0, &mut rng), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn integer_moves_always_change_the_value() {
        let space = ParamSpace::new(vec![Param::new("n", 0.0, 100.0).integer()]).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for start in [0.0, 50.0, 100.0] {
            let u = space.normalise_one(0, start);
            for _ in 0..50 {
                // a tiny r makes the rounded value unchanged: the +/-1 rule must apply
                let x = dds_candidate(&space, &[u], 1.0, 1e-6, BoundRule::Reflect, &mut rng);
                let v = space.denormalise_one(0, x[0]);
                assert_eq!((v - start).abs(), 1.0, "from {start} to {v}");
            }
        }
    }
}
