//! `to_toml`: writes a `Model` back as a scenario file that loads to the same model (the window's "export tuned scenario").

use std::fmt::Write as _;

use crate::scenario::units::{format_duration, format_seconds};
use crate::sim::command::Command;
use crate::sim::dist::{Dist, Z99};
use crate::sim::model::{
    Arrival, AutoscaleSpec, Bound, BreakerSpec, CacheSpec, Call, ClassIdx, Count,
    DEFAULT_KEYS_PER_UNIT, DEFAULT_WORKERS_PER_UNIT, DatabaseSpec, ExternalSpec, FanOut, KeyWrites,
    Keys, LimiterAlgorithm, Limits, LinePolicy, Model, NodeIdx, NodeKind, Objective, Popularity,
    QueueSpec, RetryPolicy, Route, ServiceSpec, Wait, WritePolicy,
};
use crate::sim::time::SimTime;

/// The scenario file for `model`: every field written out (defaults too,
/// so the file does not depend on them), `load_str` of it gives the same
/// model. Durations use the most readable unit that is exact; numbers the
/// shortest text that reads back to the same `f64`.
///
/// Exact for any model the loader produced and for most hand-built ones.
/// The exceptions, documented in `docs/scenario-format.md`: a log-normal
/// whose mean or p99 is not a whole number of nanoseconds is written with
/// every digit and reads back within about 1e-12 relative; a CDN without a
/// miss penalty is written with `miss_penalty = "0s"`; `pos` is an `f32`
/// written through `f64`. A model the loader would refuse (an unknown node
/// index, a NaN) gives a file the loader refuses.
pub fn to_toml(model: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Written by LoadLab {}. `loadlab check` this file to see its topology.\n",
        crate::VERSION
    );
    write_scenario(&mut out, model);
    for c in &model.classes {
        out.push_str("\n[[class]]\n");
        kv(&mut out, "name", &string(&c.name));
        kv(&mut out, "op", &string(c.op.name()));
        if let Some(d) = &c.request_bytes {
            kv(&mut out, "request_bytes", &size(d));
        }
        if let Some(d) = &c.response_bytes {
            kv(&mut out, "response_bytes", &size(d));
        }
    }
    for (i, w) in model.workloads.iter().enumerate() {
        out.push_str("\n[[workload]]\n");
        if w.name != format!("workload.{i}") {
            kv(&mut out, "name", &string(&w.name));
        }
        kv(&mut out, "to", &node_ref(model, w.to));
        match &w.arrival {
            Arrival::Poisson { rate } | Arrival::Constant { rate } => {
                let kind = if matches!(w.arrival, Arrival::Poisson { .. }) {
                    "poisson"
                } else {
                    "constant"
                };
                kv(&mut out, "arrival", &string(kind));
                kv(&mut out, "rate", &num(*rate));
            }
            Arrival::Closed { users, think } => {
                kv(&mut out, "arrival", &string("closed"));
                kv(&mut out, "users", &users.to_string());
                kv(&mut out, "think", &dist(think));
            }
        }
        if w.classes.is_empty() {
            kv(
                &mut out,
                "mix",
                &format!("{{ read = {} }}", num(w.read_fraction)),
            );
        } else {
            kv(&mut out, "classes", &class_shares(model, &w.classes));
        }
        kv(&mut out, "keys", &keys(&w.keys));
        if !w.phases.is_empty() && !matches!(w.arrival, Arrival::Closed { .. }) {
            let phases: Vec<String> = w
                .phases
                .iter()
                .map(|p| {
                    format!(
                        "{{ at = {}, rate = {}, ramp = {} }}",
                        duration(p.at),
                        num(p.rate),
                        duration(p.ramp)
                    )
                })
                .collect();
            kv(&mut out, "phases", &format!("[ {} ]", phases.join(", ")));
        }
    }
    for n in &model.nodes {
        out.push_str("\n[[node]]\n");
        kv(&mut out, "id", &string(&n.id));
        kv(&mut out, "kind", &string(n.kind.name()));
        if let Some([x, y]) = n.pos {
            kv(
                &mut out,
                "pos",
                &format!("[{}, {}]", float32(x), float32(y)),
            );
        }
        if n.cost_per_hour != 0.0 {
            kv(&mut out, "cost_per_hour", &num(n.cost_per_hour));
        }
        if let Some(z) = &n.zone {
            kv(&mut out, "zone", &string(z));
        }
        if let Some(p) = n.egress_per_gb {
            kv(&mut out, "egress_per_gb", &num(p));
        }
        match &n.kind {
            NodeKind::Service(_) | NodeKind::Database(_) | NodeKind::Queue(_)
                if n.cost_unit != DEFAULT_WORKERS_PER_UNIT =>
            {
                kv(&mut out, "workers_per_unit", &n.cost_unit.to_string());
            }
            NodeKind::Cache(_) if n.cost_unit != DEFAULT_KEYS_PER_UNIT => {
                kv(&mut out, "keys_per_unit", &n.cost_unit.to_string());
            }
            _ => {}
        }
        match &n.kind {
            NodeKind::LoadBalancer(lb) => {
                kv(&mut out, "algorithm", &string(lb.algorithm.name()));
                kv(&mut out, "to", &node_ref(model, lb.to));
                if !lb.weights.is_empty() {
                    let w: Vec<String> = lb.weights.iter().map(|w| w.to_string()).collect();
                    kv(&mut out, "weights", &format!("[{}]", w.join(", ")));
                }
            }
            NodeKind::Service(s) => write_service(&mut out, model, s),
            NodeKind::Cache(c) => write_cache(&mut out, model, c),
            NodeKind::Database(d) => write_database(&mut out, d),
            NodeKind::RateLimiter(r) => {
                kv(&mut out, "algorithm", &string(r.algorithm.name()));
                kv(&mut out, "to", &node_ref(model, r.to));
                if let Some((per, max_keys)) = r.per {
                    kv(&mut out, "per", &string(per.name()));
                    kv(&mut out, "max_keys", &int(u64::from(max_keys)));
                }
                match r.algorithm {
                    LimiterAlgorithm::TokenBucket { rate, burst } => {
                        kv(&mut out, "rate", &num(rate));
                        kv(&mut out, "burst", &int(u64::from(burst)));
                    }
                    LimiterAlgorithm::LeakyBucket { rate, capacity } => {
                        kv(&mut out, "rate", &num(rate));
                        kv(&mut out, "capacity", &int(u64::from(capacity)));
                    }
                    LimiterAlgorithm::FixedWindow { limit, window }
                    | LimiterAlgorithm::SlidingWindow { limit, window } => {
                        kv(&mut out, "limit", &int(u64::from(limit)));
                        kv(&mut out, "window", &duration(window));
                    }
                }
            }
            NodeKind::Queue(q) => write_queue(&mut out, model, q),
            NodeKind::External(e) => write_external(&mut out, e),
            NodeKind::Topic(t) => {
                let subs: Vec<String> = t.subscribers.iter().map(|&q| node_ref(model, q)).collect();
                kv(&mut out, "subscribers", &format!("[{}]", subs.join(", ")));
            }
        }
    }
    for l in &model.zone_links {
        out.push_str("\n[[zone_link]]\n");
        kv(
            &mut out,
            "between",
            &format!("[{}, {}]", string(&l.between[0]), string(&l.between[1])),
        );
        kv(&mut out, "latency", &dist(&l.latency));
        if let Some(b) = l.bandwidth {
            kv(&mut out, "bandwidth", &bandwidth(b));
        }
        if let Some(p) = l.egress_per_gb {
            kv(&mut out, "egress_per_gb", &num(p));
        }
    }
    for o in &model.objectives {
        out.push_str("\n[[objective]]\n");
        kv(&mut out, "metric", &string(o.metric.name()));
        if let Some(of) = &o.of {
            kv(&mut out, of.field(), &string(of.name()));
        }
        let (key, value) = objective_bound(o);
        kv(&mut out, key, &value);
    }
    for e in &model.events {
        out.push_str("\n[[event]]\n");
        kv(&mut out, "at", &duration(e.at));
        let (action, fields) = event_fields(model, &e.command);
        kv(&mut out, "action", &string(action));
        for (key, value) in fields {
            kv(&mut out, key, &value);
        }
    }
    out
}

/// An objective's bound: `("below", "\"0.1s\"")`, `("above", "900")`.
pub(crate) fn objective_bound(o: &Objective) -> (&'static str, String) {
    let (key, v) = match o.bound {
        Bound::Below(v) => ("below", v),
        Bound::Above(v) => ("above", v),
    };
    let value = if o.metric.is_latency() {
        seconds(v)
    } else {
        num(v)
    };
    (key, value)
}

/// `{ redirect = 0.9, create = 0.1 }`: a workload's class shares.
fn class_shares(model: &Model, shares: &[(ClassIdx, f64)]) -> String {
    let items: Vec<String> = shares
        .iter()
        .map(|&(c, share)| {
            let name = model.classes.get(usize::from(c)).map_or("?", |c| &c.name);
            format!("{name} = {}", num(share))
        })
        .collect();
    format!("{{ {} }}", items.join(", "))
}

fn write_scenario(out: &mut String, model: &Model) {
    out.push_str("[scenario]\n");
    kv(out, "name", &string(&model.name));
    if !model.story.is_empty() {
        kv(out, "story", &string(&model.story));
    }
    kv(out, "duration", &duration(model.duration));
    if model.warmup != SimTime::ZERO {
        kv(out, "warmup", &duration(model.warmup));
    }
    kv(out, "seed", &model.seed.to_string());
    // A window longer than the run is the default (1 s) of a run shorter
    // than that: the loader refuses one written out, so leave it out.
    if model.window <= model.duration {
        kv(out, "window", &duration(model.window));
    }
    let defaults = Limits::default();
    if model.limits.max_in_flight != defaults.max_in_flight {
        kv(
            out,
            "max_in_flight",
            &int(u64::try_from(model.limits.max_in_flight).unwrap_or(u64::MAX)),
        );
    }
    if model.limits.max_events != defaults.max_events {
        kv(out, "max_events", &int(model.limits.max_events));
    }
}

fn write_service(out: &mut String, model: &Model, s: &ServiceSpec) {
    kv(out, "replicas", &s.replicas.to_string());
    kv(out, "workers", &s.workers.to_string());
    if let Some(q) = s.queue {
        kv(out, "queue", &int(u64::from(q)));
    }
    kv(out, "service_time", &dist(&s.service_time));
    if let Some(t) = s.timeout {
        kv(out, "timeout", &duration(t));
    }
    if let Some(a) = &s.autoscale {
        kv(out, "autoscale", &autoscale(a));
    }
    if !s.forward.is_empty() {
        kv(out, "to", &routes(model, &s.forward));
    }
    if let Some(line) = &s.line {
        write_line_policy(out, model, line);
    }
    write_calls(out, model, &s.calls);
}

/// `priority = [...]` and `shed = { ... }` (class names are bare keys).
fn write_line_policy(out: &mut String, model: &Model, line: &LinePolicy) {
    if !line.priority.is_empty() {
        let names: Vec<String> = (line.priority.iter())
            .map(|&w| string(model.when_name(w)))
            .collect();
        kv(out, "priority", &format!("[{}]", names.join(", ")));
    }
    if !line.shed.is_empty() {
        let entries: Vec<String> = (line.shed.iter())
            .map(|&(w, n)| format!("{} = {}", model.when_name(w), int(u64::from(n))))
            .collect();
        kv(out, "shed", &format!("{{ {} }}", entries.join(", ")));
    }
}

fn write_cache(out: &mut String, model: &Model, c: &CacheSpec) {
    kv(out, "capacity", &int(c.capacity));
    kv(out, "policy", &string(c.policy.name()));
    if let Some(t) = c.ttl {
        kv(out, "ttl", &duration(t));
    }
    kv(out, "hit_time", &dist(&c.hit_time));
    if let Some(to) = c.on_miss {
        kv(
            out,
            if c.edge { "origin" } else { "on_miss" },
            &node_ref(model, to),
        );
    }
    kv(out, "write_policy", &string(c.write_policy.name()));
    if let WritePolicy::WriteBack { flush_interval } = c.write_policy {
        kv(out, "flush_interval", &duration(flush_interval));
    }
    kv(out, "coalesce", if c.coalesce { "true" } else { "false" });
    match (&c.miss_penalty, c.edge) {
        (Some(p), _) => kv(out, "miss_penalty", &dist(p)),
        // A CDN always has a penalty in a file (absent means 50 ms).
        (None, true) => kv(out, "miss_penalty", &seconds(0.0)),
        (None, false) => {}
    }
    let warm = if c.warm == 0.0 {
        "false".to_string()
    } else if c.warm == 1.0 {
        "true".to_string()
    } else {
        num(c.warm)
    };
    kv(out, "warm", &warm);
    if let Some(w) = c.workers {
        kv(out, "workers", &w.to_string());
    }
    if let Some(q) = c.queue {
        kv(out, "queue", &int(u64::from(q)));
    }
}

fn write_database(out: &mut String, d: &DatabaseSpec) {
    kv(out, "read_replicas", &d.read_replicas.to_string());
    kv(out, "workers", &d.workers.to_string());
    if let Some(q) = d.queue {
        kv(out, "queue", &int(u64::from(q)));
    }
    kv(out, "service_time", &dist(&d.service_time));
    if let Some(w) = &d.write_service_time {
        kv(out, "write_service_time", &dist(w));
    }
    if let Some(t) = d.timeout {
        kv(out, "timeout", &duration(t));
    }
    if let Some(l) = &d.replication_lag {
        kv(out, "replication_lag", &dist(l));
    }
    kv(out, "shards", &d.shards.to_string());
}

fn write_queue(out: &mut String, model: &Model, q: &QueueSpec) {
    if let Some(c) = q.capacity {
        kv(out, "capacity", &int(u64::from(c)));
    }
    kv(out, "consumers", &q.consumers.to_string());
    kv(out, "service_time", &dist(&q.service_time));
    if let Some(t) = q.visibility_timeout {
        kv(out, "visibility_timeout", &duration(t));
    }
    kv(out, "max_attempts", &q.max_attempts.to_string());
    kv(out, "redelivery_backoff", &duration(q.redelivery.backoff));
    kv(
        out,
        "max_redelivery_backoff",
        &duration(q.redelivery.max_backoff),
    );
    if let Some(h) = q.max_hops {
        kv(out, "max_hops", &h.to_string());
    }
    write_calls(out, model, &q.calls);
}

fn write_external(out: &mut String, e: &ExternalSpec) {
    kv(out, "latency", &dist(&e.latency));
    kv(out, "error_rate", &num(e.error_rate));
    if let Some(r) = e.rate_limit {
        kv(out, "rate_limit", &num(r.rate));
        kv(out, "burst", &int(u64::from(r.burst)));
    }
    if let Some(c) = e.concurrency {
        kv(out, "concurrency", &int(u64::from(c)));
    }
}

/// Calls without a policy as one inline array; otherwise one
/// `[[node.calls]]` table per call (so they must come last in the node).
fn write_calls(out: &mut String, model: &Model, calls: &[Call]) {
    if calls.is_empty() {
        return;
    }
    let plain = calls.iter().all(|c| {
        c.policy == Default::default()
            && c.latency.is_none()
            && c.payload.is_none()
            && c.passes_request()
            && c.fallback.is_none()
            && c.fan.is_once()
    });
    if plain {
        let items: Vec<String> = calls
            .iter()
            .map(|c| route(model, &Route::new(c.to, c.when)))
            .collect();
        kv(out, "calls", &format!("[ {} ]", items.join(", ")));
        return;
    }
    for c in calls {
        out.push_str("\n[[node.calls]]\n");
        kv(out, "to", &node_ref(model, c.to));
        if let Some(w) = c.when {
            kv(out, "when", &string(model.when_name(w)));
        }
        if let Some(t) = c.policy.timeout {
            kv(out, "timeout", &duration(t));
        }
        if let Some(r) = &c.policy.retry {
            kv(out, "retry", &retry(r));
        }
        if let Some(b) = &c.policy.breaker {
            kv(out, "breaker", &breaker(b));
        }
        if let Some(p) = &c.policy.pool {
            kv(
                out,
                "pool",
                &format!(
                    "{{ size = {}, acquire_timeout = {} }}",
                    p.size,
                    duration(p.acquire_timeout)
                ),
            );
        }
        if let Some(l) = &c.latency {
            kv(out, "latency", &dist(l));
        }
        if let Some(w) = &c.service_time {
            kv(out, "service_time", &dist(w));
        }
        if let Some(p) = &c.payload {
            if let Some(d) = &p.request {
                kv(out, "request_bytes", &size(d));
            }
            if let Some(d) = &p.response {
                kv(out, "response_bytes", &size(d));
            }
            if let Some(b) = p.bandwidth {
                kv(out, "bandwidth", &bandwidth(b));
            }
        }
        if let Some(f) = c.fallback {
            kv(out, "fallback", &node_ref(model, f));
        }
        if let Some(op) = c.op {
            kv(out, "op", &string(op.name()));
        }
        if let Some(k) = c.key.keys() {
            kv(out, "key", &string(c.key.name()));
            kv(out, "keys", &keys(k));
        }
        write_fan_out(out, &c.fan);
    }
}

/// A call's fan-out fields (none for a plain call).
fn write_fan_out(out: &mut String, fan: &FanOut) {
    if let Some(h) = fan.hedge {
        kv(out, "hedge", &duration(h));
        return;
    }
    let repeat = match fan.repeat {
        Count::Fixed(1) => None,
        Count::Fixed(n) => Some(n.to_string()),
        Count::Poisson { mean } => Some(format!("{{ dist = \"poisson\", mean = {} }}", num(mean))),
        Count::Uniform { min, max } => Some(format!(
            "{{ dist = \"uniform\", min = {min}, max = {max} }}"
        )),
        Count::Pareto { scale, shape, max } => Some(format!(
            "{{ dist = \"pareto\", scale = {}, shape = {}, max = {max} }}",
            num(scale),
            num(shape)
        )),
    };
    if let Some(r) = repeat {
        kv(out, "repeat", &r);
    }
    if fan.parallel {
        kv(out, "parallel", "true");
        match fan.wait {
            Wait::All => {}
            Wait::First => kv(out, "wait", &string("first")),
            Wait::Quorum(k) => kv(out, "wait", &format!("{{ quorum = {k} }}")),
        }
    }
}

/// A key space as an inline table.
fn keys(k: &Keys) -> String {
    let popularity = match k.popularity {
        Popularity::Uniform => "popularity = \"uniform\"".to_string(),
        Popularity::Zipf { s } => format!("popularity = \"zipf\", s = {}", num(s)),
    };
    let writes = match k.writes {
        KeyWrites::Existing => "",
        KeyWrites::New => ", writes = \"new\"",
    };
    format!("{{ count = {}, {popularity}{writes} }}", int(k.count))
}

fn retry(r: &RetryPolicy) -> String {
    let mut s = format!(
        "{{ attempts = {}, backoff = {}, max_backoff = {}, jitter = {}",
        r.max_attempts,
        duration(r.backoff),
        duration(r.max_backoff),
        string(r.jitter.name())
    );
    if let Some(b) = r.budget {
        let _ = write!(s, ", budget = {}", num(b));
    }
    s.push_str(" }");
    s
}

fn breaker(b: &BreakerSpec) -> String {
    let mut parts = Vec::new();
    if let Some(n) = b.consecutive_failures {
        parts.push(format!("consecutive_failures = {n}"));
    }
    if let Some(r) = b.failure_rate {
        parts.push(format!("failure_rate = {}", num(r)));
    }
    parts.push(format!("window = {}", b.window));
    parts.push(format!("open_for = {}", duration(b.open_for)));
    parts.push(format!("probes = {}", b.probes));
    format!("{{ {} }}", parts.join(", "))
}

fn autoscale(a: &AutoscaleSpec) -> String {
    format!(
        "{{ metric = {}, target = {}, min = {}, max = {}, interval = {}, cooldown = {}, cold_start = {} }}",
        string(a.metric.name()),
        num(a.target),
        a.min,
        a.max,
        duration(a.interval),
        duration(a.cooldown),
        duration(a.cold_start)
    )
}

fn route(model: &Model, r: &Route) -> String {
    let mut fields = vec![format!("to = {}", node_ref(model, r.to))];
    if let Some(w) = r.when {
        fields.push(format!("when = {}", string(model.when_name(w))));
    }
    if let Some(l) = &r.latency {
        fields.push(format!("latency = {}", dist(l)));
    }
    if let Some(p) = r.p {
        fields.push(format!("p = {}", num(p)));
    }
    match fields.as_slice() {
        [_] => node_ref(model, r.to),
        _ => format!("{{ {} }}", fields.join(", ")),
    }
}

fn routes(model: &Model, rs: &[Route]) -> String {
    match rs {
        [one] if one.when.is_none() && one.latency.is_none() && one.p.is_none() => {
            node_ref(model, one.to)
        }
        _ => {
            let items: Vec<String> = rs.iter().map(|r| route(model, r)).collect();
            format!("[ {} ]", items.join(", "))
        }
    }
}

/// The action and the fields (key, TOML value) of an `[[event]]` that
/// produces `command`.
fn event_fields(model: &Model, command: &Command) -> (&'static str, Vec<(&'static str, String)>) {
    let node = |n: NodeIdx| string(node_id(model, n));
    match command {
        Command::Crash { node: n, replica } => (
            "crash",
            vec![("node", string(&instance_name(model, *n, *replica)))],
        ),
        Command::Recover { node: n, replica } => (
            "recover",
            vec![("node", string(&instance_name(model, *n, *replica)))],
        ),
        Command::SlowDown { node: n, factor } => {
            ("slow", vec![("node", node(*n)), ("factor", num(*factor))])
        }
        Command::Partition { from, to, hang } => (
            "partition",
            vec![
                ("from", node(*from)),
                ("to", node(*to)),
                ("mode", string(if *hang { "hang" } else { "fail" })),
            ],
        ),
        Command::Heal { from, to } => ("heal", vec![("from", node(*from)), ("to", node(*to))]),
        Command::FlushCache { node: n } => ("flush", vec![("node", node(*n))]),
        Command::SetRateFactor { workload, factor } => {
            let w = match model.workloads.get(*workload) {
                Some(w) if w.name != format!("workload.{workload}") => string(&w.name),
                _ => workload.to_string(),
            };
            ("spike", vec![("workload", w), ("factor", num(*factor))])
        }
        other => {
            let (target, value) = set_target(model, other);
            ("set", vec![("target", string(&target)), ("value", value)])
        }
    }
}

/// `target` and TOML `value` of the `set` event for a `Set*` command
/// (both empty for any other command).
pub fn set_target(model: &Model, command: &Command) -> (String, String) {
    let kind = |n: NodeIdx| model.nodes.get(n).map(|x| &x.kind);
    let on = |n: NodeIdx, field: &str| format!("{}.{field}", node_id(model, n));
    let none_or = |v: Option<String>| v.unwrap_or_else(|| string("none"));
    match command {
        Command::SetReplicas { node, replicas } => (on(*node, "replicas"), replicas.to_string()),
        Command::SetWorkers { node, workers } => {
            let field = if matches!(kind(*node), Some(NodeKind::Queue(_))) {
                "consumers"
            } else {
                "workers"
            };
            (on(*node, field), workers.to_string())
        }
        Command::SetQueueCapacity { node, capacity } => {
            let field = if matches!(kind(*node), Some(NodeKind::Queue(_))) {
                "capacity"
            } else {
                "queue"
            };
            (
                on(*node, field),
                none_or(capacity.map(|c| int(u64::from(c)))),
            )
        }
        Command::SetServiceTime { node, dist: d } => {
            let field = match kind(*node) {
                Some(NodeKind::Cache(_)) => "hit_time",
                Some(NodeKind::External(_)) => "latency",
                _ => "service_time",
            };
            (on(*node, field), dist(d))
        }
        Command::SetTimeout { node, timeout } => {
            (on(*node, "timeout"), none_or(timeout.map(duration)))
        }
        Command::SetLbAlgorithm { node, algorithm } => {
            (on(*node, "algorithm"), string(algorithm.name()))
        }
        Command::SetCacheCapacity { node, capacity } => (on(*node, "capacity"), int(*capacity)),
        Command::SetCachePolicy { node, policy } => (on(*node, "policy"), string(policy.name())),
        Command::SetCacheTtl { node, ttl } => (on(*node, "ttl"), none_or(ttl.map(duration))),
        Command::SetReadReplicas { node, replicas } => {
            (on(*node, "read_replicas"), replicas.to_string())
        }
        Command::SetLimiterRate { node, rate } => (on(*node, "rate"), num(*rate)),
        Command::SetLimiterLimit { node, limit } => (on(*node, "limit"), int(u64::from(*limit))),
        Command::SetWorkloadRate { workload, rate } => {
            (workload_field(model, *workload, "rate"), num(*rate))
        }
        Command::SetReadFraction {
            workload,
            read_fraction,
        } => (
            workload_field(model, *workload, "read_fraction"),
            num(*read_fraction),
        ),
        // Not `set` events (handled by `event_fields`).
        _ => (String::new(), String::new()),
    }
}

/// `workload.<name>.field`, or `workload.<index>.field` for an unnamed
/// workload (when no workload is named like that index).
fn workload_field(model: &Model, w: usize, field: &str) -> String {
    let index = w.to_string();
    match model.workloads.get(w) {
        Some(x) if x.name != format!("workload.{w}") => format!("workload.{}.{field}", x.name),
        Some(x) if model.workloads.iter().any(|o| o.name == index) => {
            format!("workload.{}.{field}", x.name)
        }
        _ => format!("workload.{index}.{field}"),
    }
}

/// How events and `check` name a node, a service replica or a database
/// instance: `api`, `api.replica.2`, `db.primary`, `db.replica.0`,
/// `db.shard.1.replica.0`.
pub(crate) fn instance_name(model: &Model, node: NodeIdx, replica: Option<u32>) -> String {
    let id = node_id(model, node);
    let Some(r) = replica else {
        return id.to_string();
    };
    match model.nodes.get(node).map(|n| &n.kind) {
        Some(NodeKind::Database(d)) => {
            let per = d.read_replicas.saturating_add(1);
            let (shard, k) = (r / per, r % per);
            let base = if shard == 0 {
                id.to_string()
            } else {
                format!("{id}.shard.{shard}")
            };
            if k == 0 {
                format!("{base}.primary")
            } else {
                format!("{base}.replica.{}", k - 1)
            }
        }
        _ => format!("{id}.replica.{r}"),
    }
}

/// One line for a command, as `check` and the window show it:
/// `crash api.replica.2`, `slow db ×4`, `set api.replicas = 6`.
pub fn command_text(model: &Model, command: &Command) -> String {
    let id = |n: NodeIdx| node_id(model, n).to_string();
    let workload = |w: usize| {
        model
            .workloads
            .get(w)
            .map_or_else(|| format!("workload {w}"), |x| x.name.clone())
    };
    match command {
        Command::Crash { node, replica } => {
            format!("crash {}", instance_name(model, *node, *replica))
        }
        Command::Recover { node, replica } => {
            format!("recover {}", instance_name(model, *node, *replica))
        }
        Command::SlowDown { node, factor } if *factor == 1.0 => {
            format!("{} back to normal speed", id(*node))
        }
        Command::SlowDown { node, factor } => format!("slow {} ×{}", id(*node), short(*factor)),
        Command::Partition { from, to, hang } => format!(
            "partition {} | {} ({})",
            id(*from),
            id(*to),
            if *hang {
                "requests hang"
            } else {
                "requests fail"
            }
        ),
        Command::Heal { from, to } => format!("heal {} | {}", id(*from), id(*to)),
        Command::FlushCache { node } => format!("flush {}", id(*node)),
        Command::SetRateFactor {
            workload: w,
            factor,
        } if *factor == 1.0 => {
            format!("{} back to its normal rate", workload(*w))
        }
        Command::SetRateFactor {
            workload: w,
            factor,
        } => {
            format!("spike {} ×{}", workload(*w), short(*factor))
        }
        other => {
            let (target, value) = set_target(model, other);
            let value = match other {
                Command::SetServiceTime { dist, .. } => dist.describe(),
                _ if value.starts_with('"') => value.trim_matches('"').to_string(),
                // Integers without their `_` separators.
                _ => value.replace('_', ""),
            };
            format!("set {target} = {value}")
        }
    }
}

fn node_id(model: &Model, n: NodeIdx) -> &str {
    model.nodes.get(n).map_or("?", |x| x.id.as_str())
}

fn node_ref(model: &Model, n: NodeIdx) -> String {
    string(node_id(model, n))
}

fn kv(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key} = {value}");
}

/// A quoted duration.
fn duration(t: SimTime) -> String {
    format!("\"{}\"", format_duration(t))
}

/// A quoted duration in seconds, exact to the last digit of the `f64`.
fn seconds(x: f64) -> String {
    format!("\"{}\"", format_seconds(x))
}

/// A distribution: a duration string for a constant, else a table.
fn dist(d: &Dist) -> String {
    dist_in(d, seconds, lognormal_mean_p99)
}

/// A distribution of sizes: a size string for a constant, else a table.
fn size(d: &Dist) -> String {
    let bytes = |x: f64| format!("\"{}\"", crate::scenario::bytes::format_bytes(x));
    dist_in(d, bytes, |mu, sigma| {
        let mean = (mu + sigma * sigma / 2.0).exp();
        let p99 = (mu + Z99 * sigma).exp();
        let (gm, gp) = (mean.round(), p99.round());
        if Dist::lognormal(gm, gp) == Ok(Dist::LogNormal { mu, sigma }) {
            (gm, gp)
        } else {
            (mean, p99)
        }
    })
}

/// A quoted bandwidth, `"10Gbps"`.
fn bandwidth(b: f64) -> String {
    format!("\"{}\"", crate::scenario::bytes::format_bandwidth(b))
}

/// A distribution whose values `seconds` writes (durations or sizes);
/// `mean_p99` gives a log-normal's parameters to write.
fn dist_in(
    d: &Dist,
    seconds: impl Fn(f64) -> String,
    mean_p99: fn(f64, f64) -> (f64, f64),
) -> String {
    match *d {
        Dist::Constant { value } => seconds(value),
        Dist::Exponential { mean } => {
            format!("{{ dist = \"exponential\", mean = {} }}", seconds(mean))
        }
        Dist::Uniform { min, max } => format!(
            "{{ dist = \"uniform\", min = {}, max = {} }}",
            seconds(min),
            seconds(max)
        ),
        Dist::LogNormal { mu, sigma } => {
            let (mean, p99) = mean_p99(mu, sigma);
            format!(
                "{{ dist = \"lognormal\", mean = {}, p99 = {} }}",
                seconds(mean),
                seconds(p99)
            )
        }
        Dist::Pareto { scale, shape } => format!(
            "{{ dist = \"pareto\", scale = {}, shape = {} }}",
            seconds(scale),
            num(shape)
        ),
    }
}

/// The mean and p99 (seconds) to write for a log-normal: whole
/// nanoseconds when they give back exactly this `(mu, sigma)` (always so
/// for one read from a file), else the computed values in full.
pub(crate) fn lognormal_mean_p99(mu: f64, sigma: f64) -> (f64, f64) {
    let mean = (mu + sigma * sigma / 2.0).exp();
    let p99 = (mu + Z99 * sigma).exp();
    let grid = |x: f64| SimTime::from_secs_f64(x).as_secs_f64();
    let (gm, gp) = (grid(mean), grid(p99));
    if Dist::lognormal(gm, gp) == Ok(Dist::LogNormal { mu, sigma }) {
        (gm, gp)
    } else {
        (mean, p99)
    }
}

/// A TOML number that reads back to exactly `x`: an integer when `x` is
/// a whole number below 2^53, else Rust's shortest round-trip form.
pub(crate) fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        format!("{x:.0}")
    } else {
        format!("{x:?}")
    }
}

/// A position coordinate: the shortest `f32` text when it reads back
/// (through `f64`, as the loader reads it) to the same `f32`.
fn float32(x: f32) -> String {
    let short = format!("{x:?}");
    if short.parse::<f64>().ok().map(|v| v as f32) == Some(x) {
        short
    } else {
        format!("{:?}", f64::from(x))
    }
}

/// An integer with `_` between thousands from 10 000 up (`100_000`).
fn int(n: u64) -> String {
    let digits = n.to_string();
    if n < 10_000 {
        return digits;
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('_');
        }
        out.push(c);
    }
    out
}

/// A number for people: at most three decimals, no trailing zeros.
fn short(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A TOML basic string (a multi-line one when `s` has line breaks), with
/// every character that needs it escaped.
pub(crate) fn string(s: &str) -> String {
    let multi = s.contains('\n');
    let mut out = String::with_capacity(s.len() + 2);
    out.push_str(if multi { "\"\"\"\n" } else { "\"" });
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if multi => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push_str(if multi { "\"\"\"" } else { "\"" });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    #[test]
    fn strings_are_escaped_and_read_back() {
        for s in [
            "plain",
            "with \"quotes\" and \\ backslash",
            "two\nlines\n",
            "\nstarts with a break",
            "tab\tand \u{7} bell, crlf\r\n end",
            "µs and emoji 🚀",
            "three quotes \"\"\" inside\n",
        ] {
            let text = format!("x = {}", string(s));
            let doc: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(doc.get("x").and_then(|v| v.as_str()), Some(s), "{text}");
        }
    }

    #[test]
    fn numbers_read_back_exactly() {
        for x in [
            0.0,
            1.0,
            2000.0,
            0.1,
            1e-7,
            123.456,
            1e20,
            0.1 + 0.2,
            5e-324,
        ] {
            let text = num(x);
            let doc: toml::Table =
                toml::from_str(&format!("x = {text}")).unwrap_or_else(|e| panic!("{text}: {e}"));
            let back = doc
                .get("x")
                .and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)));
            assert_eq!(back, Some(x), "{text}");
        }
        assert_eq!(int(1_000_000), "1_000_000");
        assert_eq!(int(9999), "9999");
        assert_eq!(int(12_345), "12_345");
    }

    #[test]
    fn any_reasonable_lognormal_reads_back_within_1e_9() {
        let mut worst: f64 = 0.0;
        for i in 0..200 {
            let mu = -12.0 + 0.07 * f64::from(i);
            let sigma = 0.01 + 0.0105 * f64::from(i);
            let (mean, p99) = lognormal_mean_p99(mu, sigma);
            let text = format!(
                "x = {{ dist = \"lognormal\", mean = {}, p99 = {} }}",
                seconds(mean),
                seconds(p99)
            );
            let back = crate::scenario::units::parse_seconds(&format_seconds(mean))
                .ok()
                .zip(crate::scenario::units::parse_seconds(&format_seconds(p99)).ok())
                .and_then(|(m, p)| Dist::lognormal(m, p).ok());
            let Some(Dist::LogNormal { mu: m2, sigma: s2 }) = back else {
                panic!("{text}")
            };
            worst = worst
                .max(((m2 - mu) / mu).abs())
                .max(((s2 - sigma) / sigma).abs());
        }
        assert!(worst < 1e-9, "worst relative error {worst}");
    }

    #[test]
    fn instances_are_named_like_the_event_syntax() {
        let text = "[scenario]\nname = \"i\"\n[[workload]]\nto = \"db\"\nrate = 1\n\
                    [[node]]\nid = \"db\"\nkind = \"database\"\nservice_time = \"1ms\"\nread_replicas = 2\nshards = 2\n";
        let m = load_str(text, "i.toml", &[]).expect("valid");
        let name = |r| instance_name(&m, 0, r);
        assert_eq!(name(None), "db");
        assert_eq!(name(Some(0)), "db.primary");
        assert_eq!(name(Some(2)), "db.replica.1");
        assert_eq!(name(Some(3)), "db.shard.1.primary");
        assert_eq!(name(Some(5)), "db.shard.1.replica.1");
    }
}
