//! The windows `report.html` draws, kept in bounded memory: at most [`MAX_POINTS`] points per series, neighbours merged two by two when full.

use crate::sim::Window;

/// Most points kept per series (plus one still filling).
pub const MAX_POINTS: usize = 2000;

/// One point of the charts: one window, or neighbouring windows merged.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub start_s: f64,
    pub end_s: f64,
    pub p50_ms: Option<f64>,
    /// The largest window p99 merged into this point (a spike stays seen).
    pub p99_ms: Option<f64>,
    pub throughput_rps: f64,
    /// Failed requests per second (rejected, timed out, dropped, errored).
    pub errors_per_s: f64,
    /// Requests completed: the weight of `p50_ms` when merging.
    completed: u64,
    /// Utilisation of each node, in model order.
    pub utilisation: Vec<Option<f64>>,
}

impl Point {
    /// The point of one closed window.
    pub fn of(w: &Window) -> Point {
        let span = (w.end.as_secs_f64() - w.start.as_secs_f64()).max(1e-12);
        Point {
            start_s: w.start.as_secs_f64(),
            end_s: w.end.as_secs_f64(),
            p50_ms: w.latency.p50_ms,
            p99_ms: w.latency.p99_ms,
            throughput_rps: w.throughput_rps,
            errors_per_s: w.counts.failed() as f64 / span,
            completed: w.counts.completed,
            utilisation: w.nodes.iter().map(|n| n.utilisation).collect(),
        }
    }

    /// `self` followed by `next`: rates weighted by time, the p50 by
    /// requests completed, the p99 the larger.
    fn merge(&mut self, next: &Point) {
        let (a, b) = (self.end_s - self.start_s, next.end_s - next.start_s);
        let by_time = |x: f64, y: f64| weighted(x, a, y, b);
        self.throughput_rps = by_time(self.throughput_rps, next.throughput_rps);
        self.errors_per_s = by_time(self.errors_per_s, next.errors_per_s);
        self.p99_ms = either(self.p99_ms, next.p99_ms, f64::max);
        let (ca, cb) = (self.completed as f64, next.completed as f64);
        self.p50_ms = either(self.p50_ms, next.p50_ms, |x, y| weighted(x, ca, y, cb));
        for (u, v) in self.utilisation.iter_mut().zip(&next.utilisation) {
            *u = either(*u, *v, by_time);
        }
        self.completed += next.completed;
        self.end_s = next.end_s;
    }
}

fn weighted(x: f64, wx: f64, y: f64, wy: f64) -> f64 {
    if wx + wy > 0.0 {
        (x * wx + y * wy) / (wx + wy)
    } else {
        (x + y) / 2.0
    }
}

fn either(a: Option<f64>, b: Option<f64>, f: impl Fn(f64, f64) -> f64) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(f(x, y)),
        (x, y) => x.or(y),
    }
}

/// Windows as chart points: each point covers `stride` windows; when
/// [`MAX_POINTS`] are kept, neighbours merge and the stride doubles, so
/// memory stays O(`MAX_POINTS` × nodes) however long the run.
#[derive(Clone, Debug)]
pub struct Downsampled {
    points: Vec<Point>,
    stride: usize,
    /// The point being filled and how many windows it holds.
    pending: Option<(Point, usize)>,
    /// Windows pushed in all.
    windows: u64,
}

impl Default for Downsampled {
    fn default() -> Self {
        Downsampled {
            points: Vec::new(),
            stride: 1,
            pending: None,
            windows: 0,
        }
    }
}

impl Downsampled {
    /// Adds the next closed window.
    pub fn push(&mut self, w: &Window) {
        let p = Point::of(w);
        self.windows += 1;
        let (point, n) = match self.pending.take() {
            Some((mut acc, n)) => {
                acc.merge(&p);
                (acc, n + 1)
            }
            None => (p, 1),
        };
        if n < self.stride {
            self.pending = Some((point, n));
            return;
        }
        self.points.push(point);
        if self.points.len() >= MAX_POINTS {
            self.halve();
        }
    }

    /// Merges neighbours two by two; the stride doubles.
    fn halve(&mut self) {
        let old = std::mem::take(&mut self.points);
        let mut it = old.into_iter();
        while let Some(mut a) = it.next() {
            if let Some(b) = it.next() {
                a.merge(&b);
            }
            self.points.push(a);
        }
        self.stride *= 2;
    }

    /// Every point in time order, the one still filling last.
    pub fn points(&self) -> impl Iterator<Item = &Point> {
        self.points
            .iter()
            .chain(self.pending.iter().map(|(p, _)| p))
    }

    /// Windows pushed in all.
    pub fn windows(&self) -> u64 {
        self.windows
    }

    /// Windows per point now.
    pub fn stride(&self) -> usize {
        self.stride
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimTime;
    use crate::sim::metrics::{LatencyStats, SystemCounts};

    fn window(i: u64, p99: f64) -> Window {
        Window {
            start: SimTime(i * 10_000_000),
            end: SimTime(i * 10_000_000 + 10_000_000),
            counts: SystemCounts {
                completed: 10,
                rejected: 1,
                ..Default::default()
            },
            throughput_rps: 1000.0,
            latency: LatencyStats {
                p50_ms: Some(1.0),
                p99_ms: Some(p99),
                ..Default::default()
            },
            in_flight: 0,
            cost_per_hour: 0.0,
            nodes: Vec::new(),
            tails: Vec::new(),
        }
    }

    #[test]
    fn stays_bounded_keeps_the_span_and_the_spike() {
        let mut d = Downsampled::default();
        for i in 0..10_001 {
            d.push(&window(i, if i == 7777 { 500.0 } else { 2.0 }));
        }
        let pts: Vec<&Point> = d.points().collect();
        assert!(pts.len() <= MAX_POINTS + 1, "{} points", pts.len());
        assert!(pts.len() > MAX_POINTS / 4);
        assert_eq!(pts[0].start_s, 0.0);
        assert!((pts.last().unwrap().end_s - 100.01).abs() < 1e-9);
        let top = pts.iter().filter_map(|p| p.p99_ms).fold(0.0, f64::max);
        assert_eq!(top, 500.0);
        assert!(pts.iter().all(|p| (p.throughput_rps - 1000.0).abs() < 1e-6));
        assert!(pts.iter().all(|p| (p.errors_per_s - 100.0).abs() < 1e-6));
    }
}
