//! A scenario's topology on one screen (workloads, nodes, edges, objectives, events) and the open-loop load each node is offered.

use std::fmt::Write as _;

use crate::scenario;
use crate::scenario::bytes::{format_bandwidth, format_bytes};
use crate::sim::components::source::rate_at;
use crate::sim::dist::Dist;
use crate::sim::model::{
    Arrival, Bound, CacheSpec, Call, CallPolicy, ClassIdx, DatabaseSpec, ExternalSpec, Jitter,
    KeyWrites, LimiterAlgorithm, Limits, Model, Node, NodeIdx, NodeKind, ObjectiveMetric,
    Popularity, QueueSpec, RateLimiterSpec, RequestClass, RequestKind, ServiceSpec, Wait, When,
    Workload, WritePolicy,
};
use crate::sim::time::SimTime;

/// A one-screen description: the scenario, its workloads, nodes (with the
/// open-loop load offered to each), edges (with their call policies),
/// objectives and the timeline of scheduled events.
pub fn describe(model: &Model) -> String {
    let mut out = String::new();
    write_header(&mut out, model);
    write_workloads(&mut out, model);
    write_nodes(&mut out, model, &offered_load(model));
    write_edges(&mut out, model);
    write_objectives(&mut out, model);
    write_events(&mut out, model);
    out
}

/// The name, story, run settings and hourly cost.
fn write_header(out: &mut String, model: &Model) {
    let _ = writeln!(out, "scenario: {}", model.name);
    for line in model.story.lines() {
        let _ = writeln!(out, "  {}", line.trim());
    }
    let warmup = if model.warmup == SimTime::ZERO {
        "no warm-up".to_string()
    } else {
        format!("warm-up {}", model.warmup)
    };
    let _ = writeln!(
        out,
        "  duration {}, {warmup}, seed {}, window {}, at most {} requests in flight",
        model.duration, model.seed, model.window, model.limits.max_in_flight
    );
    if model.limits.max_events != Limits::default().max_events {
        let _ = writeln!(out, "  stops after {} events", model.limits.max_events);
    }
    let cost: f64 = model.nodes.iter().map(|n| n.starting_cost_per_hour()).sum();
    if cost > 0.0 {
        let _ = writeln!(out, "  cost ${cost:.2}/hour");
    }
}

/// One line per workload (arrivals, mix, keys), then its phases.
fn write_workloads(out: &mut String, model: &Model) {
    let _ = writeln!(out, "\nworkloads:");
    for w in &model.workloads {
        let to = node_name(model, w.to);
        let arrival = match &w.arrival {
            Arrival::Poisson { rate } => format!("poisson {} req/s", num(*rate)),
            Arrival::Constant { rate } => format!("constant {} req/s", num(*rate)),
            Arrival::Closed { users, think } => {
                format!("closed, {users} users, think {}", think.describe())
            }
        };
        let popularity = match w.keys.popularity {
            Popularity::Uniform => "uniform".to_string(),
            Popularity::Zipf { s } => format!("zipf s={}", num(s)),
        };
        let mix = if w.classes.is_empty() {
            format!(
                "{}% reads / {}% writes",
                num(w.read_fraction * 100.0),
                num((1.0 - w.read_fraction) * 100.0)
            )
        } else {
            let shares: Vec<String> = (w.classes.iter())
                .filter_map(|&(c, share)| {
                    let c = model.classes.get(usize::from(c))?;
                    Some(format!(
                        "{} {}% ({}{})",
                        c.name,
                        num(share * 100.0),
                        c.op.name(),
                        class_bytes(c)
                    ))
                })
                .collect();
            shares.join(", ")
        };
        let _ = writeln!(
            out,
            "  {} -> {to}: {arrival}; {mix}; {} keys ({popularity}){}",
            w.name,
            w.keys.count,
            match w.keys.writes {
                KeyWrites::Existing => "",
                KeyWrites::New => ", each write a new key",
            }
        );
        for p in &w.phases {
            let ramp = if p.ramp == SimTime::ZERO {
                String::new()
            } else {
                format!(" (ramp {})", p.ramp)
            };
            let _ = writeln!(out, "    from {}: {} req/s{ramp}", p.at, num(p.rate));
        }
    }
}

/// The width of the longest node id, to align one line per node.
pub fn id_width(model: &Model) -> usize {
    model
        .nodes
        .iter()
        .map(|n| n.id.chars().count())
        .max()
        .unwrap_or(0)
}

/// One line per node (kind, parameters, cost), and the load offered to it.
fn write_nodes(out: &mut String, model: &Model, load: &[OfferedLoad]) {
    let _ = writeln!(out, "\nnodes:");
    let id_w = id_width(model);
    for (i, n) in model.nodes.iter().enumerate() {
        let mut line = format!(
            "  {:id_w$}  {:13}  {}",
            n.id,
            n.kind.name(),
            parameters(model, &n.kind)
        );
        if let Some(z) = &n.zone {
            let _ = write!(line, ", zone {z}");
        }
        if let Some(p) = n.egress_per_gb {
            let _ = write!(line, ", egress ${}/GB to users", num(p));
        }
        if n.cost_per_hour > 0.0 {
            let _ = write!(line, ", {}", price(n));
        }
        if let Some(l) = load.get(i).filter(|l| l.reads + l.writes > 0.0) {
            let _ = write!(line, "\n  {:id_w$}  {:13}  {}", "", "", l.describe(&n.kind));
        }
        let _ = writeln!(out, "{line}");
    }
    write_load_notes(out, model);
}

/// What the offered load leaves out: closed-loop workloads, and phases
/// that change a rate after the warm-up.
fn write_load_notes(out: &mut String, model: &Model) {
    let ws = &model.workloads;
    if ws
        .iter()
        .any(|w| matches!(w.arrival, Arrival::Closed { .. }))
    {
        let _ = writeln!(out, "  (offered load counts open-loop workloads only)");
    }
    if ws
        .iter()
        .any(|w| w.phases.iter().any(|p| p.at > model.warmup))
    {
        let _ = writeln!(
            out,
            "  (offered load at the rates the measured period starts at: later phases change them)"
        );
    }
}

/// Workloads entering, then every node's out-edges with their policies.
fn write_edges(out: &mut String, model: &Model) {
    let _ = writeln!(out, "\nedges:");
    for w in &model.workloads {
        let _ = writeln!(out, "  {} --enters--> {}", w.name, node_name(model, w.to));
    }
    for (i, n) in model.nodes.iter().enumerate() {
        // A call or forward without a link of its own crosses its zones'.
        let zone = |own: Option<Dist>, to: NodeIdx| {
            own.is_none()
                .then(|| model.zone_latency(i, to))
                .flatten()
                .map(|l| format!("link {} (zones)", l.describe()))
        };
        // What a call's payload meets on its zones' link.
        let zone_wire = |c: &Call| {
            let l = model.zone_link(i, c.to)?;
            let mut parts = Vec::new();
            if let Some(b) = l
                .bandwidth
                .filter(|_| c.payload.is_none_or(|p| p.bandwidth.is_none()))
            {
                parts.push(format!("{} shared (zones)", format_bandwidth(b)));
            }
            if let Some(p) = l.egress_per_gb {
                parts.push(format!("egress ${}/GB (zones)", num(p)));
            }
            (!parts.is_empty()).then(|| parts.join(", "))
        };
        let mut edge = |label: &str, to: NodeIdx, when: Option<When>, policy: &str| {
            let when = when.map_or(String::new(), |w| format!(" ({})", model.when_name(w)));
            let policy = if policy.is_empty() {
                String::new()
            } else {
                format!(" {policy}")
            };
            let _ = writeln!(
                out,
                "  {} --{label}--> {}{when}{policy}",
                n.id,
                node_name(model, to)
            );
        };
        match &n.kind {
            NodeKind::LoadBalancer(lb) => edge("to", lb.to, None, ""),
            NodeKind::Service(s) => {
                for c in &s.calls {
                    let text = join_parts(zone(c.latency, c.to), call_text(c));
                    let text = match zone_wire(c) {
                        Some(w) if text.is_empty() => w,
                        Some(w) => format!("{text}, {w}"),
                        None => text,
                    };
                    edge("calls", c.to, c.when, &text);
                    if let Some(f) = c.fallback {
                        edge("falls back to", f, c.when, "");
                    }
                }
                for r in &s.forward {
                    let mut notes: Vec<String> = Vec::new();
                    if let Some(p) = r.p {
                        notes.push(format!("p {}", num(p)));
                    }
                    if let Some(l) = r.latency {
                        notes.push(format!("link {}", l.describe()));
                    } else if let Some(z) = zone(r.latency, r.to) {
                        notes.push(z);
                    }
                    edge("to", r.to, r.when, &notes.join(" "));
                }
            }
            NodeKind::Cache(c) => {
                if let Some(to) = c.on_miss {
                    let link = zone(None, to).unwrap_or_default();
                    edge(if c.edge { "origin" } else { "on_miss" }, to, None, &link);
                }
            }
            NodeKind::Database(_) => {}
            NodeKind::RateLimiter(r) => edge("to", r.to, None, ""),
            NodeKind::Queue(q) => {
                for c in &q.calls {
                    let text = join_parts(zone(c.latency, c.to), call_text(c));
                    let text = match zone_wire(c) {
                        Some(w) if text.is_empty() => w,
                        Some(w) => format!("{text}, {w}"),
                        None => text,
                    };
                    edge("consumer calls", c.to, c.when, &text);
                    if let Some(f) = c.fallback {
                        edge("falls back to", f, c.when, "");
                    }
                }
            }
            NodeKind::External(_) => {}
            NodeKind::Topic(t) => {
                for &q in &t.subscribers {
                    edge("copy", q, None, "");
                }
            }
        }
    }
}

/// The objectives, each bound exactly as written.
fn write_objectives(out: &mut String, model: &Model) {
    if model.objectives.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nobjectives:");
    for o in &model.objectives {
        let (word, v) = match o.bound {
            Bound::Below(v) => ("below", v),
            Bound::Above(v) => ("above", v),
        };
        // Exactly as written: `below = 0.0001` is not `0`, and a
        // latency bound keeps its digits below the nanosecond.
        let value = if o.metric.is_latency() {
            scenario::format_seconds(v)
        } else {
            crate::report::objectives::exact(v)
        };
        let name = crate::report::objectives::scoped_name(o.metric, o.of.as_ref());
        let _ = writeln!(out, "  {name} {word} {value}");
        if o.metric == ObjectiveMetric::CostPerHour && o.of.is_none() && bills_egress(model) {
            let _ = writeln!(
                out,
                "    note: cost_per_hour is the machines' bill only and leaves out the egress this design pays for; total_cost_per_hour counts both (egress_cost_per_hour the egress alone)"
            );
        }
    }
}

/// Whether some node or zone link has a price on its bytes.
fn bills_egress(model: &Model) -> bool {
    let nodes = model.nodes.iter().filter_map(|n| n.egress_per_gb);
    let links = model.zone_links.iter().filter_map(|l| l.egress_per_gb);
    nodes.chain(links).any(|p| p > 0.0)
}

/// The scheduled events, times aligned.
fn write_events(out: &mut String, model: &Model) {
    if model.events.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nevents:");
    let times: Vec<String> = model.events.iter().map(|e| e.at.to_string()).collect();
    let w = times.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    for (e, at) in model.events.iter().zip(&times) {
        let _ = writeln!(
            out,
            "  {at:>w$}  {}",
            scenario::command_text(model, &e.command)
        );
    }
}

/// `first, rest` (either may be missing).
/// A size distribution in words: `1MB`, `lognormal, mean 2.5MB`.
fn size_text(d: &Dist) -> String {
    match d {
        Dist::Constant { value } => format_bytes(*value),
        Dist::Exponential { .. } => format!("exponential, mean {}", mean_bytes(d.mean())),
        Dist::Uniform { min, max } => {
            format!("uniform {}..{}", format_bytes(*min), format_bytes(*max))
        }
        Dist::LogNormal { .. } => format!("lognormal, mean {}", mean_bytes(d.mean())),
        Dist::Pareto { scale, shape } => format!(
            "pareto, scale {}, shape {}",
            format_bytes(*scale),
            num(*shape)
        ),
    }
}

/// A computed mean size to six significant digits: a lognormal's mean
/// of `50MB` comes back from its parameters as 49 999 999.999… bytes.
fn mean_bytes(x: f64) -> String {
    let rounded = format!("{x:.5e}").parse().unwrap_or(x);
    format_bytes(rounded)
}

/// `, request 1KB, answer 2MB` for a class with payload sizes.
fn class_bytes(c: &RequestClass) -> String {
    let mut s = String::new();
    if let Some(d) = &c.request_bytes {
        let _ = write!(s, ", request {}", size_text(d));
    }
    if let Some(d) = &c.response_bytes {
        let _ = write!(s, ", answer {}", size_text(d));
    }
    s
}

fn join_parts(first: Option<String>, rest: String) -> String {
    match (first, rest.is_empty()) {
        (Some(f), true) => f,
        (Some(f), false) => format!("{f}, {rest}"),
        (None, _) => rest,
    }
}

/// What a call sends and how, on one line: `as write, key derived from
/// 10000 zipf(1), link constant 2ms`, then its protection.
fn call_text(c: &Call) -> String {
    let mut parts = Vec::new();
    if let Some(op) = c.op {
        parts.push(format!("as {}", op.name()));
    }
    if let Some(k) = c.key.keys() {
        let popularity = match k.popularity {
            Popularity::Uniform => "uniform".to_string(),
            Popularity::Zipf { s } => format!("zipf({})", num(s)),
        };
        parts.push(format!(
            "key {} from {} {popularity}",
            c.key.name(),
            k.count
        ));
    }
    if let Some(l) = &c.latency {
        parts.push(format!("link {}", l.describe()));
    }
    if let Some(w) = &c.service_time {
        parts.push(format!("its own work {}", w.describe()));
    }
    if let Some(p) = &c.payload {
        if let Some(d) = &p.request {
            parts.push(format!("request {}", size_text(d)));
        }
        if let Some(d) = &p.response {
            parts.push(format!("answer {}", size_text(d)));
        }
        if let Some(b) = p.bandwidth {
            parts.push(format!("bandwidth {}", format_bandwidth(b)));
        }
    }
    if let Some(h) = c.fan.hedge {
        parts.push(format!("hedged after {h}"));
    } else if !c.fan.is_once() {
        let how = match (c.fan.parallel, c.fan.wait) {
            (false, _) => "one after another".to_string(),
            (true, Wait::All) => "in parallel, all must succeed".to_string(),
            (true, Wait::First) => "in parallel, the first success wins".to_string(),
            (true, Wait::Quorum(k)) => format!("in parallel, {k} must succeed"),
        };
        parts.push(format!("×{} {how}", c.fan.repeat.describe()));
    }
    let policy = policy_text(&c.policy);
    if !policy.is_empty() {
        parts.push(policy);
    }
    parts.join(", ")
}

/// A call's protection on one line: `timeout 200ms, retry ×3 full
/// jitter, budget 10%, breaker 5 fails/5s, pool 10 (wait ≤100ms)`.
fn policy_text(p: &CallPolicy) -> String {
    let mut parts = Vec::new();
    if let Some(t) = p.timeout {
        parts.push(format!("timeout {t}"));
    }
    if let Some(r) = &p.retry {
        let jitter = match r.jitter {
            Jitter::None => "no jitter".to_string(),
            j => format!("{} jitter", j.name()),
        };
        let default_backoff = r.backoff == SimTime::from_millis(10)
            && r.max_backoff == SimTime::from_secs(1).max(r.backoff);
        let backoff = if default_backoff {
            String::new()
        } else {
            format!(" (backoff {}..{})", r.backoff, r.max_backoff)
        };
        parts.push(format!("retry ×{} {jitter}{backoff}", r.max_attempts));
        if let Some(b) = r.budget {
            parts.push(format!("budget {}%", num(b * 100.0)));
        }
    }
    if let Some(b) = &p.breaker {
        let mut trip = Vec::new();
        if let Some(n) = b.consecutive_failures {
            trip.push(format!("{n} fails"));
        }
        if let Some(r) = b.failure_rate {
            trip.push(format!("{}% of {}", num(r * 100.0), b.window));
        }
        let probes = if b.probes == 1 {
            String::new()
        } else {
            format!(", {} probes", b.probes)
        };
        parts.push(format!(
            "breaker {}/{}{probes}",
            trip.join(" or "),
            b.open_for
        ));
    }
    if let Some(pool) = &p.pool {
        parts.push(format!(
            "pool {} (wait ≤{})",
            pool.size, pool.acquire_timeout
        ));
    }
    parts.join(", ")
}

/// Replicas or instances of a node (1 for the kinds without them).
pub(crate) fn instances(kind: &NodeKind) -> u32 {
    match kind {
        NodeKind::Service(s) => s.replicas,
        NodeKind::Database(d) => d.read_replicas.saturating_add(1).saturating_mul(d.shards),
        _ => 1,
    }
}

/// A node's starting bill and its price, as the run bills it:
/// `$0.40/h ($0.1/h a replica per 32 workers)`.
fn price(n: &Node) -> String {
    let what = match n.kind {
        NodeKind::Service(_) => "a replica",
        NodeKind::Database(_) => "an instance",
        _ => "",
    };
    let unit = match (&n.kind, n.cost_unit) {
        (_, 0) => String::new(),
        (NodeKind::Cache(_), u) => format!(" per {u} keys"),
        (NodeKind::Queue(_), u) => format!(" per {u} consumers"),
        (_, u) => format!(" per {u} workers"),
    };
    let each = format!("{what}{unit}");
    format!(
        "${:.2}/h (${}/h{}{})",
        n.starting_cost_per_hour(),
        num(n.cost_per_hour),
        if each.is_empty() { "" } else { " " },
        each.trim_start()
    )
}

fn node_name(model: &Model, i: NodeIdx) -> &str {
    model.nodes.get(i).map_or("?", |n| n.id.as_str())
}

/// The key parameters of a node, on one line.
fn parameters(model: &Model, kind: &NodeKind) -> String {
    match kind {
        NodeKind::LoadBalancer(lb) => {
            let mut s = format!("{} over {}", lb.algorithm.name(), node_name(model, lb.to));
            if !lb.weights.is_empty() {
                let _ = write!(s, ", weights {:?}", lb.weights);
            }
            s
        }
        NodeKind::Service(s) => service_parameters(s),
        NodeKind::Cache(c) => cache_parameters(model, c),
        NodeKind::Database(d) => database_parameters(d),
        NodeKind::RateLimiter(r) => limiter_parameters(model, r),
        NodeKind::Queue(q) => queue_parameters(q),
        NodeKind::External(e) => external_parameters(e),
        NodeKind::Topic(t) => {
            let names: Vec<&str> = t.subscribers.iter().map(|&q| node_name(model, q)).collect();
            format!("a copy of each message to {}", names.join(", "))
        }
    }
}

fn queue_text(q: Option<u32>) -> String {
    q.map_or("unbounded queue".to_string(), |q| format!("queue {q}"))
}

fn timeout_text(t: Option<SimTime>) -> String {
    t.map_or(String::new(), |t| format!(", timeout {t}"))
}

fn service_parameters(s: &ServiceSpec) -> String {
    let autoscale = s.autoscale.map_or(String::new(), |a| {
        let cold = if a.cold_start == SimTime::ZERO {
            String::new()
        } else {
            format!(", cold start {}", a.cold_start)
        };
        format!(
            "; autoscale {}..{} replicas on {} {} every {} (cooldown {}{cold})",
            a.min,
            a.max,
            a.metric.name(),
            num(a.target),
            a.interval,
            a.cooldown
        )
    });
    format!(
        "{} x {}, {}, service {}{}{autoscale}",
        plural(s.replicas, "replica"),
        plural(s.workers, "worker"),
        queue_text(s.queue),
        s.service_time.describe(),
        timeout_text(s.timeout)
    )
}

fn cache_parameters(model: &Model, c: &CacheSpec) -> String {
    let warm = model.warm_keys(c);
    let ttl = c.ttl.map_or(String::new(), |t| format!(", ttl {t}"));
    let writes = match (c.write_policy, c.on_miss) {
        (WritePolicy::Invalidate, Some(_)) => String::new(),
        (WritePolicy::WriteThrough, Some(_)) => ", write-through".to_string(),
        (WritePolicy::WriteBack { flush_interval }, Some(_)) => {
            format!(", write-back (flush every {flush_interval})")
        }
        // Without `on_miss` the cache is the only store: say what
        // its writes do, since nothing else will.
        (WritePolicy::Invalidate, None) if warm > 0 => ", no on_miss: writes drop their key \
             and misses are not filled, so it holds only keys it starts with"
            .to_string(),
        (WritePolicy::Invalidate, None) => {
            ", no on_miss: writes drop their key and misses are not filled, \
             so it never holds a key"
                .to_string()
        }
        (_, None) => ", no on_miss: writes are kept in the cache only".to_string(),
    };
    let coalesce = if c.coalesce { ", single flight" } else { "" };
    let penalty = c.miss_penalty.map_or(String::new(), |p| {
        format!(", miss penalty {}", p.describe())
    });
    let warm = if warm > 0 {
        format!(", starts warm ({warm} most popular keys)")
    } else {
        String::new()
    };
    let workers = c.workers.map_or(String::new(), |w| {
        format!(
            ", {} for lookups, {}",
            plural(w, "worker"),
            queue_text(c.queue)
        )
    });
    format!(
        "{} keys, {}{ttl}, hit {}{workers}{writes}{coalesce}{penalty}{warm}",
        c.capacity,
        c.policy.name(),
        c.hit_time.describe()
    )
}

fn database_parameters(d: &DatabaseSpec) -> String {
    let writes = d
        .write_service_time
        .map_or(String::new(), |w| format!(", writes {}", w.describe()));
    let lag = d.replication_lag.map_or(String::new(), |l| {
        format!(", replication lag {}", l.describe())
    });
    let shards = if d.shards == 1 {
        String::new()
    } else {
        format!("{} shards, each ", d.shards)
    };
    format!(
        "{shards}primary + {}, {} workers each, {}, service {}{writes}{}{lag}",
        plural(d.read_replicas, "read replica"),
        d.workers,
        queue_text(d.queue),
        d.service_time.describe(),
        timeout_text(d.timeout)
    )
}

fn limiter_parameters(model: &Model, r: &RateLimiterSpec) -> String {
    let rule = match r.algorithm {
        LimiterAlgorithm::TokenBucket { rate, burst } => {
            format!("token_bucket {} req/s, burst {burst}", num(rate))
        }
        LimiterAlgorithm::LeakyBucket { rate, capacity } => {
            format!("leaky_bucket {} req/s, {capacity} may wait", num(rate))
        }
        LimiterAlgorithm::FixedWindow { limit, window } => {
            format!("fixed_window {limit} per {window}")
        }
        LimiterAlgorithm::SlidingWindow { limit, window } => {
            format!("sliding_window {limit} per {window}")
        }
    };
    let per = r.per.map_or(String::new(), |(per, max)| {
        format!(" per {} (at most {max} buckets)", per.name())
    });
    format!("{rule}{per}, to {}", node_name(model, r.to))
}

fn queue_parameters(q: &QueueSpec) -> String {
    let visibility = q
        .visibility_timeout
        .map_or(String::new(), |v| format!(", visibility timeout {v}"));
    let r = q.redelivery;
    let redelivery = if r.backoff == SimTime::ZERO {
        "redelivered at once".to_string()
    } else {
        format!("redelivered after {}..{}", r.backoff, r.max_backoff)
    };
    format!(
        "{}, {}, consumer work {}, up to {} deliveries ({redelivery}){visibility}",
        plural(q.consumers, "consumer"),
        q.capacity
            .map_or("unbounded".to_string(), |c| format!("holds {c}")),
        q.service_time.describe(),
        q.max_attempts
    )
}

fn external_parameters(e: &ExternalSpec) -> String {
    let mut s = format!("latency {}", e.latency.describe());
    if e.error_rate > 0.0 {
        let _ = write!(s, ", {}% errors", num(e.error_rate * 100.0));
    }
    if let Some(r) = e.rate_limit {
        let _ = write!(s, ", at most {} calls/s (burst {})", num(r.rate), r.burst);
    }
    if let Some(c) = e.concurrency {
        let _ = write!(s, ", at most {c} at once");
    }
    s
}

fn plural(n: u32, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A number without needless digits: `2000`, `0.9`, `1.25`.
fn num(x: f64) -> String {
    if x.abs() >= 100.0 || x == x.trunc() {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Requests per second offered to one node by the open-loop workloads at
/// their starting rates; `upper_bound` when it passed a cache or a rate
/// limiter (whose hit or admit rate is unknown before running).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OfferedLoad {
    pub reads: f64,
    pub writes: f64,
    pub upper_bound: bool,
    /// Some of it comes from calls with their own work (`service_time` on
    /// a call): the node's own work does not tell its utilisation.
    pub call_work: bool,
}

impl OfferedLoad {
    /// `offered ~1000 req/s (800 reads, 200 writes), utilisation ~0.25
    /// from its own work` (`<=` for an upper bound).
    pub fn describe(&self, kind: &NodeKind) -> String {
        let le = if self.upper_bound { "<=" } else { "~" };
        let total = self.reads + self.writes;
        let mut s = format!(
            "offered {le}{} req/s ({} reads, {} writes)",
            num(total),
            num(self.reads),
            num(self.writes)
        );
        if self.call_work {
            s.push_str(", utilisation not estimated (calls bring their own work)");
        } else if let Some(u) = self.utilisation(kind).filter(|u| u.is_finite()) {
            let _ = write!(s, ", utilisation {le}{:.2} from its own work", u);
            if u >= 1.0 && !self.upper_bound {
                s.push_str(" (overloaded)");
            }
        }
        s
    }

    /// The busiest instance's share of its workers, for services and
    /// databases (a database's reads go to its read replicas if any).
    fn utilisation(&self, kind: &NodeKind) -> Option<f64> {
        let total = self.reads + self.writes;
        match kind {
            NodeKind::Service(sv) => {
                let servers = f64::from(sv.replicas) * f64::from(sv.workers);
                Some(total * sv.service_time.mean() / servers)
            }
            NodeKind::Database(d) => {
                let workers = f64::from(d.workers) * f64::from(d.shards.max(1));
                let write_mean = d.write_service_time.unwrap_or(d.service_time).mean();
                let read_work = self.reads * d.service_time.mean();
                let primary = if d.read_replicas == 0 {
                    self.writes * write_mean + read_work
                } else {
                    self.writes * write_mean
                };
                let replica = if d.read_replicas == 0 {
                    0.0
                } else {
                    read_work / f64::from(d.read_replicas)
                };
                Some(primary.max(replica) / workers)
            }
            _ => None,
        }
    }

    /// The part of this load a call or route taking `matches` requests gets.
    fn part(self, matches: impl Fn(RequestKind) -> bool) -> OfferedLoad {
        OfferedLoad {
            reads: if matches(RequestKind::Read) {
                self.reads
            } else {
                0.0
            },
            writes: if matches(RequestKind::Write) {
                self.writes
            } else {
                0.0
            },
            ..self
        }
    }

    /// A share `p` of this load.
    fn times(self, p: f64) -> OfferedLoad {
        OfferedLoad {
            reads: self.reads * p,
            writes: self.writes * p,
            ..self
        }
    }

    /// Adds `l`'s reads and writes (an upper bound if either is).
    fn add(&mut self, l: OfferedLoad) {
        self.reads += l.reads;
        self.writes += l.writes;
        self.upper_bound |= l.upper_bound;
    }

    /// The same load, now only an upper bound.
    fn at_most(self) -> OfferedLoad {
        OfferedLoad {
            upper_bound: true,
            ..self
        }
    }
}

/// Propagates the open-loop starting rates through the topology (in
/// topological order; nodes on a cycle, impossible in a validated model,
/// are left out). One entry per node, in model order. Requests without a
/// class and those of each class are followed apart (a route may take one
/// class only), then added up.
pub fn offered_load(model: &Model) -> Vec<OfferedLoad> {
    offered_load_past(model, &[])
}

/// The same load with each cache's measured hit ratio (`hits`, in model
/// order; `None` where unknown): what a cache misses is passed on as an
/// estimate, no longer an upper bound (unless it writes back or coalesces
/// misses, which send on fewer still).
pub fn offered_load_past(model: &Model, hits: &[Option<f64>]) -> Vec<OfferedLoad> {
    let mut total = vec![OfferedLoad::default(); model.nodes.len()];
    for (_, load) in class_loads(model, hits) {
        for (t, l) in total.iter_mut().zip(load) {
            if l.reads + l.writes > 0.0 {
                t.add(l);
            }
        }
    }
    for to in worked_callees(model) {
        if let Some(t) = total.get_mut(to) {
            t.call_work = true;
        }
    }
    total
}

/// The requests per second each call makes (per node, in `kind.calls()`
/// order) at the open-loop starting rates: the part of its caller's load
/// it is made for, times its mean `repeat` (a hedge: at most two). Its
/// fallback's calls are not counted.
pub fn call_rates(model: &Model) -> Vec<Vec<OfferedLoad>> {
    let mut rates: Vec<Vec<OfferedLoad>> = model
        .nodes
        .iter()
        .map(|n| vec![OfferedLoad::default(); n.kind.calls().len()])
        .collect();
    for (class, load) in class_loads(model, &[]) {
        for ((node, here), out) in model.nodes.iter().zip(load).zip(rates.iter_mut()) {
            for (c, r) in node.kind.calls().iter().zip(out.iter_mut()) {
                let l = call_load(c, here, class);
                if l.reads + l.writes > 0.0 {
                    r.add(l);
                }
            }
        }
    }
    rates
}

/// The load of requests without a class, then of each class, carried
/// through the topology (the flavours no workload sends left out).
fn class_loads(model: &Model, hits: &[Option<f64>]) -> Vec<(Option<ClassIdx>, Vec<OfferedLoad>)> {
    let flavours = std::iter::once(None).chain(
        (0..model.classes.len()).map(|c| Some(ClassIdx::try_from(c).unwrap_or(ClassIdx::MAX))),
    );
    flavours
        .filter_map(|class| {
            let entering = entering_load(model, class);
            if entering.iter().all(|l| l.reads + l.writes <= 0.0) {
                return None;
            }
            Some((class, propagate(model, entering, class, hits)))
        })
        .collect()
}

/// The nodes that do a call's own work (`service_time` on a call): its
/// callee, or the target of the load balancer it calls.
fn worked_callees(model: &Model) -> Vec<NodeIdx> {
    let calls = model.nodes.iter().flat_map(|n| match &n.kind {
        NodeKind::Service(s) => s.calls.as_slice(),
        NodeKind::Queue(q) => q.calls.as_slice(),
        _ => &[],
    });
    calls
        .filter(|c| c.service_time.is_some())
        .map(|c| match model.nodes.get(c.to).map(|n| &n.kind) {
            Some(NodeKind::LoadBalancer(lb)) => lb.to,
            _ => c.to,
        })
        .collect()
}

/// `load` (of requests of `class`) carried through the topology.
fn propagate(
    model: &Model,
    mut load: Vec<OfferedLoad>,
    class: Option<ClassIdx>,
    hits: &[Option<f64>],
) -> Vec<OfferedLoad> {
    // Kahn's algorithm over the out-edges.
    let outs: Vec<Vec<NodeIdx>> = model.nodes.iter().map(|nd| targets(&nd.kind)).collect();
    let mut indegree = vec![0usize; model.nodes.len()];
    for &t in outs.iter().flatten() {
        if let Some(d) = indegree.get_mut(t) {
            *d += 1;
        }
    }
    let mut ready: Vec<NodeIdx> = (0..model.nodes.len())
        .filter(|&i| indegree.get(i) == Some(&0))
        .rev()
        .collect();
    while let Some(i) = ready.pop() {
        let (Some(node), Some(&here)) = (model.nodes.get(i), load.get(i)) else {
            continue;
        };
        let hit = hits.get(i).copied().flatten();
        for (to, add) in pass_on(&node.kind, here, class, hit) {
            if let Some(l) = load.get_mut(to) {
                l.add(add);
            }
        }
        for &t in outs.get(i).map_or(&[][..], |v| v.as_slice()) {
            if let Some(d) = indegree.get_mut(t) {
                *d -= 1;
                if *d == 0 {
                    ready.push(t);
                }
            }
        }
    }
    load
}

/// The open-loop workloads' starting rates of requests of `class` (`None`:
/// plain reads and writes) at the nodes they enter.
fn entering_load(model: &Model, class: Option<ClassIdx>) -> Vec<OfferedLoad> {
    let mut load = vec![OfferedLoad::default(); model.nodes.len()];
    for w in &model.workloads {
        let Some(rate) = starting_rate(model, w) else {
            continue;
        };
        let Some(l) = load.get_mut(w.to) else {
            continue;
        };
        match class {
            None if w.classes.is_empty() => {
                l.reads += rate * w.read_fraction;
                l.writes += rate * (1.0 - w.read_fraction);
            }
            None => {}
            Some(c) => {
                let share: f64 = w
                    .classes
                    .iter()
                    .filter(|(k, _)| *k == c)
                    .map(|(_, s)| s)
                    .sum();
                let op = model.classes.get(usize::from(c)).map(|k| k.op);
                match op {
                    Some(RequestKind::Read) => l.reads += rate * share,
                    Some(RequestKind::Write) => l.writes += rate * share,
                    None => {}
                }
            }
        }
    }
    load
}

/// An open-loop workload's rate when the measured period starts: its
/// `rate`, or the one a phase at 0 s or within the warm-up set (`None`
/// for a closed loop). Later phases are not in it.
pub fn starting_rate(model: &Model, w: &Workload) -> Option<f64> {
    let base = match w.arrival {
        Arrival::Poisson { rate } | Arrival::Constant { rate } => rate,
        Arrival::Closed { .. } => return None,
    };
    Some(rate_at(base, &w.phases, model.warmup))
}

pub(crate) fn targets(kind: &NodeKind) -> Vec<NodeIdx> {
    match kind {
        NodeKind::LoadBalancer(lb) => vec![lb.to],
        NodeKind::Service(s) => call_targets(&s.calls)
            .chain(s.forward.iter().map(|r| r.to))
            .collect(),
        NodeKind::RateLimiter(r) => vec![r.to],
        NodeKind::Queue(q) => call_targets(&q.calls).collect(),
        NodeKind::Cache(c) => c.on_miss.into_iter().collect(),
        NodeKind::Database(_) => Vec::new(),
        NodeKind::Topic(t) => t.subscribers.clone(),
        NodeKind::External(_) => Vec::new(),
    }
}

/// The callees of `calls` and their fallbacks.
fn call_targets(calls: &[Call]) -> impl Iterator<Item = NodeIdx> + '_ {
    calls
        .iter()
        .flat_map(|c| std::iter::once(c.to).chain(c.fallback))
}

/// What a node sends on, given what it receives (a cache: what it
/// misses, at its measured hit ratio `hit` when known).
fn pass_on(
    kind: &NodeKind,
    here: OfferedLoad,
    class: Option<ClassIdx>,
    hit: Option<f64>,
) -> Vec<(NodeIdx, OfferedLoad)> {
    match kind {
        NodeKind::LoadBalancer(lb) => vec![(lb.to, here)],
        NodeKind::Service(s) => {
            let mut sent = calls_pass_on(&s.calls, here, class);
            sent.extend(forward_pass_on(s, here, class));
            sent
        }
        NodeKind::Cache(c) => c
            .on_miss
            .map(|to| (to, missed(c, here, hit)))
            .into_iter()
            .collect(),
        NodeKind::Database(_) => Vec::new(),
        NodeKind::RateLimiter(r) => vec![(r.to, here.at_most())],
        NodeKind::Queue(q) => calls_pass_on(&q.calls, here, class),
        NodeKind::Topic(t) => t.subscribers.iter().map(|&q| (q, here)).collect(),
        NodeKind::External(_) => Vec::new(),
    }
}

/// What cache `c` sends on of `here`: at most all of it; with its hit
/// ratio known, its misses and its writes (a write-back cache or single
/// flight sends fewer: still an upper bound).
fn missed(c: &CacheSpec, here: OfferedLoad, hit: Option<f64>) -> OfferedLoad {
    let Some(hit) = hit else {
        return here.at_most();
    };
    let fewer = c.coalesce
        || (here.writes > 0.0 && matches!(c.write_policy, WritePolicy::WriteBack { .. }));
    let sent = OfferedLoad {
        reads: here.reads * (1.0 - hit.clamp(0.0, 1.0)),
        ..here
    };
    if fewer { sent.at_most() } else { sent }
}

/// Each call gets the requests it is made for, as its `op` says, times
/// its mean `repeat` (a hedge: at most two copies); its fallback at most
/// as many (only those that fail).
fn calls_pass_on(
    calls: &[Call],
    here: OfferedLoad,
    class: Option<ClassIdx>,
) -> Vec<(NodeIdx, OfferedLoad)> {
    let mut sent: Vec<(NodeIdx, OfferedLoad)> = calls
        .iter()
        .map(|c| (c.to, call_load(c, here, class)))
        .collect();
    for c in calls {
        if let Some(f) = c.fallback {
            sent.push((f, call_load(c, here, class).at_most()));
        }
    }
    sent
}

fn call_load(c: &Call, here: OfferedLoad, class: Option<ClassIdx>) -> OfferedLoad {
    let mut l = here.part(|k| c.matches(k, class));
    let total = l.reads + l.writes;
    match c.op {
        Some(RequestKind::Read) => (l.reads, l.writes) = (total, 0.0),
        Some(RequestKind::Write) => (l.reads, l.writes) = (0.0, total),
        None => {}
    }
    let times = match c.fan.hedge {
        Some(_) => {
            l.upper_bound = true;
            2.0
        }
        None => c.fan.repeat.mean(),
    };
    l.reads *= times;
    l.writes *= times;
    l
}

/// Forward: the first matching route gets each request type (reads, then
/// writes, each its own entry).
fn forward_pass_on(
    s: &ServiceSpec,
    here: OfferedLoad,
    class: Option<ClassIdx>,
) -> Vec<(NodeIdx, OfferedLoad)> {
    let mut sent = Vec::new();
    for kind in [RequestKind::Read, RequestKind::Write] {
        let part = here.part(|k| k == kind);
        let mut matching = s.forward.iter().filter(|r| r.matches(kind, class));
        if s.forward.iter().any(|r| r.p.is_some()) {
            // Each route its share of what it matches.
            sent.extend(matching.map(|r| (r.to, part.times(r.p.unwrap_or(0.0)))));
        } else if let Some(r) = matching.next() {
            sent.push((r.to, part));
        }
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lognormal_size_is_described_by_its_mean_as_written() {
        // `check` printed "request lognormal, mean 49999999.99999999B".
        let d = Dist::lognormal(50e6, 400e6).expect("a lognormal");
        assert_eq!(size_text(&d), "lognormal, mean 50MB");
    }

    #[test]
    fn describe_shows_the_topology_and_the_load_it_expects() {
        let text = r#"
[scenario]
name = "Shop"
story = "Reads hit a cache."
duration = "2m"

[[workload]]
name = "users"
to = "lb"
rate = 1000
mix = { read = 0.8 }

[[node]]
id = "lb"
kind = "load_balancer"
to = "api"

[[node]]
id = "api"
kind = "service"
replicas = 2
workers = 4
service_time = "2ms"
calls = [ { to = "cache", when = "read" } ]
to = [ { to = "db", when = "write" } ]
cost_per_hour = 0.5

[[node]]
id = "cache"
kind = "cache"
capacity = 1000
on_miss = "db"

[[node]]
id = "db"
kind = "database"
workers = 10
service_time = "5ms"

[[objective]]
metric = "throughput"
above = 900
"#;
        let model = scenario::load_str(text, "shop.toml", &[]).expect("valid");
        let d = describe(&model);
        for want in [
            "scenario: Shop",
            "Reads hit a cache.",
            "duration 120s, no warm-up, seed 1, window 1s",
            "cost $1.00/hour",
            "users -> lb: poisson 1000 req/s; 80% reads / 20% writes; 1000000 keys (uniform)",
            "lb     load_balancer  round_robin over api",
            "api    service        2 replicas x 4 workers, unbounded queue, service constant 2ms, $1.00/h ($0.5/h a replica per 16 workers)",
            "offered ~1000 req/s (800 reads, 200 writes), utilisation ~0.25",
            "offered <=1000 req/s (800 reads, 200 writes), utilisation <=0.50",
            "users --enters--> lb",
            "lb --to--> api",
            "api --calls--> cache (read)",
            "api --to--> db (write)",
            "cache --on_miss--> db",
            "throughput above 900",
        ] {
            assert!(d.contains(want), "missing {want:?} in\n{d}");
        }
    }

    #[test]
    fn describe_shows_policies_new_kinds_and_the_timeline() {
        let text = r#"
[scenario]
name = "Resilience"
duration = "2m"
max_events = 1000000

[[workload]]
name = "users"
to = "edge"
rate = 100

[[node]]
id = "edge"
kind = "cdn"
capacity = 1000
origin = "gate"

[[node]]
id = "gate"
kind = "rate_limiter"
algorithm = "token_bucket"
rate = 50
to = "api"

[[node]]
id = "api"
kind = "service"
service_time = "2ms"
autoscale = { target = 0.6, max = 20, cold_start = "20s" }
calls = [ { to = "db", when = "write", timeout = "200ms", retry = { attempts = 3, budget = 0.1 }, breaker = { consecutive_failures = 5 } }, "jobs" ]

[[node]]
id = "jobs"
kind = "queue"
service_time = "5ms"
calls = [ { to = "db", pool = { size = 10, acquire_timeout = "100ms" } } ]

[[node]]
id = "db"
kind = "database"
service_time = "5ms"
read_replicas = 1
shards = 4
replication_lag = "50ms"

[[event]]
at = "30s"
action = "crash"
node = "db.replica.0"
for = "10s"

[[event]]
at = "1m"
action = "set"
target = "api.replicas"
value = 4
"#;
        let model = scenario::load_str(text, "r.toml", &[]).expect("valid");
        let d = describe(&model);
        for want in [
            "stops after 1000000 events",
            "edge  cdn",
            "miss penalty constant 50ms",
            "gate  rate_limiter   token_bucket 50 req/s, burst 50, to api",
            "autoscale 1..20 replicas on utilisation 0.6 every 10s (cooldown 30s, cold start 20s)",
            "4 shards, each primary + 1 read replica",
            "replication lag constant 50ms",
            "edge --origin--> gate",
            "api --calls--> db (write) timeout 200ms, retry ×3 full jitter, budget 10%, breaker 5 fails/5s",
            "jobs --consumer calls--> db pool 10 (wait ≤100ms)",
            "events:\n  30s  crash db.replica.0\n  40s  recover db.replica.0\n  60s  set api.replicas = 4",
        ] {
            assert!(d.contains(want), "missing {want:?} in\n{d}");
        }
    }
}
