//! The work a level's design does is not simply dropped: a node that sends nowhere new keeps each of its edges (a call, a forward, a miss path, a subscription) as a path, directly or through added components.

use crate::sim::Model;
use crate::sim::model::{NodeIdx, NodeKind};

/// Whether `to` can be reached from `from` along the design's edges.
fn reaches(design: &Model, from: NodeIdx, to: NodeIdx) -> bool {
    let mut seen = vec![false; design.nodes.len()];
    let mut stack = vec![from];
    while let Some(i) = stack.pop() {
        if i == to {
            return true;
        }
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        stack.extend(design.nodes[i].kind.sends_to());
    }
    false
}

/// One line for each edge of the level's design that the learner's design
/// no longer follows, even through components of its own, from a node that
/// sends nowhere new: deleting a call would win a level by not doing its
/// work, while a node sent somewhere new is a redesign (a feed pulled on
/// read, presence kept in a cache, a job queued) and the exam judges it.
/// Nodes the design removed are reported elsewhere.
pub fn breaches(start: &Model, design: &Model, out: &mut Vec<String>) {
    for node in &start.nodes {
        let Some(from) = design.node_index(&node.id) else {
            continue;
        };
        let ids = |m: &Model, k: &NodeKind| -> Vec<String> {
            k.sends_to()
                .into_iter()
                .map(|i| m.nodes[i].id.clone())
                .collect()
        };
        let before = ids(start, &node.kind);
        let after = ids(design, &design.nodes[from].kind);
        if after.iter().any(|id| !before.contains(id)) {
            continue;
        }
        for to_id in &before {
            let Some(to) = design.node_index(to_id) else {
                continue;
            };
            if !reaches(design, from, to) {
                out.push(format!(
                    "`{}` no longer reaches `{to_id}`: the level's design sends it there, and work is not dropped (send it somewhere new, or through a component of your own)",
                    node.id
                ));
            }
        }
    }
}
