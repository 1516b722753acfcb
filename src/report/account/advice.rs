//! What to try, each suggestion backed by a figure from the run: capacity from the demand sent its way (see `capacity`), single flight after a flush, a retry budget when retries outlive a fault.

use super::capacity::capacity;
use super::watch::{Trouble, per_s};
use super::{Account, Happening, HappeningKind};
use crate::sim::Summary;
use crate::sim::metrics::NodeSummary;

/// Suggestions for the run, most useful first.
pub fn suggest(account: &Account, summary: &Summary, cause: Option<&Happening>) -> Vec<Happening> {
    let mut out = Vec::new();
    let at = cause.map_or(summary.warmup, |c| c.at);
    let mut say = |nodes: Vec<String>, text: String| {
        out.push(Happening {
            at,
            kind: HappeningKind::Suggestion,
            nodes,
            text,
        })
    };
    if let Some(r) = account.retriers().filter(|_| outlived(cause)) {
        say(
            vec![r.id.clone()],
            format!(
                "give {}'s calls a retry budget (`retry.budget = 0.1`) or a circuit breaker: \
                 it still retried {} against {} arriving at the end, long after the fault",
                r.id,
                per_s(r.last.retries_rate),
                per_s(r.last.rate)
            ),
        );
    }
    for (cache, surge) in flush_stampedes(account, cause) {
        say(
            vec![cache.clone()],
            format!(
                "turn on single flight at {cache} (`coalesce = true`): after the flush {surge}"
            ),
        );
    }
    let root = cause
        .and_then(|c| c.nodes.last())
        .and_then(|id| node(summary, id));
    if let Some(n) = root
        && let Some(k) = summary.nodes.iter().position(|m| m.id == n.id)
        && let Some(text) = capacity(n, k, account, summary)
    {
        say(vec![n.id.clone()], text);
    }
    out
}

/// Whether the cause says the trouble outlived its fault.
fn outlived(cause: Option<&Happening>) -> bool {
    cause.is_some_and(|c| c.text.contains("did not recover"))
}

/// Caches whose hit ratio fell right after a flush event, with the surge
/// it sent on (or the fall itself).
fn flush_stampedes(account: &Account, cause: Option<&Happening>) -> Vec<(String, String)> {
    let Some(cause) = cause.filter(|c| c.text.contains("flushed")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for id in &cause.nodes {
        let Some(w) = account.node(id) else { continue };
        let Some(drop) = w.first(Trouble::HitDrop) else {
            continue;
        };
        if account.coalesces(id) {
            continue;
        }
        let surge = cause
            .nodes
            .iter()
            .filter_map(|other| account.node(other)?.first(Trouble::Surge))
            .map(|i| i.text.clone())
            .next()
            .unwrap_or_else(|| drop.text.clone());
        out.push((id.clone(), surge));
    }
    out
}

/// A node of the summary by id.
fn node<'a>(summary: &'a Summary, id: &str) -> Option<&'a NodeSummary> {
    summary.nodes.iter().find(|n| n.id == id)
}
