//! `summary.json`: the documented, stable keys of a run's results (see docs/output-format.md).

use serde_json::{Map, Value, json};

use crate::report::RunInfo;
use crate::report::account::Happening;
use crate::report::objective_figures::error_rate_excluding_limited;
use crate::report::objectives::ObjectiveResult;
use crate::sim::Summary;
use crate::sim::metrics::{GroupSummary, LatencyStats, SystemCounts};

/// A finite number, or JSON `null` (never NaN or infinity).
fn num(x: Option<f64>) -> Value {
    match x {
        Some(v) if v.is_finite() => json!(v),
        _ => Value::Null,
    }
}

fn latency(l: &LatencyStats) -> Value {
    json!({
        "count": l.count,
        "mean": num(l.mean_ms),
        "p50": num(l.p50_ms),
        "p95": num(l.p95_ms),
        "p99": num(l.p99_ms),
        "p999": num(l.p999_ms),
        "max": num(l.max_ms),
    })
}

/// The whole summary as a JSON value; keys keep this order.
pub fn to_json(info: &RunInfo, s: &Summary, objectives: &[ObjectiveResult]) -> Value {
    let mut nodes = Map::new();
    for n in &s.nodes {
        let c = &n.counts;
        let mut m = Map::new();
        m.insert("kind".into(), json!(n.kind));
        m.insert("arrived".into(), json!(c.arrived));
        m.insert("completed".into(), json!(c.completed));
        m.insert("rejected".into(), json!(c.rejected));
        m.insert("timed_out".into(), json!(c.timed_out));
        m.insert("failed_downstream".into(), json!(c.failed_downstream));
        m.insert(
            "throughput_rps".into(),
            num(Some(c.completed as f64 / s.measured.as_secs_f64())),
        );
        m.insert("utilisation".into(), num(n.utilisation));
        m.insert("mean_queue_len".into(), num(n.mean_queue_len));
        m.insert("mean_in_node".into(), num(Some(n.mean_present)));
        m.insert("mean_wait_ms".into(), num(n.mean_wait_ms));
        m.insert("mean_sojourn_ms".into(), num(n.sojourn.mean_ms));
        m.insert("p50_sojourn_ms".into(), num(n.sojourn.p50_ms));
        m.insert("p95_sojourn_ms".into(), num(n.sojourn.p95_ms));
        m.insert("p99_sojourn_ms".into(), num(n.sojourn.p99_ms));
        if n.kind == "cache" {
            m.insert("hit_ratio".into(), num(n.hit_ratio));
            m.insert("hits".into(), json!(c.hits));
            m.insert("misses".into(), json!(c.misses));
        }
        m.insert(
            "replicas".into(),
            n.replicas.map_or(Value::Null, |r| json!(r)),
        );
        m.insert(
            "workers".into(),
            n.workers.map_or(Value::Null, |w| json!(w)),
        );
        m.insert("cost_per_hour".into(), num(Some(n.cost_per_hour)));
        // Keys added later (see docs/output-format.md): counters every
        // node has, then the kind-specific ones.
        m.insert("errors".into(), json!(c.errors));
        m.insert("retries".into(), json!(c.retries));
        m.insert("failed_after_retries".into(), json!(c.gave_up));
        m.insert("short_circuited".into(), json!(c.short_circuited));
        m.insert("call_timeouts".into(), json!(c.call_timeouts));
        m.insert("acquire_timeouts".into(), json!(c.acquire_timeouts));
        if n.workers.is_some() {
            m.insert(
                "waiting".into(),
                n.waiting.map_or(Value::Null, |w| json!(w)),
            );
            m.insert("mean_waiting_ms".into(), num(n.mean_waiting_ms));
            m.insert("oldest_waiting_ms".into(), num(n.oldest_waiting_ms));
            m.insert(
                "replica_utilisation".into(),
                Value::Array(n.replica_utilisation.iter().map(|u| num(*u)).collect()),
            );
        }
        if !n.breakers.is_empty() {
            let list = n
                .breakers
                .iter()
                .map(|(to, state, trips)| json!({ "to": to, "state": state, "trips": trips }))
                .collect();
            m.insert("breakers".into(), Value::Array(list));
        }
        match n.kind {
            "cache" | "cdn" => {
                if n.kind == "cdn" {
                    m.insert("hit_ratio".into(), num(n.hit_ratio));
                    m.insert("hits".into(), json!(c.hits));
                    m.insert("misses".into(), json!(c.misses));
                }
                m.insert("coalesced".into(), json!(c.coalesced));
                m.insert("stale_reads".into(), json!(c.stale_reads));
            }
            "database" => {
                m.insert("stale_reads".into(), json!(c.stale_reads));
            }
            "service" => {
                m.insert("shed".into(), json!(c.shed));
            }
            "external" => {
                m.insert("error_responses".into(), json!(c.error_responses));
                m.insert("throttled".into(), json!(c.throttled));
                m.insert("over_concurrency".into(), json!(c.over_concurrency));
            }
            "queue" => {
                m.insert("processed".into(), json!(c.processed));
                m.insert("redelivered".into(), json!(c.redelivered));
                m.insert("dead_lettered".into(), json!(c.dead_lettered));
                m.insert(
                    "backlog".into(),
                    n.backlog.map_or(Value::Null, |b| json!(b)),
                );
                m.insert("oldest_message_ms".into(), num(n.oldest_message_ms));
                m.insert(
                    "processing_ms".into(),
                    latency(&n.processing.unwrap_or_default()),
                );
                if let Some(h) = n.hops_exceeded {
                    m.insert("hops_exceeded".into(), json!(h));
                }
            }
            _ => {}
        }
        if let Some((taken, failed)) = n.fallbacks {
            m.insert("fallbacks".into(), json!(taken));
            m.insert("fallbacks_failed".into(), json!(failed));
        }
        if let Some(d) = n.data_at_risk {
            m.insert("data_at_risk".into(), json!(d));
            m.insert("data_lost".into(), json!(c.data_lost));
            m.insert("flushes_failed".into(), json!(c.flushes_failed));
        }
        m.insert("down".into(), json!(n.down));
        nodes.insert(n.id.clone(), Value::Object(m));
    }
    let objectives: Vec<Value> = objectives
        .iter()
        .map(|o| {
            let mut v = json!({
                "metric": o.metric.name(),
                "bound": o.bound,
                "target": num(Some(o.target)),
                "value": num(o.value),
                "pass": o.pass,
            });
            if let (Some(of), Value::Object(m)) = (&o.of, &mut v) {
                m.insert(of.field().into(), json!(of.name()));
            }
            v
        })
        .collect();
    let scale_events: Vec<Value> = s
        .scale_events
        .iter()
        .map(|e| {
            json!({
                "at_s": e.at.as_secs_f64(),
                "node": s.nodes.get(e.node).map_or("", |n| n.id.as_str()),
                "from": e.from,
                "to": e.to,
                "observed": num(Some(e.observed)),
            })
        })
        .collect();
    let c = &s.counts;
    let mut top = json!({
        "loadlab_version": crate::VERSION,
        "scenario": info.scenario,
        "scenario_file": info.scenario_file,
        "seed": info.seed,
        "overrides": info.overrides,
        "duration_s": info.duration.as_secs_f64(),
        "simulated_s": s.now.as_secs_f64(),
        "warmup_s": s.warmup.as_secs_f64(),
        "measured_s": s.measured.as_secs_f64(),
        "arrived": c.arrived,
        "completed": c.completed,
        "failed": c.failed(),
        "rejected": c.rejected,
        "timed_out": c.timed_out,
        "dropped": c.dropped,
        "errored": c.errored,
        "shed": c.shed,
        "in_flight": s.in_flight,
        "dead_lettered": s.dead_lettered,
        "data_lost": s.data_lost,
        "lost_after_ack": s.lost_after_ack(),
        "throughput_rps": num(Some(s.throughput_rps)),
        "error_rate": num(s.error_rate),
        "latency_ms": latency(&s.latency),
        "cost_per_hour": num(Some(s.cost_per_hour)),
        "objectives": objectives,
        "stopped_early": s.stopped.as_ref().map_or(Value::Null, |r| json!(r)),
        "scale_events": scale_events,
        "nodes": Value::Object(nodes),
    });
    // Keys added later, only when the scenario has what they describe (a
    // file without classes and with one workload is written as before).
    let limiters = s.nodes.iter().any(|n| n.kind == "rate_limiter");
    if let Value::Object(m) = &mut top {
        if !s.classes.is_empty() {
            m.insert("classes".into(), groups(&s.classes, limiters));
        }
        if !s.workloads.is_empty() {
            m.insert("workloads".into(), groups(&s.workloads, limiters));
        }
        if limiters {
            limited(m, c);
        }
        if let Some(t) = &s.transfer {
            m.insert("bytes_from_users".into(), json!(t.bytes_from_users));
            m.insert("bytes_to_users".into(), json!(t.bytes_to_users));
            m.insert("link_bytes".into(), json!(t.link_bytes));
            m.insert("egress_bytes".into(), json!(t.egress_bytes));
            m.insert("egress_cost".into(), num(Some(t.egress_cost)));
            let per_hour = t.egress_cost_per_hour;
            m.insert("egress_cost_per_hour".into(), num(Some(per_hour)));
            let total = s.total_cost_per_hour();
            m.insert("total_cost_per_hour".into(), num(Some(total)));
        }
    }
    top
}

/// With a rate limiter in the design: what the limiters refused, and the
/// error rate without those refusals.
fn limited(m: &mut Map<String, Value>, c: &SystemCounts) {
    m.insert("limited".into(), json!(c.limited));
    m.insert(
        "error_rate_excluding_limited".into(),
        num(error_rate_excluding_limited(c)),
    );
}

/// Per-class or per-workload figures, by name (`limited` keys when the
/// design has a rate limiter).
fn groups(list: &[GroupSummary], limiters: bool) -> Value {
    let mut out = Map::new();
    for g in list {
        let c = &g.counts;
        let mut m = Map::new();
        if let Some(op) = g.op {
            m.insert("op".into(), json!(op.name()));
        }
        m.insert("arrived".into(), json!(c.arrived));
        m.insert("completed".into(), json!(c.completed));
        m.insert("failed".into(), json!(c.failed()));
        m.insert("rejected".into(), json!(c.rejected));
        m.insert("timed_out".into(), json!(c.timed_out));
        m.insert("dropped".into(), json!(c.dropped));
        m.insert("errored".into(), json!(c.errored));
        m.insert("shed".into(), json!(c.shed));
        m.insert("throughput_rps".into(), num(Some(g.throughput_rps)));
        m.insert("error_rate".into(), num(g.error_rate));
        m.insert("latency_ms".into(), latency(&g.latency));
        if limiters {
            limited(&mut m, c);
        }
        out.insert(g.name.clone(), Value::Object(m));
    }
    Value::Object(out)
}

/// The account of what happened as the `what_happened` list.
pub fn what_happened(happened: &[Happening]) -> Value {
    happened
        .iter()
        .map(|h| {
            json!({
                "at_s": h.at.as_secs_f64(),
                "kind": h.kind.name(),
                "nodes": h.nodes,
                "text": h.text,
            })
        })
        .collect()
}

/// Pretty-printed, with a final newline.
pub fn to_string(info: &RunInfo, s: &Summary, objectives: &[ObjectiveResult]) -> String {
    pretty(&to_json(info, s, objectives))
}

/// `v` pretty-printed, with a final newline.
pub fn pretty(v: &Value) -> String {
    let mut text = serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}
