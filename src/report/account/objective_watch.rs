//! An objective followed window by window: of the whole system or of one node (a window holds no figure of a class or a workload, so those are told over the run only).

use super::watch::unusual_errors;
use crate::report::objective_figures::{node_error_counts, node_error_rate};
use crate::report::objectives::ObjectiveResult;
use crate::sim::metrics::{LatencyStats, NodeWindow};
use crate::sim::model::{Bound, Model, Objective, ObjectiveMetric, Scope};
use crate::sim::{SimTime, Window};

/// One objective followed through the windows after warm-up.
#[derive(Clone, Debug)]
pub(super) struct ObjectiveWatch {
    pub metric: ObjectiveMetric,
    bound: Bound,
    of: Option<Scope>,
    /// The node's place in `Window::nodes` (an objective of one node).
    node: Option<usize>,
    /// A count's running total since warm-up (counts break once the
    /// total reaches the bound, not in one window).
    total: f64,
    /// First window it broke in and the figure there (a count: its total).
    pub first: Option<(SimTime, f64)>,
    pub broken_windows: u32,
}

impl ObjectiveWatch {
    /// `None` when no window has the figure: cost, counts of the whole
    /// system, anything of a class or a workload (windows are kept per
    /// node only), a node the model lacks.
    pub fn new(o: &Objective, model: &Model) -> Option<ObjectiveWatch> {
        let node = match &o.of {
            None => None,
            Some(Scope::Node(id)) => Some(model.nodes.iter().position(|n| &n.id == id)?),
            Some(Scope::Class(_) | Scope::Workload(_)) => return None,
        };
        let exists = match node {
            None => system_value_exists(o.metric),
            Some(_) => !o.metric.is_cost(),
        };
        exists.then(|| ObjectiveWatch {
            metric: o.metric,
            bound: o.bound,
            of: o.of.clone(),
            node,
            total: 0.0,
            first: None,
            broken_windows: 0,
        })
    }

    /// Whether `r` is this objective's result.
    pub fn is_for(&self, r: &ObjectiveResult) -> bool {
        let word = match self.bound {
            Bound::Below(_) => "below",
            Bound::Above(_) => "above",
        };
        self.metric == r.metric && self.of == r.of && word == r.bound
    }

    /// A count of events (dead letters, refusals, ...): its figure is a
    /// total since warm-up. A backlog is a count too, but of what waits
    /// at a window's end.
    pub fn counts(&self) -> bool {
        self.metric.is_count() && self.metric != ObjectiveMetric::Backlog
    }

    /// Takes one closed window after warm-up, what it shows dated `start`.
    pub fn observe(&mut self, w: &Window, start: SimTime) {
        let v = match self.node {
            None => system_value(self.metric, w),
            Some(i) => w.nodes.get(i).and_then(|n| node_value(self.metric, n, w)),
        };
        let Some(mut v) = v else {
            return;
        };
        if self.counts() {
            self.total += v;
            v = self.total;
        }
        let scale = if self.metric.is_latency() {
            1000.0
        } else {
            1.0
        };
        let broken = match self.bound {
            Bound::Below(x) => {
                v >= x * scale
                    && !self.chance_errors(w, x)
                    && !tail_within_chance(w, self.node, self.metric, x)
            }
            Bound::Above(x) => v <= x * scale,
        };
        if broken {
            self.broken_windows += 1;
            self.first.get_or_insert((start, v));
        }
    }
}

impl ObjectiveWatch {
    /// An error rate above its bound `x` in one window that a design
    /// erring `x` of the time gives by chance: 40 requests a second at a
    /// 1 % bound see 3 errors of 38 in some second of a calm run. Such a
    /// window has not broken the objective (the run's figure still judges
    /// it).
    fn chance_errors(&self, w: &Window, x: f64) -> bool {
        if self.metric != ObjectiveMetric::ErrorRate || x <= 0.0 {
            // A bound of no errors at all: no error is chance.
            return false;
        }
        let (failed, done) = match self.node {
            None => (w.counts.failed(), w.counts.completed + w.counts.failed()),
            Some(i) => match w.nodes.get(i) {
                Some(n) => node_error_counts(&n.counts),
                None => return false,
            },
        };
        !unusual_errors(failed, done, x.clamp(0.0, 1.0))
    }
}

/// Whether window `w`'s latencies at or above `bound` (seconds) for
/// percentile `metric` (of `node`, or the whole system) are no more than
/// the percentile's share explains by chance: a window's p99 of 50
/// requests is its slowest, over the bound whenever one request of the
/// 1 % is, and such a window has not broken the objective (the binomial
/// rule errors follow). `false` for other figures and for a window that
/// did not count them.
pub fn tail_within_chance(
    w: &Window,
    node: Option<usize>,
    metric: ObjectiveMetric,
    bound: f64,
) -> bool {
    let Some(share) = metric.tail_share() else {
        return false;
    };
    let bound = SimTime::from_secs_f64(bound);
    w.tails
        .iter()
        .find(|t| t.node == node && t.bound == bound)
        .is_some_and(|t| !unusual_errors(t.at_or_above, t.of, share))
}

/// Whether a window has a system-wide figure for `metric` (percentiles,
/// mean, error rate, throughput; not cost or counts over the run).
fn system_value_exists(metric: ObjectiveMetric) -> bool {
    metric.is_percentile()
        || matches!(
            metric,
            ObjectiveMetric::ErrorRate | ObjectiveMetric::Throughput
        )
}

/// The window's system-wide figure for `metric` (latencies in ms).
/// A window has no p99.9: its slowest request stands for it.
fn system_value(metric: ObjectiveMetric, w: &Window) -> Option<f64> {
    match metric {
        ObjectiveMetric::ErrorRate => {
            let failed = w.counts.failed();
            let done = w.counts.completed + failed;
            (done > 0).then(|| failed as f64 / done as f64)
        }
        ObjectiveMetric::Throughput => Some(w.throughput_rps),
        m => latency_value(m, &w.latency),
    }
}

fn latency_value(metric: ObjectiveMetric, l: &LatencyStats) -> Option<f64> {
    match metric {
        ObjectiveMetric::P50 => l.p50_ms,
        ObjectiveMetric::P95 => l.p95_ms,
        ObjectiveMetric::P99 => l.p99_ms,
        ObjectiveMetric::P999 => l.max_ms,
        ObjectiveMetric::MeanLatency => l.mean_ms,
        _ => None,
    }
}

/// One node's figure in window `w` as the run's summary takes it (see
/// `objective_figures`); a count is the window's share of the total.
fn node_value(metric: ObjectiveMetric, n: &NodeWindow, w: &Window) -> Option<f64> {
    let c = &n.counts;
    let secs = w.end.saturating_sub(w.start).as_secs_f64();
    match metric {
        m if m.is_percentile() => latency_value(m, n.processing.as_ref().unwrap_or(&n.sojourn)),
        ObjectiveMetric::ErrorRate => node_error_rate(c),
        ObjectiveMetric::Throughput => (secs > 0.0).then(|| c.completed as f64 / secs),
        ObjectiveMetric::DeadLettered => Some(c.dead_lettered as f64),
        ObjectiveMetric::DataLost => Some(c.data_lost as f64),
        ObjectiveMetric::LostAfterAck => Some((c.dead_lettered + c.data_lost) as f64),
        ObjectiveMetric::StaleReads => Some(c.stale_reads as f64),
        ObjectiveMetric::Limited => Some(c.rejected as f64),
        ObjectiveMetric::Utilisation => n.utilisation,
        ObjectiveMetric::QueueLength => n.mean_queue_len,
        // Windows keep a queue's backlog, not a service's line at its end.
        ObjectiveMetric::Backlog => n.backlog.map(|b| b as f64),
        ObjectiveMetric::OldestMessageAge => (n.oldest_message_ms).or(n.backlog.map(|_| 0.0)),
        ObjectiveMetric::HitsPerSecond => (secs > 0.0).then(|| c.hits as f64 / secs),
        _ => None,
    }
}
