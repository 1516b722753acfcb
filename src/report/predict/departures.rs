//! What a node passes on downstream: a stream thinned by its bounded line, timeout or shedding, or departures that are not Poisson (Burke: only an M/M/c FIFO station with Poisson arrivals and an unbounded line, an infinite server, a load balancer or a topic passes a Poisson stream on).

use super::station::{arrival_scv, bounded_line};
use super::why_not::Thinning;
use crate::sim::Model;
use crate::sim::dist::Dist;
use crate::sim::model::{Call, NodeIdx, NodeKind, ServiceSpec};

/// A caller whose workers are all busy at once with a chance below this
/// is an infinite server (no request ever waits for a worker).
const NEVER: f64 = 1e-9;

/// How node `i` thins what it passes on: requests its bounded line turns
/// away, its own timeout abandons or its line sheds are not sent on.
pub fn thinning(model: &Model, i: NodeIdx) -> Option<Thinning> {
    match &model.nodes[i].kind {
        NodeKind::Service(s) if bounded_line(s.queue, s.workers).is_some() => {
            Some(Thinning::BoundedLine)
        }
        NodeKind::Service(s) if s.timeout.is_some() => Some(Thinning::Timeout),
        NodeKind::Service(s) if s.line.as_ref().is_some_and(|l| !l.shed.is_empty()) => {
            Some(Thinning::Shedding)
        }
        NodeKind::Queue(q) => bounded_line(q.capacity, q.consumers).map(|_| Thinning::BoundedLine),
        _ => None,
    }
}

/// Why node `i`, fed a Poisson stream at `rate` requests per second,
/// does not send a Poisson stream on (to its calls and forwards), if so.
pub fn not_poisson(model: &Model, i: NodeIdx, rate: f64) -> Option<&'static str> {
    match &model.nodes[i].kind {
        NodeKind::Service(s) if s.autoscale.is_some() => Some("it autoscales"),
        NodeKind::Service(s) if infinite_server(model, i, s, rate) => None,
        NodeKind::Service(s) if !s.calls.is_empty() => {
            Some("its workers are held while it waits on its calls")
        }
        NodeKind::Service(s) => station_cause(model, i, s),
        NodeKind::Queue(q) if q.visibility_timeout.is_some() => {
            Some("its messages may be delivered again")
        }
        NodeKind::Queue(_) => Some("its consumers are held while they wait on their calls"),
        _ => None,
    }
}

/// Why a service without calls is not an M/M/c FIFO station fed Poisson
/// arrivals at each replica (whose departures are Poisson), if so.
fn station_cause(model: &Model, i: NodeIdx, s: &ServiceSpec) -> Option<&'static str> {
    if s.line.as_ref().is_some_and(|l| !l.priority.is_empty()) {
        return Some("it serves by priority");
    }
    if arrival_scv(model, i, s.replicas.max(1)) < 1.0 {
        return Some("its replicas take arrivals in turn");
    }
    match s.service_time {
        Dist::Exponential { .. } => None,
        Dist::Constant { .. } => Some("constant service time"),
        _ => Some("its service time is not exponential"),
    }
}

/// Why a call sends its callee a stream that is not Poisson even from a
/// caller that passes one on, if so: several calls per visit.
pub fn call_cause(c: &Call) -> Option<&'static str> {
    (c.fan.hedge.is_none() && !c.fan.is_once()).then_some("it calls several times per visit")
}

/// A service no request waits at in practice: its calls and forwards go
/// out at its own-work completions (plus independent delays), those of an
/// M/G/∞, which are Poisson. The busy workers of an infinite server are
/// Poisson with mean λ·E[hold]; with an upper bound on the mean hold
/// ([`hold_bound`]), the chance all of a replica's workers are busy at
/// once is below [`NEVER`].
fn infinite_server(model: &Model, i: NodeIdx, s: &ServiceSpec, rate: f64) -> bool {
    if s.timeout.is_some() {
        return false;
    }
    let Some(hold) = hold_bound(model, i, s) else {
        return false;
    };
    let per_replica = rate / f64::from(s.replicas.max(1));
    all_busy_chance(per_replica * hold, s.workers) < NEVER
}

/// An upper bound on the mean time a worker is held per visit (seconds):
/// its own work, then each call's link both ways and the callee's answer,
/// once per call, with no fallback, breaker, pool or link bandwidth
/// ([`shapes_calls`]), when every callee answers without
/// a line (a queue with room for everything, an external service without
/// limits) but the last call's, which may wait in a bounded line when
/// nothing is forwarded after it (a refusal there ends nothing else);
/// `None` otherwise.
fn hold_bound(model: &Model, i: NodeIdx, s: &ServiceSpec) -> Option<f64> {
    let mut hold = s.service_time.mean();
    let zones = model
        .zone_links
        .iter()
        .map(|z| 2.0 * z.latency.mean())
        .fold(0.0, f64::max);
    for (n, c) in s.calls.iter().enumerate() {
        if !c.fan.is_once() || c.fallback.is_some() || shapes_calls(model, i, c) {
            return None;
        }
        let last = n + 1 == s.calls.len() && s.forward.is_empty();
        hold += c.latency.map_or(zones, |d| 2.0 * d.mean());
        hold += match &model.nodes.get(c.to)?.kind {
            NodeKind::Queue(q) if bounded_line(q.capacity, q.consumers).is_none() => 0.0,
            NodeKind::External(e) if e.rate_limit.is_none() && e.concurrency.is_none() => {
                e.latency.mean()
            }
            kind if last => longest_mean_stay(kind)?,
            _ => return None,
        };
    }
    hold.is_finite().then_some(hold)
}

/// Whether call `c` of a service goes through a breaker (its refusals end
/// the visit early), a connection pool (a wait for a connection) or a
/// link with a bandwidth (a wait on the link): a hold no bound here covers.
fn shapes_calls(model: &Model, i: NodeIdx, c: &Call) -> bool {
    c.policy.breaker.is_some() || c.policy.pool.is_some() || has_bandwidth(model, i, c)
}

/// Whether call `c` of node `i` crosses a link with a bandwidth: its own
/// (`bandwidth`) or its zones' (`[[zone_link]]`), a FIFO server per way.
pub fn has_bandwidth(model: &Model, i: NodeIdx, c: &Call) -> bool {
    c.payload.is_some_and(|p| p.bandwidth.is_some())
        || model
            .zone_link(i, c.to)
            .is_some_and(|l| l.bandwidth.is_some())
}

/// An upper bound on the mean time an admitted request spends at a FIFO
/// station of exponential service (mean s) and a bounded line of q before
/// c workers: at most q·s/c in line, then s. A service that calls or
/// forwards holds its caller until the nodes after it answer: no bound.
fn longest_mean_stay(kind: &NodeKind) -> Option<f64> {
    let (workers, queue, dist) = match kind {
        NodeKind::Service(v) if v.calls.is_empty() && v.forward.is_empty() && v.line.is_none() => {
            (v.workers, v.queue, &v.service_time)
        }
        NodeKind::Database(d) if d.shards <= 1 && d.read_replicas == 0 => {
            if d.write_service_time.is_some() {
                return None;
            }
            (d.workers, d.queue, &d.service_time)
        }
        _ => return None,
    };
    let q = bounded_line(queue, workers)?;
    let s = dist.mean();
    matches!(dist, Dist::Exponential { .. })
        .then(|| f64::from(q) * s / f64::from(workers.max(1)) + s)
}

/// P(N ≥ c) for N Poisson with mean `a` (the busy workers of an infinite
/// server offered `a` erlangs): P(N = c) times a geometric series of
/// ratio a / (c + 1), which bounds the tail.
fn all_busy_chance(a: f64, c: u32) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    let cf = f64::from(c);
    if a >= cf {
        return 1.0;
    }
    let ln_factorial: f64 = (2..=c).map(|k| f64::from(k).ln()).sum();
    let at_c = (-a + cf * a.ln() - ln_factorial).exp();
    at_c / (1.0 - a / (cf + 1.0))
}
