//! What lies on the way to each node (a closed-loop source, a cache, a rate limiter, retries, hedges, timeouts, fallbacks, a breaker, a connection pool, a link with a bandwidth, a stream thinned or no longer Poisson, calls bringing their own work), found by following the model's edges.

use super::departures;
use super::why_not::Thinning;
use crate::sim::Model;
use crate::sim::model::{Arrival, Call, NodeIdx, NodeKind};

/// The first thing of each sort found on the way to a node (a workload's
/// name or a node index). Those marked "passes on" hold for everything
/// downstream too.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Path {
    /// A closed-loop workload feeds it (passes on).
    pub closed: Option<String>,
    /// A workload at evenly spaced gaps feeds it (passes on).
    pub regular: Option<String>,
    /// Behind this cache (passes on).
    pub cache: Option<NodeIdx>,
    /// Behind this rate limiter (passes on).
    pub limiter: Option<NodeIdx>,
    /// This node retries its calls on the way (passes on).
    pub retries: Option<NodeIdx>,
    /// This node hedges its calls on the way (passes on).
    pub hedges: Option<NodeIdx>,
    /// This node calls it as a fallback (passes on).
    pub fallback: Option<NodeIdx>,
    /// This node calls it with a timeout (this node only).
    pub call_timeout: Option<NodeIdx>,
    /// This node calls it through a circuit breaker (passes on).
    pub breaker: Option<NodeIdx>,
    /// This node calls it through a connection pool of this size per
    /// replica (passes on).
    pub pool: Option<(NodeIdx, u32)>,
    /// This node's calls reach it over a link with a bandwidth, its own
    /// or its zones' (passes on).
    pub bandwidth: Option<NodeIdx>,
    /// This node calls it with a `service_time` of the call's own (this
    /// node only, and through a load balancer to its service).
    pub call_work: Option<NodeIdx>,
    /// This node thins what it passes on (passes on).
    pub thinned: Option<(NodeIdx, Thinning)>,
    /// This node's departures are not Poisson, and why (passes on).
    pub not_poisson: Option<(NodeIdx, &'static str)>,
}

impl Path {
    /// What a node downstream inherits from this one.
    fn passed_on(&self) -> Path {
        Path {
            call_timeout: None,
            call_work: None,
            ..self.clone()
        }
    }

    /// Fills what is still unknown from `other`; true if anything changed.
    fn absorb(&mut self, other: &Path) -> bool {
        fn take<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) -> bool {
            if mine.is_none() && theirs.is_some() {
                mine.clone_from(theirs);
                true
            } else {
                false
            }
        }
        let mut changed = take(&mut self.closed, &other.closed);
        changed |= take(&mut self.regular, &other.regular);
        changed |= take(&mut self.cache, &other.cache);
        changed |= take(&mut self.limiter, &other.limiter);
        changed |= take(&mut self.retries, &other.retries);
        changed |= take(&mut self.hedges, &other.hedges);
        changed |= take(&mut self.fallback, &other.fallback);
        changed |= take(&mut self.call_timeout, &other.call_timeout);
        changed |= take(&mut self.breaker, &other.breaker);
        changed |= take(&mut self.pool, &other.pool);
        changed |= take(&mut self.bandwidth, &other.bandwidth);
        changed |= take(&mut self.call_work, &other.call_work);
        changed |= take(&mut self.thinned, &other.thinned);
        changed |= take(&mut self.not_poisson, &other.not_poisson);
        changed
    }
}

/// One `Path` per node, in model order, with `rates` the requests per
/// second reaching each node: propagated along the edges until nothing
/// changes (each field is set at most once, so this ends even around a
/// loop).
pub fn conditions(model: &Model, rates: &[f64]) -> Vec<Path> {
    let mut paths = vec![Path::default(); model.nodes.len()];
    for w in &model.workloads {
        let Some(p) = paths.get_mut(w.to) else {
            continue;
        };
        match w.arrival {
            Arrival::Closed { .. } => p.closed.get_or_insert_with(|| w.name.clone()),
            Arrival::Constant { .. } => p.regular.get_or_insert_with(|| w.name.clone()),
            Arrival::Poisson { .. } => continue,
        };
    }
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..model.nodes.len() {
            let rate = rates.get(i).copied().unwrap_or(0.0);
            for (to, edge) in out_edges(model, i, &paths[i], rate) {
                if let Some(p) = paths.get_mut(to) {
                    changed |= p.absorb(&edge);
                }
            }
        }
    }
    paths
}

/// What everything node `i` (fed at `rate`) sends to learns from it: what
/// lay before it, and how it thins its stream or makes it not Poisson.
fn sent_on(model: &Model, i: NodeIdx, here: &Path, rate: f64) -> Path {
    let mut p = here.passed_on();
    if p.thinned.is_none() {
        p.thinned = departures::thinning(model, i).map(|t| (i, t));
    }
    if p.not_poisson.is_none() {
        let cause = match here.call_work {
            Some(_) => Some("its callers bring their own work"),
            None => departures::not_poisson(model, i, rate),
        };
        p.not_poisson = cause.map(|c| (i, c));
    }
    p
}

/// Each node `i` sends to, with what the receiver learns on the way.
fn out_edges(model: &Model, i: NodeIdx, here: &Path, rate: f64) -> Vec<(NodeIdx, Path)> {
    let inherited = sent_on(model, i, here, rate);
    match &model.nodes[i].kind {
        NodeKind::LoadBalancer(lb) => {
            let mut p = inherited;
            p.call_work = here.call_work;
            vec![(lb.to, p)]
        }
        NodeKind::Service(s) => {
            let mut out = call_edges(model, i, &s.calls, &inherited);
            out.extend(s.forward.iter().map(|r| (r.to, inherited.clone())));
            out
        }
        NodeKind::Queue(q) => call_edges(model, i, &q.calls, &inherited),
        NodeKind::Cache(c) => c
            .on_miss
            .map(|to| {
                let mut p = inherited;
                p.cache.get_or_insert(i);
                (to, p)
            })
            .into_iter()
            .collect(),
        NodeKind::RateLimiter(r) => {
            let mut p = inherited;
            p.limiter.get_or_insert(i);
            vec![(r.to, p)]
        }
        NodeKind::Topic(t) => t
            .subscribers
            .iter()
            .map(|&q| (q, inherited.clone()))
            .collect(),
        NodeKind::Database(_) | NodeKind::External(_) => Vec::new(),
    }
}

/// The callees (and fallbacks) of node `i`'s calls.
fn call_edges(model: &Model, i: NodeIdx, calls: &[Call], inherited: &Path) -> Vec<(NodeIdx, Path)> {
    let mut out = Vec::new();
    for c in calls {
        let mut p = inherited.clone();
        call_policy(model, i, c, &mut p);
        if c.policy.retry.is_some_and(|r| r.max_attempts > 1) {
            p.retries.get_or_insert(i);
        }
        if c.fan.hedge.is_some() {
            p.hedges.get_or_insert(i);
        }
        if c.policy.timeout.is_some() {
            p.call_timeout.get_or_insert(i);
        }
        if c.service_time.is_some() {
            p.call_work.get_or_insert(i);
        }
        if let Some(cause) = departures::call_cause(c) {
            p.not_poisson.get_or_insert((i, cause));
        }
        if let Some(f) = c.fallback {
            let mut fp = p.clone();
            fp.fallback.get_or_insert(i);
            fp.call_work = None;
            out.push((f, fp));
        }
        out.push((c.to, p));
    }
    out
}

/// What call `c` of node `i` does to the stream its callee gets: a
/// breaker's refusals never arrive, a pool lets only so many through at
/// once, a link with a bandwidth queues the requests first.
fn call_policy(model: &Model, i: NodeIdx, c: &Call, p: &mut Path) {
    if c.policy.breaker.is_some() {
        p.breaker.get_or_insert(i);
    }
    if let Some(pool) = c.policy.pool {
        p.pool.get_or_insert((i, pool.size));
    }
    if departures::has_bandwidth(model, i, c) {
        p.bandwidth.get_or_insert(i);
    }
}
