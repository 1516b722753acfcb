//! Distributions of whole counts: how many times a call is made for one request (a fixed fan-out, or followers per author).

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Poisson};

use crate::sim::rng::open01;

/// A count drawn per request: a constant, or a distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Count {
    Fixed(u32),
    /// Poisson with this mean (0 included).
    Poisson {
        mean: f64,
    },
    /// Uniform on `min ..= max`.
    Uniform {
        min: u32,
        max: u32,
    },
    /// A heavy tail: ⌊scale · U^(−1/shape)⌋ (Pareto rounded down), at most
    /// `max`.
    Pareto {
        scale: f64,
        shape: f64,
        max: u32,
    },
}

impl Count {
    /// Whether every draw is the same (no random stream needed).
    pub fn is_fixed(&self) -> bool {
        matches!(self, Count::Fixed(_))
    }

    /// One draw, at most `cap`.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, cap: u32) -> u32 {
        let n = match *self {
            Count::Fixed(n) => n,
            Count::Poisson { mean } => match Poisson::new(mean) {
                Ok(p) => clamp(p.sample(rng), cap),
                Err(_) => 0,
            },
            Count::Uniform { min, max } => rng.random_range(min..=max.max(min)),
            Count::Pareto { scale, shape, max } => {
                clamp(scale * open01(rng).powf(-1.0 / shape), max)
            }
        };
        n.min(cap)
    }

    /// The mean of a draw (with the caps applied only for the Pareto's
    /// `max`).
    pub fn mean(&self) -> f64 {
        match *self {
            Count::Fixed(n) => f64::from(n),
            Count::Poisson { mean } => mean,
            Count::Uniform { min, max } => (f64::from(min) + f64::from(max)) / 2.0,
            Count::Pareto { scale, shape, max } => pareto_mean(scale, shape, max),
        }
    }

    /// A short description: `50`, `poisson(mean 20)`.
    pub fn describe(&self) -> String {
        match *self {
            Count::Fixed(n) => n.to_string(),
            Count::Poisson { mean } => format!("poisson(mean {mean})"),
            Count::Uniform { min, max } => format!("uniform({min}..={max})"),
            Count::Pareto { scale, shape, max } => {
                format!("pareto(scale {scale}, shape {shape}, max {max})")
            }
        }
    }
}

/// E[min(⌊X⌋, max)] for X Pareto(scale, shape): the sum over k = 1..=max
/// of P(X ≥ k), which is 1 up to `scale`, then (scale / k)^shape. A
/// thousand terms past `scale` are added, the rest by the integral over
/// [k − ½, k + ½] (off by less than 1e-4 in all). Rounding down takes
/// about ½ off the continuous mean: 2.57, not 2.96, blocks per file for
/// Pareto(1, 1.5) capped at 2 500.
fn pareto_mean(scale: f64, shape: f64, max: u32) -> f64 {
    const SUMMED: u32 = 1000;
    let ones = scale.floor().clamp(0.0, f64::from(max)) as u32;
    let last = max.min(ones.saturating_add(SUMMED));
    let head: f64 = (ones + 1..=last)
        .map(|k| (scale / f64::from(k)).powf(shape))
        .sum();
    let integral = |x: f64| {
        if (shape - 1.0).abs() < 1e-12 {
            scale * x.ln()
        } else {
            scale.powf(shape) * x.powf(1.0 - shape) / (1.0 - shape)
        }
    };
    let (from, to) = (f64::from(last) + 0.5, f64::from(max) + 0.5);
    let tail = if max > last {
        integral(to) - integral(from)
    } else {
        0.0
    };
    f64::from(ones) + head + tail
}

/// A non-negative draw rounded down, at most `cap`.
fn clamp(x: f64, cap: u32) -> u32 {
    if x.is_nan() || x <= 0.0 {
        0
    } else if x >= f64::from(cap) {
        cap
    } else {
        x as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::stream;

    fn sample_mean(c: Count, n: usize) -> f64 {
        let mut r = stream(3, "test", "count");
        (0..n)
            .map(|_| f64::from(c.sample(&mut r, 100_000)))
            .sum::<f64>()
            / n as f64
    }

    #[test]
    fn sample_means_match_the_stated_means() {
        // 200k draws; the standard errors are below 0.1 % of these means
        // (Poisson 20: √20/√200k = 0.01; uniform 0..=40: 0.026), so the
        // bounds are over 5 σ. The Pareto is rounded down: its mean is
        // about 0.5 below the continuous one (a fractional part averages
        // one half for a spread-out variable).
        assert!((sample_mean(Count::Fixed(7), 10) - 7.0).abs() < 1e-12);
        assert!((sample_mean(Count::Poisson { mean: 20.0 }, 200_000) - 20.0).abs() < 0.06);
        let u = Count::Uniform { min: 0, max: 40 };
        assert!((sample_mean(u, 200_000) - 20.0).abs() < 0.14);
        let p = Count::Pareto {
            scale: 10.0,
            shape: 3.0,
            max: 100_000,
        };
        let m = sample_mean(p, 200_000);
        // Continuous mean 15 (14.5 rounded down), standard deviation 8.7:
        // se 0.02, 5 se 0.1.
        assert!((m - p.mean()).abs() < 0.1, "{m} vs {}", p.mean());
        // File storage's blocks per file: standard deviation ≈ 12 (capped
        // at 2 500), se 0.027, 5 se 0.14; the continuous mean is 2.96.
        let blocks = Count::Pareto {
            scale: 1.0,
            shape: 1.5,
            max: 2500,
        };
        let m = sample_mean(blocks, 200_000);
        assert!((m - blocks.mean()).abs() < 0.14, "{m} vs {}", blocks.mean());
        assert!((blocks.mean() - 2.57).abs() < 0.02, "{}", blocks.mean());
    }

    #[test]
    fn the_pareto_mean_sums_its_terms_exactly_enough() {
        // The integral past a thousand terms against the plain sum.
        for (scale, shape, max) in [(1.0, 1.5, 100_000), (2.5, 1.2, 50_000), (1500.0, 2.0, 9000)] {
            let summed: f64 = (1..=max)
                .map(f64::from)
                .map(|k| {
                    if k <= scale {
                        1.0
                    } else {
                        (scale / k).powf(shape)
                    }
                })
                .sum();
            let got = Count::Pareto { scale, shape, max }.mean();
            assert!((got - summed).abs() < 1e-4, "{got} vs {summed}");
        }
    }

    #[test]
    fn draws_stay_within_their_caps() {
        let mut r = stream(1, "t", "cap");
        let p = Count::Pareto {
            scale: 1.0,
            shape: 1.05,
            max: 50,
        };
        assert!((0..10_000).all(|_| p.sample(&mut r, 100_000) <= 50));
        let big = Count::Poisson { mean: 1e6 };
        assert!((0..100).all(|_| big.sample(&mut r, 1000) <= 1000));
    }
}
