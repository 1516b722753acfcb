//! Reads one `[[node]]`: the fields every node has, then those of its kind (load balancer, service, cache, CDN, database, rate limiter, queue).

use crate::scenario::distribution;
use crate::scenario::graph::{Edge, NodeIds};
use crate::scenario::reader::{Errors, Field, Table, show};
use crate::scenario::suggest;
use crate::sim::dist::Dist;
use crate::sim::limits::{
    self, COST_PER_HOUR, DATABASE_INSTANCES, DEFAULT_LIMITER_KEYS, KEYS_PER_UNIT, LIMITER_KEYS,
    LIMITER_RATE, LINE_CAPACITY, Limit, MAX_DELIVERIES, MAX_HOPS, MIN_PERIOD, READ_REPLICAS,
    REPLICAS, SHARDS, WORKERS, WORKERS_PER_UNIT,
};
use crate::sim::model::{
    AutoscaleSpec, CachePolicy, CacheSpec, DEFAULT_KEYS_PER_UNIT, DEFAULT_WORKERS_PER_UNIT,
    DatabaseSpec, LbAlgorithm, LimitPer, LimiterAlgorithm, LoadBalancerSpec, Node, NodeIdx,
    NodeKind, QueueSpec, RateLimiterSpec, Redelivery, ScaleMetric, ServiceSpec, WritePolicy,
};
use crate::sim::time::SimTime;

use super::calls::{read_calls, read_routes, target as read_edge};
use super::{KINDS, NODE_FIELDS, article, list};

/// A cache's lookup time when the file gives none (0.5 ms).
pub(crate) const CACHE_HIT_TIME: f64 = 0.0005;
/// A CDN's defaults: lookup at the edge, and the trip to the origin.
pub(crate) const CDN_HIT_TIME: f64 = 0.005;
pub(crate) const CDN_MISS_PENALTY: f64 = 0.05;
pub(crate) const DEFAULT_FLUSH_INTERVAL: SimTime = SimTime::from_secs(1);
pub(crate) const DEFAULT_LEAKY_CAPACITY: u32 = 100;
pub(crate) const DEFAULT_MAX_ATTEMPTS: u32 = 3;
pub(crate) const DEFAULT_INTERVAL: SimTime = SimTime::from_secs(10);
pub(crate) const DEFAULT_COOLDOWN: SimTime = SimTime::from_secs(30);
const AUTOSCALE_INTERVAL_HINT: &str = "the autoscaler looks once per interval, all run long: a real one looks every few seconds, e.g. interval = \"2s\"";
const FLUSH_INTERVAL_HINT: &str = "dirty keys are written once per flush_interval, all run long: to pass every write on at once, use write_policy = \"write_through\"";

/// Cache write policies, in file spelling.
pub(crate) const WRITE_POLICIES: [&str; 3] = ["invalidate", "write_through", "write_back"];
/// Rate-limiter algorithms and the fields each takes.
pub(crate) const LIMITERS: [(&str, &[&str]); 4] = [
    ("token_bucket", &["rate", "burst"]),
    ("leaky_bucket", &["rate", "capacity"]),
    ("fixed_window", &["limit", "window"]),
    ("sliding_window", &["limit", "window"]),
];
const LIMITER_FIELDS: [&str; 5] = ["rate", "burst", "capacity", "limit", "window"];
pub(crate) const SCALE_METRICS: [&str; 2] = ["utilisation", "queue_depth"];
const AUTOSCALE_FIELDS: [&str; 7] = [
    "metric",
    "target",
    "min",
    "max",
    "interval",
    "cooldown",
    "cold_start",
];

pub(super) fn read_node(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    i: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
) -> Option<Node> {
    let kind_names: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
    let kind = t
        .required(errs, "kind")
        .and_then(|f| f.choice(errs, "node kind", &kind_names))
        .and_then(|k| KINDS.get(k).copied());
    match kind {
        Some((name, own)) => {
            let mut allowed: Vec<&str> = NODE_FIELDS.to_vec();
            allowed.extend_from_slice(own);
            let known = allowed.clone();
            t.unknown_fields(errs, &allowed, &|key| {
                let owners: Vec<&str> = KINDS
                    .iter()
                    .filter(|(_, fs)| fs.contains(&key))
                    .map(|(k, _)| *k)
                    .collect();
                let hint = if name == "cache" && key == "origin" {
                    Some("a cache's origin is `on_miss`; or make it kind = \"cdn\"".into())
                } else if let Some(own) = same_thing(name, key) {
                    Some(format!("{} {name}'s {key} are its `{own}`", article(name)))
                } else if owners.is_empty() {
                    suggest::hint(key, &known)
                } else {
                    Some(format!("`{key}` is a field of {} nodes", list(&owners)))
                };
                Some((
                    format!("unknown field `{key}` for {} {name}", article(name)),
                    hint,
                ))
            });
        }
        None => {
            let mut all: Vec<&str> = NODE_FIELDS.to_vec();
            for (_, fs) in KINDS {
                for f in fs {
                    if !all.contains(f) {
                        all.push(f);
                    }
                }
            }
            t.unknown_fields(errs, &all, &|_| None);
        }
    }

    let pos = t.field("pos").and_then(|f| read_pos(errs, &f));
    let cost_per_hour = match t.field("cost_per_hour") {
        Some(f) => f.number_within(errs, COST_PER_HOUR),
        None => Some(0.0),
    };
    let cost_unit = read_cost_unit(errs, t, kind.map(|(k, _)| k));
    let spec = match kind.map(|(k, _)| k) {
        Some("load_balancer") => read_load_balancer(errs, t, i, ids, edges),
        Some("service") => read_service(errs, t, i, ids, edges),
        Some("cache") => read_cache(errs, t, i, ids, edges, false),
        Some("cdn") => read_cache(errs, t, i, ids, edges, true),
        Some("database") => read_database(errs, t),
        Some("rate_limiter") => read_rate_limiter(errs, t, i, ids, edges),
        Some("queue") => read_queue_node(errs, t, i, ids, edges),
        Some("topic") => super::topic::read_topic(errs, t, i, ids, edges),
        Some("external") => super::external::read_external(errs, t),
        _ => None,
    };
    let zone = match t.field("zone") {
        Some(f) => super::zones::read_zone(errs, &f).map(Some),
        None => Some(None),
    };
    let egress_per_gb =
        super::payload::optional(errs, t, "egress_per_gb", super::payload::read_price);
    Some(Node {
        id: ids.id(i)?.to_string(),
        kind: spec?,
        pos,
        cost_per_hour: cost_per_hour?,
        cost_unit: cost_unit?,
        zone: zone?,
        egress_per_gb: egress_per_gb?,
    })
}

/// What one `cost_per_hour` buys: `workers_per_unit` workers per replica
/// (services, databases, queues) or `keys_per_unit` keys (caches, CDNs);
/// 0 (billed flat) for the other kinds.
fn read_cost_unit(errs: &mut Errors<'_>, t: &Table<'_, '_>, kind: Option<&str>) -> Option<u64> {
    let (field, default, limit): (_, _, Limit<u64>) = match kind {
        Some("service" | "database" | "queue") => (
            "workers_per_unit",
            DEFAULT_WORKERS_PER_UNIT,
            WORKERS_PER_UNIT,
        ),
        Some("cache" | "cdn") => ("keys_per_unit", DEFAULT_KEYS_PER_UNIT, KEYS_PER_UNIT),
        _ => return Some(0),
    };
    match t.field(field) {
        Some(f) => f
            .int(errs, limit.min as i64, limit.max as i64)
            .map(|v| v as u64),
        None => Some(default),
    }
}

fn read_pos(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<[f32; 2]> {
    let items = f.array(errs)?;
    if items.len() != 2 {
        f.error(
            errs,
            format!("`pos` takes two numbers [x, y], got {}", items.len()),
            Some("e.g. pos = [100.0, 50.0]".into()),
        );
        return None;
    }
    let mut xy = [0.0f32; 2];
    for (slot, item) in xy.iter_mut().zip(&items) {
        let x = item.number(errs)? as f32;
        if !x.is_finite() {
            item.error(errs, "too large for a position", None);
            return None;
        }
        *slot = x;
    }
    Some(xy)
}

/// An optional capacity (`queue` of a service or database, `capacity` of
/// a queue): absent = unbounded.
fn read_capacity(errs: &mut Errors<'_>, t: &Table<'_, '_>, key: &str) -> Option<Option<u32>> {
    match t.field(key) {
        Some(f) => f.count_within(errs, LINE_CAPACITY).map(Some),
        None => Some(None),
    }
}

pub(super) fn read_count(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    key: &str,
    limit: Limit<u32>,
    default: u32,
) -> Option<u32> {
    match t.field(key) {
        Some(f) => f.count_within(errs, limit),
        None => Some(default),
    }
}

/// An optional duration > 0.
fn read_optional_duration(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    key: &str,
) -> Option<Option<SimTime>> {
    match t.field(key) {
        Some(f) => f.positive_duration(errs).map(Some),
        None => Some(None),
    }
}

/// An optional distribution.
fn read_optional_dist(errs: &mut Errors<'_>, t: &Table<'_, '_>, key: &str) -> Option<Option<Dist>> {
    match t.field(key) {
        Some(f) => distribution::read(errs, &f).map(Some),
        None => Some(None),
    }
}

fn read_load_balancer(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    i: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
) -> Option<NodeKind> {
    let names: Vec<&str> = LbAlgorithm::ALL.iter().map(|a| a.name()).collect();
    let algorithm = match t.field("algorithm") {
        Some(f) => f
            .choice(errs, "load-balancing algorithm", &names)
            .and_then(|k| LbAlgorithm::ALL.get(k).copied()),
        None => Some(LbAlgorithm::RoundRobin),
    };
    let to = t.required(errs, "to").and_then(|f| {
        let target = read_edge(errs, &f, i, ids, edges)?;
        match ids.kind(target) {
            Some(kind) if kind != "service" && KINDS.iter().any(|(k, _)| *k == kind) => {
                f.error(
                    errs,
                    format!(
                        "a load balancer's `to` must be a service, but `{}` is {} {kind}",
                        ids.id(target).unwrap_or("?"),
                        article(kind)
                    ),
                    Some(
                        "a load balancer spreads requests over the replicas of one service".into(),
                    ),
                );
                None
            }
            _ => Some(target),
        }
    });
    let weights = match t.field("weights") {
        Some(f) => f.array(errs).and_then(|items| {
            items
                .iter()
                .map(|w| {
                    w.int(errs, 1, i64::from(u32::MAX))
                        .and_then(|n| u32::try_from(n).ok())
                })
                .collect::<Vec<_>>()
                .into_iter()
                .collect::<Option<Vec<u32>>>()
        }),
        None => Some(Vec::new()),
    };
    Some(NodeKind::LoadBalancer(LoadBalancerSpec {
        algorithm: algorithm?,
        to: to?,
        weights: weights?,
    }))
}

fn read_service(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    i: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
) -> Option<NodeKind> {
    let autoscale = match t.field("autoscale") {
        Some(f) => read_autoscale(errs, &f).map(Some),
        None => Some(None),
    };
    let replicas = match t.field("replicas") {
        Some(f) => {
            let r = f.count_within(errs, REPLICAS);
            if let (Some(r), Some(Some(a))) = (r, autoscale)
                && !(a.min..=a.max).contains(&r)
            {
                f.error(
                    errs,
                    format!(
                        "replicas ({r}) must be within the autoscale range {}..={}",
                        a.min, a.max
                    ),
                    Some(format!(
                        "the autoscaler keeps between `min` and `max` replicas: start with replicas = {}, or widen the range",
                        r.clamp(a.min, a.max)
                    )),
                );
                None
            } else {
                r
            }
        }
        // An autoscaled service starts at its minimum.
        None => Some(autoscale.flatten().map_or(1, |a| a.min)),
    };
    let workers = read_count(errs, t, "workers", WORKERS, 1);
    let queue = read_capacity(errs, t, "queue");
    let service_time = t
        .required(errs, "service_time")
        .and_then(|f| distribution::read(errs, &f));
    let timeout = read_optional_duration(errs, t, "timeout");
    let calls = match t.field("calls") {
        Some(f) => read_calls(errs, &f, i, ids, edges),
        None => Some(Vec::new()),
    };
    let forward = match t.field("to") {
        Some(f) => read_routes(errs, &f, i, ids, edges),
        None => Some(Vec::new()),
    };
    let line = super::line::read_line_policy(errs, t, ids, queue);
    Some(NodeKind::Service(ServiceSpec {
        replicas: replicas?,
        workers: workers?,
        queue: queue?,
        service_time: service_time?,
        timeout: timeout?,
        calls: calls?,
        forward: forward?,
        autoscale: autoscale?,
        line: line?,
    }))
}

fn read_autoscale(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<AutoscaleSpec> {
    let t = f.table(errs)?;
    t.unknown_fields(errs, &AUTOSCALE_FIELDS, &|key| match key {
        "min_replicas" | "max_replicas" => Some((
            format!("unknown field `{key}` for autoscale"),
            Some(format!(
                "did you mean `{}`?",
                key.trim_end_matches("_replicas")
            )),
        )),
        _ => None,
    });
    let metric = match t.field("metric") {
        Some(mf) => mf
            .choice(errs, "autoscale metric", &SCALE_METRICS)
            .map(|k| {
                if k == 0 {
                    ScaleMetric::Utilisation
                } else {
                    ScaleMetric::QueueDepth
                }
            }),
        None => Some(ScaleMetric::Utilisation),
    };
    let target = match t.field("target") {
        Some(tf) => match metric {
            Some(ScaleMetric::QueueDepth) => tf.number_within(errs, limits::QUEUE_DEPTH_TARGET),
            _ => {
                let x = tf.number_in(errs, 0.0, false, f64::MAX);
                match x {
                    Some(x) if x > 1.0 => {
                        tf.error(
                            errs,
                            format!("a utilisation target must be at most 1, got {}", show(x)),
                            Some(
                                "utilisation is a fraction of busy workers: 0.6 means 60 %".into(),
                            ),
                        );
                        None
                    }
                    other => other,
                }
            }
        },
        None => {
            t.missing(
                errs,
                "target",
                Some("the value to track, e.g. target = 0.6 (60 % busy)".into()),
            );
            None
        }
    };
    let min = read_count(errs, &t, "min", REPLICAS, 1);
    let max = match t.field("max") {
        Some(mf) => mf.count_within(errs, REPLICAS).and_then(|m| match min {
            Some(lo) if m < lo => {
                mf.error(
                    errs,
                    format!("max ({m}) must not be below min ({lo})"),
                    Some("the autoscaler keeps between `min` and `max` replicas".into()),
                );
                None
            }
            _ => Some(m),
        }),
        None => {
            t.missing(
                errs,
                "max",
                Some("the most replicas the autoscaler may start, e.g. max = 20".into()),
            );
            None
        }
    };
    let interval = match t.field("interval") {
        Some(f) => f.period(errs, MIN_PERIOD, AUTOSCALE_INTERVAL_HINT),
        None => Some(DEFAULT_INTERVAL),
    };
    let cooldown = match t.field("cooldown") {
        Some(f) => f.duration(errs),
        None => Some(DEFAULT_COOLDOWN),
    };
    let cold_start = match t.field("cold_start") {
        Some(f) => f.duration(errs),
        None => Some(SimTime::ZERO),
    };
    Some(AutoscaleSpec {
        metric: metric?,
        target: target?,
        min: min?,
        max: max?,
        interval: interval?,
        cooldown: cooldown?,
        cold_start: cold_start?,
    })
}

/// A cache, or with `edge` a CDN (`origin` for `on_miss`, other defaults).
fn read_cache(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    i: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
    edge: bool,
) -> Option<NodeKind> {
    let capacity = t
        .required(errs, "capacity")
        .and_then(|f| f.int(errs, 0, i64::MAX))
        .map(i64::unsigned_abs);
    let names: Vec<&str> = CachePolicy::ALL.iter().map(|p| p.name()).collect();
    let policy = match t.field("policy") {
        Some(f) => f
            .choice(errs, "cache policy", &names)
            .and_then(|k| CachePolicy::ALL.get(k).copied()),
        None => Some(CachePolicy::Lru),
    };
    let ttl = read_optional_duration(errs, t, "ttl");
    let hit_time = match t.field("hit_time") {
        Some(f) => distribution::read(errs, &f),
        None => Some(Dist::Constant {
            value: if edge { CDN_HIT_TIME } else { CACHE_HIT_TIME },
        }),
    };
    let on_miss_field = match (t.field("on_miss"), t.field("origin")) {
        (Some(_), Some(o)) if edge => {
            o.error_at_key(
                errs,
                "give either `origin` or `on_miss`, not both",
                Some("`origin` is a CDN's name for `on_miss`: keep one".into()),
            );
            Err(())
        }
        (Some(f), _) => Ok(Some(f)),
        (None, Some(o)) if edge => Ok(Some(o)),
        _ => Ok(None),
    };
    let on_miss = match on_miss_field {
        Ok(Some(f)) => read_edge(errs, &f, i, ids, edges).map(Some),
        Ok(None) => Some(None),
        Err(()) => None,
    };
    let policy_kind = match t.field("write_policy") {
        Some(f) => f.choice(errs, "write policy", &WRITE_POLICIES),
        None => Some(0),
    };
    let flush_interval = match t.field("flush_interval") {
        Some(f) => {
            if policy_kind.is_some_and(|k| k != 2) {
                f.error_at_key(
                    errs,
                    "`flush_interval` applies to write_policy = \"write_back\" only",
                    Some("set write_policy = \"write_back\", or remove `flush_interval`".into()),
                );
                None
            } else {
                f.period(errs, MIN_PERIOD, FLUSH_INTERVAL_HINT)
            }
        }
        None => Some(DEFAULT_FLUSH_INTERVAL),
    };
    let write_policy = match policy_kind {
        Some(0) => Some(WritePolicy::Invalidate),
        Some(1) => Some(WritePolicy::WriteThrough),
        Some(_) => flush_interval.map(|flush_interval| WritePolicy::WriteBack { flush_interval }),
        None => None,
    };
    let coalesce = match t.field("coalesce") {
        Some(f) => f.boolean(errs),
        None => Some(false),
    };
    let miss_penalty = match t.field("miss_penalty") {
        Some(f) => distribution::read(errs, &f).map(Some),
        None if edge => Some(Some(Dist::Constant {
            value: CDN_MISS_PENALTY,
        })),
        None => Some(None),
    };
    let warm = super::cache::read_warm(errs, t);
    let (workers, queue) = super::cache::read_workers(errs, t)?;
    Some(NodeKind::Cache(CacheSpec {
        capacity: capacity?,
        policy: policy?,
        ttl: ttl?,
        hit_time: hit_time?,
        on_miss: on_miss?,
        write_policy: write_policy?,
        coalesce: coalesce?,
        miss_penalty: miss_penalty?,
        edge,
        warm: warm?,
        workers,
        queue,
    }))
}

fn read_database(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> Option<NodeKind> {
    let read_replicas = read_count(errs, t, "read_replicas", READ_REPLICAS, 0);
    let workers = read_count(errs, t, "workers", WORKERS, 1);
    let queue = read_capacity(errs, t, "queue");
    let service_time = t
        .required(errs, "service_time")
        .and_then(|f| distribution::read(errs, &f));
    let write_service_time = read_optional_dist(errs, t, "write_service_time");
    let timeout = read_optional_duration(errs, t, "timeout");
    let replication_lag = read_optional_dist(errs, t, "replication_lag");
    let shards = read_count(errs, t, "shards", SHARDS, 1);
    if let (Some(s), Some(r)) = (shards, read_replicas) {
        let instances = u64::from(s) * (1 + u64::from(r));
        if instances > DATABASE_INSTANCES.max
            && let Some(f) = t.field("shards").or_else(|| t.field("read_replicas"))
        {
            f.error(
                errs,
                format!(
                    "a database has at most {} instances \
                     (shards × (1 + read_replicas)), got {s} × {} = {instances}",
                    DATABASE_INSTANCES.max,
                    1 + r
                ),
                Some("use fewer shards or read replicas".into()),
            );
            return None;
        }
    }
    Some(NodeKind::Database(DatabaseSpec {
        read_replicas: read_replicas?,
        workers: workers?,
        queue: queue?,
        service_time: service_time?,
        write_service_time: write_service_time?,
        timeout: timeout?,
        replication_lag: replication_lag?,
        shards: shards?,
    }))
}

fn read_rate_limiter(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    i: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
) -> Option<NodeKind> {
    let names: Vec<&str> = LIMITERS.iter().map(|(n, _)| *n).collect();
    let algorithm = match t.field("algorithm") {
        Some(f) => f
            .choice(errs, "rate-limiting algorithm", &names)
            .and_then(|k| LIMITERS.get(k).copied()),
        None => {
            t.missing(errs, "algorithm", suggest::one_of(&names));
            None
        }
    };
    let to = t
        .required(errs, "to")
        .and_then(|f| read_edge(errs, &f, i, ids, edges));
    let (name, own) = algorithm?;
    let mut ok = true;
    for key in LIMITER_FIELDS {
        if own.contains(&key) {
            continue;
        }
        if let Some(f) = t.field(key) {
            let owners: Vec<&str> = LIMITERS
                .iter()
                .filter(|(_, fs)| fs.contains(&key))
                .map(|(n, _)| *n)
                .collect();
            let ticked: Vec<String> = own.iter().map(|k| format!("`{k}`")).collect();
            f.error_at_key(
                errs,
                format!("`{key}` does not apply to a {name} limiter"),
                Some(format!(
                    "`{key}` is a field of {} limiters; a {name} takes {}",
                    list(&owners),
                    list(&ticked)
                )),
            );
            ok = false;
        }
    }
    let required = |errs: &mut Errors<'_>, key: &str, hint: &str| {
        let f = t.field(key);
        if f.is_none() {
            t.missing(
                errs,
                key,
                Some(format!("a {name} limiter needs `{key}`: {hint}")),
            );
        }
        f
    };
    let rate_hint = "requests per second, e.g. rate = 100";
    let limit_hint = "requests per window, e.g. limit = 100";
    let window_hint = "e.g. window = \"1s\"";
    let algorithm = match name {
        "token_bucket" => {
            let rate =
                required(errs, "rate", rate_hint).and_then(|f| f.number_within(errs, LIMITER_RATE));
            let burst = match t.field("burst") {
                Some(f) => f
                    .int(errs, 1, i64::from(u32::MAX))
                    .and_then(|n| u32::try_from(n).ok()),
                None => rate.map(default_burst),
            };
            Some(LimiterAlgorithm::TokenBucket {
                rate: rate?,
                burst: burst?,
            })
        }
        "leaky_bucket" => {
            let rate =
                required(errs, "rate", rate_hint).and_then(|f| f.number_within(errs, LIMITER_RATE));
            let capacity = read_count(
                errs,
                t,
                "capacity",
                Limit::closed(0, u32::MAX),
                DEFAULT_LEAKY_CAPACITY,
            );
            Some(LimiterAlgorithm::LeakyBucket {
                rate: rate?,
                capacity: capacity?,
            })
        }
        _ => {
            let limit = required(errs, "limit", limit_hint).and_then(|f| {
                f.int(errs, 1, i64::from(u32::MAX))
                    .and_then(|n| u32::try_from(n).ok())
            });
            let window =
                required(errs, "window", window_hint).and_then(|f| f.positive_duration(errs));
            let (limit, window) = (limit?, window?);
            Some(if name == "fixed_window" {
                LimiterAlgorithm::FixedWindow { limit, window }
            } else {
                LimiterAlgorithm::SlidingWindow { limit, window }
            })
        }
    };
    let per = read_per(errs, t);
    if !ok {
        return None;
    }
    Some(NodeKind::RateLimiter(RateLimiterSpec {
        algorithm: algorithm?,
        to: to?,
        per: per?,
    }))
}

/// `per = "key" | "client"` and `max_keys`: a bucket per key, at most
/// `max_keys` of them (`Some(None)`: one bucket for all).
fn read_per(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> Option<Option<(LimitPer, u32)>> {
    let names = LimitPer::ALL.map(LimitPer::name);
    let per = match t.field("per") {
        Some(f) => Some(LimitPer::ALL[f.choice(errs, "`per` value", &names)?]),
        None => None,
    };
    let max_keys = match (t.field("max_keys"), per) {
        (Some(f), None) => {
            f.error_at_key(
                errs,
                "`max_keys` applies to a limiter with `per`",
                Some("keep a bucket per request key with per = \"key\" (or per client with per = \"client\")".into()),
            );
            return None;
        }
        (Some(f), Some(_)) => f.count_within(errs, LIMITER_KEYS)?,
        (None, _) => DEFAULT_LIMITER_KEYS,
    };
    Some(per.map(|p| (p, max_keys)))
}

/// A token bucket's burst when the file gives none: one second of tokens.
pub(crate) fn default_burst(rate: f64) -> u32 {
    let r = rate.round();
    if r >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        (r as u32).max(1)
    }
}

fn read_queue_node(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    i: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
) -> Option<NodeKind> {
    let capacity = read_capacity(errs, t, "capacity");
    let consumers = read_count(errs, t, "consumers", WORKERS, 1);
    let service_time = t
        .required(errs, "service_time")
        .and_then(|f| distribution::read(errs, &f));
    let calls = match t.field("calls") {
        Some(f) => read_calls(errs, &f, i, ids, edges),
        None => Some(Vec::new()),
    };
    let visibility_timeout = read_optional_duration(errs, t, "visibility_timeout");
    let max_attempts = read_count(
        errs,
        t,
        "max_attempts",
        MAX_DELIVERIES,
        DEFAULT_MAX_ATTEMPTS,
    );
    let backoff = match t.field("redelivery_backoff") {
        Some(f) => f.duration(errs),
        None => Some(Redelivery::DEFAULT.backoff),
    };
    let max_backoff = match (t.field("max_redelivery_backoff"), backoff) {
        (Some(mf), b) => mf.duration(errs).and_then(|m| match b {
            Some(b) if m < b => {
                mf.error(
                    errs,
                    format!(
                        "max_redelivery_backoff ({m}) must not be below redelivery_backoff ({b})"
                    ),
                    Some("the wait doubles on each redelivery up to max_redelivery_backoff".into()),
                );
                None
            }
            _ => Some(m),
        }),
        (None, b) => Some(
            Redelivery::DEFAULT
                .max_backoff
                .max(b.unwrap_or(SimTime::ZERO)),
        ),
    };
    let max_hops = match t.field("max_hops") {
        Some(f) => f.count_within(errs, MAX_HOPS).map(Some),
        None => Some(None),
    };
    Some(NodeKind::Queue(QueueSpec {
        capacity: capacity?,
        consumers: consumers?,
        service_time: service_time?,
        calls: calls?,
        visibility_timeout: visibility_timeout?,
        max_attempts: max_attempts?,
        redelivery: Redelivery {
            backoff: backoff?,
            max_backoff: max_backoff?,
        },
        max_hops: max_hops?,
    }))
}

/// The field `kind` calls what another kind calls `key`: a queue's
/// workers are its consumers, a service's consumers its workers.
fn same_thing(kind: &str, key: &str) -> Option<&'static str> {
    match (kind, key) {
        ("queue", "workers") => Some("consumers"),
        ("service" | "database", "consumers") => Some("workers"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Diagnostic, load_str};
    use crate::sim::dist::Dist;
    use crate::sim::model::{LimiterAlgorithm, Model, NodeKind, ScaleMetric, WritePolicy};
    use crate::sim::time::SimTime;

    /// A scenario with a workload into `entry` and these node tables.
    fn with_nodes(entry: &str, nodes: &str) -> Result<Model, Vec<Diagnostic>> {
        let text = format!(
            "[scenario]\nname = \"n\"\n[[workload]]\nto = \"{entry}\"\nrate = 1\n{nodes}\n\
             [[node]]\nid = \"db\"\nkind = \"database\"\nservice_time = \"1ms\"\n"
        );
        load_str(&text, "n.toml", &[])
    }

    fn kind(entry: &str, nodes: &str, i: usize) -> NodeKind {
        match with_nodes(entry, nodes) {
            Ok(m) => m.nodes[i].kind.clone(),
            Err(d) => panic!("{}", crate::scenario::render(&d)),
        }
    }

    fn errors(nodes: &str) -> String {
        match with_nodes("x", nodes) {
            Ok(_) => panic!("{nodes}: expected an error"),
            Err(d) => d
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn autoscale_fills_defaults_and_starts_at_min() {
        let k = kind(
            "x",
            "[[node]]\nid = \"x\"\nkind = \"service\"\nservice_time = \"1ms\"\nautoscale = { target = 0.6, min = 2, max = 8 }",
            0,
        );
        let NodeKind::Service(s) = k else { panic!() };
        let a = s.autoscale.expect("autoscale");
        assert_eq!(s.replicas, 2);
        assert_eq!(
            (a.metric, a.target, a.min, a.max),
            (ScaleMetric::Utilisation, 0.6, 2, 8)
        );
        assert_eq!(
            (a.interval, a.cooldown, a.cold_start),
            (
                SimTime::from_secs(10),
                SimTime::from_secs(30),
                SimTime::ZERO
            )
        );
    }

    #[test]
    fn a_cdn_is_an_edge_cache_with_its_own_defaults() {
        let k = kind(
            "x",
            "[[node]]\nid = \"x\"\nkind = \"cdn\"\ncapacity = 10\norigin = \"db\"",
            0,
        );
        let NodeKind::Cache(c) = k else { panic!() };
        assert!(c.edge);
        assert_eq!(c.on_miss, Some(1));
        assert_eq!(c.hit_time, Dist::Constant { value: 0.005 });
        assert_eq!(c.miss_penalty, Some(Dist::Constant { value: 0.05 }));
        assert_eq!(c.write_policy, WritePolicy::Invalidate);
    }

    #[test]
    fn write_back_takes_a_flush_interval() {
        let k = kind(
            "x",
            "[[node]]\nid = \"x\"\nkind = \"cache\"\ncapacity = 10\non_miss = \"db\"\nwrite_policy = \"write_back\"\nflush_interval = \"2s\"\ncoalesce = true",
            0,
        );
        let NodeKind::Cache(c) = k else { panic!() };
        assert_eq!(
            c.write_policy,
            WritePolicy::WriteBack {
                flush_interval: SimTime::from_secs(2)
            }
        );
        assert!(c.coalesce && !c.edge);
    }

    #[test]
    fn limiter_algorithms_take_their_own_fields() {
        let lim = |extra: &str| {
            kind(
                "x",
                &format!("[[node]]\nid = \"x\"\nkind = \"rate_limiter\"\nto = \"db\"\n{extra}"),
                0,
            )
        };
        let NodeKind::RateLimiter(r) = lim("algorithm = \"token_bucket\"\nrate = 99.6") else {
            panic!()
        };
        assert_eq!(
            r.algorithm,
            LimiterAlgorithm::TokenBucket {
                rate: 99.6,
                burst: 100
            }
        );
        let NodeKind::RateLimiter(r) = lim("algorithm = \"leaky_bucket\"\nrate = 5") else {
            panic!()
        };
        assert_eq!(
            r.algorithm,
            LimiterAlgorithm::LeakyBucket {
                rate: 5.0,
                capacity: 100
            }
        );
        let NodeKind::RateLimiter(r) =
            lim("algorithm = \"sliding_window\"\nlimit = 5\nwindow = \"1s\"")
        else {
            panic!()
        };
        assert_eq!(
            r.algorithm,
            LimiterAlgorithm::SlidingWindow {
                limit: 5,
                window: SimTime::from_secs(1)
            }
        );
    }

    #[test]
    fn a_queue_reads_its_consumers_and_calls() {
        let k = kind(
            "x",
            "[[node]]\nid = \"x\"\nkind = \"queue\"\nservice_time = \"1ms\"\nconsumers = 4\ncapacity = 50\ncalls = \"db\"\nvisibility_timeout = \"30s\"",
            0,
        );
        let NodeKind::Queue(q) = k else { panic!() };
        assert_eq!((q.consumers, q.capacity, q.max_attempts), (4, Some(50), 3));
        assert_eq!(q.calls[0].to, 1);
        assert_eq!(q.visibility_timeout, Some(SimTime::from_secs(30)));
    }

    #[test]
    fn database_shards_and_lag() {
        let NodeKind::Database(d) = kind(
            "x",
            "[[node]]\nid = \"x\"\nkind = \"database\"\nservice_time = \"1ms\"\nshards = 4\nreplication_lag = \"50ms\"",
            0,
        ) else {
            panic!()
        };
        assert_eq!(d.shards, 4);
        assert_eq!(d.replication_lag, Some(Dist::Constant { value: 0.05 }));
    }

    #[test]
    fn node_mistakes_are_explained() {
        for (nodes, want) in [
            (
                "[[node]]\nid = \"x\"\nkind = \"service\"\nservice_time = \"1ms\"\nreplicas = 30\nautoscale = { target = 0.5, max = 20 }",
                "within the autoscale range 1..=20",
            ),
            (
                "[[node]]\nid = \"x\"\nkind = \"service\"\nservice_time = \"1ms\"\nautoscale = { target = 0.5, min = 5, max = 2 }",
                "max (2) must not be below min (5)",
            ),
            (
                "[[node]]\nid = \"x\"\nkind = \"service\"\nservice_time = \"1ms\"\nautoscale = { target = 60, max = 2 }",
                "at most 1",
            ),
            (
                "[[node]]\nid = \"x\"\nkind = \"cdn\"\ncapacity = 1\norigin = \"db\"\non_miss = \"db\"",
                "either `origin` or `on_miss`",
            ),
            (
                "[[node]]\nid = \"x\"\nkind = \"cache\"\ncapacity = 1\norigin = \"db\"",
                "kind = \"cdn\"",
            ),
            (
                "[[node]]\nid = \"x\"\nkind = \"cache\"\ncapacity = 1\nflush_interval = \"1s\"",
                "applies to write_policy = \"write_back\" only",
            ),
            (
                "[[node]]\nid = \"x\"\nkind = \"cache\"\ncapacity = 1\ncoalesce = \"yes\"",
                "expected a boolean",
            ),
            (
                "[[node]]\nid = \"x\"\nkind = \"rate_limiter\"\nto = \"db\"\nalgorithm = \"token_bucket\"\nrate = 5\ncapacity = 3",
                "`capacity` does not apply to a token_bucket limiter",
            ),
            (
                "[[node]]\nid = \"x\"\nkind = \"rate_limiter\"\nto = \"db\"\nalgorithm = \"fixed_window\"\nwindow = \"1s\"",
                "missing field `limit`",
            ),
            (
                "[[node]]\nid = \"x\"\nkind = \"rate_limiter\"\nto = \"db\"\nalgorithm = \"tokenbucket\"",
                "did you mean `token_bucket`?",
            ),
            (
                "[[node]]\nid = \"x\"\nkind = \"queue\"\nservice_time = \"1ms\"\nmax_attempts = 0",
                "must be at least 1",
            ),
            (
                "[[node]]\nid = \"x\"\nkind = \"database\"\nservice_time = \"1ms\"\nshards = 0",
                "must be at least 1",
            ),
        ] {
            let e = errors(nodes);
            assert!(e.contains(want), "{nodes}:\n{e}");
        }
    }
}
