//! Objectives (`p99 below 100ms`, ...) checked against a summary.

use crate::report::objective_figures::{scoped_counts, scoped_value, system_value};
use crate::sim::Summary;
use crate::sim::model::{Bound, Objective, ObjectiveMetric, Scope};

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
    /// The node, class or workload it is of (the whole system: `None`).
    pub of: Option<Scope>,
    /// A latency figure of requests most of which failed: it is of the
    /// few that completed, and fails whatever it is (a timeout caps the
    /// latency; timing everything out must not pass).
    pub most_failed: bool,
}

impl ObjectiveResult {
    /// `p99 below 100 ms`: the objective without the run's figure.
    pub fn label(&self) -> String {
        format!(
            "{} {} {}{}",
            self.name(),
            self.bound,
            exact(self.target),
            unit(self.metric)
        )
    }

    /// `p99 below 100 ms: 87.3 ms ✓` style text.
    pub fn describe(&self) -> String {
        let unit = unit(self.metric);
        let value = self.value.map_or("n/a".to_string(), |v| {
            if self.metric.is_count() {
                format!("{v:.0}{unit}")
            } else {
                format!("{}{unit}", readable(v))
            }
        });
        format!(
            "{} {} {}{unit}: {value} {}",
            self.name(),
            self.bound,
            exact(self.target),
            match (self.pass, self.most_failed) {
                (true, _) => "PASS",
                (false, true) =>
                    "FAIL (most requests failed: the figure is of the few that completed)",
                (false, false) => "FAIL",
            }
        )
    }
}

impl ObjectiveResult {
    /// The metric and what it is of: `p99`, `p99 at db`, `p99 of class
    /// create`, `p99 of workload users`.
    pub fn name(&self) -> String {
        scoped_name(self.metric, self.of.as_ref())
    }
}

/// `p99`, `p99 at db`, `p99 of class create`, `p99 of workload users`.
pub fn scoped_name(metric: ObjectiveMetric, of: Option<&Scope>) -> String {
    match of {
        None => metric.name().to_string(),
        Some(Scope::Node(id)) => format!("{} at {id}", metric.name()),
        Some(s) => format!("{} of {} {}", metric.name(), s.field(), s.name()),
    }
}

/// The unit an objective's figures are shown in, with its leading space.
pub fn unit(m: ObjectiveMetric) -> &'static str {
    match m {
        _ if m.is_latency() => " ms",
        ObjectiveMetric::ErrorRate => "",
        ObjectiveMetric::Throughput => " req/s",
        ObjectiveMetric::HitsPerSecond => " hits/s",
        m if m.is_cost() => " $/h",
        ObjectiveMetric::DeadLettered => " messages",
        ObjectiveMetric::DataLost => " writes",
        ObjectiveMetric::Limited => " refused",
        ObjectiveMetric::StaleReads => " reads",
        ObjectiveMetric::Backlog => " messages",
        _ => "",
    }
}

/// A bound as the learner wrote it: the shortest decimal that reads back
/// to `x` rounded to 15 significant digits (so a bound converted from
/// seconds to ms, `0.0003 s` → `0.30000000000000004`, shows as `0.3`),
/// never rounded to a few decimals (`below = 0.0001` used to show as `0`).
pub fn exact(x: f64) -> String {
    format!("{}", round15(x))
}

/// `x` rounded to 15 significant digits (the digits an `f64` holds for
/// sure): undoes the noise of a unit conversion.
fn round15(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{x:.14e}").parse().unwrap_or(x)
}

/// A measured value: three decimals, or four significant digits when
/// that would hide it (an error rate of 0.00004 is not `0.000`).
pub fn readable(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || v.abs() >= 0.1 {
        return format!("{v:.3}");
    }
    let digits = (3 - v.abs().log10().floor() as i32).clamp(3, 20) as usize;
    let s = format!("{v:.digits$}");
    let t = s.trim_end_matches('0');
    // Keep at least three decimals, like the larger values.
    let keep = t.find('.').map_or(t.len(), |d| (d + 4).max(t.len()));
    s[..keep.min(s.len())].to_string()
}

/// The system-wide value of `metric` in `summary` (latencies in ms).
pub fn metric_value(metric: ObjectiveMetric, summary: &Summary) -> Option<f64> {
    system_value(metric, summary)
}

/// `o` in words, without a figure: `p99 below 100 ms`.
pub fn label(o: &Objective) -> String {
    unjudged(o).label()
}

/// `o` as a result with no figure yet (not passed), for the texts that
/// state an objective before any run.
pub fn unjudged(o: &Objective) -> ObjectiveResult {
    let (bound, target) = bound_of(o);
    ObjectiveResult {
        metric: o.metric,
        bound,
        target,
        value: None,
        pass: false,
        of: o.of.clone(),
        most_failed: false,
    }
}

/// "below" or "above" and the bound in the unit results are shown in.
fn bound_of(o: &Objective) -> (&'static str, f64) {
    let scale = if o.metric.is_latency() { 1000.0 } else { 1.0 };
    match o.bound {
        Bound::Below(x) => ("below", round15(x * scale)),
        Bound::Above(x) => ("above", round15(x * scale)),
    }
}

/// Checks every objective. A missing value fails, and so does a latency
/// figure of requests most of which failed.
pub fn evaluate(objectives: &[Objective], summary: &Summary) -> Vec<ObjectiveResult> {
    objectives
        .iter()
        .map(|o| {
            let (bound, target) = bound_of(o);
            let value = scoped_value(o.metric, o.of.as_ref(), summary);
            let most_failed = o.metric.is_percentile()
                && value.is_some()
                && scoped_counts(o.of.as_ref(), summary).is_some_and(|c| c.failed() > c.completed);
            let pass = !most_failed
                && value.is_some_and(|v| match o.bound {
                    Bound::Below(_) => v < target,
                    Bound::Above(_) => v > target,
                });
            ObjectiveResult {
                metric: o.metric,
                bound,
                target,
                value,
                pass,
                of: o.of.clone(),
                most_failed,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_print_as_written_and_values_keep_their_digits() {
        assert_eq!(exact(0.0001), "0.0001");
        assert_eq!(exact(0.0005), "0.0005");
        assert_eq!(exact(0.0003 * 1000.0), "0.3");
        assert_eq!(exact(100.0), "100");
        assert_eq!(exact(4900.0), "4900");
        assert_eq!(exact(1.2345678), "1.2345678");
        assert_eq!(readable(87.3), "87.300");
        assert_eq!(readable(0.5), "0.500");
        assert_eq!(readable(0.0), "0.000");
        assert_eq!(readable(0.00004), "0.00004");
        assert_eq!(readable(0.05), "0.050");
        assert_eq!(readable(0.0123456), "0.01235");
    }
}
