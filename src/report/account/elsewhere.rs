//! Where to look when more capacity is not the fix: in a level, the knobs it unlocks on the node, upstream of it and on what it calls, and a cache in front only where the level lets one be added and none sits there yet (or one shared by several that each miss on their own); outside a level, less work per visit (more hits at the cache it has).

use super::in_front::{and_list, cache_to_add};
use super::room::Room;

/// The capacity knobs a suggestion weighs before it looks elsewhere.
const CAPACITY: [&str; 5] = [
    "replicas",
    "workers",
    "read_replicas",
    "shards",
    "consumers",
];

/// The closing sentence of a suggestion that finds no capacity to add.
/// `node`'s own capacity knobs (weighed already) and those of the nodes
/// `upstream` (more of them sends it more) are left out; whatever the
/// level unlocks on its `callees` is in. A cache is offered only where the
/// level lets one be added and none sits `in_front` already (or one shared
/// by several there).
pub(super) fn instead(room: Option<&Room>, node: &str, near: Near<'_>) -> String {
    let cache = cache_to_add(near.in_front);
    let Some(room) = room else {
        return format!(
            "Look for less work per visit instead — {}, fewer or batched calls",
            cache.unwrap_or_else(|| more_hits(near.in_front))
        );
    };
    let mut ways = Vec::new();
    if let Some(cache) = cache.filter(|_| room.may_add("cache")) {
        ways.push(format!(
            "{cache}, for less work per visit (the level lets you add one)"
        ));
    }
    if room.may_add("cdn") && near.in_front.is_empty() {
        ways.push(
            "a CDN edge in front, for less work per visit (the level lets you add one)".into(),
        );
    }
    let knobs = knobs(room, node, near.upstream, near.callees);
    if !knobs.is_empty() {
        let named: Vec<String> = knobs.iter().map(|k| format!("`{k}`")).collect();
        ways.push(format!(
            "what the level unlocks around it: {}",
            named.join(", ")
        ));
    }
    if ways.is_empty() {
        return "The level unlocks nothing else around it: its hints say where to look".into();
    }
    format!("Look elsewhere instead: {}", ways.join("; or "))
}

/// The nodes around the one a suggestion is about.
#[derive(Clone, Copy)]
pub(super) struct Near<'a> {
    /// Those from which it can be reached.
    pub(super) upstream: &'a [&'a str],
    /// Those it sends to.
    pub(super) callees: &'a [&'a str],
    /// The caches right in front of it.
    pub(super) in_front: &'a [&'a str],
}

/// "more hits at cache in front of it (…)": for a node with its cache.
pub(super) fn more_hits(in_front: &[&str]) -> String {
    format!(
        "more hits at {} in front of it (its capacity, its ttl, its write policy)",
        and_list(in_front)
    )
}

/// The knobs the level unlocks on `node` and upstream of it (capacity
/// left out) and on its callees, each once, in that order.
fn knobs<'a>(room: &'a Room, node: &str, upstream: &[&str], callees: &[&str]) -> Vec<&'a str> {
    let capacity = |k: &str| {
        k.split_once('.')
            .is_some_and(|(_, f)| CAPACITY.contains(&f))
    };
    let near = std::iter::once(node).chain(upstream.iter().copied());
    let mut out: Vec<&str> = near
        .flat_map(|n| room.unlocked_on(n))
        .filter(|k| !capacity(k))
        .collect();
    out.extend(callees.iter().flat_map(|c| room.unlocked_on(c)));
    let mut seen = Vec::new();
    out.retain(|k| {
        let new = !seen.contains(k);
        seen.push(*k);
        new
    });
    out
}
