//! Builds a `Model` from the parsed TOML tree, reading every table and reporting every problem it finds.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::scenario::graph::{self, NodeIds};
use crate::scenario::reader::{Errors, Field, Table};
use crate::sim::limits::MIN_PERIOD;
use crate::sim::model::{
    Bound, ClassIdx, Limits, Model, Node, NodeKind, Objective, ObjectiveMetric, RequestClass,
    RequestKind, Workload,
};
use crate::sim::time::SimTime;

/// What the time-series `window` paces (the hint when it is too short).
const WINDOW_HINT: &str = "the run writes one time-series row per window: e.g. window = \"100ms\"";

mod cache;
mod calls;
pub(crate) use calls::CALL_FIELDS;
pub(crate) mod classes;
pub(crate) mod events;
mod external;
mod fanout;
mod line;
pub(crate) mod nodes;
pub(crate) mod objective_scope;
mod payload;
mod routes;
mod set;
mod topic;
mod workloads;
mod zones;

pub(crate) const TOP_FIELDS: [&str; 7] = [
    "scenario",
    "workload",
    "node",
    "objective",
    "event",
    "class",
    "zone_link",
];
pub(crate) const SCENARIO_FIELDS: [&str; 8] = [
    "name",
    "story",
    "duration",
    "warmup",
    "seed",
    "window",
    "max_in_flight",
    "max_events",
];
pub(crate) const NODE_FIELDS: [&str; 6] = [
    "id",
    "kind",
    "pos",
    "cost_per_hour",
    "zone",
    "egress_per_gb",
];
/// The fields of a cache, which a CDN shares.
const CACHE_FIELDS: [&str; 13] = [
    "capacity",
    "keys_per_unit",
    "policy",
    "ttl",
    "hit_time",
    "on_miss",
    "write_policy",
    "flush_interval",
    "coalesce",
    "miss_penalty",
    "warm",
    "workers",
    "queue",
];
/// Each node kind and the fields only it takes.
pub(crate) const KINDS: [(&str, &[&str]); 9] = [
    ("load_balancer", &["algorithm", "to", "weights"]),
    (
        "service",
        &[
            "replicas",
            "workers",
            "workers_per_unit",
            "queue",
            "service_time",
            "timeout",
            "calls",
            "to",
            "autoscale",
            "priority",
            "shed",
        ],
    ),
    ("cache", &CACHE_FIELDS),
    (
        "cdn",
        &[
            "capacity",
            "keys_per_unit",
            "policy",
            "ttl",
            "hit_time",
            "on_miss",
            "write_policy",
            "flush_interval",
            "coalesce",
            "miss_penalty",
            "warm",
            "workers",
            "queue",
            "origin",
        ],
    ),
    (
        "database",
        &[
            "read_replicas",
            "workers",
            "workers_per_unit",
            "queue",
            "service_time",
            "write_service_time",
            "timeout",
            "replication_lag",
            "shards",
        ],
    ),
    (
        "rate_limiter",
        &[
            "algorithm",
            "to",
            "rate",
            "burst",
            "capacity",
            "limit",
            "window",
            "per",
            "max_keys",
        ],
    ),
    (
        "queue",
        &[
            "capacity",
            "consumers",
            "workers_per_unit",
            "service_time",
            "calls",
            "visibility_timeout",
            "max_attempts",
            "redelivery_backoff",
            "max_redelivery_backoff",
            "max_hops",
        ],
    ),
    ("topic", &["subscribers"]),
    (
        "external",
        &[
            "latency",
            "error_rate",
            "rate_limit",
            "burst",
            "concurrency",
        ],
    ),
];
const OBJECTIVE_FIELDS: [&str; 7] = [
    "metric", "below", "above", "node", "queue", "class", "workload",
];

/// Reads the whole document. `None` when anything was reported.
pub(crate) fn build(errs: &mut Errors<'_>, doc: &Spanned<DeTable<'_>>) -> Option<Model> {
    let top = Table::new(doc.get_ref(), doc.span(), String::new());
    if top.table.is_empty() {
        errs.error(
            &top.span,
            "",
            "the file has no settings: it is empty or only comments",
            Some(
                "a scenario needs a [scenario] table with a name, at least one [[workload]] and one [[node]]; see docs/scenario-format.md"
                    .into(),
            ),
        );
        return None;
    }
    top.unknown_fields(errs, &TOP_FIELDS, &|key| {
        if SCENARIO_FIELDS.contains(&key) {
            Some((
                format!("`{key}` belongs in the [scenario] table"),
                Some("move it below the [scenario] line".into()),
            ))
        } else if key == "classes" {
            Some((
                format!("unknown field `{key}`"),
                Some("did you mean `class`? write [[class]] once per request class".into()),
            ))
        } else if key == "events" {
            Some((
                format!("unknown field `{key}`"),
                Some("did you mean `event`? write [[event]] once per event".into()),
            ))
        } else {
            None
        }
    });
    let header = read_scenario(errs, &top);

    let node_tables = tables(errs, &top, "node");
    if node_tables.is_none() {
        errs.error(
            &top.span,
            "node",
            "a scenario needs at least one [[node]]",
            Some(
                "add e.g. [[node]] with id = \"api\", kind = \"service\", service_time = \"5ms\""
                    .into(),
            ),
        );
    }
    let mut node_tables = node_tables.unwrap_or_default();
    let mut ids = NodeIds::collect(errs, &node_tables);
    let class_tables = tables(errs, &top, "class").unwrap_or_default();
    let (class_names, classes) = classes::read_classes(errs, class_tables);
    ids.set_classes(class_names);
    for (i, t) in node_tables.iter_mut().enumerate() {
        t.path = ids.path(i);
    }
    let mut edges = Vec::new();
    let nodes: Vec<Option<Node>> = node_tables
        .iter()
        .enumerate()
        .map(|(i, t)| nodes::read_node(errs, t, i, &ids, &mut edges))
        .collect();

    let workload_tables = tables(errs, &top, "workload");
    if workload_tables.is_none() {
        errs.error(
            &top.span,
            "workload",
            "a scenario needs at least one [[workload]]",
            Some("add e.g. [[workload]] with to = \"<first node id>\", rate = 100".into()),
        );
    }
    let mut names: Vec<(String, usize)> = Vec::new();
    let workloads: Vec<Option<Workload>> = workload_tables
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, t)| workloads::read_workload(errs, t, i, &ids, &mut names))
        .collect();

    let cache_workers: Vec<bool> = (nodes.iter())
        .map(|n| matches!(n, Some(Node { kind: NodeKind::Cache(c), .. }) if c.workers.is_some()))
        .collect();
    let objectives: Vec<Option<Objective>> = tables(errs, &top, "objective")
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, mut t)| {
            t.path = format!("objective[{i}]");
            let o = read_objective(errs, &t)?;
            let known: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
            let fine = o.of.as_ref().is_none_or(|of| {
                objective_scope::check_names(errs, &t, o.metric, of, &ids, &known, &cache_workers)
            });
            fine.then_some(o)
        })
        .collect();

    let workload_names: Vec<String> = names.into_iter().map(|(n, _)| n).collect();
    let event_tables = tables(errs, &top, "event").unwrap_or_default();
    let events = events::read_events(
        errs,
        event_tables,
        &events::Context {
            ids: &ids,
            nodes: &nodes,
            workloads: &workloads,
            names: &workload_names,
            duration: header.duration_ok.then_some(header.duration),
        },
    );

    // A queue with `max_hops` (even a wrong one, reported already) may
    // close a loop: its consumers' work is asynchronous and each message
    // passes it a bounded number of times.
    let loops: Vec<bool> = node_tables
        .iter()
        .enumerate()
        .map(|(i, t)| ids.kind(i) == Some("queue") && t.field("max_hops").is_some())
        .collect();
    graph::check_edges(errs, &ids, &edges, &loops);
    let zone_tables = tables(errs, &top, "zone_link");
    let zone_links = zones::read_zone_links(errs, zone_tables, &node_tables);
    payload::check_user_egress(errs, &node_tables, &workloads);

    if !errs.is_empty() {
        return None;
    }
    let classes = classes?;
    let mut workloads = workloads.into_iter().collect::<Option<Vec<_>>>()?;
    for w in workloads.iter_mut().filter(|w| !w.classes.is_empty()) {
        w.read_fraction = read_share(&classes, &w.classes);
    }
    Some(Model {
        name: header.name,
        story: header.story,
        duration: header.duration,
        warmup: header.warmup,
        seed: header.seed,
        window: header.window,
        workloads,
        nodes: nodes.into_iter().collect::<Option<Vec<_>>>()?,
        objectives: objectives.into_iter().collect::<Option<Vec<_>>>()?,
        classes,
        events: events?,
        limits: Limits {
            max_in_flight: header.max_in_flight,
            max_events: header.max_events,
        },
        zone_links: zone_links?,
    })
}

/// The share of a workload's requests that are reads, from its classes.
pub(crate) fn read_share(classes: &[RequestClass], shares: &[(ClassIdx, f64)]) -> f64 {
    shares
        .iter()
        .filter(|(c, _)| {
            classes
                .get(usize::from(*c))
                .is_some_and(|c| c.op == RequestKind::Read)
        })
        .map(|(_, s)| s)
        .sum()
}

/// The tables of an array of tables (`[[key]]`); `None` when absent or
/// empty. Non-table items are reported and skipped.
fn tables<'a, 'i>(
    errs: &mut Errors<'_>,
    top: &Table<'a, 'i>,
    key: &str,
) -> Option<Vec<Table<'a, 'i>>> {
    let f = top.field(key)?;
    let DeValue::Array(items) = f.get() else {
        f.error(
            errs,
            format!("`{key}` must be an array of tables"),
            Some(format!("write [[{key}]] (double brackets), once per {key}")),
        );
        return Some(Vec::new());
    };
    if items.is_empty() {
        return None;
    }
    let out: Vec<Table<'a, 'i>> = f
        .items(items)
        .into_iter()
        .filter_map(|item| item.table(errs))
        .collect();
    Some(out)
}

/// The `[scenario]` table, with defaults where fields are absent or bad.
struct Header {
    name: String,
    story: String,
    duration: SimTime,
    warmup: SimTime,
    seed: u64,
    window: SimTime,
    max_in_flight: usize,
    max_events: u64,
    /// Whether `duration` was read (not defaulted after a mistake).
    duration_ok: bool,
}

fn read_scenario(errs: &mut Errors<'_>, top: &Table<'_, '_>) -> Header {
    let mut h = Header {
        name: String::new(),
        story: String::new(),
        duration: SimTime::from_secs(60),
        warmup: SimTime::ZERO,
        seed: 1,
        window: SimTime::from_secs(1),
        max_in_flight: Limits::default().max_in_flight,
        max_events: Limits::default().max_events,
        duration_ok: true,
    };
    let Some(f) = top.field("scenario") else {
        errs.error(
            &top.span,
            "scenario",
            "missing [scenario] table",
            Some("start the file with [scenario] and name = \"...\"".into()),
        );
        return h;
    };
    let Some(t) = f.table(errs) else { return h };
    t.unknown_fields(errs, &SCENARIO_FIELDS, &|_| None);
    if let Some(f) = t.required(errs, "name")
        && let Some(s) = f.str(errs)
    {
        if s.trim().is_empty() {
            f.error(errs, "the scenario name must not be empty", None);
        }
        h.name = s.to_string();
    }
    if let Some(s) = t.field("story").and_then(|f| f.str(errs)) {
        h.story = s.to_string();
    }
    if let Some(f) = t.field("duration") {
        match f.positive_duration(errs) {
            Some(d) => h.duration = d,
            None => h.duration_ok = false,
        }
    }
    // The field to blame when the duration is too short for the warm-up
    // or the window: the one given last. A duration from `--duration` or
    // `--set` is the mistake, not the file's line that was fine before.
    let duration_field = t.field("duration");
    let blame_duration = |f: &Field<'_, '_>, errs: &Errors<'_>| -> bool {
        duration_field.as_ref().is_some_and(|d| {
            errs.sources().in_override(d.span().start)
                && !errs.sources().in_override(f.span().start)
        })
    };
    if let Some(f) = t.field("warmup")
        && let Some(w) = f.duration(errs)
    {
        if w >= h.duration {
            let at = match &duration_field {
                Some(d) if blame_duration(&f, errs) => d,
                _ => &f,
            };
            at.error(
                errs,
                format!(
                    "the warm-up ({w}) must be shorter than the duration ({})",
                    h.duration
                ),
                Some("results only count requests that arrive after the warm-up".into()),
            );
        }
        h.warmup = w;
    }
    if let Some(s) = t.field("seed").and_then(|f| f.int(errs, 0, i64::MAX)) {
        h.seed = s.unsigned_abs();
    }
    if let Some(f) = t.field("window")
        && let Some(w) = f.period(errs, MIN_PERIOD, WINDOW_HINT)
    {
        if w > h.duration {
            let at = match &duration_field {
                Some(d) if blame_duration(&f, errs) => d,
                _ => &f,
            };
            at.error(
                errs,
                format!(
                    "the window ({w}) must not be longer than the duration ({})",
                    h.duration
                ),
                None,
            );
        }
        h.window = w;
    }
    if let Some(f) = t.field("max_in_flight")
        && let Some(n) = f.int(errs, 1, i64::MAX)
    {
        match usize::try_from(n) {
            Ok(n) => h.max_in_flight = n,
            Err(_) => f.error(errs, "too large for this machine", None),
        }
    }
    if let Some(n) = t.field("max_events").and_then(|f| f.int(errs, 1, i64::MAX)) {
        h.max_events = n.unsigned_abs();
    }
    h
}

/// `a service`, `an X` ...
pub(crate) fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let head: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", head.join(", "), last.as_ref())
        }
    }
}

pub(crate) fn read_objective(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> Option<Objective> {
    t.unknown_fields(errs, &OBJECTIVE_FIELDS, &|_| None);
    let names: Vec<&str> = ObjectiveMetric::ALL.iter().map(|m| m.name()).collect();
    let metric = t
        .required(errs, "metric")
        .and_then(|f| f.choice(errs, "objective metric", &names))
        .and_then(|k| ObjectiveMetric::ALL.get(k).copied());
    let below = t.field("below");
    let above = t.field("above");
    let (f, is_below) = match (below, above) {
        (Some(_), Some(a)) => {
            a.error_at_key(
                errs,
                "give either `below` or `above`, not both",
                Some("add a second [[objective]] for the other bound".into()),
            );
            return None;
        }
        (Some(b), None) => (b, true),
        (None, Some(a)) => (a, false),
        (None, None) => {
            t.missing(
                errs,
                "below",
                Some("an objective needs a bound: `below = ...` or `above = ...`".into()),
            );
            return None;
        }
    };
    let metric = metric?;
    let value = if metric.is_latency() {
        f.seconds(errs)
    } else {
        let unit = match metric {
            m if m.is_fraction() => "a fraction, e.g. 0.01",
            ObjectiveMetric::Throughput => "requests per second, e.g. 5000",
            ObjectiveMetric::QueueLength => "a mean number waiting, e.g. 10",
            ObjectiveMetric::HitsPerSecond => "cache hits per second, e.g. 500",
            m if m.is_count() => "a count, e.g. `below = 1` (none at all)",
            _ => "dollars per hour, e.g. 4.0",
        };
        if let DeValue::String(_) = f.get() {
            f.error(
                errs,
                format!("`{}` takes a number, not a string", metric.name()),
                Some(format!("give {unit}")),
            );
            None
        } else if metric.is_fraction() {
            f.number_in(errs, 0.0, true, 1.0)
        } else {
            f.number_in(errs, 0.0, true, f64::MAX)
        }
    };
    let v = value?;
    let of = objective_scope::read_scope(errs, t, metric)?;
    Some(Objective {
        of,
        metric,
        bound: if is_below {
            Bound::Below(v)
        } else {
            Bound::Above(v)
        },
    })
}
