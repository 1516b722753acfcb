//! A latency objective missed with no node in trouble and nothing changed, told as a why: the time is the work on the way, and the slowest store or provider a request waits on.

use super::{Happening, HappeningKind, figure};
use crate::report::objectives::ObjectiveResult;
use crate::sim::metrics::{LatencyStats, NodeSummary};
use crate::sim::model::ObjectiveMetric;
use crate::sim::{SimTime, Summary};

/// Kinds whose time at the node is their own work (they call nothing):
/// what a request waits on when no line grows anywhere.
const LEAVES: [&str; 2] = ["database", "external"];

/// The why of a latency objective of the whole system missed at `at`
/// while no node was in trouble: "no node was in trouble: p99 below 50 ms
/// missed on the work of the path itself; the slowest store or provider
/// on it, history, takes 79.1 ms at p99 a visit, ...". `None` when no
/// such objective missed, or no store or provider answered.
pub(super) fn slow_work(
    summary: &Summary,
    results: &[ObjectiveResult],
    at: SimTime,
) -> Option<Happening> {
    let r = results.iter().find(|r| missed_latency(r))?;
    let (node, ms) = (summary.nodes.iter())
        .filter(|n| LEAVES.contains(&n.kind))
        .filter_map(|n| Some((n, same_figure(r.metric, &n.sojourn)?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    // The slowest work explains less than half the figure: the rest was
    // spent waiting somewhere (9.5: a pool's line at api, 283 ms at p99
    // against the db's 70 ms), and "cannot be faster" would be untrue.
    let waited = r
        .value
        .filter(|&v| v > 2.0 * ms)
        .and_then(|_| longest_wait(summary));
    let (named, text) = match waited {
        Some((w, wait_ms)) => (w, waiting_text(r, w, wait_ms, node, ms)),
        None => (node, text(r, node, ms)),
    };
    Some(Happening {
        at,
        kind: HappeningKind::Cause,
        nodes: vec![named.id.clone()],
        text,
    })
}

/// The node whose visits waited longest in line on average (at least
/// 1 ms), with that wait.
fn longest_wait(summary: &Summary) -> Option<(&NodeSummary, f64)> {
    (summary.nodes.iter())
        .filter_map(|n| Some((n, n.mean_wait_ms?)))
        .filter(|&(_, w)| w >= 1.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

fn waiting_text(
    r: &ObjectiveResult,
    w: &NodeSummary,
    wait_ms: f64,
    leaf: &NodeSummary,
    ms: f64,
) -> String {
    let line = w
        .mean_queue_len
        .map_or(String::new(), |q| format!(", {q:.0} waiting on average"));
    format!(
        "no node was saturated, but {} missed on waiting: visits at {} waited {wait_ms:.1} ms \
         in line on average{line} (for a worker, or a connection of a pool), while the slowest \
         store or provider on the way, {}, takes only {} at {} a visit: shorten that line \
         (more of what it waits for) before the work",
        r.label(),
        w.id,
        leaf.id,
        figure(r.metric, ms),
        r.name()
    )
}

fn text(r: &ObjectiveResult, node: &NodeSummary, ms: f64) -> String {
    format!(
        "no node was in trouble: {} missed on the work of the path itself; the slowest \
         store or provider on it, {}, takes {} at {} a visit, its own work (no line grew \
         there), so more servers do not shorten it: a request that waits for it cannot be \
         faster",
        r.label(),
        node.id,
        figure(r.metric, ms),
        r.name()
    )
}

/// A latency bound of the whole system the run measured and missed (not
/// one still waiting for its first figure, during warm-up).
fn missed_latency(r: &ObjectiveResult) -> bool {
    let measured = r.value.is_some();
    r.metric.is_percentile() && r.of.is_none() && r.bound == "below" && !r.pass && measured
}

/// The node's figure of the objective's kind (its p99 for a p99).
fn same_figure(metric: ObjectiveMetric, s: &LatencyStats) -> Option<f64> {
    match metric {
        ObjectiveMetric::P50 => s.p50_ms,
        ObjectiveMetric::P95 => s.p95_ms,
        ObjectiveMetric::P99 => s.p99_ms,
        ObjectiveMetric::P999 => s.p999_ms,
        _ => s.mean_ms,
    }
}
