//! A level's node still makes as many calls to each of its callees a visit as the level's design does, and forwards them as large a share: four reads a page stay four (a level that lets a count fall says so with a `min`), and a scatter over random keys may become one lookup by a derived key.

use super::Level;
use super::flows;
use crate::sim::Model;
use crate::sim::model::{Call, CallKey, ClassIdx, NodeIdx, NodeKind, RequestKind, Route};

/// Calls a visit of type `kind` (and class) makes to `to`, each counted
/// by its mean repeat (a hedge is one call).
fn made(calls: &[Call], to: NodeIdx, kind: RequestKind, class: Option<ClassIdx>) -> f64 {
    calls
        .iter()
        .filter(|c| c.to == to && c.when.is_none_or(|w| w.matches(kind, class)))
        .map(|c| c.fan.repeat.mean())
        .sum()
}

/// Whether every call in `calls` to `to` asks by a derived key.
fn derived(calls: &[Call], to: NodeIdx) -> bool {
    let mut to_it = calls.iter().filter(|c| c.to == to).peekable();
    to_it.peek().is_some() && to_it.all(|c| matches!(c.key, CallKey::Derived(_)))
}

/// Whether the level's calls to `to` scatter over random keys.
fn scatter(calls: &[Call], to: NodeIdx) -> bool {
    (calls.iter().filter(|c| c.to == to)).any(|c| matches!(c.key, CallKey::Random(_)))
}

/// The share of the requests `routes` forward that go to `to`, for a
/// request of type `kind` (and class): routes with `p` share them, the
/// first matching route without takes them all.
fn forwarded(routes: &[Route], to: NodeIdx, kind: RequestKind, class: Option<ClassIdx>) -> f64 {
    let matching: Vec<&Route> = routes.iter().filter(|r| r.matches(kind, class)).collect();
    if matching.iter().any(|r| r.p.is_some()) {
        (matching.iter())
            .filter(|r| r.to == to)
            .map(|r| r.p.unwrap_or(0.0))
            .sum()
    } else {
        f64::from(u8::from(matching.first().is_some_and(|r| r.to == to)))
    }
}

/// One line for each callee a level's node forwards a smaller share of
/// its requests to than the level's design does (`p = 0.01` on the route
/// to storage drops 99 % of the uploads).
fn forward_breaches(start: &Model, design: &Model, carried: &[flows::Flow], out: &mut Vec<String>) {
    let routes = |m: &Model, k: usize| match &m.nodes[k].kind {
        NodeKind::Service(s) => s.forward.clone(),
        _ => Vec::new(),
    };
    for (n, node, mine) in flows::kept(start, design) {
        let (before, after) = (routes(start, n), routes(design, mine));
        let mut targets: Vec<NodeIdx> = before.iter().map(|r| r.to).collect();
        targets.dedup();
        for to in targets {
            let to_id = &start.nodes[to].id;
            let Some(to_mine) = design.node_index(to_id) else {
                continue;
            };
            let less = (carried.iter().filter(|f| f.0 == n)).find_map(|&(_, kind, class)| {
                let had = forwarded(&before, to, kind, class);
                let has = forwarded(&after, to_mine, kind, class);
                (has + 1e-9 < had).then_some((had, has))
            });
            if let Some((had, has)) = less {
                out.push(format!(
                    "`{}` forwards {:.0} % of its requests to `{to_id}` where the level's design \
                     forwards {:.0} %: the work is the level's, and is not dropped",
                    node.id,
                    has * 100.0,
                    had * 100.0
                ));
            }
        }
    }
}

/// One line for each callee a level's node calls fewer times a visit than
/// the level's design does (for some request type it gets), directly.
pub fn breaches(level: &Level, design: &Model, out: &mut Vec<String>) {
    let start = &level.model;
    let carried = flows::reached(start, flows::entries(start));
    for (n, node, mine) in flows::kept(start, design) {
        let (before, after) = (node.kind.calls(), design.nodes[mine].kind.calls());
        let mut callees: Vec<NodeIdx> = before.iter().map(|c| c.to).collect();
        callees.dedup();
        for to in callees {
            let to_id = &start.nodes[to].id;
            let Some(to_mine) = design.node_index(to_id) else {
                continue;
            };
            let floor = level
                .spec
                .min_of(&node.id, "", &format!("calls.{to_id}.repeat"));
            if floor.is_some() || (scatter(before, to) && derived(after, to_mine)) {
                continue;
            }
            let fewer = (carried.iter().filter(|f| f.0 == n)).find_map(|&(_, kind, class)| {
                let (had, has) = (
                    made(before, to, kind, class),
                    made(after, to_mine, kind, class),
                );
                (has > 0.0 && has + 1e-9 < had).then_some((had, has))
            });
            if let Some((had, has)) = fewer {
                out.push(text(&node.id, to_id, had, has, scatter(before, to)));
            }
        }
    }
    forward_breaches(start, design, &carried, out);
}

fn text(from: &str, to: &str, had: f64, has: f64, scatter: bool) -> String {
    let how = if scatter {
        "; a question that asks every shard by a random key may ask one, by a derived key: what \
         the question is about"
    } else {
        ""
    };
    format!(
        "`{from}` calls `{to}` {} a visit where the level's design calls it {}: the work is the \
         level's, and is not dropped{how}",
        times(has),
        times(had)
    )
}

fn times(n: f64) -> String {
    if n == 1.0 {
        "once".into()
    } else {
        format!("{n} times")
    }
}
