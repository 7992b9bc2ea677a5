//! Which coordinates a candidate perturbs when siblings from the same best are in
//! flight: as many as DDS would choose (each with probability `p`, at least one), but
//! the ones its siblings have perturbed least, so concurrent candidates explore
//! different directions instead of the same neighbourhood.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// `k` coordinates, `k` distributed as in DDS (Binomial(d, p), at least 1), taken in
/// order of `cover` (how many siblings perturbed each), ties broken at random.
pub(crate) fn spread_select(cover: &[u32], p: f64, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let d = cover.len();
    let k = (0..d).filter(|_| rng.gen::<f64>() < p).count().max(1);
    let mut order: Vec<(u32, u64, usize)> =
        (0..d).map(|j| (cover[j], rng.gen::<u64>(), j)).collect();
    order.sort_unstable();
    let mut vars: Vec<usize> = order[..k].iter().map(|o| o.2).collect();
    vars.sort_unstable();
    vars
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_least_covered_coordinates_are_taken_first() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        // p = 0: one coordinate, the only uncovered one
        for _ in 0..50 {
            assert_eq!(spread_select(&[2, 1, 0, 1], 0.0, &mut rng), vec![2]);
        }
        // p = 1: all of them
        assert_eq!(
            spread_select(&[2, 1, 0, 1], 1.0, &mut rng),
            vec![0, 1, 2, 3]
        );
    }

    #[test]
    fn successive_siblings_cover_every_coordinate_before_repeating() {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let mut cover = [0u32; 10];
        for _ in 0..10 {
            for j in spread_select(&cover, 0.0, &mut rng) {
                cover[j] += 1;
            }
        }
        assert_eq!(cover, [1; 10]);
    }

    #[test]
    fn the_count_follows_the_binomial_mean() {
        // E[max(1, Binomial(10, 0.3))] = 3 + P(0) = 3 + 0.7^10
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 20_000;
        let total: usize = (0..n)
            .map(|_| spread_select(&[0; 10], 0.3, &mut rng).len())
            .sum();
        let mean = total as f64 / n as f64;
        let expected = 3.0 + 0.7f64.powi(10);
        assert!((mean - expected).abs() < 0.03, "{mean} vs {expected}");
    }
}
