//! The work a level's design does is not simply dropped: a request type keeps each of its node's edges (a call, a forward, a miss path, a subscription) as a path for that type, directly or through added components, unless the level names it a redesign; no call of the level's nodes gains a stand-in answer (a fallback).

use super::flows;
use crate::sim::Model;

/// One line for each edge of the level's design that the learner's design
/// no longer follows, even through components of its own: deleting a call
/// would win a level by not doing its work. A request type the level names
/// in `redesign` (`NODE.TYPE`: a feed pulled on read, presence kept in a
/// cache, a job queued) may instead go somewhere its node did not send to
/// before, and the exam judges it; any other type keeps every edge (sending
/// it to another node the level already has did let every other edge go).
/// The test is per request type: a new callee for writes does not let the
/// reads go nowhere. Nodes the design removed are reported elsewhere.
pub fn breaches(start: &Model, redesign: &[String], design: &Model, out: &mut Vec<String>) {
    let carried = flows::reached(start, flows::entries(start));
    for node in &start.nodes {
        let Some(from) = design.node_index(&node.id) else {
            continue;
        };
        // Where the level's node sends anything, of any type.
        let before: Vec<&str> = (node.kind.sends_to().into_iter())
            .map(|i| start.nodes[i].id.as_str())
            .collect();
        // Each edge: the request types it carried, and those it lost.
        let mut edges: Vec<Edge> = Vec::new();
        for &(n, kind, class) in carried.iter().filter(|f| start.nodes[f.0].id == node.id) {
            // Requests of this type sent somewhere the node sent nothing
            // before are a redesign (a feed pulled on read, a job queued):
            // the exam judges it. A type sent nowhere new keeps each of
            // its edges (reads moved onto the callee the writes use drop
            // the reads' own work).
            let after = flows::destinations(design, (from, kind, class));
            let type_name = class.map_or(kind.name(), |c| start.classes[c as usize].name.as_str());
            let may = redesign.contains(&format!("{}.{type_name}", node.id));
            let redesigned =
                may && (after.iter()).any(|&i| !before.contains(&design.nodes[i].id.as_str()));
            let go = flows::next(design, (from, kind, class));
            let reach = flows::reached(design, go);
            let part = flows::shared(design, (from, kind, class));
            for (to, ..) in flows::next(start, (n, kind, class)) {
                let to_id = &start.nodes[to].id;
                if let Some(to) = design.node_index(to_id) {
                    let kept = redesigned || reach.iter().any(|f| f.0 == to);
                    note(&mut edges, to_id, kind.name(), kept, part.contains(&to));
                }
            }
        }
        let dropped = edges.into_iter().filter(|e| !e.lost.is_empty());
        out.extend(dropped.map(|e| e.text(&node.id)));
    }
}

/// An edge of the level's design, from one node: where to, the request
/// types it carried and those the design no longer takes there.
struct Edge {
    to: String,
    carried: Vec<&'static str>,
    lost: Vec<&'static str>,
    /// A share of the lost still goes there (a forward's `p`).
    part: bool,
}

impl Edge {
    fn text(&self, from: &str) -> String {
        let (to, lost) = (&self.to, &self.lost);
        let what = if self.part {
            format!(
                "`{from}` forwards only a share (`p`) of its {}s to `{to}`",
                lost.join("s or ")
            )
        } else if lost.len() < self.carried.len() {
            format!(
                "`{from}` no longer sends its {}s on to `{to}`",
                lost.join("s or ")
            )
        } else {
            format!("`{from}` no longer reaches `{to}`")
        };
        format!(
            "{what}: the level's design sends it there, and work is not dropped (keep the \
             edge, or send it on through a component of your own; to move it, wire the new \
             way first, then remove this one)"
        )
    }
}

fn note(edges: &mut Vec<Edge>, to: &str, kind: &'static str, kept: bool, part: bool) {
    let at = match edges.iter().position(|e| e.to == to) {
        Some(at) => at,
        None => {
            edges.push(Edge {
                to: to.to_string(),
                carried: Vec::new(),
                lost: Vec::new(),
                part: false,
            });
            edges.len() - 1
        }
    };
    let e = &mut edges[at];
    if !e.carried.contains(&kind) {
        e.carried.push(kind);
    }
    if !kept && !e.lost.contains(&kind) {
        e.lost.push(kind);
        e.part |= part;
    }
}

/// One line for each call of a level's node that the design gives a
/// fallback the level's design had not: the fallback's answer would stand
/// in for the call's (a ride answered by dispatch with no price), and the
/// exam would count the work done.
pub fn stand_ins(start: &Model, design: &Model, out: &mut Vec<String>) {
    for node in &start.nodes {
        let Some(mine) = design.node_index(&node.id) else {
            continue;
        };
        let had = |to: &str| {
            (node.kind.calls().iter()).any(|c| c.fallback.is_some() && start.nodes[c.to].id == to)
        };
        for c in design.nodes[mine].kind.calls() {
            let to = &design.nodes[c.to].id;
            if c.fallback.is_some() && !had(to) {
                out.push(format!(
                    "`{}`'s call to `{to}` has a fallback: its answer would stand in for \
                     `{to}`'s and the level's work would go undone (a level judges the real \
                     answers)",
                    node.id
                ));
            }
        }
    }
}
