//! Zipf key ranks as `rand_distr::Zipf` draws them, with its `s = 1` case (the common one) free of `pow` calls: same draws, same results.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardUniform, Zipf};

/// A Zipf(`s`) sampler of ranks `1..=n` (as `f64`, like `rand_distr`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum KeyZipf {
    /// `s = 1`: `rand_distr`'s rejection-inversion with `t = 1 + ln n`,
    /// its `x.powf(-1)` written `1 / x` and its `inv_b.powf(1)` as `inv_b`
    /// (the correctly rounded values those `pow` calls return; checked
    /// below against both the calls and the crate's own draws).
    One { t: f64 },
    /// Any other exponent: the crate's sampler.
    General(Zipf<f64>),
}

impl KeyZipf {
    /// `None` where `Zipf::new` refuses (n < 1 or s < 0).
    pub fn new(n: f64, s: f64) -> Option<KeyZipf> {
        let general = Zipf::new(n, s).ok()?;
        Some(if s == 1.0 {
            KeyZipf::One { t: 1.0 + n.ln() }
        } else {
            KeyZipf::General(general)
        })
    }

    /// A rank in `1..=n`, drawing from `rng` exactly as `Zipf::sample`.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            KeyZipf::General(z) => z.sample(rng),
            KeyZipf::One { t } => loop {
                let pt = rng.sample::<f64, _>(StandardUniform) * t;
                let inv_b = if pt <= 1.0 { pt } else { (pt - 1.0).exp() };
                let x = (inv_b + 1.0).floor();
                let mut ratio = 1.0 / x;
                if x > 1.0 {
                    ratio *= inv_b;
                }
                let y: f64 = rng.sample(StandardUniform);
                if y < ratio {
                    return x;
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::Stream;
    use rand::SeedableRng;

    #[test]
    fn s_one_draws_exactly_what_rand_distr_draws() {
        for n in [1.0, 2.0, 100.0, 1e6, 1e9] {
            let ours = KeyZipf::new(n, 1.0).expect("valid");
            let theirs = Zipf::new(n, 1.0).expect("valid");
            let (mut a, mut b) = (Stream::seed_from_u64(7), Stream::seed_from_u64(7));
            for _ in 0..200_000 {
                assert_eq!(
                    ours.sample(&mut a).to_bits(),
                    theirs.sample(&mut b).to_bits()
                );
            }
        }
    }

    #[test]
    fn the_pow_calls_replaced_return_what_replaces_them() {
        // Every rank up to 2^21 (all of the shipped scenarios' key counts
        // up to two million), then spread samples beyond.
        let mut x = 1.0_f64;
        while x <= 2_097_152.0 {
            assert_eq!(x.powf(-1.0).to_bits(), (1.0 / x).to_bits(), "{x}");
            x += 1.0;
        }
        let mut rng = Stream::seed_from_u64(11);
        for _ in 0..1_000_000 {
            let u: f64 = rng.sample(StandardUniform);
            let big = (u * 1e12).floor() + 1.0;
            assert_eq!(big.powf(-1.0).to_bits(), (1.0 / big).to_bits(), "{big}");
            let v = u * 30.0;
            assert_eq!(v.powf(1.0).to_bits(), v.to_bits(), "{v}");
        }
    }

    #[test]
    fn other_exponents_are_the_crates_sampler() {
        let ours = KeyZipf::new(1000.0, 0.8).expect("valid");
        let theirs = Zipf::<f64>::new(1000.0, 0.8).expect("valid");
        let (mut a, mut b) = (Stream::seed_from_u64(3), Stream::seed_from_u64(3));
        for _ in 0..10_000 {
            assert_eq!(
                ours.sample(&mut a).to_bits(),
                theirs.sample(&mut b).to_bits()
            );
        }
        assert!(KeyZipf::new(0.5, 1.0).is_none() && KeyZipf::new(10.0, -1.0).is_none());
    }
}
