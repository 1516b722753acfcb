//! Where the p99 goes: `traces.json` (Chrome trace-event format, for Perfetto and chrome://tracing) and `p99_by_hop` (summary.json and the terminal) from the sampled requests' spans.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::report::RunInfo;
use crate::sim::Model;
use crate::sim::metrics::FailureCause;
use crate::sim::spans::{Phase, RequestSpans, SpanReport, attribute};
use crate::sim::time::SimTime;

/// Nanoseconds as trace-event microseconds (exact: ns / 1000 correctly
/// rounded prints back as the decimal it is).
fn us(t: SimTime) -> f64 {
    t.0 as f64 / 1000.0
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// `ok`, or the failure's cause.
pub fn outcome_name(o: Result<(), FailureCause>) -> &'static str {
    match o {
        Ok(()) => "ok",
        Err(FailureCause::Rejected | FailureCause::Limited) => "rejected",
        Err(FailureCause::TimedOut) => "timed_out",
        Err(FailureCause::Dropped) => "dropped",
        Err(FailureCause::Error) => "error",
        Err(FailureCause::Shed) => "shed",
    }
}

/// The slowest 1 % of the sampled requests (at least one), slowest first.
pub fn tail(report: &SpanReport) -> &[RequestSpans] {
    let n = (report.sampled as usize).div_ceil(100).max(1);
    &report.slowest[..n.min(report.slowest.len())]
}

/// Per node id (in model order; `None` for time no hop holds), the
/// nanoseconds per phase summed over `reqs`.
type ByNode = Vec<(Option<usize>, [u64; Phase::ALL.len()])>;

fn by_node(reqs: &[RequestSpans]) -> ByNode {
    let mut sums: BTreeMap<Option<usize>, [u64; Phase::ALL.len()]> = BTreeMap::new();
    for r in reqs {
        for ((hop, phase), ns) in attribute(r) {
            let node = hop.map(|h| r.hops[h as usize].node);
            let i = Phase::ALL.iter().position(|&p| p == phase).unwrap_or(0);
            sums.entry(node).or_default()[i] += ns;
        }
    }
    // Nodes first, in model order; the remainder last.
    let mut v: ByNode = sums.into_iter().collect();
    v.sort_by_key(|(n, _)| n.map_or(usize::MAX, |i| i));
    v
}

/// `summary.json`'s `p99_by_hop`.
pub fn p99_by_hop(report: &SpanReport, model: &Model) -> Value {
    let t = tail(report);
    let n = t.len().max(1) as f64;
    let mut nodes = serde_json::Map::new();
    let mut other = 0.0;
    for (node, sums) in by_node(t) {
        let Some(i) = node else {
            other = ms(sums.iter().sum()) / n;
            continue;
        };
        let mut o = serde_json::Map::new();
        for (p, ns) in Phase::ALL.iter().zip(sums) {
            o.insert(p.name().into(), json!(ms(ns) / n));
        }
        o.insert("total".into(), json!(ms(sums.iter().sum()) / n));
        let id = model.nodes.get(i).map_or("?", |x| x.id.as_str());
        nodes.insert(id.into(), Value::Object(o));
    }
    let lat: Vec<u64> = t.iter().map(|r| r.latency().0).collect();
    json!({
        "one_in": report.config.map_or(0, |c| c.one_in),
        "sampled": report.sampled,
        "truncated": report.truncated,
        "requests": t.len(),
        "latency_from_ms": lat.iter().min().map(|&x| ms(x)),
        "mean_latency_ms": (!lat.is_empty()).then(|| ms(lat.iter().sum()) / n),
        "other_ms": other,
        "nodes": nodes,
    })
}

/// The terminal section: one line per node, ms per request by phase.
pub fn table(report: &SpanReport, model: &Model) -> String {
    let t = tail(report);
    let mut out = String::new();
    if t.is_empty() {
        let _ = writeln!(out, "\nwhere the p99 goes: no sampled request finished");
        return out;
    }
    let n = t.len() as f64;
    let mean = ms(t.iter().map(|r| r.latency().0).sum()) / n;
    let _ = writeln!(
        out,
        "\nwhere the p99 goes: the slowest {} of {} sampled requests (1 in {}), mean {mean:.2} ms, ms each",
        t.len(),
        report.sampled,
        report.config.map_or(0, |c| c.one_in)
    );
    let _ = write!(out, "  {:<16}", "node");
    for p in Phase::ALL {
        let _ = write!(out, " {:>8}", p.name());
    }
    let _ = writeln!(out, " {:>8}", "total");
    for (node, sums) in by_node(t) {
        let id = node.map_or("(no hop)", |i| model.nodes.get(i).map_or("?", |x| &x.id));
        let _ = write!(out, "  {id:<16}");
        for ns in sums {
            let _ = write!(out, " {:>8.2}", ms(ns) / n);
        }
        let _ = writeln!(out, " {:>8.2}", ms(sums.iter().sum()) / n);
    }
    out
}

/// An interval [start, end) in ns on one lane.
type Iv = (u64, u64);

/// `iv` nests with every interval of the lane (disjoint or one inside the other).
fn fits(lane: &[Iv], iv: Iv) -> bool {
    lane.iter().all(|&(a, b)| {
        b <= iv.0 || iv.1 <= a || (a <= iv.0 && iv.1 <= b) || (iv.0 <= a && b <= iv.1)
    })
}

/// A lane (trace-event thread) per hop such that each lane's events nest:
/// a hop with its phase segments goes on the first lane it nests in.
fn lanes(r: &RequestSpans) -> Vec<usize> {
    let mut order: Vec<usize> = (0..r.hops.len()).collect();
    order.sort_by_key(|&h| (r.hops[h].start, std::cmp::Reverse(r.hops[h].end), h));
    let mut lanes: Vec<Vec<Iv>> = vec![vec![(r.created.0, r.end.0)]];
    let mut of = vec![0; r.hops.len()];
    for h in order {
        let hop = &r.hops[h];
        let mut ivs = vec![(hop.start.0, hop.end.0)];
        ivs.extend(
            r.segments
                .iter()
                .filter(|s| s.hop as usize == h)
                .map(|s| (s.start.0, s.end.0)),
        );
        let lane = (0..lanes.len())
            .find(|&l| ivs.iter().all(|&iv| fits(&lanes[l], iv)))
            .unwrap_or_else(|| {
                lanes.push(Vec::new());
                lanes.len() - 1
            });
        lanes[lane].extend(ivs);
        of[h] = lane;
    }
    of
}

/// One "X" (complete) event.
fn complete(
    name: &str,
    cat: &str,
    (start, end): (SimTime, SimTime),
    (pid, tid): (usize, usize),
    args: Value,
) -> Value {
    json!({
        "name": name, "cat": cat, "ph": "X",
        "ts": us(start), "dur": us(end.saturating_sub(start)),
        "pid": pid, "tid": tid, "args": args,
    })
}

/// One request's events: its process name, the request, each hop (with
/// its own time by phase in `self_us`) and each phase segment.
fn request_events(r: &RequestSpans, rank: usize, model: &Model, out: &mut Vec<Value>) {
    let pid = rank + 1;
    let kind = r.kind.name();
    let outcome = outcome_name(r.outcome);
    let lat = ms(r.latency().0);
    let label = format!("#{pid} request {} {kind} {outcome} {lat:.3} ms", r.id);
    out.push(
        json!({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": label}}),
    );
    out.push(json!({"name": "process_sort_index", "ph": "M", "pid": pid, "tid": 0, "args": {"sort_index": rank}}));
    let base = json!({"request": r.id, "type": kind, "outcome": outcome});
    let split = attribute(r);
    let mut args = base.clone();
    args["other_us"] = json!(us(SimTime(
        split.get(&(None, Phase::Other)).copied().unwrap_or(0)
    )));
    out.push(complete(
        "request",
        "request",
        (r.created, r.end),
        (pid, 1),
        args,
    ));
    let lane = lanes(r);
    let node = |h: u32| {
        model
            .nodes
            .get(r.hops[h as usize].node)
            .map_or("?", |n| n.id.as_str())
    };
    for (h, hop) in r.hops.iter().enumerate() {
        let mut own = serde_json::Map::new();
        for ((_, p), ns) in
            split.range((Some(h as u32), Phase::Queue)..=(Some(h as u32), Phase::Other))
        {
            own.insert(p.name().into(), json!(us(SimTime(*ns))));
        }
        let mut args = base.clone();
        args["depth"] = json!(hop.depth);
        args["abandoned"] = json!(hop.abandoned);
        args["self_us"] = Value::Object(own);
        out.push(complete(
            node(h as u32),
            "hop",
            (hop.start, hop.end),
            (pid, lane[h] + 1),
            args,
        ));
    }
    for s in &r.segments {
        let tid = lane[s.hop as usize] + 1;
        out.push(complete(
            node(s.hop),
            s.phase.name(),
            (s.start, s.end),
            (pid, tid),
            base.clone(),
        ));
    }
}

/// The text of `traces.json`.
pub fn traces_json(report: &SpanReport, model: &Model, info: &RunInfo) -> String {
    let mut events = Vec::new();
    for (rank, r) in report.slowest.iter().enumerate() {
        request_events(r, rank, model, &mut events);
    }
    let v = json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "loadlab_version": crate::VERSION,
            "scenario": info.scenario,
            "seed": info.seed,
            "one_in": report.config.map_or(0, |c| c.one_in),
            "sampled": report.sampled,
            "kept": report.slowest.len(),
        },
    });
    let mut text = serde_json::to_string(&v).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}
