//! What a design may change in a level: locked knobs, components that may be added, upper limits, work not dropped; the traffic, objectives and chaos are the level's.

use std::fmt;

use toml::{Table, Value};

use super::Level;
use crate::scenario;
use crate::scenario::CDN_MISS_PENALTY;
use crate::sim::Model;
use crate::sim::model::{DEFAULT_KEYS_PER_UNIT, DEFAULT_WORKERS_PER_UNIT, NodeKind, WritePolicy};
use crate::sim::time::SimTime;

/// Why a design cannot sit the exam: every limit it breaks, one line each.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub breaches: Vec<String>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the design breaks the level's rules:")?;
        for b in &self.breaches {
            writeln!(f, "  - {b}")?;
        }
        Ok(())
    }
}

/// `model` as the scenario file `to_toml` writes (every field spelled out).
fn document(model: &Model) -> Table {
    scenario::to_toml(model).parse().unwrap_or_default()
}

fn array(doc: &Table, key: &str) -> Vec<Value> {
    doc.get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Each node's table as `to_toml` writes it, by id, in file order.
pub fn node_tables(model: &Model) -> Vec<(String, Table)> {
    nodes_of(&document(model))
}

fn nodes_of(doc: &Table) -> Vec<(String, Table)> {
    array(doc, "node")
        .into_iter()
        .filter_map(|v| match v {
            Value::Table(t) => {
                let id = t.get("id")?.as_str()?.to_string();
                Some((id, t))
            }
            _ => None,
        })
        .collect()
}

/// Checks `design` against `level`'s rules.
pub fn check(level: &Level, design: &Model) -> Result<(), Refusal> {
    let (start, mine) = (document(&level.model), document(design));
    let mut breaches = Vec::new();
    fixed_parts(&start, &mine, &mut breaches);
    let old = nodes_of(&start);
    let new = nodes_of(&mine);
    for (id, before) in &old {
        match new.iter().find(|(n, _)| n == id) {
            None => breaches.push(format!("node `{id}` is removed: the level keeps it")),
            Some((_, after)) => changed_fields(level, (id, &mine), before, after, &mut breaches),
        }
    }
    for (id, t) in new.iter().filter(|(n, _)| !old.iter().any(|(o, _)| o == n)) {
        added_node(level, id, t, &mut breaches);
    }
    added_physics(level, design, &mut breaches);
    for (id, t) in &new {
        super::limits::breaches(level, id, t, &mut breaches);
    }
    super::kept_paths::breaches(&level.model, &level.spec.redesign, design, &mut breaches);
    super::kept_paths::stand_ins(&level.model, design, &mut breaches);
    super::call_counts::breaches(level, design, &mut breaches);
    super::call_changes::breaches(level, design, &mut breaches);
    if breaches.is_empty() {
        Ok(())
    } else {
        Err(Refusal { breaches })
    }
}

/// The exam's length, traffic, objectives and chaos are the level's.
fn fixed_parts(start: &Table, mine: &Table, breaches: &mut Vec<String>) {
    let scenario = |d: &Table| d.get("scenario").and_then(Value::as_table).cloned();
    let (a, b) = (
        scenario(start).unwrap_or_default(),
        scenario(mine).unwrap_or_default(),
    );
    for key in [
        "duration",
        "warmup",
        "window",
        "max_in_flight",
        "max_events",
    ] {
        if a.get(key) != b.get(key) {
            breaches.push(format!(
                "`scenario.{key}` is locked: the exam runs the level's {key}"
            ));
        }
    }
    let parts = [
        ("workload", "the traffic ([[workload]]) is the level's"),
        (
            "objective",
            "the objectives ([[objective]]) are the level's",
        ),
        (
            "event",
            "the chaos ([[event]]) is the level's: put a live change in the node's settings",
        ),
    ];
    for (key, why) in parts {
        if array(start, key) != array(mine, key) {
            breaches.push(format!("the design changes its [[{key}]]s: {why}"));
        }
    }
}

fn changed_fields(
    level: &Level,
    (id, mine): (&str, &Table),
    before: &Table,
    after: &Table,
    out: &mut Vec<String>,
) {
    let keys = before
        .keys()
        .chain(after.keys().filter(|k| !before.contains_key(*k)));
    let mut followed: Option<Option<(Table, Vec<String>)>> = None;
    for key in keys {
        if key == "pos" || before.get(key) == after.get(key) {
            continue;
        }
        let Some(reason) = level.spec.lock_reason(id, key) else {
            continue;
        };
        let show = |t: &Table| t.get(key).map_or_else(|| unset(key), Value::to_string);
        // A locked field that only follows the unlocked ones the design
        // changed was not written by the learner: one that appears with
        // its default (a write-back's flush interval) is no change; one
        // the level sets, moved (a maximum raised to the backoff set), is
        // told as the change that moved it.
        let follows = followed.get_or_insert_with(|| following(level, id, before, after));
        if let Some((t, moved_by)) = follows
            && t.get(key) == after.get(key)
        {
            if before.contains_key(key) {
                out.push(format!(
                    "{} moves `{id}.{key}` from {} to {}, and it is locked ({reason})",
                    moved_by.join(" and "),
                    show(before),
                    show(after)
                ));
            }
            continue;
        }
        // A locked field the level leaves unset that the design has only
        // because its loader spells out a default (a leaky bucket's
        // capacity once the algorithm is switched) was not written by the
        // learner: it is told as what the changes brought, not as theirs.
        if !before.contains_key(key) && by_default(mine, id, key, after) {
            let changes = plain_changes(level, id, before, after);
            let by = match changes.len() {
                0 => "the design's changes give".to_string(),
                1 => format!("{} gives", changes[0]),
                _ => format!("{} give", changes.join(" and ")),
            };
            out.push(format!(
                "`{id}.{key}` is locked ({reason}): the level has none, and {by} it one \
                 (its default, {})",
                show(after)
            ));
            continue;
        }
        out.push(format!(
            "`{id}.{key}` is locked ({reason}): the level has {}, the design {}",
            show(before),
            show(after)
        ));
    }
}

/// Whether node `id`'s `key` in the design `mine` is there only as a
/// default: left out of the design's file, it comes back as `after` has it.
fn by_default(mine: &Table, id: &str, key: &str, after: &Table) -> bool {
    let mut doc = mine.clone();
    let Some(Value::Array(nodes)) = doc.get_mut("node") else {
        return false;
    };
    for n in nodes.iter_mut() {
        if let Value::Table(t) = n
            && t.get("id").and_then(Value::as_str) == Some(id)
        {
            t.remove(key);
        }
    }
    let Ok(text) = toml::to_string(&doc) else {
        return false;
    };
    let Ok(model) = scenario::load_str(&text, "design.toml", &[]) else {
        return false;
    };
    (node_tables(&model).into_iter())
        .find(|(n, _)| n == id)
        .is_some_and(|(_, t)| t.get(key) == after.get(key))
}

/// The plain values (not tables or lists) of node `id`'s unlocked fields
/// the design changed, as `(key, value)`.
fn plain_changed<'a>(
    level: &Level,
    id: &str,
    before: &Table,
    after: &'a Table,
) -> Vec<(&'a String, &'a Value)> {
    (after.iter())
        .filter(|(k, v)| {
            before.get(*k) != Some(*v)
                && level.spec.lock_reason(id, k).is_none()
                && !matches!(v, Value::Table(_) | Value::Array(_))
        })
        .collect()
}

/// Those changes as a refusal names them (`` `id.k` = v ``).
fn plain_changes(level: &Level, id: &str, before: &Table, after: &Table) -> Vec<String> {
    (plain_changed(level, id, before, after).iter())
        .map(|(k, v)| format!("`{id}.{k}` = {v}"))
        .collect()
}

/// Node `id`'s table in the level's design with only the plain values
/// (not tables or lists) of the unlocked fields the design changed
/// applied: what its locked fields become by themselves (defaults, clamps).
/// Also the changes applied, as the refusal names them (`` `id.k` = v ``).
fn following(
    level: &Level,
    id: &str,
    before: &Table,
    after: &Table,
) -> Option<(Table, Vec<String>)> {
    let changed = plain_changed(level, id, before, after);
    if changed.is_empty() {
        return None;
    }
    let set: Vec<String> = (changed.iter())
        .map(|(k, v)| format!("{id}.{k}={v}"))
        .collect();
    let named = plain_changes(level, id, before, after);
    // The level's own file leaves its defaults unwritten (a maximum that
    // follows the backoff); `to_toml` of its model spells them out.
    let model = level.load_design(None, &set).ok().or_else(|| {
        let text = scenario::to_toml(&level.model);
        scenario::load_str(&text, "level.toml", &set).ok()
    })?;
    let table = (node_tables(&model).into_iter()).find_map(|(n, t)| (n == id).then_some(t))?;
    Some((table, named))
}

/// How a field the scenario file leaves out reads: its default where
/// that is a plain figure.
fn unset(key: &str) -> String {
    match key {
        "cost_per_hour" => "0".to_string(),
        _ => "(not set)".to_string(),
    }
}

fn added_node(level: &Level, id: &str, t: &Table, out: &mut Vec<String>) {
    let kind = t.get("kind").and_then(Value::as_str).unwrap_or("?");
    if !level.spec.add.iter().any(|k| k == kind) {
        let may = if level.spec.add.is_empty() {
            "this level adds no components".to_string()
        } else {
            format!("this level lets you add: {}", level.spec.add.join(", "))
        };
        out.push(format!(
            "node `{id}` is a {kind} added to the design: {may}"
        ));
        return;
    }
    let price = level
        .spec
        .price
        .iter()
        .find(|(k, _)| k == kind)
        .map(|(_, p)| *p);
    let cost = t.get("cost_per_hour").and_then(value_f64).unwrap_or(0.0);
    if let (Some(p), c) = (price, cost)
        && (p - c).abs() > 1e-9
    {
        out.push(format!(
            "`{id}.cost_per_hour` is {c}: an added {kind} costs {p} $/h per unit in this level"
        ));
    }
    for (field, default) in [
        ("workers_per_unit", DEFAULT_WORKERS_PER_UNIT as f64),
        ("keys_per_unit", DEFAULT_KEYS_PER_UNIT as f64),
    ] {
        if let Some(v) = t.get(field).and_then(value_f64)
            && v != default
        {
            out.push(format!(
                "`{id}.{field}` is {v}: an added node's unit is the default ({default})"
            ));
        }
    }
}

/// The longest an added write-back cache may hold its writes: 4.1, the
/// level that teaches write-back, allows 10 s; longer, a short exam never
/// sees the store written.
const MAX_ADDED_FLUSH: SimTime = SimTime::from_secs(10);

/// An added cache starts empty, flushes a write-back within
/// [`MAX_ADDED_FLUSH`], and an added CDN's edge is as far from its origin
/// as any: a warm start, writes held past the exam or a shorter trip are
/// the level's to give, not a knob of the design's.
fn added_physics(level: &Level, design: &Model, out: &mut Vec<String>) {
    let added = (design.nodes.iter()).filter(|n| level.model.node_index(&n.id).is_none());
    for n in added {
        let NodeKind::Cache(c) = &n.kind else {
            continue;
        };
        if c.warm > 0.0 {
            out.push(format!(
                "`{}.warm` is set: an added cache starts empty in the exam",
                n.id
            ));
        }
        if let WritePolicy::WriteBack { flush_interval } = c.write_policy
            && flush_interval > MAX_ADDED_FLUSH
        {
            out.push(format!(
                "`{}.flush_interval` = {flush_interval} is over {MAX_ADDED_FLUSH}: an added \
                 write-back cache flushes its writes to the store within the exam (an hour's \
                 flush never writes them)",
                n.id
            ));
        }
        let trip = c.miss_penalty.map_or(0.0, |d| d.mean());
        if c.edge && trip < CDN_MISS_PENALTY - 1e-12 {
            out.push(format!(
                "`{}.miss_penalty` is under {} ms: an added CDN's trip to its origin is the \
                 network's",
                n.id,
                CDN_MISS_PENALTY * 1e3
            ));
        }
    }
}

fn value_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}
