//! Retries on a call: exponential backoff with optional jitter, and a retry budget that caps retries at a share of calls.

use crate::sim::rng::{Stream, open01};
use crate::sim::time::SimTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly the exponential backoff.
    None,
    /// Uniform in [0, backoff] (spreads retries the most).
    Full,
    /// backoff/2 + uniform in [0, backoff/2].
    Equal,
}

impl Jitter {
    pub const ALL: [Jitter; 3] = [Jitter::None, Jitter::Full, Jitter::Equal];
    pub fn name(self) -> &'static str {
        match self {
            Jitter::None => "none",
            Jitter::Full => "full",
            Jitter::Equal => "equal",
        }
    }
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.name() == s)
    }
}

/// How a caller retries a failed call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Total tries including the first (1 = no retry).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles each retry.
    pub backoff: SimTime,
    /// Backoff never exceeds this.
    pub max_backoff: SimTime,
    pub jitter: Jitter,
    /// Retries may be at most this share of first attempts (e.g. 0.1 =
    /// 10 %); `None` = unlimited (a naive client).
    pub budget: Option<f64>,
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first retry).
    pub fn backoff_for(&self, retry: u32, rng: &mut Stream) -> SimTime {
        let exp = retry.saturating_sub(1).min(62);
        let base = self
            .backoff
            .0
            .saturating_mul(1u64 << exp)
            .min(self.max_backoff.0.max(self.backoff.0));
        let b = base as f64;
        let d = match self.jitter {
            Jitter::None => b,
            Jitter::Full => b * open01(rng),
            Jitter::Equal => b / 2.0 + b / 2.0 * open01(rng),
        };
        SimTime::from_secs_f64(d / 1e9)
    }
}

/// A retry budget as a token bucket: each first attempt deposits `ratio`
/// tokens, each retry spends one. A small reserve lets a quiet caller retry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RetryBudget {
    ratio: f64,
    tokens: f64,
    cap: f64,
}

impl RetryBudget {
    pub fn new(ratio: f64) -> Self {
        RetryBudget {
            ratio,
            tokens: 10.0,
            cap: 10.0 + 100.0 * ratio,
        }
    }
    pub fn on_first_attempt(&mut self) {
        self.tokens = (self.tokens + self.ratio).min(self.cap);
    }
    /// True (and a token spent) if a retry is allowed now.
    pub fn try_spend(&mut self) -> bool {
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::stream;

    fn policy(jitter: Jitter) -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            backoff: SimTime::from_millis(10),
            max_backoff: SimTime::from_millis(50),
            jitter,
            budget: None,
        }
    }

    #[test]
    fn backoff_doubles_then_caps() {
        let mut r = stream(1, "t", "retry");
        let p = policy(Jitter::None);
        let waits: Vec<u64> = (1..=5)
            .map(|k| p.backoff_for(k, &mut r).0 / 1_000_000)
            .collect();
        assert_eq!(waits, vec![10, 20, 40, 50, 50]);
    }

    #[test]
    fn jitter_stays_within_its_range() {
        let mut r = stream(1, "t", "retry");
        for _ in 0..1000 {
            let f = policy(Jitter::Full).backoff_for(2, &mut r).0;
            assert!(f <= 20_000_000);
            let e = policy(Jitter::Equal).backoff_for(2, &mut r).0;
            assert!((10_000_000..=20_000_000).contains(&e));
        }
    }

    /// Jitter spreads the waits over its whole range, not only below its
    /// top: full jitter is uniform on [0, b] (mean b/2), equal jitter on
    /// [b/2, b] (mean 3b/4). With n = 4000 draws the standard error of the
    /// mean is b/√12/√n = 0.0046 b (full) and half that (equal); 5 of them
    /// is ±0.023 b. The lowest tenth of each range is hit (a miss has
    /// probability 0.9^4000).
    #[test]
    fn jitter_fills_its_range_from_below() {
        let b = 20e6;
        let n = 4000;
        let draws = |jitter: Jitter| -> Vec<f64> {
            let mut r = stream(1, "t", "retry");
            (0..n)
                .map(|_| policy(jitter).backoff_for(2, &mut r).0 as f64 / b)
                .collect()
        };
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let least = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        let full = draws(Jitter::Full);
        let se = (1.0 / 12.0f64).sqrt() / f64::from(n).sqrt();
        assert!((mean(&full) - 0.5).abs() < 5.0 * se, "{}", mean(&full));
        assert!(least(&full) < 0.1, "{}", least(&full));
        let equal = draws(Jitter::Equal);
        assert!(
            (mean(&equal) - 0.75).abs() < 5.0 * se / 2.0,
            "{}",
            mean(&equal)
        );
        assert!(least(&equal) >= 0.5 && least(&equal) < 0.55);
    }

    #[test]
    fn budget_caps_retries_at_the_ratio() {
        let mut b = RetryBudget::new(0.1);
        let mut retries = 0;
        for _ in 0..10_000 {
            b.on_first_attempt();
            // A failing backend: every call wants a retry.
            if b.try_spend() {
                retries += 1;
            }
        }
        // 10 % of 10 000 plus the initial reserve of 10.
        assert!((1000..=1011).contains(&retries), "{retries}");
    }
}
