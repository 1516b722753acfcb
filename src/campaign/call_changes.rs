//! What a call of a level's node may not change about the work it asks for: the request's type (`op`) where the level's design kept it, the callee's own work where that is locked (a call's `service_time`), one answer from several racing copies (`wait = "first"` or a quorum below the copies), a hedged write, a shorter network link, or the request's own key for one of the call's (a cache of one key always hits).

use super::Level;
use super::flows;
use crate::scenario::format_seconds;
use crate::sim::Model;
use crate::sim::dist::Dist;
use crate::sim::model::{Call, CallKey, ClassIdx, FanOut, NodeIdx, RequestKind, Wait};

/// One line for each call of a level's node in `design` that changes the
/// work it asks for in a way the level's design did not.
pub fn breaches(level: &Level, design: &Model, out: &mut Vec<String>) {
    let start = &level.model;
    let carried = flows::reached(start, flows::entries(start));
    for (n, node, mine) in flows::kept(start, design) {
        let flows_here = carried.iter().filter(|f| f.0 == n);
        for &(_, kind, class) in flows_here {
            out.extend(swapped_keys(start, design, (n, mine), kind, class));
            out.extend(turned(start, design, (n, mine), kind, class));
            out.extend(writes_done_twice(start, design, (n, mine), kind, class));
        }
        let before = node.kind.calls();
        for c in design.nodes[mine].kind.calls() {
            let to = design.nodes[c.to].id.as_str();
            let had = |f: &dyn Fn(&Call) -> bool| {
                (before.iter()).any(|b| start.nodes[b.to].id == to && f(b))
            };
            let from = node.id.as_str();
            if let Some(work) = &c.service_time
                && let Some(why) = level.spec.lock_reason(to, "service_time")
                && !had(&|b| b.service_time.as_ref() == Some(work))
                && start.node_index(to).is_some()
            {
                out.push(format!(
                    "`{from}`'s call to `{to}` sets the work `{to}` does (`service_time`): \
                     `{to}.service_time` is locked ({why})"
                ));
            }
            if let Some(line) = shorter_link(from, to, c, before, start) {
                out.push(line);
            }
            if let Some((copies, needed)) = races(&c.fan)
                && !had(&|b| races(&b.fan).is_some())
            {
                out.push(format!(
                    "`{from}`'s call to `{to}` sends {copies} copies and waits for {needed}: \
                     the level's work is every answer, not the fastest of several (a hedge \
                     sends a second copy only when the first is late)"
                ));
            }
        }
    }
}

/// A call whose network latency to `to` is shorter than every call of the
/// level's node to it (`before`): the link is the level's, not a knob.
fn shorter_link(from: &str, to: &str, c: &Call, before: &[Call], start: &Model) -> Option<String> {
    let mean = |l: &Option<Dist>| l.as_ref().map_or(0.0, |d| d.mean());
    let level = (before.iter())
        .filter(|b| start.nodes[b.to].id == to)
        .map(|b| mean(&b.latency))
        .reduce(f64::min)?;
    let mine = mean(&c.latency);
    (mine < level).then(|| {
        format!(
            "`{from}`'s call to `{to}` crosses the network in {} on average where the \
             level's takes {}: the link is the level's, not yours to shorten",
            format_seconds(mine),
            format_seconds(level)
        )
    })
}

/// A parallel fan-out that needs fewer answers than the copies it sends:
/// (copies, answers needed).
fn races(fan: &FanOut) -> Option<(u32, u32)> {
    let copies = fan.repeat.mean().round() as u32;
    let needed = match fan.wait {
        Wait::All => return None,
        Wait::Quorum(k) => k.min(copies),
        Wait::First => 1,
    };
    (fan.parallel && needed < copies).then_some((copies, needed))
}

/// The level's calls from node `n` (`mine` in the design) that carried a
/// request of type `kind` with its own key to a callee the design now
/// reaches only through calls with keys of their own: reads of one key
/// where the traffic asks a million make a cache that always hits.
fn swapped_keys(
    start: &Model,
    design: &Model,
    (n, mine): (NodeIdx, NodeIdx),
    kind: RequestKind,
    class: Option<ClassIdx>,
) -> Vec<String> {
    let fires = |c: &&Call| c.when.is_none_or(|w| w.matches(kind, class));
    let own = (start.nodes[n].kind.calls().iter())
        .filter(fires)
        .filter(|c| matches!(c.key, CallKey::Request));
    let mut out = Vec::new();
    for c in own {
        let to_id = &start.nodes[c.to].id;
        let Some(to) = design.node_index(to_id) else {
            continue;
        };
        let reaching: Vec<&Call> = (design.nodes[mine].kind.calls().iter())
            .filter(fires)
            .filter(|d| {
                let k = d.op.unwrap_or(kind);
                let cl = if d.op.is_some() { None } else { class };
                flows::reached(design, vec![(d.to, k, cl)])
                    .iter()
                    .any(|f| f.0 == to)
            })
            .collect();
        let line = format!(
            "`{}`'s {}s reach `{to_id}` only through calls with keys of their own: the level's \
             design asks with each request's key, and a call's own key space would not be the \
             traffic's (a cache of one key always hits)",
            start.nodes[n].id,
            kind.name()
        );
        let all_own = reaching.iter().all(|d| !matches!(d.key, CallKey::Request));
        if !reaching.is_empty() && all_own && !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// The calls of node `n` (`mine` in the design) that turn its requests of
/// type `kind` into requests of another type (`op`) where no call of the
/// level's node did: a read sent on as a write is absorbed by a cache
/// that never asks the store, and the exam would count it as served.
fn turned(
    start: &Model,
    design: &Model,
    (n, mine): (NodeIdx, NodeIdx),
    kind: RequestKind,
    class: Option<ClassIdx>,
) -> Vec<String> {
    let turns = |c: &Call| {
        c.when.is_none_or(|w| w.matches(kind, class)) && c.op.is_some_and(|op| op != kind)
    };
    let had = |op: RequestKind| {
        (start.nodes[n].kind.calls().iter()).any(|b| turns(b) && b.op == Some(op))
    };
    let mut out = Vec::new();
    for c in design.nodes[mine].kind.calls().iter().filter(|c| turns(c)) {
        let Some(op) = c.op.filter(|&op| !had(op)) else {
            continue;
        };
        let line = format!(
            "`{}`'s call to `{}` turns its {}s into {}s (`op = \"{}\"`): the level's design \
             does not, and a request's type is the traffic's (a {} sent on as a {} does not \
             do a {}'s work)",
            start.nodes[n].id,
            design.nodes[c.to].id,
            kind.name(),
            op.name(),
            op.name(),
            kind.name(),
            op.name(),
            kind.name()
        );
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// The calls of node `n` (`mine` in the design) that may do the writes it
/// carries twice where no call of the level's node did: a hedge's second
/// copy, or a retry after a timeout while the first attempt goes on, is
/// a second write (two uploads, two rows), not a faster answer.
fn writes_done_twice(
    start: &Model,
    design: &Model,
    (n, mine): (NodeIdx, NodeIdx),
    kind: RequestKind,
    class: Option<ClassIdx>,
) -> Vec<String> {
    let writes = |c: &Call| c.matches(kind, class) && c.op.unwrap_or(kind) == RequestKind::Write;
    let twice = |c: &Call| writes(c) && twice_by(c).is_some();
    if (start.nodes[n].kind.calls().iter()).any(twice) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in design.nodes[mine].kind.calls().iter().filter(|c| writes(c)) {
        let Some(how) = twice_by(c) else {
            continue;
        };
        let line = format!(
            "`{}`'s call to `{}` {how}: a second copy of a write is the write done \
             twice, not a faster answer (hedge or retry reads, whose copies are the same \
             question)",
            start.nodes[n].id, design.nodes[c.to].id
        );
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// How a call may send a request twice while the first copy still works:
/// a hedge, or retries after a timeout.
fn twice_by(c: &Call) -> Option<&'static str> {
    let retries = c.policy.retry.is_some_and(|r| r.max_attempts > 1);
    if c.fan.hedge.is_some() {
        Some("hedges its writes")
    } else if retries && c.policy.timeout.is_some() {
        Some("retries its writes after a timeout (the first attempt goes on)")
    } else {
        None
    }
}
