//! A cost objective missed, told as a why: the bill against its bound and what costs what, node by node, the dearest first (with how busy each was, so an idle fleet shows).

use super::{Happening, HappeningKind};
use crate::report::objectives::ObjectiveResult;
use crate::sim::metrics::NodeSummary;
use crate::sim::model::ObjectiveMetric;
use crate::sim::{SimTime, Summary};

/// Nodes named one by one; the rest are summed.
const NAMED: usize = 3;

/// The why of a cost objective of the whole design missed at `at`: "over
/// budget: $2.45/h against $0.50/h: api $2.40/h (12 replicas × $0.20/h,
/// 13 % busy), lb $0.05/h"; `None` when every cost objective held.
pub(super) fn over_budget(
    summary: &Summary,
    results: &[ObjectiveResult],
    at: SimTime,
) -> Option<Happening> {
    let r = results.iter().find(|r| missed_budget(r))?;
    let bill = r.value?;
    let mut nodes: Vec<&NodeSummary> = (summary.nodes.iter())
        .filter(|n| n.cost_per_hour > 0.0)
        .collect();
    nodes.sort_by(|a, b| b.cost_per_hour.total_cmp(&a.cost_per_hour));
    let mut parts: Vec<String> = nodes.iter().take(NAMED).map(|n| part(n)).collect();
    let rest: f64 = nodes.iter().skip(NAMED).map(|n| n.cost_per_hour).sum();
    if nodes.len() > NAMED {
        let more = nodes.len() - NAMED;
        parts.push(format!("{more} more {}", dollars(rest)));
    }
    let egress = summary.egress_cost_per_hour();
    if r.metric == ObjectiveMetric::TotalCostPerHour && egress > 0.0 {
        parts.push(format!("egress {}", dollars(egress)));
    }
    Some(Happening {
        at,
        kind: HappeningKind::Cause,
        nodes: nodes
            .first()
            .map(|n| vec![n.id.clone()])
            .unwrap_or_default(),
        text: format!(
            "over budget: {} against {}: {}",
            dollars(bill),
            dollars(r.target),
            parts.join(", ")
        ),
    })
}

/// A cost bound of the whole design (machines, or machines and egress)
/// the run is over.
fn missed_budget(r: &ObjectiveResult) -> bool {
    let metric = matches!(
        r.metric,
        ObjectiveMetric::CostPerHour | ObjectiveMetric::TotalCostPerHour
    );
    metric && r.of.is_none() && r.bound == "below" && !r.pass && r.value.is_some()
}

/// `api $2.40/h (12 replicas × $0.20/h, 13 % busy)`, or `lb $0.05/h`.
fn part(n: &NodeSummary) -> String {
    let mut how = Vec::new();
    if let Some(k) = n.replicas.filter(|&k| k > 1) {
        let each = n.cost_per_hour / f64::from(k);
        let what = if n.kind == "database" {
            "instances"
        } else {
            "replicas"
        };
        how.push(format!("{k} {what} × {}", dollars(each)));
    }
    if let Some(u) = n.utilisation {
        how.push(format!("{:.0} % busy", u * 100.0));
    }
    let cost = dollars(n.cost_per_hour);
    if how.is_empty() {
        format!("{} {cost}", n.id)
    } else {
        format!("{} {cost} ({})", n.id, how.join(", "))
    }
}

/// `$2.45/h`.
fn dollars(x: f64) -> String {
    format!("${x:.2}/h")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(value: f64, target: f64) -> ObjectiveResult {
        ObjectiveResult {
            metric: ObjectiveMetric::CostPerHour,
            bound: "below",
            target,
            value: Some(value),
            pass: value < target,
            of: None,
            most_failed: false,
        }
    }

    #[test]
    fn only_a_missed_budget_of_the_whole_design_is_told() {
        assert!(!missed_budget(&cost(0.45, 0.5)));
        assert!(missed_budget(&cost(2.45, 0.5)));
        let api = ObjectiveResult {
            of: Some(crate::sim::model::Scope::Node("api".into())),
            most_failed: false,
            ..cost(2.45, 0.5)
        };
        assert!(!missed_budget(&api), "a node's cost is its own objective");
    }
}
