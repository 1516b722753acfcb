//! Objectives (`p99 below 100ms`, ...) checked against a summary.

use crate::sim::Summary;
use crate::sim::model::{Bound, Objective, ObjectiveMetric};

/// One objective and how the run did against it.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveResult {
    pub metric: ObjectiveMetric,
    /// "below" or "above".
    pub bound: &'static str,
    /// In milliseconds for latency metrics, else the metric's own unit.
    pub target: f64,
    /// `None` when the run has no value for it yet (no request finished).
    pub value: Option<f64>,
    pub pass: bool,
}

impl ObjectiveResult {
    /// `p99 below 100 ms: 87.3 ms ✓` style text.
    pub fn describe(&self) -> String {
        let unit = unit(self.metric);
        let value = self
            .value
            .map_or("n/a".to_string(), |v| format!("{v:.3}{unit}"));
        format!(
            "{} {} {}{unit}: {value} {}",
            self.metric.name(),
            self.bound,
            trim(self.target),
            if self.pass { "PASS" } else { "FAIL" }
        )
    }
}

fn unit(m: ObjectiveMetric) -> &'static str {
    match m {
        _ if m.is_latency() => " ms",
        ObjectiveMetric::ErrorRate => "",
        ObjectiveMetric::Throughput => " req/s",
        ObjectiveMetric::CostPerHour => " $/h",
        _ => "",
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The value of `metric` in `summary` (latencies in ms).
pub fn metric_value(metric: ObjectiveMetric, summary: &Summary) -> Option<f64> {
    let l = &summary.latency;
    match metric {
        ObjectiveMetric::P50 => l.p50_ms,
        ObjectiveMetric::P95 => l.p95_ms,
        ObjectiveMetric::P99 => l.p99_ms,
        ObjectiveMetric::MeanLatency => l.mean_ms,
        ObjectiveMetric::ErrorRate => summary.error_rate,
        ObjectiveMetric::Throughput => Some(summary.throughput_rps),
        ObjectiveMetric::CostPerHour => Some(summary.cost_per_hour),
    }
}

/// Checks every objective. A missing value fails.
pub fn evaluate(objectives: &[Objective], summary: &Summary) -> Vec<ObjectiveResult> {
    objectives
        .iter()
        .map(|o| {
            let scale = if o.metric.is_latency() { 1000.0 } else { 1.0 };
            let (bound, target) = match o.bound {
                Bound::Below(x) => ("below", x * scale),
                Bound::Above(x) => ("above", x * scale),
            };
            let value = metric_value(o.metric, summary);
            let pass = value.is_some_and(|v| match o.bound {
                Bound::Below(_) => v < target,
                Bound::Above(_) => v > target,
            });
            ObjectiveResult {
                metric: o.metric,
                bound,
                target,
                value,
                pass,
            }
        })
        .collect()
}
