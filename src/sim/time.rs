//! Simulated time: integer nanoseconds, never a floating-point clock.

use std::fmt;
use std::ops::{Add, Sub};

/// An instant or a span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);
    pub const NANOS_PER_SEC: u64 = 1_000_000_000;

    pub const fn from_nanos(n: u64) -> Self {
        SimTime(n)
    }
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms.saturating_mul(1_000_000))
    }
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s.saturating_mul(Self::NANOS_PER_SEC))
    }
    /// Seconds as a float, rounded to the nearest nanosecond; negative and
    /// NaN become zero, too large saturates.
    pub fn from_secs_f64(s: f64) -> Self {
        Self::from_nanos_f64(s * 1e9)
    }
    /// Nanoseconds as a float, rounded to the nearest nanosecond; negative
    /// and NaN become zero, too large saturates.
    #[inline]
    pub fn from_nanos_f64(x: f64) -> Self {
        if x.is_nan() || x <= 0.0 {
            return SimTime::ZERO;
        }
        // Round half away from zero like `f64::round`, without its libm
        // call: the cast truncates, and the fraction is exact. Below 2^63
        // (any duration under 292 years) the signed conversions are single
        // instructions; the unsigned ones are a sequence of several.
        if x < 9_223_372_036_854_775_808.0 {
            let whole = x as i64;
            let up = x - whole as f64 >= 0.5;
            return SimTime(whole as u64 + u64::from(up));
        }
        if x >= u64::MAX as f64 {
            return SimTime::MAX;
        }
        let whole = x as u64;
        if x - whole as f64 >= 0.5 {
            SimTime(whole + 1)
        } else {
            SimTime(whole)
        }
    }
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
    pub fn saturating_add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
    pub fn saturating_sub(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(rhs.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        self.saturating_add(rhs)
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: SimTime) -> SimTime {
        self.saturating_sub(rhs)
    }
}

impl fmt::Display for SimTime {
    /// Human form: `1.5s`, `250ms`, `12µs`, `40ns`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns >= Self::NANOS_PER_SEC {
            write!(f, "{}s", trim(ns as f64 / 1e9))
        } else if ns >= 1_000_000 {
            write!(f, "{}ms", trim(ns as f64 / 1e6))
        } else if ns >= 1_000 {
            write!(f, "{}us", trim(ns as f64 / 1e3))
        } else {
            write!(f, "{ns}ns")
        }
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_picks_a_readable_unit() {
        assert_eq!(SimTime::from_millis(1500).to_string(), "1.5s");
        assert_eq!(SimTime::from_millis(250).to_string(), "250ms");
        assert_eq!(SimTime(12_000).to_string(), "12us");
        assert_eq!(SimTime(40).to_string(), "40ns");
    }

    #[test]
    fn float_seconds_round_to_nanoseconds_and_saturate() {
        assert_eq!(SimTime::from_secs_f64(0.004), SimTime(4_000_000));
        assert_eq!(SimTime::from_secs_f64(-1.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(1e30), SimTime::MAX);
    }

    #[test]
    fn rounding_matches_f64_round_everywhere() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Random mantissa and exponent: values from 2^-23 ns to 2^65 ns
            // (past the saturation point), plus exact halves.
            let v = f64::from_bits((x >> 12) | ((1000 + (x % 89)) << 52));
            for ns in [v, (v * 2.0).floor() / 2.0] {
                let want = if ns >= u64::MAX as f64 {
                    u64::MAX
                } else {
                    ns.round() as u64
                };
                assert_eq!(SimTime::from_nanos_f64(ns).0, want, "{ns}");
            }
        }
        assert_eq!(SimTime::from_nanos_f64(2.5), SimTime(3));
        assert_eq!(SimTime::from_nanos_f64(0.49999999999999994), SimTime(0));
        assert_eq!(
            SimTime::from_nanos_f64(9_223_372_036_854_775_808.0).0,
            1 << 63
        );
    }
}
