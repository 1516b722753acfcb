//! A provider over its rate limit: what it was asked against what it takes, and how to ask it less (a cache of its answers, or what the level unlocks around it), since its limit is not the design's to raise.

use super::Account;
use super::elsewhere::{Near, instead};
use super::in_front::and_list;
use super::watch::per_s;
use crate::sim::Summary;
use crate::sim::metrics::NodeSummary;
use crate::sim::model::NodeKind;

/// The advice for node `k` (summary `n`) when it is an external service
/// with a rate limit that refused calls in the run.
pub(super) fn over_limit(
    n: &NodeSummary,
    k: usize,
    account: &Account,
    summary: &Summary,
) -> Option<String> {
    let NodeKind::External(e) = &account.design.nodes.get(k)?.kind else {
        return None;
    };
    let limit = e.rate_limit.as_ref()?;
    let secs = summary.measured.as_secs_f64();
    if n.counts.rejected == 0 || secs <= 0.0 {
        return None;
    }
    let asked = n.counts.arrived as f64 / secs;
    let refused = n.counts.rejected as f64 / n.counts.arrived.max(1) as f64;
    let s = account.sizing.get(k)?;
    let name = |ks: &[usize]| -> Vec<&str> {
        ks.iter()
            .filter_map(|&i| summary.nodes.get(i).map(|m| m.id.as_str()))
            .collect()
    };
    let (upstream, callees, in_front) = (name(s.upstream()), name(&s.callees), name(&s.in_front));
    let head = format!(
        "ask {} less often: it takes {} (bursts of {}) and was asked {}, so it refused {:.0} % \
         of the calls; the limit is the provider's, not the design's to raise.",
        n.id,
        per_s(limit.rate),
        limit.burst,
        per_s(asked),
        refused * 100.0
    );
    if !in_front.is_empty() {
        return Some(format!(
            "{head} {} in front of it keeps its answers: ask {} instead, and only its misses \
             reach {}",
            and_list(&in_front),
            if in_front.len() == 1 { "it" } else { "them" },
            n.id
        ));
    }
    let near = Near {
        upstream: &upstream,
        callees: &callees,
        in_front: &in_front,
    };
    Some(format!(
        "{head} {}",
        instead(account.room.as_ref(), &n.id, near)
    ))
}
