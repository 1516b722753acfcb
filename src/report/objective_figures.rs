//! The figure an objective asks about, of the whole system, one node, one request class or one workload, read from a run's summary.

use crate::sim::Summary;
use crate::sim::metrics::{GroupSummary, LatencyStats, NodeCounts, NodeSummary, SystemCounts};
use crate::sim::model::{ObjectiveMetric, Scope};

/// The value of `metric` of `of` (the whole system when `None`) in
/// `summary`, latencies in ms; `None` when the run has none (nothing
/// measured, or no such node, class or workload).
pub fn scoped_value(metric: ObjectiveMetric, of: Option<&Scope>, summary: &Summary) -> Option<f64> {
    match of {
        None => system_value(metric, summary),
        Some(Scope::Node(id)) => {
            let n = summary.nodes.iter().find(|n| &n.id == id)?;
            node_value(metric, n, summary.measured.as_secs_f64())
        }
        Some(Scope::Class(name)) => group_value(metric, group(&summary.classes, name)?),
        Some(Scope::Workload(name)) => match summary.workloads.as_slice() {
            // One workload and no class: the totals are that workload's.
            [] => system_value(metric, summary),
            list => group_value(metric, group(list, name)?),
        },
    }
}

/// The requests an objective of scope `of` is about (`None` for a
/// node's: its visits are not requests).
pub fn scoped_counts<'a>(of: Option<&Scope>, summary: &'a Summary) -> Option<&'a SystemCounts> {
    match of {
        None => Some(&summary.counts),
        Some(Scope::Node(_)) => None,
        Some(Scope::Class(name)) => group(&summary.classes, name).map(|g| &g.counts),
        Some(Scope::Workload(name)) => match summary.workloads.as_slice() {
            [] => Some(&summary.counts),
            list => group(list, name).map(|g| &g.counts),
        },
    }
}

fn group<'a>(list: &'a [GroupSummary], name: &str) -> Option<&'a GroupSummary> {
    list.iter().find(|g| g.name == name)
}

/// The system-wide value (`None` for a figure of one node only).
pub fn system_value(metric: ObjectiveMetric, s: &Summary) -> Option<f64> {
    match metric {
        ObjectiveMetric::CostPerHour => Some(s.cost_per_hour),
        ObjectiveMetric::EgressCostPerHour => Some(s.egress_cost_per_hour()),
        ObjectiveMetric::TotalCostPerHour => Some(s.total_cost_per_hour()),
        ObjectiveMetric::DeadLettered => Some(s.dead_lettered as f64),
        ObjectiveMetric::DataLost => Some(s.data_lost as f64),
        ObjectiveMetric::LostAfterAck => Some(s.lost_after_ack() as f64),
        ObjectiveMetric::StaleReads => Some(s.stale_reads() as f64),
        m if m.needs_node() => None,
        m => requests_value(m, &s.counts, &s.latency, s.error_rate, s.throughput_rps),
    }
}

fn group_value(metric: ObjectiveMetric, g: &GroupSummary) -> Option<f64> {
    requests_value(
        metric,
        &g.counts,
        &g.latency,
        g.error_rate,
        g.throughput_rps,
    )
}

/// A figure of a set of requests end to end (all, a class's, a
/// workload's).
fn requests_value(
    metric: ObjectiveMetric,
    c: &SystemCounts,
    l: &LatencyStats,
    error_rate: Option<f64>,
    throughput: f64,
) -> Option<f64> {
    match metric {
        ObjectiveMetric::ErrorRate => error_rate,
        ObjectiveMetric::Throughput => Some(throughput),
        ObjectiveMetric::Limited => Some(c.limited as f64),
        ObjectiveMetric::ErrorRateExcludingLimited => error_rate_excluding_limited(c),
        m => latency_value(m, l),
    }
}

/// (failed − limited) / (completed + failed − limited): the error rate
/// with the requests a rate limiter refused left out of both sides.
pub fn error_rate_excluding_limited(c: &SystemCounts) -> Option<f64> {
    let failed = c.failed().saturating_sub(c.limited);
    let finished = c.completed + failed;
    (finished > 0).then(|| failed as f64 / finished as f64)
}

fn latency_value(metric: ObjectiveMetric, l: &LatencyStats) -> Option<f64> {
    match metric {
        ObjectiveMetric::P50 => l.p50_ms,
        ObjectiveMetric::P95 => l.p95_ms,
        ObjectiveMetric::P99 => l.p99_ms,
        ObjectiveMetric::P999 => l.p999_ms,
        ObjectiveMetric::MeanLatency => l.mean_ms,
        _ => None,
    }
}

/// A node's visits answered as failed, for any reason, over those it
/// answered (`None` when it answered none).
pub fn node_error_rate(c: &NodeCounts) -> Option<f64> {
    let (failed, finished) = node_error_counts(c);
    (finished > 0).then(|| failed as f64 / finished as f64)
}

/// A node's failed visits and its finished ones (completed or failed).
pub fn node_error_counts(c: &NodeCounts) -> (u64, u64) {
    let failed =
        c.rejected + c.shed + c.timed_out + c.failed_downstream + c.errors + c.error_responses;
    (failed, c.completed + failed)
}

/// A figure of one node over `secs` measured seconds: its latency is
/// arrival → successful answer (a queue's: enqueued → processed).
fn node_value(metric: ObjectiveMetric, n: &NodeSummary, secs: f64) -> Option<f64> {
    let c = &n.counts;
    match metric {
        m if m.is_percentile() => latency_value(m, n.processing.as_ref().unwrap_or(&n.sojourn)),
        ObjectiveMetric::ErrorRate => node_error_rate(c),
        ObjectiveMetric::Throughput => (secs > 0.0).then(|| c.completed as f64 / secs),
        ObjectiveMetric::CostPerHour => Some(n.cost_per_hour),
        ObjectiveMetric::DeadLettered => Some(c.dead_lettered as f64),
        ObjectiveMetric::DataLost => Some(c.data_lost as f64),
        ObjectiveMetric::LostAfterAck => Some((c.dead_lettered + c.data_lost) as f64),
        ObjectiveMetric::StaleReads => Some(c.stale_reads as f64),
        ObjectiveMetric::Limited => (n.kind == "rate_limiter").then_some(c.rejected as f64),
        ObjectiveMetric::Utilisation => n.utilisation,
        ObjectiveMetric::QueueLength => n.mean_queue_len,
        ObjectiveMetric::Backlog => n.backlog.or(n.waiting).map(|b| b as f64),
        ObjectiveMetric::OldestMessageAge => {
            (n.oldest_message_ms.or(n.oldest_waiting_ms)).or(n.waiting.map(|_| 0.0))
        }
        ObjectiveMetric::HitsPerSecond => (secs > 0.0).then(|| c.hits as f64 / secs),
        _ => None,
    }
}
