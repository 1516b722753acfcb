//! Rate limiting: token bucket, leaky bucket (a shaper with a bounded line), fixed window and sliding window.

use std::collections::VecDeque;

use crate::sim::time::SimTime;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LimiterAlgorithm {
    /// Refills `rate` tokens per second up to `burst`; a request takes one.
    TokenBucket { rate: f64, burst: u32 },
    /// Releases requests at a steady `rate`; up to `capacity` wait.
    LeakyBucket { rate: f64, capacity: u32 },
    /// At most `limit` per aligned window.
    FixedWindow { limit: u32, window: SimTime },
    /// At most `limit` in any trailing `window`.
    SlidingWindow { limit: u32, window: SimTime },
}

impl LimiterAlgorithm {
    pub fn name(&self) -> &'static str {
        match self {
            LimiterAlgorithm::TokenBucket { .. } => "token_bucket",
            LimiterAlgorithm::LeakyBucket { .. } => "leaky_bucket",
            LimiterAlgorithm::FixedWindow { .. } => "fixed_window",
            LimiterAlgorithm::SlidingWindow { .. } => "sliding_window",
        }
    }
}

/// What the limiter does with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Pass on now.
    Admit,
    /// Pass on at this later instant (leaky bucket).
    Delay(SimTime),
    Reject,
}

#[derive(Clone, Debug)]
pub(crate) struct Limiter {
    pub algorithm: LimiterAlgorithm,
    tokens: f64,
    last: SimTime,
    window_start: SimTime,
    in_window: u32,
    recent: VecDeque<SimTime>,
    /// Leaky bucket: when the last admitted request leaves.
    next_release: SimTime,
}

impl Limiter {
    pub fn new(algorithm: LimiterAlgorithm) -> Self {
        let tokens = match algorithm {
            LimiterAlgorithm::TokenBucket { burst, .. } => f64::from(burst),
            _ => 0.0,
        };
        Limiter {
            algorithm,
            tokens,
            last: SimTime::ZERO,
            window_start: SimTime::ZERO,
            in_window: 0,
            recent: VecDeque::new(),
            next_release: SimTime::ZERO,
        }
    }

    /// A new rate for a token or leaky bucket, from `now` on: tokens
    /// earned so far at the old rate are kept. Refused (false) for the
    /// window algorithms, which have a limit instead.
    pub fn set_rate(&mut self, now: SimTime, new_rate: f64) -> bool {
        match &mut self.algorithm {
            LimiterAlgorithm::TokenBucket { rate, burst } => {
                let dt = now.saturating_sub(self.last).as_secs_f64();
                self.tokens = (self.tokens + dt * *rate).min(f64::from((*burst).max(1)));
                self.last = now;
                *rate = new_rate;
                true
            }
            LimiterAlgorithm::LeakyBucket { rate, .. } => {
                *rate = new_rate;
                true
            }
            _ => false,
        }
    }

    /// A new limit per window (fixed or sliding window), from now on.
    /// Refused (false) for the buckets, which have a rate instead.
    pub fn set_limit(&mut self, new_limit: u32) -> bool {
        match &mut self.algorithm {
            LimiterAlgorithm::FixedWindow { limit, .. }
            | LimiterAlgorithm::SlidingWindow { limit, .. } => {
                *limit = new_limit;
                true
            }
            _ => false,
        }
    }

    pub fn decide(&mut self, now: SimTime) -> Verdict {
        match self.algorithm {
            LimiterAlgorithm::TokenBucket { rate, burst } => {
                let dt = now.saturating_sub(self.last).as_secs_f64();
                self.tokens = (self.tokens + dt * rate).min(f64::from(burst.max(1)));
                self.last = now;
                if self.tokens >= 1.0 {
                    self.tokens -= 1.0;
                    Verdict::Admit
                } else {
                    Verdict::Reject
                }
            }
            LimiterAlgorithm::LeakyBucket { rate, capacity } => {
                let gap = SimTime::from_secs_f64(1.0 / rate.max(1e-9));
                let start = self.next_release.max(now);
                // Requests already waiting: those released strictly after
                // now, at start − gap, start − 2·gap, …
                let g = gap.0.max(1);
                let ahead = start.saturating_sub(now).0;
                let waiting = ahead.div_ceil(g).saturating_sub(1);
                if start > now && waiting >= u64::from(capacity) {
                    return Verdict::Reject;
                }
                self.next_release = start.saturating_add(gap);
                if start == now {
                    Verdict::Admit
                } else {
                    Verdict::Delay(start)
                }
            }
            LimiterAlgorithm::FixedWindow { limit, window } => {
                let w = window.0.max(1);
                let start = SimTime(now.0 / w * w);
                if start != self.window_start {
                    self.window_start = start;
                    self.in_window = 0;
                }
                if self.in_window < limit {
                    self.in_window += 1;
                    Verdict::Admit
                } else {
                    Verdict::Reject
                }
            }
            LimiterAlgorithm::SlidingWindow { limit, window } => {
                while self
                    .recent
                    .front()
                    .is_some_and(|&t| now.saturating_sub(t) >= window)
                {
                    self.recent.pop_front();
                }
                if self.recent.len() < limit as usize {
                    self.recent.push_back(now);
                    Verdict::Admit
                } else {
                    Verdict::Reject
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(l: &mut Limiter, times: impl Iterator<Item = SimTime>) -> usize {
        times.filter(|&t| l.decide(t) != Verdict::Reject).count()
    }

    #[test]
    fn token_bucket_admits_burst_then_rate() {
        let mut l = Limiter::new(LimiterAlgorithm::TokenBucket {
            rate: 100.0,
            burst: 20,
        });
        // 1000 requests at t = 0: only the burst passes.
        assert_eq!(admitted(&mut l, (0..1000).map(|_| SimTime::ZERO)), 20);
        // Then 10 000 requests over 10 s (1 per ms): ≈ 100/s pass.
        let n = admitted(&mut l, (1..=10_000).map(SimTime::from_millis));
        assert!((999..=1001).contains(&n), "{n}");
    }

    #[test]
    fn windows_count_per_window() {
        let mut f = Limiter::new(LimiterAlgorithm::FixedWindow {
            limit: 5,
            window: SimTime::from_secs(1),
        });
        assert_eq!(
            admitted(&mut f, (0..100).map(|i| SimTime::from_millis(i * 20))),
            10
        );
        let mut s = Limiter::new(LimiterAlgorithm::SlidingWindow {
            limit: 5,
            window: SimTime::from_secs(1),
        });
        assert_eq!(
            admitted(&mut s, (0..100).map(|i| SimTime::from_millis(i * 20))),
            10
        );
    }

    /// A burst just before and just after a window boundary: the fixed
    /// window starts counting afresh at the boundary and lets twice the
    /// limit through within 200 ms; the sliding window still sees the
    /// first burst and lets none of the second through until it is a
    /// full window old.
    #[test]
    fn a_burst_across_a_boundary_passes_twice_through_a_fixed_window_once_through_a_sliding_one() {
        let burst = |at_ms: u64| (0..8).map(move |_| SimTime::from_millis(at_ms));
        let trace = || burst(900).chain(burst(1100)).chain(burst(1950));
        let mut f = Limiter::new(LimiterAlgorithm::FixedWindow {
            limit: 5,
            window: SimTime::from_secs(1),
        });
        let fixed: Vec<usize> = [900, 1100, 1950]
            .map(|t| admitted(&mut f, burst(t)))
            .to_vec();
        // 5 in [0, 1 s), 5 more in [1 s, 2 s), the window at 1.95 s is full.
        assert_eq!(fixed, [5, 5, 0]);
        let mut s = Limiter::new(LimiterAlgorithm::SlidingWindow {
            limit: 5,
            window: SimTime::from_secs(1),
        });
        let sliding: Vec<usize> = [900, 1100, 1950]
            .map(|t| admitted(&mut s, burst(t)))
            .to_vec();
        // At 1.1 s the five of 0.9 s are within the trailing second; at
        // 1.95 s they have left it (0.9 + 1 <= 1.95) and five more pass.
        assert_eq!(sliding, [5, 0, 5]);
        let mut s2 = Limiter::new(LimiterAlgorithm::SlidingWindow {
            limit: 5,
            window: SimTime::from_secs(1),
        });
        assert_eq!(admitted(&mut s2, trace()), 10);
    }

    #[test]
    fn leaky_bucket_spaces_requests_and_bounds_the_line() {
        let mut l = Limiter::new(LimiterAlgorithm::LeakyBucket {
            rate: 10.0,
            capacity: 3,
        });
        let v: Vec<Verdict> = (0..6).map(|_| l.decide(SimTime::ZERO)).collect();
        assert_eq!(v[0], Verdict::Admit);
        assert_eq!(v[1], Verdict::Delay(SimTime::from_millis(100)));
        assert_eq!(v[3], Verdict::Delay(SimTime::from_millis(300)));
        // Three wait (100, 200, 300 ms): the fifth is turned away.
        assert_eq!(v[4], Verdict::Reject);
    }
}
