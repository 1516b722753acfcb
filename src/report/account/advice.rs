//! What to try, each suggestion backed by a figure from the run: capacity from the demand sent its way (see `capacity`), single flight after a flush, a retry budget when retries outlive a fault.

use super::capacity::{NO_ROOM, capacity};
use super::over_limit::over_limit;
use super::watch::{Trouble, per_s};
use super::{Account, Happening, HappeningKind};
use crate::sim::Summary;

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
    let named = cause.map_or(&[][..], |c| c.nodes.as_slice());
    if let Some((id, text)) = advised(account, summary, named) {
        say(vec![id], text);
    }
    out
}

/// What to do about the node that gave way first (the first a cause
/// names); when the level leaves it no room, about a node named after it
/// that calls it directly among other calls, whose advice tells how to
/// keep those other calls' workers (a bulkhead, a timeout).
fn advised(account: &Account, summary: &Summary, named: &[String]) -> Option<(String, String)> {
    let index = |id: &str| summary.nodes.iter().position(|n| n.id == id);
    let sized = |id: &str| {
        let k = index(id)?;
        let n = &summary.nodes[k];
        let text = capacity(n, k, account, summary).or_else(|| over_limit(n, k, account, summary));
        text.map(|t| (id.to_string(), t))
    };
    let root = named.first()?;
    let first = sized(root);
    if first.as_ref().is_some_and(|(_, t)| !t.starts_with(NO_ROOM)) {
        return first;
    }
    let k = index(root)?;
    let caller = named[1..].iter().find(|id| {
        index(id)
            .and_then(|c| account.sizing.get(c))
            .is_some_and(|s| s.callees.contains(&k) && s.callees.iter().any(|&c| c != k))
    });
    caller.and_then(|c| sized(c)).or(first)
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
