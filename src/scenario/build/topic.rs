//! Reads a `kind = "topic"` node: its subscriber queues.

use crate::scenario::graph::{Edge, NodeIds};
use crate::scenario::reader::{Errors, Table};
use crate::sim::model::{NodeIdx, NodeKind, TopicSpec};

use super::article;
use super::calls::target;

/// `subscribers = ["q1", "q2"]`: one queue node per subscriber group, each
/// named once.
pub(super) fn read_topic(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    i: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
) -> Option<NodeKind> {
    let Some(f) = t.field("subscribers") else {
        t.missing(
            errs,
            "subscribers",
            Some(
                "the queues that get a copy of each message, e.g. subscribers = [\"emails\"]"
                    .into(),
            ),
        );
        return None;
    };
    let items = f.array(errs)?;
    if items.is_empty() {
        f.error(
            errs,
            "a topic needs at least one subscriber",
            Some("name the queues that get a copy of each message, e.g. subscribers = [\"emails\", \"search_index\"]".into()),
        );
        return None;
    }
    let mut subscribers: Vec<NodeIdx> = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in &items {
        let Some(q) = target(errs, item, i, ids, edges) else {
            ok = false;
            continue;
        };
        match ids.kind(q) {
            Some("queue") | None => {}
            Some(kind) => {
                item.error(
                    errs,
                    format!(
                        "a topic's subscriber must be a queue, but `{}` is {} {kind}",
                        ids.id(q).unwrap_or("?"),
                        article(kind)
                    ),
                    Some(
                        "each subscriber group is a queue node with its own consumers: put a kind = \"queue\" in front of it"
                            .into(),
                    ),
                );
                ok = false;
                continue;
            }
        }
        if subscribers.contains(&q) {
            item.error(
                errs,
                format!("`{}` subscribes twice", ids.id(q).unwrap_or("?")),
                Some("each subscriber queue gets one copy per message: name it once".into()),
            );
            ok = false;
            continue;
        }
        subscribers.push(q);
    }
    ok.then_some(NodeKind::Topic(TopicSpec { subscribers }))
}
