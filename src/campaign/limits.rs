//! A design against a level's limits (`max`, `min`): a node's own sizes, and fields inside its calls, forwards and autoscaler, read from the node's table as `to_toml` writes it.

use toml::{Table, Value};

use super::Level;
use crate::scenario::level::limit::{self, Place};
use crate::scenario::units;

/// Every limit node `id` (its table `t`) breaks, one line each.
pub(crate) fn breaches(level: &Level, id: &str, t: &Table, out: &mut Vec<String>) {
    let kind = t.get("kind").and_then(Value::as_str).unwrap_or("");
    for (limits, upper) in [(&level.spec.max, true), (&level.spec.min, false)] {
        for (key, bound) in limits {
            let Some((owner, place)) = limit::place(key) else {
                continue;
            };
            let mine = owner == id || (owner == kind && !level_has(level, owner));
            if !mine {
                continue;
            }
            for (what, value) in values(t, &place) {
                let shown = |x: f64| limit::shown(key, x);
                let field = format!("{id}.{what}");
                match value {
                    Found::Number(x) if upper && x > *bound => out.push(format!(
                        "`{field}` = {} is over the level's limit of {}",
                        shown(x),
                        shown(*bound)
                    )),
                    Found::Number(x) if !upper && x < *bound => out.push(format!(
                        "`{field}` = {} is under the level's least of {}",
                        shown(x),
                        shown(*bound)
                    )),
                    Found::Unset if upper => out.push(format!(
                        "`{field}` is not set (no limit): the level allows at most {}",
                        shown(*bound)
                    )),
                    Found::Other(v) => out.push(format!(
                        "`{field}` = {v} is not a plain number: the level bounds it ({} {})",
                        if upper { "at most" } else { "at least" },
                        shown(*bound)
                    )),
                    _ => {}
                }
            }
        }
    }
}

/// The limit a live change of `id.field` (`id` of `kind`) to `value`
/// breaks, in the words `breaches` gives the exam's refusal; `None` for
/// no value (unset: unbounded) or within the level's limits.
pub fn field_breach(
    level: &Level,
    (id, kind): (&str, &str),
    field: &str,
    value: Option<Value>,
) -> Option<String> {
    let mut t = Table::new();
    t.insert("kind".into(), Value::String(kind.into()));
    t.insert(field.into(), value?);
    let mut out = Vec::new();
    breaches(level, id, &t, &mut out);
    out.into_iter().next()
}

/// Whether `name` is a node of the level's design (else it is a kind).
fn level_has(level: &Level, name: &str) -> bool {
    level.model.nodes.iter().any(|n| n.id == name)
}

/// A bounded field's value in a design.
enum Found {
    Number(f64),
    /// Not set, and unbounded when not set (a call without a pool holds
    /// any number of connections, one without a timeout waits for ever).
    Unset,
    /// Set to something else than a number (a count distribution).
    Other(String),
}

/// The values at `place` in a node's table, each with its path below the
/// node (`calls.db.repeat`).
fn values(t: &Table, place: &Place<'_>) -> Vec<(String, Found)> {
    match place {
        Place::Node(f) => match t.get(*f) {
            Some(v) => vec![(f.to_string(), value(Some(v)))],
            None => Vec::new(),
        },
        Place::Autoscale(f) => match t.get("autoscale").and_then(Value::as_table) {
            Some(a) => vec![(format!("autoscale.{f}"), value(a.get(*f)))],
            None => Vec::new(),
        },
        Place::Entry { list, which, field } => entries(t, list)
            .into_iter()
            .enumerate()
            .filter(|(i, e)| match which.parse::<usize>() {
                Ok(n) => n == *i,
                Err(_) => e.get("to").and_then(Value::as_str) == Some(*which),
            })
            .map(|(_, e)| {
                let v = match (field_value(&e, field), default(field)) {
                    (None, Some(d)) => Found::Number(d),
                    (v, _) => value(v),
                };
                (format!("{list}.{which}.{field}"), v)
            })
            .collect(),
    }
}

fn value(v: Option<&Value>) -> Found {
    match v {
        None => Found::Unset,
        Some(v) => number(v).map_or_else(|| Found::Other(v.to_string()), Found::Number),
    }
}

/// The entries of a node's `calls` or `to`, each as a table (a bare node
/// id is `{ to = id }`).
fn entries(t: &Table, list: &str) -> Vec<Table> {
    let items = match t.get(list) {
        Some(Value::Array(a)) => a.clone(),
        Some(v @ Value::String(_)) => vec![v.clone()],
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|v| match v {
            Value::Table(t) => Some(t),
            Value::String(s) => {
                let mut t = Table::new();
                t.insert("to".into(), Value::String(s));
                Some(t)
            }
            _ => None,
        })
        .collect()
}

/// A dotted field (`pool.size`) of an entry.
fn field_value<'t>(e: &'t Table, field: &str) -> Option<&'t Value> {
    let mut parts = field.split('.');
    let mut v = e.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    Some(v)
}

/// What an unset call field means: one repetition, one attempt.
fn default(field: &str) -> Option<f64> {
    match field {
        "repeat" | "retry.attempts" => Some(1.0),
        _ => None,
    }
}

/// A number, or a duration string in seconds.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::String(s) => units::parse_seconds(s).ok(),
        _ => None,
    }
}
