//! The caches before a node: the ones right in front of it (advice offers a cache only where none sits, or one shared by several that each miss on their own) and what gets past the caches on its way at their measured hit ratios (a node behind caches is sized on their misses, not on every request missing).

use crate::report::topology::{OfferedLoad, offered_load_past};
use crate::sim::Summary;
use crate::sim::model::{Model, NodeKind};

/// The caches (and CDN edges) whose misses go straight to node `k`, or to
/// a load balancer in front of it, in model order.
pub(super) fn caches_in_front(model: &Model, feeds: &[Vec<usize>], k: usize) -> Vec<usize> {
    let feeds = |to: usize| feeds.get(to).into_iter().flatten().copied();
    let mut out = Vec::new();
    for f in feeds(k) {
        match &model.nodes[f].kind {
            NodeKind::Cache(_) => out.push(f),
            NodeKind::LoadBalancer(_) => {
                out.extend(feeds(f).filter(|&g| matches!(model.nodes[g].kind, NodeKind::Cache(_))))
            }
            _ => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The load the workloads send node `k`'s way, the caches before it
/// passing on only what they missed in the run (`summary`'s hit ratios).
pub(super) fn sent_past(model: &Model, summary: &Summary, k: usize) -> Option<OfferedLoad> {
    let hits: Vec<Option<f64>> = summary.nodes.iter().map(|n| n.hit_ratio).collect();
    offered_load_past(model, &hits).get(k).copied()
}

/// The cache a suggestion may offer in front of a node with the caches
/// `in_front`: a cache where none sits; one shared by several that each
/// fetch their misses on their own; none where one sits already.
pub(super) fn cache_to_add(in_front: &[&str]) -> Option<String> {
    match in_front {
        [] => Some("a cache in front".into()),
        [_] => None,
        many => Some(format!(
            "one cache shared by {} in front of it (each fetches its misses on its own)",
            and_list(many)
        )),
    }
}

/// "a, b and c".
pub(super) fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
