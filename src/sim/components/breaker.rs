//! A circuit breaker on a call: closed → open on too many failures → half-open probes → closed.

use crate::sim::time::SimTime;

/// When to trip and how long to stay open.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerSpec {
    /// Trip after this many failures in a row (if set).
    pub consecutive_failures: Option<u32>,
    /// Trip when the failure share over the last `window` calls reaches
    /// this (if set; needs `window` calls seen).
    pub failure_rate: Option<f64>,
    pub window: u32,
    /// How long an open breaker fails calls fast.
    pub open_for: SimTime,
    /// Trial calls let through when half-open; all must succeed to close.
    pub probes: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn name(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Breaker {
    pub spec: BreakerSpec,
    pub state: BreakerState,
    opened_at: SimTime,
    consecutive: u32,
    /// Ring of recent outcomes (true = failure).
    recent: Vec<bool>,
    next: usize,
    filled: usize,
    probes_sent: u32,
    probes_ok: u32,
    /// Times it tripped.
    pub trips: u64,
}

impl Breaker {
    pub fn new(spec: BreakerSpec) -> Self {
        Breaker {
            spec,
            state: BreakerState::Closed,
            opened_at: SimTime::ZERO,
            consecutive: 0,
            recent: vec![false; spec.window.max(1) as usize],
            next: 0,
            filled: 0,
            probes_sent: 0,
            probes_ok: 0,
            trips: 0,
        }
    }

    /// When an open breaker will let a probe through; `None` unless open.
    pub fn reopens_at(&self) -> Option<SimTime> {
        (self.state == BreakerState::Open)
            .then(|| self.opened_at.saturating_add(self.spec.open_for))
    }

    /// May a call go out now? Moves open → half-open when `open_for` is over.
    pub fn allow(&mut self, now: SimTime) -> bool {
        match self.state {
            BreakerState::Closed => true,
            BreakerState::Open => {
                if now.saturating_sub(self.opened_at) >= self.spec.open_for {
                    self.state = BreakerState::HalfOpen;
                    self.probes_sent = 0;
                    self.probes_ok = 0;
                    self.allow(now)
                } else {
                    false
                }
            }
            BreakerState::HalfOpen => {
                if self.probes_sent < self.spec.probes.max(1) {
                    self.probes_sent += 1;
                    true
                } else {
                    false
                }
            }
        }
    }

    /// The outcome of a call that `allow` let through.
    pub fn record(&mut self, ok: bool, now: SimTime) {
        match self.state {
            BreakerState::HalfOpen => {
                if ok {
                    self.probes_ok += 1;
                    if self.probes_ok >= self.spec.probes.max(1) {
                        self.close();
                    }
                } else {
                    self.trip(now);
                }
            }
            BreakerState::Closed => {
                self.consecutive = if ok { 0 } else { self.consecutive + 1 };
                let w = self.recent.len();
                self.recent[self.next] = !ok;
                self.next = (self.next + 1) % w;
                self.filled = (self.filled + 1).min(w);
                let by_count = self
                    .spec
                    .consecutive_failures
                    .is_some_and(|n| self.consecutive >= n.max(1));
                let by_rate = self.spec.failure_rate.is_some_and(|r| {
                    self.filled == w
                        && self.recent.iter().filter(|f| **f).count() as f64 / w as f64 >= r
                });
                if by_count || by_rate {
                    self.trip(now);
                }
            }
            // A late answer from before the trip: ignore.
            BreakerState::Open => {}
        }
    }

    fn trip(&mut self, now: SimTime) {
        self.state = BreakerState::Open;
        self.opened_at = now;
        self.trips += 1;
    }

    fn close(&mut self) {
        self.state = BreakerState::Closed;
        self.consecutive = 0;
        self.recent.iter_mut().for_each(|f| *f = false);
        self.filled = 0;
        self.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> BreakerSpec {
        BreakerSpec {
            consecutive_failures: Some(3),
            failure_rate: None,
            window: 10,
            open_for: SimTime::from_secs(5),
            probes: 2,
        }
    }

    #[test]
    fn trips_after_consecutive_failures_and_recovers_through_probes() {
        let mut b = Breaker::new(spec());
        let t = SimTime::from_secs;
        for _ in 0..3 {
            assert!(b.allow(t(0)));
            b.record(false, t(0));
        }
        assert_eq!(b.state, BreakerState::Open);
        assert!(!b.allow(t(4)));
        assert!(b.allow(t(5)));
        assert_eq!(b.state, BreakerState::HalfOpen);
        assert!(b.allow(t(5)));
        assert!(!b.allow(t(5)), "only two probes");
        b.record(true, t(6));
        b.record(true, t(6));
        assert_eq!(b.state, BreakerState::Closed);
    }

    #[test]
    fn a_failed_probe_reopens_and_rate_trips_on_a_full_window() {
        let mut b = Breaker::new(BreakerSpec {
            consecutive_failures: None,
            failure_rate: Some(0.5),
            ..spec()
        });
        let t = SimTime::from_secs;
        for i in 0..9 {
            b.record(i % 2 == 0, t(0));
        }
        assert_eq!(b.state, BreakerState::Closed, "window not yet full");
        b.record(false, t(0));
        assert_eq!(b.state, BreakerState::Open);
        assert!(b.allow(t(5)));
        b.record(false, t(5));
        assert_eq!(b.state, BreakerState::Open);
        assert_eq!(b.trips, 2);
    }
}
