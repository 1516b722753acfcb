//! The edges of a design as the editor draws them: which kinds each node may have, connecting and disconnecting, and keeping every reference right when a node is renamed or removed.

use std::fmt;

use toml::{Table, Value};

/// What an edge from one node to another means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// A traffic source's requests enter here (a workload's `to`).
    Entry,
    /// A load balancer spreads over this service's replicas (`to`).
    Balance,
    /// A synchronous call, the caller waiting (`calls`, services and queue consumers).
    Call,
    /// Passed on when done, the worker freed (a service's `to`).
    Forward,
    /// A cache asks here on a miss (`on_miss`).
    Miss,
    /// A CDN's origin (`origin`).
    Origin,
    /// Where a rate limiter sends what it admits (`to`).
    Admit,
    /// A topic stores a copy of each message in this queue (`subscribers`).
    Subscribe,
}

impl EdgeKind {
    pub const ALL: [EdgeKind; 8] = [
        EdgeKind::Entry,
        EdgeKind::Balance,
        EdgeKind::Call,
        EdgeKind::Forward,
        EdgeKind::Miss,
        EdgeKind::Origin,
        EdgeKind::Admit,
        EdgeKind::Subscribe,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::Entry => "entry",
            EdgeKind::Balance => "balance",
            EdgeKind::Call => "call",
            EdgeKind::Forward => "forward",
            EdgeKind::Miss => "miss path",
            EdgeKind::Origin => "origin",
            EdgeKind::Admit => "admit",
            EdgeKind::Subscribe => "subscriber",
        }
    }

    /// The field of the node's table that holds this edge.
    pub fn field(self) -> &'static str {
        match self {
            EdgeKind::Call => "calls",
            EdgeKind::Miss => "on_miss",
            EdgeKind::Origin => "origin",
            EdgeKind::Subscribe => "subscribers",
            EdgeKind::Entry | EdgeKind::Balance | EdgeKind::Forward | EdgeKind::Admit => "to",
        }
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The edges a node of `kind` may start, the usual one first.
pub fn edge_kinds(kind: &str) -> &'static [EdgeKind] {
    match kind {
        "load_balancer" => &[EdgeKind::Balance],
        "service" => &[EdgeKind::Call, EdgeKind::Forward],
        "queue" => &[EdgeKind::Call],
        "cache" => &[EdgeKind::Miss],
        "cdn" => &[EdgeKind::Origin],
        "rate_limiter" => &[EdgeKind::Admit],
        "topic" => &[EdgeKind::Subscribe],
        _ => &[],
    }
}

pub(super) fn names(kinds: &[EdgeKind]) -> String {
    if kinds.is_empty() {
        return "none".into();
    }
    kinds
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds the edge to `node`'s table. A single-valued edge (balance, miss,
/// origin, admit) replaces the one there; calls and forwards add a route.
pub(super) fn connect(
    node: &mut Table,
    to: &str,
    kind: EdgeKind,
    when: Option<&str>,
) -> Result<(), String> {
    if let Some(w) = when
        && !matches!(kind, EdgeKind::Call | EdgeKind::Forward)
    {
        return Err(format!(
            "a {kind} edge takes every request (no `when = \"{w}\"`)"
        ));
    }
    match kind {
        EdgeKind::Call | EdgeKind::Forward => {
            let routes = routes_mut(node, kind.field());
            if routes
                .iter()
                .any(|r| route_to(r) == Some(to) && route_when(r) == when)
            {
                return Err(format!(
                    "there is already a {kind} to `{to}` for these requests"
                ));
            }
            let mut r = Table::new();
            r.insert("to".into(), Value::String(to.into()));
            if let Some(w) = when {
                r.insert("when".into(), Value::String(w.into()));
            }
            routes.push(Value::Table(r));
        }
        EdgeKind::Subscribe => {
            let list = node
                .entry("subscribers")
                .or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(ids) = list else {
                return Err("`subscribers` is not a list".into());
            };
            if ids.iter().any(|v| v.as_str() == Some(to)) {
                return Err(format!("`{to}` already subscribes"));
            }
            ids.push(Value::String(to.into()));
        }
        _ => {
            node.insert(kind.field().into(), Value::String(to.into()));
        }
    }
    Ok(())
}

/// Removes every edge of `kind` from `node` to `to`.
pub(super) fn disconnect(
    node: &mut Table,
    to: &str,
    kind: EdgeKind,
    index: Option<usize>,
) -> Result<(), String> {
    let field = kind.field();
    let removed = match node.get_mut(field) {
        Some(Value::String(s)) if s == to && index.is_none_or(|i| i == 0) => {
            node.remove(field);
            true
        }
        Some(Value::Array(a)) => {
            let n = a.len();
            let mut at = 0;
            a.retain(|r| {
                let keep = route_to(r) != Some(to) || index.is_some_and(|i| i != at);
                at += 1;
                keep
            });
            let removed = a.len() != n;
            if a.is_empty() {
                node.remove(field);
            }
            removed
        }
        _ => false,
    };
    if removed {
        Ok(())
    } else {
        Err(format!("there is no {kind} edge to `{to}`"))
    }
}

/// Every route of a calls/forward field as an array of tables (a single
/// id or bare ids in an array become `{ to = id }`).
fn routes_mut<'a>(node: &'a mut Table, field: &str) -> &'a mut Vec<Value> {
    let v = node
        .entry(field.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    let items = match std::mem::replace(v, Value::Array(Vec::new())) {
        Value::Array(a) => a,
        other => vec![other],
    };
    let items = items
        .into_iter()
        .map(|r| match r {
            Value::String(id) => {
                let mut t = Table::new();
                t.insert("to".into(), Value::String(id));
                Value::Table(t)
            }
            other => other,
        })
        .collect();
    *v = Value::Array(items);
    match v {
        Value::Array(a) => a,
        _ => unreachable!("made an array just above"),
    }
}

fn route_to(r: &Value) -> Option<&str> {
    match r {
        Value::String(s) => Some(s),
        Value::Table(t) => t.get("to").and_then(Value::as_str),
        _ => None,
    }
}

fn route_when(r: &Value) -> Option<&str> {
    r.as_table()
        .and_then(|t| t.get("when"))
        .and_then(Value::as_str)
}

/// The node fields that name another node.
const NODE_REFS: [&str; 5] = ["to", "calls", "on_miss", "origin", "subscribers"];

/// Removes every reference to node `id`: edges of nodes and sources, and
/// the events and objectives that name it.
pub(super) fn forget(doc: &mut Table, id: &str) {
    for node in tables_mut(doc, "node") {
        for field in NODE_REFS {
            match node.get_mut(field) {
                Some(Value::String(s)) if s == id => {
                    node.remove(field);
                }
                Some(Value::Array(a)) => {
                    a.retain(|r| route_to(r) != Some(id));
                    if a.is_empty() {
                        node.remove(field);
                    }
                }
                _ => {}
            }
        }
    }
    for w in tables_mut(doc, "workload") {
        if w.get("to").and_then(Value::as_str) == Some(id) {
            w.remove("to");
        }
    }
    for key in ["event", "objective"] {
        if let Some(Value::Array(a)) = doc.get_mut(key) {
            a.retain(|e| !e.as_table().is_some_and(|t| names_node(t, id)));
        }
    }
}

/// Whether an event or objective table names node `id`.
fn names_node(t: &Table, id: &str) -> bool {
    ["node", "from", "to"].iter().any(|k| {
        t.get(*k)
            .and_then(Value::as_str)
            .is_some_and(|v| instance_of(v) == id)
    }) || t
        .get("target")
        .and_then(Value::as_str)
        .is_some_and(|v| v.split('.').next() == Some(id))
}

/// `api` of `api`, `api[2]` or `db.replica[1]`.
fn instance_of(name: &str) -> &str {
    name.split(['[', '.']).next().unwrap_or(name)
}

/// Renames node `from` to `to` in its own table and everywhere it is named.
pub(super) fn rename(doc: &mut Table, from: &str, to: &str) {
    let swap = |s: &mut String| {
        if s == from {
            *s = to.to_string();
        } else if let Some(rest) = s.strip_prefix(from)
            && (rest.starts_with('[') || rest.starts_with('.'))
        {
            *s = format!("{to}{rest}");
        }
    };
    for node in tables_mut(doc, "node") {
        if let Some(Value::String(s)) = node.get_mut("id") {
            swap(s);
        }
        for field in NODE_REFS {
            match node.get_mut(field) {
                Some(Value::String(s)) => swap(s),
                Some(Value::Array(a)) => {
                    for r in a {
                        match r {
                            Value::String(s) => swap(s),
                            Value::Table(t) => {
                                if let Some(Value::String(s)) = t.get_mut("to") {
                                    swap(s);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    for key in ["workload", "event", "objective"] {
        for t in tables_mut(doc, key) {
            for field in ["to", "node", "from", "target"] {
                if let Some(Value::String(s)) = t.get_mut(field) {
                    swap(s);
                }
            }
        }
    }
}

fn tables_mut<'a>(doc: &'a mut Table, key: &str) -> impl Iterator<Item = &'a mut Table> {
    doc.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table_mut)
}
