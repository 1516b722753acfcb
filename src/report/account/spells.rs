//! How a node's trouble came and went: the time it showed, in how many separate stretches, and the end of the last — so trouble that came in short bursts and cleared between them (a write-back cache's flushes) is told as bursts, not as one stretch "until" the last.

use crate::sim::time::SimTime;

/// The windows one kind of trouble showed in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spells {
    /// The start of the first window it showed in.
    pub first: SimTime,
    /// The end of the last.
    pub last: SimTime,
    /// The windows' time together.
    seen: SimTime,
    /// Stretches of windows in a row, apart from each other.
    pub stretches: u32,
}

impl Spells {
    /// Trouble first seen in the window from `start` to `end`.
    pub fn new(start: SimTime, end: SimTime) -> Spells {
        Spells {
            first: start,
            last: end,
            seen: SimTime(end.0.saturating_sub(start.0)),
            stretches: 1,
        }
    }

    /// Seen again, in the window from `start` to `end`.
    pub fn add(&mut self, start: SimTime, end: SimTime) {
        if start > self.last {
            self.stretches += 1;
        }
        self.seen = SimTime(self.seen.0 + end.0.saturating_sub(start.0));
        self.last = self.last.max(end);
    }

    /// Short bursts that cleared between them: at least two stretches,
    /// together at most half the time from the first to the last.
    pub fn bursts(&self) -> bool {
        self.stretches >= 2 && self.seen.0.saturating_mul(2) <= self.last.0 - self.first.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: u64) -> SimTime {
        SimTime(x * 1_000_000_000)
    }

    #[test]
    fn a_window_every_five_seconds_is_bursts_and_a_long_stretch_is_not() {
        let mut b = Spells::new(s(5), s(6));
        b.add(s(10), s(11));
        b.add(s(15), s(16));
        assert_eq!(b.stretches, 3);
        assert!(b.bursts());
        let mut one = Spells::new(s(5), s(6));
        for t in 6..16 {
            one.add(s(t), s(t + 1));
        }
        assert_eq!(one.stretches, 1);
        assert!(!one.bursts());
        let mut twice = Spells::new(s(5), s(9));
        twice.add(s(10), s(16));
        assert!(!twice.bursts(), "a gap of one window in a long stretch");
    }
}
