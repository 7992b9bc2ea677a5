//! Standard test functions for the quality benchmarks (all minimised, optimum 0).

use std::f64::consts::{E, PI};

/// A benchmark problem: its name, box and function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchFunction {
    Griewank,
    Ackley,
    Rastrigin,
    Rosenbrock,
}

impl BenchFunction {
    pub const ALL: [BenchFunction; 4] = [
        BenchFunction::Griewank,
        BenchFunction::Ackley,
        BenchFunction::Rastrigin,
        BenchFunction::Rosenbrock,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BenchFunction::Griewank => "griewank",
            BenchFunction::Ackley => "ackley",
            BenchFunction::Rastrigin => "rastrigin",
            BenchFunction::Rosenbrock => "rosenbrock",
        }
    }

    /// The same box in every dimension.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            BenchFunction::Griewank => (-600.0, 600.0),
            BenchFunction::Ackley => (-32.768, 32.768),
            BenchFunction::Rastrigin => (-5.12, 5.12),
            BenchFunction::Rosenbrock => (-5.0, 10.0),
        }
    }

    pub fn eval(self, x: &[f64]) -> f64 {
        match self {
            BenchFunction::Griewank => griewank(x),
            BenchFunction::Ackley => ackley(x),
            BenchFunction::Rastrigin => rastrigin(x),
            BenchFunction::Rosenbrock => rosenbrock(x),
        }
    }
}

pub fn griewank(x: &[f64]) -> f64 {
    let sum: f64 = x.iter().map(|v| v * v).sum::<f64>() / 4000.0;
    let prod: f64 = x
        .iter()
        .enumerate()
        .map(|(j, v)| (v / ((j + 1) as f64).sqrt()).cos())
        .product();
    1.0 + sum - prod
}

pub fn ackley(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let sq = x.iter().map(|v| v * v).sum::<f64>() / n;
    let cs = x.iter().map(|v| (2.0 * PI * v).cos()).sum::<f64>() / n;
    -20.0 * (-0.2 * sq.sqrt()).exp() - cs.exp() + 20.0 + E
}

pub fn rastrigin(x: &[f64]) -> f64 {
    10.0 * x.len() as f64
        + x.iter()
            .map(|v| v * v - 10.0 * (2.0 * PI * v).cos())
            .sum::<f64>()
}

pub fn rosenbrock(x: &[f64]) -> f64 {
    x.windows(2)
        .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optima_and_known_values() {
        let zero = [0.0; 10];
        assert!(griewank(&zero).abs() < 1e-15);
        assert!(ackley(&zero).abs() < 1e-14);
        assert_eq!(rastrigin(&zero), 0.0);
        assert_eq!(rosenbrock(&[1.0; 10]), 0.0);
        assert_eq!(rosenbrock(&[0.0, 0.0]), 1.0);
        assert!((rastrigin(&[1.0, 1.0]) - 2.0).abs() < 1e-12);
        // griewank at (pi * sqrt(1), 0): 1 + pi^2/4000 - cos(pi)
        assert!((griewank(&[PI, 0.0]) - (2.0 + PI * PI / 4000.0)).abs() < 1e-12);
    }
}
