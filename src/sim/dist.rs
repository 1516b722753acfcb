//! Service-time and think-time distributions, sampled into `SimTime`.

use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

use crate::sim::rng::open01;
use crate::sim::time::SimTime;

/// The 99th percentile of the standard normal distribution.
pub const Z99: f64 = 2.326_347_874_040_841;

/// A distribution of durations. All parameters are in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    Constant {
        value: f64,
    },
    Exponential {
        mean: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    /// Stored as the parameters of the underlying normal; build it with
    /// [`Dist::lognormal`] from a mean and a p99.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// Pareto (type I): P(X > x) = (scale / x)^shape for x ≥ scale.
    Pareto {
        scale: f64,
        shape: f64,
    },
}

impl Dist {
    /// The log-normal with this mean and 99th percentile. Needs
    /// `mean < p99 ≤ ~14.96 × mean` (beyond that no log-normal has both).
    pub fn lognormal(mean: f64, p99: f64) -> Result<Dist, String> {
        if !(mean > 0.0 && p99.is_finite() && mean.is_finite()) {
            return Err("mean and p99 must be positive".into());
        }
        if p99 <= mean {
            return Err(format!(
                "p99 ({p99}s) must be above the mean ({mean}s) for a log-normal"
            ));
        }
        // mean = exp(mu + s²/2), p99 = exp(mu + Z99 s)  =>  s²/2 - Z99 s + ln(p99/mean) = 0
        let d = (p99 / mean).ln();
        let disc = Z99 * Z99 - 2.0 * d;
        if disc < 0.0 {
            let limit = (Z99 * Z99 / 2.0).exp();
            return Err(format!(
                "p99 may be at most {limit:.2}× the mean for a log-normal (got {:.2}×)",
                p99 / mean
            ));
        }
        let sigma = Z99 - disc.sqrt();
        let mu = mean.ln() - sigma * sigma / 2.0;
        Ok(Dist::LogNormal { mu, sigma })
    }

    /// The mean in seconds (infinite for a Pareto with shape ≤ 1).
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Constant { value } => value,
            Dist::Exponential { mean } => mean,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Pareto { scale, shape } => {
                if shape > 1.0 {
                    scale * shape / (shape - 1.0)
                } else {
                    f64::INFINITY
                }
            }
        }
    }

    /// Squared coefficient of variation (variance / mean²), as used by the
    /// Pollaczek-Khinchine formula.
    pub fn scv(&self) -> f64 {
        match *self {
            Dist::Constant { .. } => 0.0,
            Dist::Exponential { .. } => 1.0,
            Dist::Uniform { min, max } => {
                let m = (min + max) / 2.0;
                if m == 0.0 {
                    0.0
                } else {
                    (max - min).powi(2) / 12.0 / (m * m)
                }
            }
            Dist::LogNormal { sigma, .. } => (sigma * sigma).exp() - 1.0,
            Dist::Pareto { shape, .. } => {
                if shape > 2.0 {
                    1.0 / (shape * (shape - 2.0))
                } else {
                    f64::INFINITY
                }
            }
        }
    }

    /// A draw in seconds.
    pub fn sample_secs<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Dist::Constant { value } => value,
            Dist::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Dist::Uniform { min, max } => min + (max - min) * open01(rng),
            Dist::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Dist::Pareto { scale, shape } => scale * open01(rng).powf(-1.0 / shape),
        }
    }

    /// A draw rounded to the nanosecond.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        SimTime::from_secs_f64(self.sample_secs(rng))
    }

    /// A short human description, e.g. `exponential(mean 4ms)`.
    pub fn describe(&self) -> String {
        let t = |s: f64| SimTime::from_secs_f64(s).to_string();
        match *self {
            Dist::Constant { value } => format!("constant {}", t(value)),
            Dist::Exponential { mean } => format!("exponential(mean {})", t(mean)),
            Dist::Uniform { min, max } => format!("uniform({}..{})", t(min), t(max)),
            Dist::LogNormal { mu, sigma } => format!(
                "lognormal(mean {}, p99 {})",
                t(self.mean()),
                t((mu + Z99 * sigma).exp())
            ),
            Dist::Pareto { scale, shape } => format!("pareto(scale {}, shape {shape})", t(scale)),
        }
    }

    /// The same shape of distribution with its mean moved to `mean` seconds.
    pub fn with_mean(&self, mean: f64) -> Dist {
        let old = self.mean();
        let k = if old > 0.0 && old.is_finite() {
            mean / old
        } else {
            1.0
        };
        match *self {
            Dist::Constant { .. } => Dist::Constant { value: mean },
            Dist::Exponential { .. } => Dist::Exponential { mean },
            Dist::Uniform { min, max } => Dist::Uniform {
                min: min * k,
                max: max * k,
            },
            Dist::LogNormal { mu, sigma } => Dist::LogNormal {
                mu: mu + k.ln(),
                sigma,
            },
            Dist::Pareto { scale, shape } => Dist::Pareto {
                scale: scale * k,
                shape,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::stream;

    fn sample_mean(d: Dist, n: usize) -> f64 {
        let mut r = stream(7, "test", "dist");
        (0..n).map(|_| d.sample_secs(&mut r)).sum::<f64>() / n as f64
    }

    #[test]
    fn lognormal_from_mean_and_p99_has_that_mean_and_p99() {
        let d = Dist::lognormal(0.008, 0.040).unwrap();
        assert!((d.mean() - 0.008).abs() < 1e-12);
        let Dist::LogNormal { mu, sigma } = d else {
            unreachable!()
        };
        assert!(((mu + Z99 * sigma).exp() - 0.040).abs() < 1e-12);
        let mut r = stream(1, "t", "p99");
        let mut xs: Vec<f64> = (0..200_000).map(|_| d.sample_secs(&mut r)).collect();
        xs.sort_by(f64::total_cmp);
        let p99 = xs[(0.99 * xs.len() as f64) as usize];
        assert!((p99 / 0.040 - 1.0).abs() < 0.03, "sampled p99 {p99}");
    }

    #[test]
    fn lognormal_rejects_impossible_p99() {
        assert!(Dist::lognormal(0.01, 0.005).is_err());
        assert!(Dist::lognormal(0.01, 0.2).is_err());
    }

    #[test]
    fn sample_means_match_the_stated_means() {
        // 400k draws: the standard error is under 0.5 % of the mean for
        // every case below, so 2 % is a > 4-sigma bound.
        let cases = [
            Dist::Exponential { mean: 0.004 },
            Dist::Uniform {
                min: 0.001,
                max: 0.003,
            },
            Dist::lognormal(0.008, 0.04).unwrap(),
            Dist::Pareto {
                scale: 0.001,
                shape: 3.5,
            },
        ];
        for d in cases {
            let m = sample_mean(d, 400_000);
            assert!((m / d.mean() - 1.0).abs() < 0.02, "{d:?}: {m}");
        }
    }

    #[test]
    fn with_mean_rescales_keeping_the_shape() {
        let d = Dist::lognormal(0.008, 0.04).unwrap().with_mean(0.016);
        assert!((d.mean() - 0.016).abs() < 1e-12);
        assert!((d.scv() - Dist::lognormal(0.008, 0.04).unwrap().scv()).abs() < 1e-12);
    }
}
