//! Which request types reach which nodes along a design's edges, as its calls' and routes' `when` and `op` let them.

use crate::sim::Model;
use crate::sim::model::{Call, ClassIdx, Node, NodeIdx, NodeKind, RequestKind};

/// Requests of one type (and class) at one node.
pub type Flow = (NodeIdx, RequestKind, Option<ClassIdx>);

/// The requests the workloads bring, at the nodes they enter.
pub fn entries(model: &Model) -> Vec<Flow> {
    let mut out = Vec::new();
    for w in &model.workloads {
        if w.classes.is_empty() {
            if w.read_fraction > 0.0 {
                out.push((w.to, RequestKind::Read, None));
            }
            if w.read_fraction < 1.0 {
                out.push((w.to, RequestKind::Write, None));
            }
        }
        for &(c, share) in &w.classes {
            if let Some(class) = model.classes.get(c as usize)
                && share > 0.0
            {
                out.push((w.to, class.op, Some(c)));
            }
        }
    }
    out
}

/// Where all of `flow`'s requests go next: each call and route whose
/// `when` matches (a call's `op` sets the type it sends; a route taken by
/// a share `p` is left out), a fallback, a miss, a balancer's or a
/// limiter's target, a topic's subscribers.
pub fn next(model: &Model, (n, kind, class): Flow) -> Vec<Flow> {
    let Some(node) = model.nodes.get(n) else {
        return Vec::new();
    };
    let same = |to: NodeIdx| (to, kind, class);
    match &node.kind {
        NodeKind::LoadBalancer(lb) => vec![same(lb.to)],
        NodeKind::RateLimiter(r) => vec![same(r.to)],
        NodeKind::Cache(c) => c.on_miss.into_iter().map(same).collect(),
        NodeKind::Topic(t) => t.subscribers.iter().copied().map(same).collect(),
        NodeKind::Service(s) => {
            let mut out = called(&s.calls, kind, class);
            // A route taken by a share `p` carries only part of a type.
            let routes = (s.forward.iter()).filter(|r| r.matches(kind, class) && r.p.is_none());
            out.extend(routes.map(|r| same(r.to)));
            out
        }
        NodeKind::Queue(q) => called(&q.calls, kind, class),
        NodeKind::Database(_) | NodeKind::External(_) => Vec::new(),
    }
}

fn called(calls: &[Call], kind: RequestKind, class: Option<ClassIdx>) -> Vec<Flow> {
    let fires = calls
        .iter()
        .filter(|c| c.when.is_none_or(|w| w.matches(kind, class)));
    let mut out = Vec::new();
    for c in fires {
        // A call of another type is a request of its own, of no class.
        let (k, cl) = c.op.map_or((kind, class), |op| (op, None));
        out.push((c.to, k, cl));
        out.extend(c.fallback.map(|f| (f, k, cl)));
    }
    out
}

/// The nodes `flow`'s requests may be sent to next: [`next`]'s, and the
/// routes taken by a share `p`.
pub fn destinations(model: &Model, flow: Flow) -> Vec<NodeIdx> {
    let mut out: Vec<NodeIdx> = next(model, flow).into_iter().map(|f| f.0).collect();
    if let Some(NodeKind::Service(s)) = model.nodes.get(flow.0).map(|m| &m.kind) {
        let routes = (s.forward.iter()).filter(|r| r.matches(flow.1, flow.2) && r.p.is_some());
        out.extend(routes.map(|r| r.to));
    }
    out
}

/// Every flow reached from `starts` (themselves included).
pub fn reached(model: &Model, starts: Vec<Flow>) -> Vec<Flow> {
    let mut seen: Vec<Flow> = Vec::new();
    let mut stack = starts;
    while let Some(f) = stack.pop() {
        if seen.contains(&f) {
            continue;
        }
        seen.push(f);
        stack.extend(next(model, f));
    }
    seen
}

/// The nodes a share of `flow`'s requests reach through routes taken by a
/// share `p` (and on from there).
pub fn shared(model: &Model, (n, kind, class): Flow) -> Vec<NodeIdx> {
    let Some(NodeKind::Service(s)) = model.nodes.get(n).map(|m| &m.kind) else {
        return Vec::new();
    };
    let routes = (s.forward.iter()).filter(|r| r.matches(kind, class) && r.p.is_some());
    let starts = routes.map(|r| (r.to, kind, class)).collect();
    reached(model, starts).into_iter().map(|f| f.0).collect()
}

/// Each node of the level's design `start` that `design` keeps: (its
/// index in `start`, the node, its index in `design`).
pub fn kept<'a>(
    start: &'a Model,
    design: &'a Model,
) -> impl Iterator<Item = (NodeIdx, &'a Node, NodeIdx)> + 'a {
    (start.nodes.iter().enumerate())
        .filter_map(|(n, node)| design.node_index(&node.id).map(|mine| (n, node, mine)))
}
