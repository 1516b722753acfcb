//! What to try, each suggestion backed by a figure from the run: capacity from the offered work, single flight after a flush, a retry budget when retries outlive a fault, the hot shard, the costliest node.

use super::watch::{Trouble, count, per_s, trim};
use super::{Account, Happening, HappeningKind};
use crate::sim::Summary;
use crate::sim::metrics::NodeSummary;

/// The utilisation a suggestion sizes capacity for.
const TARGET_UTILISATION: f64 = 0.7;

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
        && let Some(text) = capacity(n, summary)
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

/// "db: offered 1 900/s × 5 ms of work = 9.5 busy workers; it has 8 …".
fn capacity(n: &NodeSummary, summary: &Summary) -> Option<String> {
    let servers = f64::from(n.workers?);
    let u = n.utilisation?;
    let measured = summary.measured.as_secs_f64();
    if n.started == 0 || measured <= 0.0 || servers <= 0.0 {
        return None;
    }
    let busy_s = u * servers * measured / n.started as f64;
    let offered = n.counts.arrived as f64 / measured;
    let erlangs = offered * busy_s;
    let needed = (erlangs / TARGET_UTILISATION).ceil().max(1.0);
    if needed <= servers {
        return None;
    }
    let units = f64::from(n.replicas.unwrap_or(1).max(1));
    let per_unit = (servers / units).max(1.0);
    Some(format!(
        "give {} more capacity: it was offered {} × {} ms of work each = {} busy workers \
         and has {}; for a utilisation of {} it needs about {} workers ({} replicas × {}), \
         or less work per visit (a cache in front, fewer calls)",
        n.id,
        per_s(offered),
        trim(busy_s * 1000.0, 2),
        trim(erlangs, 1),
        count(servers),
        TARGET_UTILISATION,
        count(needed),
        count((needed / per_unit).ceil()),
        count(per_unit)
    ))
}

/// A node of the summary by id.
fn node<'a>(summary: &'a Summary, id: &str) -> Option<&'a NodeSummary> {
    summary.nodes.iter().find(|n| n.id == id)
}

/// Instances far busier than their siblings: `(node, instance, its
/// utilisation, the others' mean)`.
pub fn hot_instances(summary: &Summary) -> Vec<(String, usize, f64, f64)> {
    let mut out = Vec::new();
    for n in &summary.nodes {
        let us: Vec<(usize, f64)> = n
            .replica_utilisation
            .iter()
            .enumerate()
            .filter_map(|(i, u)| u.map(|u| (i, u)))
            .collect();
        let Some(&(hot, max)) = us.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
            continue;
        };
        if us.len() < 2 {
            continue;
        }
        let others = (us.iter().map(|u| u.1).sum::<f64>() - max) / (us.len() - 1) as f64;
        if max >= 0.5 && max >= 1.5 * others {
            out.push((n.id.clone(), hot, max, others));
        }
    }
    out
}
