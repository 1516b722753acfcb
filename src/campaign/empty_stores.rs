//! A cache the learner leaves with nothing behind it (no `on_miss`) answers every miss with nothing, which an exam would score as fast: in a level it must keep `on_miss`, unless the level lets a cache be the only store, and then it must be able to hold a key.

use super::{Level, Refusal};
use crate::sim::Model;
use crate::sim::model::{Call, NodeKind, RequestKind, When, WritePolicy};

/// Refuses `design` for the exam when a cache of it can answer nothing.
/// Not one of the editor's rules: a cache is added before it is wired.
pub fn check(level: &Level, design: &Model) -> Result<(), Refusal> {
    let mut breaches = Vec::new();
    self::breaches(level, design, &mut breaches);
    if breaches.is_empty() {
        Ok(())
    } else {
        Err(Refusal { breaches })
    }
}

/// One line for each cache of `design` without `on_miss` that the level's
/// own design does not already have that way: refused outright unless the
/// level says `cache_is_store`, and then refused when it can never hold a
/// key (it drops writes, or no write reaches it).
fn breaches(level: &Level, design: &Model, out: &mut Vec<String>) {
    let written = writes_reach(design);
    for (i, node) in design.nodes.iter().enumerate() {
        let NodeKind::Cache(c) = &node.kind else {
            continue;
        };
        let added = level.model.node_index(&node.id).is_none();
        if level.spec.cached_reads_see_writes && added && c.on_miss.is_some() && !written[i] {
            out.push(format!(
                "`{}` is read through while no write reaches it: in this level a read must \
                 see the last write, and a cached copy the edits bypass keeps the old one (send \
                 the writes through it too: write_policy = \"write_through\" or \"invalidate\")",
                node.id
            ));
            continue;
        }
        let levels_own = level.model.nodes.iter().any(|n| {
            n.id == node.id && matches!(&n.kind, NodeKind::Cache(s) if s.on_miss.is_none())
        });
        if c.on_miss.is_some() || levels_own {
            continue;
        }
        let id = &node.id;
        if !level.spec.cache_is_store {
            out.push(format!(
                "`{id}` has nothing behind it (no `on_miss`): a miss would answer nothing, yet the data lives behind it in this level (give it `on_miss`)"
            ));
            continue;
        }
        let why = if c.write_policy == WritePolicy::Invalidate {
            "drops every write (`write_policy = \"invalidate\"`)"
        } else if !written[i] {
            "no write reaches it"
        } else {
            continue;
        };
        out.push(format!(
            "`{id}` has nothing behind it (no `on_miss`) and {why}: it never holds a key, so every lookup misses and answers nothing (write to it, or give it `on_miss`)"
        ));
    }
}

/// For each node, whether a write request can arrive there: from a
/// workload that sends writes, along any edge from a node writes reach
/// (a call passes the request's own type unless it asks only for reads),
/// or by a call that always writes (`op = "write"`).
fn writes_reach(design: &Model) -> Vec<bool> {
    let mut reach = vec![false; design.nodes.len()];
    for w in &design.workloads {
        if w.read_fraction < 1.0 || !w.classes.is_empty() {
            reach[w.to] = true;
        }
    }
    loop {
        let mut changed = false;
        for (u, node) in design.nodes.iter().enumerate() {
            let calls = node.kind.calls();
            for v in node.kind.sends_to() {
                let mut edges = calls
                    .iter()
                    .filter(|c| c.to == v || c.fallback == Some(v))
                    .peekable();
                let carries = match edges.peek() {
                    Some(_) => edges.any(|c| carries_write(c, reach[u])),
                    None => reach[u],
                };
                if carries && !reach[v] {
                    reach[v] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return reach;
        }
    }
}

/// Whether a call sends writes when its caller is (or is not) reached by
/// writes.
fn carries_write(c: &Call, caller_written: bool) -> bool {
    match c.op {
        Some(op) => op == RequestKind::Write,
        None => caller_written && !matches!(c.when, Some(When::Kind(RequestKind::Read))),
    }
}
