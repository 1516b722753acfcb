//! The keys of a level's limits (`max`, `min`): a node's size (`api.replicas`), an added kind's (`cache.capacity`), or a field inside a node's calls, forwards or autoscaler (`app.calls.db.repeat`, `app.calls.0.pool.size`, `web.to.render.p`, `web.autoscale.cold_start`), as `--set` names nested fields and a workload by name or index.

use crate::scenario::level::LevelSpec;
use crate::sim::model::{Model, NodeKind};

/// Fields of a node itself that a limit may bound (integers, numbers and
/// plain durations).
pub const BOUNDED: [&str; 14] = [
    "replicas",
    "workers",
    "queue",
    "capacity",
    "read_replicas",
    "shards",
    "consumers",
    "rate",
    "burst",
    "limit",
    "max_attempts",
    "flush_interval",
    "hit_time",
    "ttl",
];
/// Fields inside one call: `NODE.calls.<callee or index>.FIELD`.
pub const CALL_BOUNDED: [&str; 8] = [
    "repeat",
    "keys.count",
    "pool.size",
    "retry.attempts",
    "retry.budget",
    "wait.quorum",
    "timeout",
    "hedge",
];
/// Fields inside one forward route: `NODE.to.<target or index>.FIELD`.
pub const ROUTE_BOUNDED: [&str; 1] = ["p"];
/// Fields of a node's autoscaler: `NODE.autoscale.FIELD`.
pub const AUTOSCALE_BOUNDED: [&str; 6] =
    ["min", "max", "target", "interval", "cooldown", "cold_start"];
/// Bounded fields that are durations: their limits are durations too.
const DURATIONS: [&str; 8] = [
    "timeout",
    "hedge",
    "interval",
    "cooldown",
    "cold_start",
    "flush_interval",
    "hit_time",
    "ttl",
];

/// Where a limit's field is, below its node (or kind).
#[derive(Clone, Debug, PartialEq)]
pub enum Place<'k> {
    /// A field of the node itself (`replicas`).
    Node(&'k str),
    /// A field inside the entries of the node's `calls` or `to` list that
    /// go to the node `which` names (or the one at that index from 0).
    Entry {
        list: &'k str,
        which: &'k str,
        field: String,
    },
    /// A field of the node's autoscaler.
    Autoscale(&'k str),
}

/// `key` split into its node (or kind) and the place of its field;
/// `None` when it is not of one of the forms above.
pub fn place(key: &str) -> Option<(&str, Place<'_>)> {
    let parts: Vec<&str> = key.split('.').collect();
    let place = match parts.as_slice() {
        [_, f] => Place::Node(f),
        [_, "autoscale", f] => Place::Autoscale(f),
        [_, list @ ("calls" | "to"), which, rest @ ..] if !rest.is_empty() => Place::Entry {
            list,
            which,
            field: rest.join("."),
        },
        _ => return None,
    };
    Some((parts[0], place))
}

/// Whether the limit on `key` is a duration (its bounded field is one).
pub fn is_duration(key: &str) -> bool {
    key.rsplit('.')
        .next()
        .is_some_and(|f| DURATIONS.contains(&f))
}

/// A limit's value as a level file writes it: a duration for a duration
/// field (`10s`), else the number.
pub fn shown(key: &str, x: f64) -> String {
    if is_duration(key) {
        crate::scenario::format_seconds(x)
    } else {
        format!("{x}")
    }
}

/// The fields a limit may bound at `place`, for the hint.
fn allowed(place: &Place<'_>) -> &'static [&'static str] {
    match place {
        Place::Node(_) => &BOUNDED,
        Place::Entry { list: "calls", .. } => &CALL_BOUNDED,
        Place::Entry { .. } => &ROUTE_BOUNDED,
        Place::Autoscale(_) => &AUTOSCALE_BOUNDED,
    }
}

/// What is wrong with the form of `key`, if anything (no model needed).
pub(crate) fn shape_problem(key: &str) -> Option<(String, Option<String>)> {
    let forms = "write NODE.FIELD (`api.replicas`), NODE.calls.CALLEE.FIELD (`app.calls.db.repeat`, or the call's index from 0: `app.calls.0.pool.size`), NODE.to.TARGET.p or NODE.autoscale.FIELD";
    let Some((_, place)) = place(key) else {
        return Some((
            format!("`{key}` is not a limit a level can set"),
            Some(forms.into()),
        ));
    };
    let field = match &place {
        Place::Node(f) | Place::Autoscale(f) => f.to_string(),
        Place::Entry { field, .. } => field.clone(),
    };
    let fields = allowed(&place);
    if fields.contains(&field.as_str()) {
        return None;
    }
    let what = match place {
        Place::Node(_) => "a limit on a node's size".to_string(),
        Place::Entry { list: "calls", .. } => "a field of a call a limit may bound".into(),
        Place::Entry { .. } => "a field of a forward route a limit may bound".into(),
        Place::Autoscale(_) => "a field of an autoscaler a limit may bound".into(),
    };
    Some((
        format!("`{key}` is not {what}"),
        Some(format!("FIELD here is one of {}", fields.join(", "))),
    ))
}

/// What is wrong with `key` in the level's starting design `m` (a node,
/// or a kind in `spec.add` for a field of the node itself; the call, route
/// or autoscaler it names, an autoscaler the level lets the learner add
/// included), if anything. The form is checked already.
pub(crate) fn model_problem(
    m: &Model,
    spec: &LevelSpec,
    key: &str,
) -> Option<(String, Option<String>)> {
    let add = &spec.add;
    let (owner, place) = place(key)?;
    let ids: Vec<&str> = m.nodes.iter().map(|n| n.id.as_str()).collect();
    let Some(node) = m.nodes.iter().find(|n| n.id == owner) else {
        if matches!(place, Place::Node(_)) && add.iter().any(|k| k == owner) {
            return None;
        }
        let also = if matches!(place, Place::Node(_)) {
            format!(", and `{owner}` is not a kind in `add`")
        } else {
            String::new()
        };
        return Some((
            format!("`{key}`: no node `{owner}`{also}"),
            crate::scenario::suggest::hint(owner, &ids),
        ));
    };
    let (calls, routes, autoscale) = match &node.kind {
        NodeKind::Service(s) => (&s.calls[..], &s.forward[..], s.autoscale.is_some()),
        NodeKind::Queue(q) => (&q.calls[..], &[][..], false),
        _ => (&[][..], &[][..], false),
    };
    let targets: Vec<&str> = match &place {
        Place::Node(_) => return None,
        Place::Autoscale(_) if autoscale => return None,
        Place::Autoscale(_)
            if matches!(node.kind, NodeKind::Service(_))
                && spec.is_unlocked(owner, "autoscale") =>
        {
            return None;
        }
        Place::Autoscale(_) => {
            return Some((
                format!("`{key}`: `{owner}` has no autoscaler"),
                Some(
                    "a limit inside a table needs the table in the level's design, or a \
                     service whose `autoscale` the level unlocks"
                        .into(),
                ),
            ));
        }
        Place::Entry { list: "calls", .. } => calls.iter().map(|c| ids[c.to]).collect(),
        Place::Entry { .. } => routes.iter().map(|r| ids[r.to]).collect(),
    };
    let Place::Entry { list, which, .. } = place else {
        return None;
    };
    let found = match which.parse::<usize>() {
        Ok(i) => i < targets.len(),
        Err(_) => targets.contains(&which),
    };
    // A call the learner may add: to a node of the level, from a node
    // whose calls the level unlocks (2.3 bounds reads of `star-posts`).
    let may_add = list == "calls" && ids.contains(&which) && spec.is_unlocked(owner, "calls");
    if found || may_add {
        return None;
    }
    let hint = if targets.is_empty() {
        format!("`{owner}` has no `{list}` in the level's design")
    } else {
        format!(
            "name the entry by its node ({}) or its index from 0 (0..{})",
            targets.join(", "),
            targets.len()
        )
    };
    Some((
        format!("`{key}`: `{owner}.{list}` has no entry `{which}`"),
        Some(hint),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_into_a_node_and_a_place() {
        assert_eq!(
            place("api.replicas"),
            Some(("api", Place::Node("replicas")))
        );
        assert_eq!(
            place("app.calls.db.pool.size"),
            Some((
                "app",
                Place::Entry {
                    list: "calls",
                    which: "db",
                    field: "pool.size".into()
                }
            ))
        );
        assert_eq!(
            place("web.autoscale.cold_start"),
            Some(("web", Place::Autoscale("cold_start")))
        );
        assert_eq!(place("api"), None);
        assert_eq!(place("app.calls.db"), None);
        assert!(is_duration("web.autoscale.cold_start") && !is_duration("app.calls.0.repeat"));
        assert!(shape_problem("app.calls.0.repeat").is_none());
        assert!(shape_problem("app.calls.0.when").is_some());
        assert!(shape_problem("app.service_time").is_some());
    }
}
