//! Paired differences of two designs run on the same seeds: each figure's means, B − A and its 95 % Student t interval, as a table or JSON.

use std::fmt::Write as _;

use crate::cli::sweep::t975;
use crate::report::objectives::{metric_value, readable};
use crate::sim::Summary;
use crate::sim::model::{Model, ObjectiveMetric};

/// The headline figures, always compared, in this order.
const HEADLINE: [ObjectiveMetric; 7] = [
    ObjectiveMetric::P50,
    ObjectiveMetric::P95,
    ObjectiveMetric::P99,
    ObjectiveMetric::MeanLatency,
    ObjectiveMetric::Throughput,
    ObjectiveMetric::ErrorRate,
    ObjectiveMetric::CostPerHour,
];

/// The figures to compare: the headline ones, then any other system-wide
/// metric an objective of either design names (objectives on one node,
/// class or workload are left out).
pub(crate) fn figures(a: &Model, b: &Model) -> Vec<ObjectiveMetric> {
    let mut out = HEADLINE.to_vec();
    for o in a.objectives.iter().chain(&b.objectives) {
        if o.of.is_none() && !o.metric.needs_node() && !out.contains(&o.metric) {
            out.push(o.metric);
        }
    }
    out
}

/// The JSON key and the table label of a figure.
fn key(m: ObjectiveMetric) -> (&'static str, &'static str) {
    match m {
        ObjectiveMetric::P50 => ("p50_ms", "p50 (ms)"),
        ObjectiveMetric::P95 => ("p95_ms", "p95 (ms)"),
        ObjectiveMetric::P99 => ("p99_ms", "p99 (ms)"),
        ObjectiveMetric::P999 => ("p999_ms", "p99.9 (ms)"),
        ObjectiveMetric::MeanLatency => ("mean_ms", "mean latency (ms)"),
        ObjectiveMetric::Throughput => ("throughput_rps", "throughput (req/s)"),
        ObjectiveMetric::ErrorRate => ("error_rate", "error rate"),
        ObjectiveMetric::CostPerHour => ("cost_per_hour", "cost ($/h)"),
        ObjectiveMetric::EgressCostPerHour => ("egress_cost_per_hour", "egress ($/h)"),
        ObjectiveMetric::TotalCostPerHour => ("total_cost_per_hour", "total cost ($/h)"),
        ObjectiveMetric::DeadLettered => ("dead_lettered", "dead-lettered"),
        ObjectiveMetric::DataLost => ("data_lost", "data lost"),
        ObjectiveMetric::LostAfterAck => ("lost_after_ack", "lost after ack"),
        ObjectiveMetric::Limited => ("limited", "refused by limiters"),
        ObjectiveMetric::ErrorRateExcludingLimited => (
            "error_rate_excluding_limited",
            "error rate (limited left out)",
        ),
        ObjectiveMetric::StaleReads => ("stale_reads", "stale reads"),
        // Figures of one node: never compared (see `figures`).
        ObjectiveMetric::Utilisation => ("utilisation", "utilisation"),
        ObjectiveMetric::QueueLength => ("queue_length", "line length"),
        ObjectiveMetric::Backlog => ("backlog", "backlog"),
        ObjectiveMetric::OldestMessageAge => ("oldest_message_age_ms", "oldest message (ms)"),
        ObjectiveMetric::HitsPerSecond => ("hits_per_second", "cache hits (/s)"),
    }
}

/// One figure over the replications.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Paired {
    pub metric: ObjectiveMetric,
    /// Replications where both designs have the figure.
    pub n: usize,
    /// Means over those replications.
    pub a: Option<f64>,
    pub b: Option<f64>,
    /// Mean of B − A, and the 95 % interval (two pairs or more).
    pub diff: Option<f64>,
    pub ci: Option<(f64, f64)>,
}

impl Paired {
    /// The interval excludes zero.
    pub fn significant(&self) -> bool {
        self.ci.is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0)
    }
}

/// Pairs replication r of A with replication r of B (same seed).
pub(crate) fn pair(metric: ObjectiveMetric, a: &[Summary], b: &[Summary]) -> Paired {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter_map(|(x, y)| Some((metric_value(metric, x)?, metric_value(metric, y)?)))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let n = pairs.len();
    if n == 0 {
        return Paired {
            metric,
            n,
            a: None,
            b: None,
            diff: None,
            ci: None,
        };
    }
    let mean = |f: fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / n as f64;
    let diffs: Vec<f64> = pairs.iter().map(|(x, y)| y - x).collect();
    let d = diffs.iter().sum::<f64>() / n as f64;
    let ci = (n >= 2).then(|| {
        let var = diffs.iter().map(|x| (x - d).powi(2)).sum::<f64>() / (n - 1) as f64;
        let h = t975(n - 1) * (var / n as f64).sqrt();
        (d - h, d + h)
    });
    Paired {
        metric,
        n,
        a: Some(mean(|p| p.0)),
        b: Some(mean(|p| p.1)),
        diff: Some(d),
        ci,
    }
}

fn fmt(x: Option<f64>) -> String {
    match x {
        Some(v) if v.abs() >= 100.0 => format!("{v:.1}"),
        Some(v) => readable(v),
        None => "-".into(),
    }
}

/// The verdict column: the interval, and whether it excludes zero.
fn verdict(p: &Paired) -> String {
    match p.ci {
        Some((lo, hi)) if lo == 0.0 && hi == 0.0 => "[0, 0]  no difference".into(),
        Some((lo, hi)) => {
            let word = if p.significant() {
                if hi < 0.0 { "B lower" } else { "B higher" }
            } else {
                "not significant"
            };
            format!("[{}, {}]  {word}", fmt(Some(lo)), fmt(Some(hi)))
        }
        None if p.n == 1 => "one replication: no interval".into(),
        None => "no value".into(),
    }
}

/// The terminal table: one line per figure.
pub(crate) fn table(rows: &[Paired]) -> String {
    let mut out = format!(
        "{:<20} {:>12} {:>12} {:>12}  95 % CI of B − A\n",
        "figure", "A", "B", "B − A"
    );
    for p in rows {
        let _ = writeln!(
            out,
            "{:<20} {:>12} {:>12} {:>12}  {}",
            key(p.metric).1,
            fmt(p.a),
            fmt(p.b),
            fmt(p.diff),
            verdict(p)
        );
    }
    out
}

/// `--json`: one object per figure, by key, in table order.
pub(crate) fn json(rows: &[Paired]) -> serde_json::Value {
    let num = |x: Option<f64>| {
        x.filter(|v| v.is_finite())
            .map_or(serde_json::Value::Null, |v| v.into())
    };
    let mut figures = serde_json::Map::new();
    for p in rows {
        figures.insert(
            key(p.metric).0.into(),
            serde_json::json!({
                "a": num(p.a),
                "b": num(p.b),
                "diff": num(p.diff),
                "ci_low": num(p.ci.map(|c| c.0)),
                "ci_high": num(p.ci.map(|c| c.1)),
                "significant": p.significant(),
                "pairs": p.n,
            }),
        );
    }
    serde_json::Value::Object(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_says_when_the_interval_holds_zero() {
        let p = |ci| Paired {
            metric: ObjectiveMetric::P99,
            n: 3,
            a: Some(1.0),
            b: Some(1.0),
            diff: Some(0.0),
            ci,
        };
        assert!(verdict(&p(Some((-1.0, 2.0)))).ends_with("not significant"));
        assert!(verdict(&p(Some((-3.0, -2.0)))).ends_with("B lower"));
        assert!(verdict(&p(Some((0.5, 2.0)))).ends_with("B higher"));
        assert!(verdict(&p(Some((0.0, 0.0)))).ends_with("no difference"));
        assert!(!p(Some((0.0, 0.0))).significant());
    }
}
