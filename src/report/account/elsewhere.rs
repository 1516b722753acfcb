//! Where to look when more capacity is not the fix: in a level, the knobs it unlocks on the node, upstream of it and on what it calls, and a cache in front only where the level lets one be added; outside a level, less work per visit.

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
/// level unlocks on its `callees` is in.
pub(super) fn instead(
    room: Option<&Room>,
    node: &str,
    upstream: &[&str],
    callees: &[&str],
) -> String {
    let Some(room) = room else {
        return "Look for less work per visit instead — a cache in front, fewer or batched calls"
            .into();
    };
    let mut ways = Vec::new();
    if room.may_add("cache") {
        ways.push("a cache in front, for less work per visit (the level lets you add one)".into());
    }
    if room.may_add("cdn") {
        ways.push(
            "a CDN edge in front, for less work per visit (the level lets you add one)".into(),
        );
    }
    let knobs = knobs(room, node, upstream, callees);
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
