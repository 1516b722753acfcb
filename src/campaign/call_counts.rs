//! A level's node still makes as many calls to each of its callees a visit as the level's design does: four reads a page stay four (a level that lets a count fall says so with a `min`), and a scatter over random keys may become one lookup by a derived key.

use super::Level;
use super::flows;
use crate::sim::Model;
use crate::sim::model::{Call, CallKey, ClassIdx, NodeIdx, RequestKind};

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

/// One line for each callee a level's node calls fewer times a visit than
/// the level's design does (for some request type it gets), directly.
pub fn breaches(level: &Level, design: &Model, out: &mut Vec<String>) {
    let start = &level.model;
    let carried = flows::reached(start, flows::entries(start));
    for (n, node) in start.nodes.iter().enumerate() {
        let Some(mine) = design.node_index(&node.id) else {
            continue;
        };
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
