//! `set` events: the node or workload field a `[[event]]` with `action = "set"` changes, and its new value, read into a live `Command`.

use toml::de::DeValue;

use crate::scenario::distribution;
use crate::scenario::reader::{Errors, Field, Span, Table};
use crate::scenario::suggest;
use crate::sim::command::Command;
use crate::sim::limits::{
    LIMITER_LIMIT, LIMITER_RATE, LINE_CAPACITY, READ_FRACTION, READ_REPLICAS, REPLICAS, WORKERS,
    WORKLOAD_RATE,
};
use crate::sim::model::{CachePolicy, LbAlgorithm, LimiterAlgorithm, NodeIdx, NodeKind};

use super::events::{Context, open_loop, required, sub_span, workload_named};
use super::{KINDS, article, list};

/// The value that clears an optional setting (`queue`, `timeout`, `ttl`).
pub(crate) const NONE_VALUE: &str = "none";

/// The fields a `set` event may change on each node kind.
pub(crate) fn tunable(kind: &NodeKind) -> &'static [&'static str] {
    match kind {
        NodeKind::Service(_) => &["replicas", "workers", "queue", "service_time", "timeout"],
        NodeKind::LoadBalancer(_) => &["algorithm"],
        NodeKind::Cache(c) if c.workers.is_some() => {
            &["capacity", "policy", "ttl", "hit_time", "workers", "queue"]
        }
        NodeKind::Cache(_) => &["capacity", "policy", "ttl", "hit_time"],
        NodeKind::Database(_) => &[
            "read_replicas",
            "workers",
            "queue",
            "service_time",
            "timeout",
        ],
        NodeKind::Queue(_) => &["consumers", "capacity", "service_time"],
        NodeKind::Topic(_) => &[],
        NodeKind::External(_) => &["latency"],
        NodeKind::RateLimiter(r) => match r.algorithm {
            LimiterAlgorithm::TokenBucket { .. } | LimiterAlgorithm::LeakyBucket { .. } => {
                &["rate"]
            }
            LimiterAlgorithm::FixedWindow { .. } | LimiterAlgorithm::SlidingWindow { .. } => {
                &["limit"]
            }
        },
    }
}

/// The fields a `set` event may change on a workload.
pub(crate) const WORKLOAD_TUNABLE: [&str; 2] = ["rate", "read_fraction"];

/// `target = "node.field"` or `"workload.<name>.field"` and its `value`.
pub(super) fn read_set(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    cx: &Context<'_>,
) -> Option<Command> {
    let target_field = required(
        errs,
        t,
        "target",
        "what to change, e.g. target = \"api.replicas\" or \"workload.users.rate\"",
    );
    let value = required(errs, t, "value", "the new value, e.g. value = 6");
    let tf = target_field?;
    let text = tf.str(errs)?;
    let parts: Vec<&str> = text.split('.').collect();
    if parts.first() == Some(&"workload") {
        return read_workload_set(errs, &tf, text, &parts, value, cx);
    }
    let example = "write NODE.FIELD (e.g. \"api.replicas\") or workload.NAME.FIELD (e.g. \"workload.users.rate\")";
    let [id, field] = parts.as_slice() else {
        tf.error(
            errs,
            format!("`{text}` is not a field to set"),
            Some(example.into()),
        );
        return None;
    };
    let id_span = sub_span(errs, &tf, text, 0, id.len());
    let node = cx.ids.resolve_name(errs, &tf, id, id_span)?;
    let kind = &cx.nodes.get(node).and_then(Option::as_ref)?.kind;
    if !tunable(kind).contains(field) {
        let field_span = sub_span(errs, &tf, text, id.len() + 1, field.len());
        not_tunable(errs, &tf, field_span, field, kind);
        return None;
    }
    node_command(errs, node, field, kind, &value?)
}

/// `workload.<name>.field`: a workload's rate or read fraction.
fn read_workload_set(
    errs: &mut Errors<'_>,
    tf: &Field<'_, '_>,
    text: &str,
    parts: &[&str],
    value: Option<Field<'_, '_>>,
    cx: &Context<'_>,
) -> Option<Command> {
    if parts.len() < 3 {
        tf.error(
            errs,
            format!("`{text}` names no workload field"),
            Some(
                "write workload.NAME.FIELD, e.g. \"workload.users.rate\" or \"workload.0.rate\""
                    .into(),
            ),
        );
        return None;
    }
    let field = parts.last().copied().unwrap_or("");
    let name_len = text
        .len()
        .saturating_sub("workload.".len() + field.len() + 1);
    let name = text.get("workload.".len().."workload.".len() + name_len)?;
    let name_span = sub_span(errs, tf, text, "workload.".len(), name.len());
    let w = workload_named(errs, tf, cx, name, name_span)?;
    let field_span = sub_span(errs, tf, text, text.len() - field.len(), field.len());
    if !WORKLOAD_TUNABLE.contains(&field) {
        errs.error(
            &field_span,
            &tf.path,
            format!("`{field}` of a workload cannot be set during a run"),
            suggest::closest(field, &WORKLOAD_TUNABLE)
                .map(|k| format!("did you mean `{k}`?"))
                .or_else(|| {
                    Some("a `set` event can change a workload's `rate` and `read_fraction`".into())
                }),
        );
        return None;
    }
    let value = value?;
    if field == "rate" {
        let w = open_loop(errs, tf, cx, w, "setting `rate`")?;
        let rate = value.number_within(errs, WORKLOAD_RATE)?;
        Some(Command::SetWorkloadRate { workload: w, rate })
    } else {
        let classed = cx
            .workloads
            .get(w)
            .and_then(Option::as_ref)
            .is_some_and(|wl| !wl.classes.is_empty());
        if classed {
            tf.error(
                errs,
                format!(
                    "workload `{}` draws its requests from classes: it has no read fraction to set",
                    cx.names.get(w).map_or("?", String::as_str)
                ),
                Some("each class's `op` makes its requests reads or writes; change the shares in `classes`".into()),
            );
            return None;
        }
        let read_fraction = value.number_within(errs, READ_FRACTION)?;
        Some(Command::SetReadFraction {
            workload: w,
            read_fraction,
        })
    }
}

/// Reports `field` of a node of `kind` as one a `set` event cannot change
/// (a field of the kind, or an unknown one), at `field_span`.
fn not_tunable(
    errs: &mut Errors<'_>,
    tf: &Field<'_, '_>,
    field_span: Span,
    field: &str,
    kind: &NodeKind,
) {
    let kind_name = kind.name();
    let can = tunable(kind);
    let is_field = KINDS
        .iter()
        .any(|(k, fs)| *k == kind_name && fs.contains(&field))
        || matches!(field, "id" | "kind" | "pos" | "cost_per_hour");
    let ticked: Vec<String> = can.iter().map(|f| format!("`{f}`")).collect();
    let allowed = if can.is_empty() {
        format!(
            "nothing on {} {kind_name} can change during a run",
            article(kind_name)
        )
    } else {
        format!(
            "a `set` event can change these fields of {} {kind_name}: {}",
            article(kind_name),
            list(&ticked)
        )
    };
    let (message, hint) = if is_field {
        (
            format!(
                "`{field}` of {} {kind_name} cannot be set during a run",
                article(kind_name)
            ),
            Some(allowed),
        )
    } else {
        (
            format!(
                "unknown field `{field}` for {} {kind_name}",
                article(kind_name)
            ),
            suggest::closest(field, can)
                .map(|k| format!("did you mean `{k}`?"))
                .or(Some(allowed)),
        )
    };
    errs.error(&field_span, &tf.path, message, hint);
}

/// The command that sets `field` of `node` (of `kind`, where `field` is
/// tunable) to the value in `v`.
fn node_command(
    errs: &mut Errors<'_>,
    node: NodeIdx,
    field: &str,
    kind: &NodeKind,
    v: &Field<'_, '_>,
) -> Option<Command> {
    let command = match (field, kind) {
        ("replicas", _) => Command::SetReplicas {
            node,
            replicas: v.count_within(errs, REPLICAS)?,
        },
        ("workers" | "consumers", _) => Command::SetWorkers {
            node,
            workers: v.count_within(errs, WORKERS)?,
        },
        ("queue", _) | ("capacity", NodeKind::Queue(_)) => Command::SetQueueCapacity {
            node,
            capacity: optional(errs, v, "an integer", |errs| {
                v.count_within(errs, LINE_CAPACITY)
            })?,
        },
        ("service_time" | "hit_time" | "latency", _) => Command::SetServiceTime {
            node,
            dist: distribution::read(errs, v)?,
        },
        ("timeout", _) => Command::SetTimeout {
            node,
            timeout: optional(errs, v, "a duration", |errs| v.positive_duration(errs))?,
        },
        ("algorithm", _) => {
            let names: Vec<&str> = LbAlgorithm::ALL.iter().map(|a| a.name()).collect();
            let k = v.choice(errs, "load-balancing algorithm", &names)?;
            Command::SetLbAlgorithm {
                node,
                algorithm: LbAlgorithm::ALL.get(k).copied()?,
            }
        }
        ("capacity", _) => Command::SetCacheCapacity {
            node,
            capacity: v.int(errs, 0, i64::MAX)?.unsigned_abs(),
        },
        ("policy", _) => {
            let names: Vec<&str> = CachePolicy::ALL.iter().map(|p| p.name()).collect();
            let k = v.choice(errs, "cache policy", &names)?;
            Command::SetCachePolicy {
                node,
                policy: CachePolicy::ALL.get(k).copied()?,
            }
        }
        ("ttl", _) => Command::SetCacheTtl {
            node,
            ttl: optional(errs, v, "a duration", |errs| v.positive_duration(errs))?,
        },
        ("rate", NodeKind::RateLimiter(_)) => Command::SetLimiterRate {
            node,
            rate: v.number_within(errs, LIMITER_RATE)?,
        },
        ("limit", NodeKind::RateLimiter(_)) => Command::SetLimiterLimit {
            node,
            limit: v.count_within(errs, LIMITER_LIMIT)?,
        },
        _ => Command::SetReadReplicas {
            node,
            replicas: v.count_within(errs, READ_REPLICAS)?,
        },
    };
    Some(command)
}

/// `"none"` (no limit), or what `read` reads.
fn optional<T>(
    errs: &mut Errors<'_>,
    v: &Field<'_, '_>,
    what: &str,
    read: impl FnOnce(&mut Errors<'_>) -> Option<T>,
) -> Option<Option<T>> {
    match v.get() {
        DeValue::String(s) if s.as_ref() == NONE_VALUE => Some(None),
        DeValue::String(s) if what == "an integer" => {
            v.error(
                errs,
                format!("expected an integer or \"{NONE_VALUE}\", found the string \"{s}\""),
                Some(format!("\"{NONE_VALUE}\" removes the limit")),
            );
            None
        }
        _ => read(errs).map(Some),
    }
}
