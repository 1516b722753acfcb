//! An objective's scope (`node`, `queue`, `class` or `workload`): at most one, a metric that has a value there, and a name that exists.

use crate::scenario::graph::NodeIds;
use crate::scenario::reader::{Errors, Table};
use crate::sim::model::{ObjectiveMetric, Scope};

/// The fields that name what an objective is of.
pub(crate) const SCOPE_FIELDS: [&str; 4] = ["node", "queue", "class", "workload"];

/// Reads the scope of objective table `t` for `metric` (names not yet
/// checked: see `check_names`). `None` when something was reported.
pub(crate) fn read_scope(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    metric: ObjectiveMetric,
) -> Option<Option<Scope>> {
    let given: Vec<_> = SCOPE_FIELDS
        .iter()
        .filter_map(|&k| t.field(k).map(|f| (k, f)))
        .collect();
    let Some((key, f)) = given.first() else {
        if metric.needs_node() {
            t.missing(
                errs,
                "node",
                Some(format!(
                    "`{}` is a figure of one node: add e.g. node = \"db\" (or queue = \"jobs\")",
                    metric.name()
                )),
            );
            return None;
        }
        return Some(None);
    };
    if let Some((other, g)) = given.get(1) {
        g.error_at_key(
            errs,
            format!("give one of `{key}` and `{other}`, not both"),
            Some("an objective is of one thing: add a second [[objective]] for the other".into()),
        );
        return None;
    }
    let name = f.str(errs)?.to_string();
    let scope = match *key {
        "class" => Scope::Class(name),
        "workload" => Scope::Workload(name),
        _ => Scope::Node(name),
    };
    let per_request = matches!(scope, Scope::Class(_) | Scope::Workload(_));
    let fits = if per_request {
        metric.of_requests()
    } else {
        metric != ObjectiveMetric::ErrorRateExcludingLimited && !metric.system_only()
    };
    if !fits {
        f.error_at_key(
            errs,
            format!("`{}` has no value per {key}", metric.name()),
            Some(if metric.system_only() {
                "the egress bill is the whole design's: leave out the scope (a node's own machines: `cost_per_hour` with `node`)".into()
            } else if per_request {
                "a class or a workload has p50, p95, p99, p999, mean_latency, error_rate, throughput, limited and error_rate_excluding_limited".into()
            } else {
                "at a rate limiter, `limited` counts what it refused; a node's `error_rate` counts every failure".into()
            }),
        );
        return None;
    }
    Some(Some(scope))
}

/// The kinds with workers and a line (and a cache or CDN given `workers`).
const STATIONS: &[&str] = &["service", "database", "queue"];

/// The node kinds `metric` has a value at (`None`: every kind).
fn kinds_for(metric: ObjectiveMetric) -> Option<&'static [&'static str]> {
    match metric {
        ObjectiveMetric::Utilisation
        | ObjectiveMetric::QueueLength
        | ObjectiveMetric::Backlog
        | ObjectiveMetric::OldestMessageAge => Some(STATIONS),
        ObjectiveMetric::DeadLettered => Some(&["queue"]),
        ObjectiveMetric::DataLost => Some(&["cache", "cdn"]),
        ObjectiveMetric::LostAfterAck => Some(&["queue", "cache", "cdn"]),
        ObjectiveMetric::StaleReads => Some(&["database"]),
        ObjectiveMetric::Limited => Some(&["rate_limiter"]),
        ObjectiveMetric::HitsPerSecond => Some(&["cache", "cdn"]),
        _ => None,
    }
}

/// Reports a scope naming no node, class or workload of the scenario, a
/// `queue` that is not one, or a node of a kind without the figure.
/// `cache_workers[i]`: node `i` is a cache (or CDN) with `workers`, one
/// station, so it has the stations' figures too.
pub(crate) fn check_names(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    metric: ObjectiveMetric,
    scope: &Scope,
    ids: &NodeIds,
    workloads: &[&str],
    cache_workers: &[bool],
) -> bool {
    let Some(f) = t.field(scope.field()).or_else(|| t.field("queue")) else {
        return true;
    };
    match scope {
        Scope::Class(_) => f.choice(errs, "class", &ids.class_names()).is_some(),
        Scope::Workload(_) => f.choice(errs, "workload", workloads).is_some(),
        Scope::Node(_) => {
            let Some(i) = ids.resolve(errs, &f) else {
                return false;
            };
            let kind = ids.kind(i).unwrap_or("");
            let is_queue = t.field("queue").is_none() || kind == "queue";
            let kinds = kinds_for(metric).unwrap_or(&[]);
            let station = kinds == STATIONS && cache_workers.get(i).copied().unwrap_or(false);
            if !is_queue || !(kinds.is_empty() || kinds.contains(&kind) || station) {
                f.error(
                    errs,
                    format!("`{}` is a {kind}", scope.name()),
                    Some(if is_queue {
                        let with_workers = if kinds == STATIONS {
                            " (or a cache given `workers`)"
                        } else {
                            ""
                        };
                        format!(
                            "`{}` is a figure of {}{with_workers}",
                            metric.name(),
                            one_of(kinds)
                        )
                    } else {
                        "`queue` names a queue; use `node` for another kind".into()
                    }),
                );
                return false;
            }
            true
        }
    }
}

/// `a queue`, `a cache or a cdn`, `a service, a database or a queue`.
fn one_of(kinds: &[&str]) -> String {
    let a: Vec<String> = kinds.iter().map(|k| format!("a {k}")).collect();
    match a.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}
