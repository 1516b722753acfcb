//! The objectives a miss debrief's text keeps silent about: each one that failed and whose figure the level's template does not quote gets a sentence of its own, so a learner is not told only of the trouble the design no longer has.

use super::figures::{Unit, format};
use super::grade::Check;
use crate::scenario::level::{Segment, Template};
use crate::sim::model::{Objective, ObjectiveMetric, Scope};

/// " Also missed: throughput at fanout above 40 req/s — it was 0/s." for
/// every failed objective (`checks`, in `objectives` order) the template
/// does not quote; `level_seed` needs no naming.
pub fn sentences(
    template: &Template,
    objectives: &[Objective],
    checks: &[Check],
    level_seed: u64,
) -> String {
    let mut out = String::new();
    for (o, c) in objectives.iter().zip(checks) {
        if c.pass || quotes(template, o) {
            continue;
        }
        let Some(miss) = c.per_seed.iter().find(|s| !s.pass) else {
            continue;
        };
        let it = miss.value.map_or(String::new(), |v| {
            let on = if miss.seed == level_seed {
                String::new()
            } else {
                format!(" on seed {}", miss.seed)
            };
            let (v, unit) = shown(o.metric, v);
            format!(" — it was {}{on}", format(v, unit))
        });
        out.push_str(&format!(" Also missed: {}{it}.", c.label));
    }
    out
}

/// Whether `template` quotes the graded run's figure `o` is about: the
/// system's figure of that name, or its node's figure of that kind (6.3's
/// text quoting how often `scans` redelivered kept silent about its
/// backlog).
fn quotes(template: &Template, o: &Objective) -> bool {
    let names: &[&str] = match o.metric {
        ObjectiveMetric::P50 => &["p50"],
        ObjectiveMetric::P95 => &["p95"],
        ObjectiveMetric::P99 => &["p99"],
        ObjectiveMetric::P999 => &["p999"],
        ObjectiveMetric::MeanLatency => &["mean"],
        ObjectiveMetric::ErrorRate => &["error_rate", "failed"],
        ObjectiveMetric::Throughput => &["throughput"],
        ObjectiveMetric::CostPerHour => &["cost", "budget"],
        ObjectiveMetric::EgressCostPerHour => &["egress_cost"],
        ObjectiveMetric::TotalCostPerHour => &["total_cost"],
        ObjectiveMetric::DeadLettered => &["dead_lettered"],
        ObjectiveMetric::StaleReads => &["stale_reads"],
        _ => &[],
    };
    template.segments.iter().any(|s| match (s, &o.of) {
        (
            Segment::Figure {
                start: false,
                node: None,
                name,
            },
            None,
        ) => names.contains(&name.as_str()),
        (
            Segment::Figure {
                start: false,
                node: Some(n),
                name,
            },
            Some(Scope::Node(id)),
        ) => n == id && node_figures(o.metric).contains(&name.as_str()),
        _ => false,
    })
}

/// The node figures of a template (`{NODE.FIGURE}`) that state a node
/// objective's metric.
fn node_figures(metric: ObjectiveMetric) -> &'static [&'static str] {
    match metric {
        m if m.is_latency() => &["p99"],
        ObjectiveMetric::Utilisation => &["utilisation", "busiest"],
        ObjectiveMetric::QueueLength => &["queue"],
        ObjectiveMetric::Throughput => &["rate", "processed"],
        ObjectiveMetric::DeadLettered => &["dead_lettered"],
        ObjectiveMetric::StaleReads => &["stale_reads"],
        ObjectiveMetric::HitsPerSecond => &["hit_ratio"],
        _ => &[],
    }
}

/// An objective's figure (ms for latencies) as the debrief writes it.
fn shown(metric: ObjectiveMetric, v: f64) -> (f64, Unit) {
    match metric {
        m if m.is_latency() => (v, Unit::Ms),
        ObjectiveMetric::ErrorRate
        | ObjectiveMetric::ErrorRateExcludingLimited
        | ObjectiveMetric::Utilisation => (v, Unit::Percent),
        ObjectiveMetric::Throughput | ObjectiveMetric::HitsPerSecond => (v, Unit::PerSecond),
        m if m.is_cost() => (v, Unit::Dollars),
        m if m.is_count() => (v, Unit::Count),
        _ => (v, Unit::Plain),
    }
}
