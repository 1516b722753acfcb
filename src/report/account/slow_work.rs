//! A latency objective missed with no node in trouble and nothing changed, told as a why: the time is the work on the way, and the slowest store or provider a request waits on.

use super::{Happening, HappeningKind, figure};
use crate::report::objectives::ObjectiveResult;
use crate::sim::metrics::{LatencyStats, NodeSummary};
use crate::sim::model::{Model, ObjectiveMetric};
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
    design: &Model,
) -> Option<Happening> {
    let r = results.iter().find(|r| missed_latency(r))?;
    if let Some(h) = pool_wait(summary, r, at).or_else(|| pooled_wait(summary, r, at, design)) {
        return Some(h);
    }
    let (node, ms) = (summary.nodes.iter())
        .filter(|n| LEAVES.contains(&n.kind))
        .filter_map(|n| Some((n, same_figure(r.metric, &n.sojourn)?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    Some(Happening {
        at,
        kind: HappeningKind::Cause,
        nodes: vec![node.id.clone()],
        text: text(r, node, ms),
    })
}

/// The why when calls gave up waiting for a pooled connection: the time
/// went on that wait (the connections held by slow visits), not on the
/// callee's own work, and no line at a node shows it. The node whose calls
/// gave up most often is named.
fn pool_wait(summary: &Summary, r: &ObjectiveResult, at: SimTime) -> Option<Happening> {
    let n = (summary.nodes.iter())
        .filter(|n| n.counts.acquire_timeouts > 0)
        .max_by_key(|n| n.counts.acquire_timeouts)?;
    let callee = (n.call_timeouts_to.iter())
        .filter(|(_, _, pool)| *pool > 0)
        .max_by_key(|(_, _, pool)| *pool)
        .map(|(to, _, _)| to.clone());
    let to = callee
        .as_deref()
        .map_or(String::new(), |c| format!(" to {c}"));
    Some(Happening {
        at,
        kind: HappeningKind::Cause,
        nodes: std::iter::once(n.id.clone())
            .chain(callee.clone())
            .collect(),
        text: format!(
            "no node was in trouble, but {}'s calls{to} waited for a pooled connection: {} \
             of them gave up waiting, so the others waited too; {} missed on that wait, \
             not on the callee's own work: a pool sized for the slow visits, not only the \
             average, keeps a connection free",
            n.id,
            super::count(n.counts.acquire_timeouts as f64),
            r.label(),
        ),
    })
}

/// The why when no call gave up for want of a connection, yet the missed
/// figure is well over what the pooled callee's own work explains (its
/// figure once for each of its visits a request makes, ×1.5): the rest is
/// the wait for a connection of the pool, which no line at a node shows
/// (9.5 told "db takes 69.99 ms at p99, its own work" of a p99 of 283 ms).
fn pooled_wait(
    summary: &Summary,
    r: &ObjectiveResult,
    at: SimTime,
    design: &Model,
) -> Option<Happening> {
    let value = r.value?;
    let arrived = summary.counts.arrived.max(1) as f64;
    design.nodes.iter().find_map(|caller| {
        caller.kind.calls().iter().find_map(|c| {
            let pool = c.policy.pool.as_ref()?;
            let callee = design.nodes.get(c.to)?;
            let n = summary.nodes.iter().find(|n| n.id == callee.id)?;
            let own = same_figure(r.metric, &n.sojourn)?;
            let visits = (n.counts.arrived as f64 / arrived).max(1.0);
            (value > 1.5 * visits * own).then(|| Happening {
                at,
                kind: HappeningKind::Cause,
                nodes: vec![caller.id.clone(), callee.id.clone()],
                text: format!(
                    "no node was in trouble, yet {} is {} where {}, the callee of {}'s pool \
                     of {} connections a replica, takes {} at {} a visit: the rest is the wait for a \
                     connection, each held by a visit to {} until it answers (slow ones \
                     longest), which no line at a node shows",
                    r.name(),
                    figure(r.metric, value),
                    callee.id,
                    caller.id,
                    pool.size,
                    figure(r.metric, own),
                    r.name(),
                    callee.id,
                ),
            })
        })
    })
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
