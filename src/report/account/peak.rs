//! A node's busiest stretch: the highest arrival rate over any few seconds in a row, so capacity is sized for a peak that lasts, not for the run's average (nor for one noisy window).

use std::collections::VecDeque;

use crate::sim::time::SimTime;

/// How long a stretch of windows must be to count as a peak.
pub const PEAK_SPAN: SimTime = SimTime(5_000_000_000);

/// The arrivals of the last few windows and the busiest stretch so far;
/// memory bounded by the windows in one span.
#[derive(Clone, Debug, Default)]
pub struct Peak {
    /// (start, end, arrivals) of the windows ending within one span.
    recent: VecDeque<(SimTime, SimTime, u64)>,
    /// The highest mean rate over a span (per second) and its start.
    best: Option<(f64, SimTime)>,
}

impl Peak {
    /// Takes one window from `start` to `end` with `arrived` arrivals.
    pub fn observe(&mut self, start: SimTime, end: SimTime, arrived: u64) {
        if end <= start {
            return;
        }
        if self.recent.back().is_some_and(|w| w.1 != start) {
            // A gap (windows skipped): a stretch must be unbroken.
            self.recent.clear();
        }
        self.recent.push_back((start, end, arrived));
        while self
            .recent
            .get(1)
            .is_some_and(|w| end.0 - w.0.0 >= PEAK_SPAN.0)
        {
            self.recent.pop_front();
        }
        let Some(&(from, _, _)) = self.recent.front() else {
            return;
        };
        let span = (end.0 - from.0) as f64 / 1e9;
        if end.0 - from.0 < PEAK_SPAN.0 {
            return;
        }
        let rate = self.recent.iter().map(|w| w.2).sum::<u64>() as f64 / span;
        if self.best.is_none_or(|(b, _)| rate > b) {
            self.best = Some((rate, from));
        }
    }

    /// The busiest stretch: its mean arrival rate (per second) and when
    /// it began; `None` before a whole span was seen.
    pub fn rate(&self) -> Option<(f64, SimTime)> {
        self.best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: u64) -> SimTime {
        SimTime(x * 1_000_000_000)
    }

    #[test]
    fn a_steady_rate_peaks_at_itself_and_a_lasting_step_at_the_step() {
        let mut p = Peak::default();
        for t in 0..20 {
            let n = if (10..16).contains(&t) { 300 } else { 100 };
            p.observe(s(t), s(t + 1), n);
        }
        let (rate, at) = p.rate().expect("a peak");
        assert!((rate - 300.0).abs() < 1e-9, "{rate}");
        assert_eq!(at, s(10));
    }

    #[test]
    fn one_busy_window_is_not_a_peak() {
        let mut p = Peak::default();
        for t in 0..20 {
            let n = if t == 7 { 600 } else { 100 };
            p.observe(s(t), s(t + 1), n);
        }
        let (rate, _) = p.rate().expect("a peak");
        assert!((rate - 200.0).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn less_than_a_span_is_no_peak() {
        let mut p = Peak::default();
        for t in 0..4 {
            p.observe(s(t), s(t + 1), 100);
        }
        assert!(p.rate().is_none());
    }
}
