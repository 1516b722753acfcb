//! A design as an editable document: the edits the window's editor makes (add, move, connect, rename, delete, set a field), undo and redo, each state checked by the loader.
//!
//! The document is the scenario's TOML table, so what the editor saves is
//! what `loadlab run` reads, and every check is the loader's own, with its
//! messages. An edit either applies whole or is refused with a reason (the
//! document is unchanged); an applied edit may still leave the design
//! invalid (a load balancer without a service yet): `check` says where.

pub mod history;
mod palette;
mod sketch;
mod wiring;

pub use toml::{Table, Value};

use crate::scenario::{Diagnostic, load_str};
use crate::sim::Model;

pub use history::History;
pub use palette::{KINDS, new_node, sandbox_prices};
pub use sketch::{NO_TRAFFIC, Sketch};
pub use wiring::{EdgeKind, edge_kinds};

/// The fields a call table may have (the loader's own list): what the
/// build inspector offers under a call edge.
pub const CALL_FIELDS: [&str; 19] = crate::scenario::build::CALL_FIELDS;

/// One change to a design, as the editor's gestures and panels ask for it.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// A node of `kind` with the palette's starting fields (`id` chosen
    /// when `None`), at `pos` in the world view.
    AddNode {
        kind: String,
        id: Option<String>,
        pos: Option<[f64; 2]>,
    },
    /// A traffic source sending `rate` requests per second to `to`.
    AddSource {
        name: Option<String>,
        to: Option<String>,
        rate: f64,
    },
    MoveNode {
        id: String,
        pos: [f64; 2],
    },
    /// Removes a node and every edge to it (nodes left without a required
    /// edge are then flagged by `check`).
    RemoveNode {
        id: String,
    },
    RemoveSource {
        name: String,
    },
    /// Renames a node everywhere it is named (edges, sources, events, objectives).
    RenameNode {
        from: String,
        to: String,
    },
    /// An edge from node (or source) `from` to node `to`, meaning `kind`,
    /// only for requests of type `when` (calls and forwards).
    Connect {
        from: String,
        to: String,
        kind: EdgeKind,
        when: Option<String>,
    },
    /// Removes node `from`'s edges of `kind` to `to`: only the one at
    /// `index` in its list (a node may call another twice, once per type),
    /// or with `None` every one.
    Disconnect {
        from: String,
        to: String,
        kind: EdgeKind,
        index: Option<usize>,
    },
    /// Sets (or with `None` removes) a field of a part of the design, by
    /// its path in that part's table (`service_time.mean`, `keys.count`).
    SetField {
        part: Part,
        path: String,
        value: Option<Value>,
    },
    /// An objective: `metric` below (or above) `bound` (a duration string
    /// for latencies, a number otherwise), as `[[objective]]` writes it.
    AddObjective {
        metric: String,
        below: bool,
        bound: Value,
    },
    RemoveObjective {
        index: usize,
    },
    /// A copy of a node's table (copy and paste): a new id after the
    /// copied one's, moved by `offset` when it has a position.
    PasteNode {
        node: Table,
        offset: [f64; 2],
    },
}

/// A part of the design whose fields `SetField` sets.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    /// `[scenario]`: name, story, duration, warm-up, seed.
    Scenario,
    /// A node, by id.
    Node(String),
    /// A traffic source (`[[workload]]`), by name.
    Source(String),
}

/// The scenario being edited.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    table: Table,
    /// What an added node of each kind costs ($/h per unit), from a
    /// campaign level's `price`: set on nodes the palette adds.
    prices: Vec<(String, f64)>,
}

impl Design {
    /// A blank canvas: a scenario with a name and a duration, nothing else.
    pub fn blank(name: &str) -> Design {
        let mut scenario = Table::new();
        scenario.insert("name".into(), Value::String(name.into()));
        scenario.insert("duration".into(), Value::String("60s".into()));
        scenario.insert("warmup".into(), Value::String("5s".into()));
        let mut table = Table::new();
        table.insert("scenario".into(), Value::Table(scenario));
        Design {
            table,
            prices: Vec::new(),
        }
    }

    /// This design where an added node of a priced kind costs its price
    /// (a level's `price`, by kind, $/h per unit).
    pub fn with_prices(self, prices: Vec<(String, f64)>) -> Design {
        Design { prices, ..self }
    }

    /// A design from scenario text (a file, or `to_toml` of a model).
    pub fn from_text(text: &str) -> Result<Design, String> {
        text.parse::<Table>()
            .map(|table| Design {
                table,
                prices: Vec::new(),
            })
            .map_err(|e| format!("not a TOML scenario: {e}"))
    }

    /// The scenario text, as Save writes it.
    pub fn text(&self) -> String {
        toml::to_string(&self.table).unwrap_or_default()
    }

    /// The loader's verdict on the design as it stands.
    pub fn check(&self, file: &str) -> Result<Model, Vec<Diagnostic>> {
        load_str(&self.text(), file, &[])
    }

    /// The ids of the nodes, in order.
    pub fn node_ids(&self) -> Vec<String> {
        self.nodes()
            .iter()
            .filter_map(|n| n.get("id").and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    /// The kind of node `id`.
    pub fn kind_of(&self, id: &str) -> Option<String> {
        self.node(id)
            .and_then(|n| n.get("kind"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// Node `id`'s table.
    pub fn node(&self, id: &str) -> Option<&Table> {
        self.nodes()
            .into_iter()
            .find(|n| n.get("id").and_then(Value::as_str) == Some(id))
    }

    /// Traffic source `name`'s table.
    pub fn source(&self, name: &str) -> Option<&Table> {
        let sources = self.table.get("workload").and_then(Value::as_array)?;
        (sources.iter())
            .filter_map(Value::as_table)
            .find(|w| w.get("name").and_then(Value::as_str) == Some(name))
    }

    /// Applies `edit`, or leaves the design as it was and says why not.
    pub fn apply(&mut self, edit: &Edit) -> Result<(), String> {
        let mut next = self.clone();
        next.apply_in_place(edit)?;
        *self = next;
        Ok(())
    }

    fn apply_in_place(&mut self, edit: &Edit) -> Result<(), String> {
        match edit {
            Edit::AddNode { kind, id, pos } => self.add_node(kind, id.as_deref(), *pos),
            Edit::AddSource { name, to, rate } => {
                self.add_source(name.as_deref(), to.as_deref(), *rate)
            }
            Edit::MoveNode { id, pos } => {
                self.set_field(&Part::Node(id.clone()), "pos", Some(pos_value(*pos)))
            }
            Edit::RemoveNode { id } => self.remove_node(id),
            Edit::RemoveSource { name } => self.remove_source(name),
            Edit::RenameNode { from, to } => self.rename_node(from, to),
            Edit::Connect {
                from,
                to,
                kind,
                when,
            } => self.connect(from, to, *kind, when.as_deref()),
            Edit::Disconnect {
                from,
                to,
                kind,
                index,
            } => self.disconnect(from, to, *kind, *index),
            Edit::SetField { part, path, value } => self.set_field(part, path, value.clone()),
            Edit::AddObjective {
                metric,
                below,
                bound,
            } => {
                let mut t = Table::new();
                t.insert("metric".into(), Value::String(metric.clone()));
                let side = if *below { "below" } else { "above" };
                t.insert(side.into(), bound.clone());
                self.array_mut("objective").push(Value::Table(t));
                Ok(())
            }
            Edit::PasteNode { node, offset } => self.paste_node(node, *offset),
            Edit::RemoveObjective { index } => {
                let list = self.array_mut("objective");
                if *index >= list.len() {
                    return Err(format!("there is no objective {index}"));
                }
                list.remove(*index);
                Ok(())
            }
        }
    }

    fn add_node(
        &mut self,
        kind: &str,
        id: Option<&str>,
        pos: Option<[f64; 2]>,
    ) -> Result<(), String> {
        let id = match id {
            Some(id) => {
                check_id(id)?;
                if self.node(id).is_some() {
                    return Err(format!("there is already a node `{id}`"));
                }
                id.to_string()
            }
            None => self.fresh_id(kind),
        };
        let mut node = new_node(kind, &id)?;
        if let Some((_, price)) = self.prices.iter().find(|(k, _)| k == kind) {
            node.insert("cost_per_hour".into(), Value::Float(*price));
        }
        if let Some(p) = pos {
            node.insert("pos".into(), pos_value(p));
        }
        self.array_mut("node").push(Value::Table(node));
        Ok(())
    }

    fn paste_node(&mut self, node: &Table, offset: [f64; 2]) -> Result<(), String> {
        let kind = node
            .get("kind")
            .and_then(Value::as_str)
            .ok_or("the copied node has no kind")?;
        let stem = node.get("id").and_then(Value::as_str).unwrap_or(kind);
        let id = (1..)
            .map(|k| {
                format!(
                    "{stem}-copy{}",
                    if k == 1 { String::new() } else { k.to_string() }
                )
            })
            .find(|id| self.node(id).is_none())
            .unwrap_or_default();
        let mut copy = node.clone();
        copy.insert("id".into(), Value::String(id));
        if let Some(Value::Array(p)) = copy.get_mut("pos")
            && let [Value::Float(x), Value::Float(y)] = p.as_mut_slice()
        {
            *x += offset[0];
            *y += offset[1];
        }
        self.array_mut("node").push(Value::Table(copy));
        Ok(())
    }

    fn add_source(
        &mut self,
        name: Option<&str>,
        to: Option<&str>,
        rate: f64,
    ) -> Result<(), String> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(format!(
                "a rate of {rate} requests per second is not a rate (> 0)"
            ));
        }
        let name = match name {
            Some(n) if self.source_index(n).is_some() => {
                return Err(format!("there is already a traffic source `{n}`"));
            }
            Some(n) => n.to_string(),
            None => (1..)
                .map(|k| {
                    format!(
                        "users{}",
                        if k == 1 { String::new() } else { k.to_string() }
                    )
                })
                .find(|n| self.source_index(n).is_none())
                .unwrap_or_default(),
        };
        let mut w = Table::new();
        w.insert("name".into(), Value::String(name));
        if let Some(to) = to {
            self.require_node(to)?;
            w.insert("to".into(), Value::String(to.into()));
        }
        w.insert("rate".into(), Value::Float(rate));
        // Real traffic is skewed: a few keys take most requests, so a
        // cache added to a blank design has something to keep (uniform
        // keys, the file format's default, leave it all but empty).
        let mut keys = Table::new();
        keys.insert("count".into(), Value::Integer(1_000_000));
        keys.insert("popularity".into(), Value::String("zipf".into()));
        keys.insert("s".into(), Value::Float(1.0));
        w.insert("keys".into(), Value::Table(keys));
        self.array_mut("workload").push(Value::Table(w));
        Ok(())
    }

    fn remove_node(&mut self, id: &str) -> Result<(), String> {
        self.require_node(id)?;
        self.array_mut("node")
            .retain(|n| n.get("id").and_then(Value::as_str) != Some(id));
        wiring::forget(&mut self.table, id);
        Ok(())
    }

    fn remove_source(&mut self, name: &str) -> Result<(), String> {
        let k = self
            .source_index(name)
            .ok_or_else(|| format!("there is no traffic source `{name}`"))?;
        self.array_mut("workload").remove(k);
        Ok(())
    }

    fn rename_node(&mut self, from: &str, to: &str) -> Result<(), String> {
        self.require_node(from)?;
        check_id(to)?;
        if from == to {
            return Ok(());
        }
        if self.node(to).is_some() {
            return Err(format!("there is already a node `{to}`"));
        }
        wiring::rename(&mut self.table, from, to);
        Ok(())
    }

    fn connect(
        &mut self,
        from: &str,
        to: &str,
        kind: EdgeKind,
        when: Option<&str>,
    ) -> Result<(), String> {
        self.require_node(to)?;
        if from == to {
            return Err(format!("`{from}` cannot be wired to itself"));
        }
        if let Some(k) = self.source_index(from) {
            if kind != EdgeKind::Entry {
                return Err(format!(
                    "a traffic source only sends its requests: {kind} is for nodes"
                ));
            }
            let w = self.array_mut("workload")[k]
                .as_table_mut()
                .ok_or("bad workload")?;
            w.insert("to".into(), Value::String(to.into()));
            return Ok(());
        }
        let from_kind = self
            .kind_of(from)
            .ok_or_else(|| format!("there is no node `{from}`"))?;
        if !edge_kinds(&from_kind).contains(&kind) {
            return Err(format!(
                "a {} cannot have a {kind} edge (it may have: {})",
                from_kind.replace('_', " "),
                wiring::names(edge_kinds(&from_kind))
            ));
        }
        let node = self.node_mut(from)?;
        wiring::connect(node, to, kind, when)
    }

    fn disconnect(
        &mut self,
        from: &str,
        to: &str,
        kind: EdgeKind,
        index: Option<usize>,
    ) -> Result<(), String> {
        if let Some(k) = self.source_index(from) {
            let w = self.array_mut("workload")[k]
                .as_table_mut()
                .ok_or("bad workload")?;
            return match w.get("to").and_then(Value::as_str) {
                Some(t) if t == to => {
                    w.remove("to");
                    Ok(())
                }
                _ => Err(format!("`{from}` does not send to `{to}`")),
            };
        }
        let node = self.node_mut(from)?;
        wiring::disconnect(node, to, kind, index)
    }

    fn set_field(&mut self, part: &Part, path: &str, value: Option<Value>) -> Result<(), String> {
        let table = self.part_mut(part, path)?;
        let keys: Vec<&str> = path.split('.').collect();
        set_in(table, &keys, value)
    }

    /// The table `SetField` edits for `part`; names (`id`, `kind`, a
    /// source's `name`) are not set this way.
    fn part_mut(&mut self, part: &Part, path: &str) -> Result<&mut Table, String> {
        let fixed: &[&str] = match part {
            Part::Node(_) => &["id", "kind"],
            Part::Source(_) => &["name"],
            Part::Scenario => &[],
        };
        let head = path.split('.').next().unwrap_or("");
        if head.is_empty() || fixed.contains(&head) {
            return Err(format!(
                "`{path}` is not set this way: rename it, or add a new one"
            ));
        }
        match part {
            Part::Node(id) => self.node_mut(id),
            Part::Source(name) => {
                let k = self
                    .source_index(name)
                    .ok_or_else(|| format!("there is no traffic source `{name}`"))?;
                self.array_mut("workload")[k]
                    .as_table_mut()
                    .ok_or_else(|| format!("traffic source `{name}` is not a table"))
            }
            Part::Scenario => self
                .table
                .entry("scenario")
                .or_insert_with(|| Value::Table(Table::new()))
                .as_table_mut()
                .ok_or_else(|| "`scenario` is not a table".to_string()),
        }
    }

    fn nodes(&self) -> Vec<&Table> {
        self.table
            .get("node")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_table).collect())
            .unwrap_or_default()
    }

    fn node_mut(&mut self, id: &str) -> Result<&mut Table, String> {
        self.array_mut("node")
            .iter_mut()
            .filter_map(Value::as_table_mut)
            .find(|n| n.get("id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| format!("there is no node `{id}`"))
    }

    fn require_node(&self, id: &str) -> Result<(), String> {
        self.node(id)
            .map(|_| ())
            .ok_or_else(|| format!("there is no node `{id}`"))
    }

    /// The design's objectives (`[[objective]]` tables), in file order.
    pub fn objectives(&self) -> Vec<&Table> {
        self.table
            .get("objective")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_table).collect())
            .unwrap_or_default()
    }

    /// The design's name (`[scenario] name`), if it has one.
    pub fn name(&self) -> Option<&str> {
        self.table.get("scenario")?.get("name")?.as_str()
    }

    /// Traffic source `name`'s table.
    pub fn source_table(&self, name: &str) -> Option<&Table> {
        let k = self.source_index(name)?;
        self.table.get("workload")?.as_array()?.get(k)?.as_table()
    }

    /// The request classes the design declares (`[[class]]` names), in
    /// file order: what a call's or route's `when` may name besides
    /// `read` and `write`.
    pub fn class_names(&self) -> Vec<String> {
        self.table
            .get("class")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Index of the traffic source called `name`.
    /// The name of the design's last traffic source (the one just added).
    pub fn last_source(&self) -> Option<String> {
        let list = self.table.get("workload").and_then(Value::as_array)?;
        let name = list.last()?.get("name")?.as_str()?;
        Some(name.to_string())
    }

    pub fn source_index(&self, name: &str) -> Option<usize> {
        self.table
            .get("workload")
            .and_then(Value::as_array)?
            .iter()
            .position(|w| w.get("name").and_then(Value::as_str) == Some(name))
    }

    fn array_mut(&mut self, key: &str) -> &mut Vec<Value> {
        let v = self
            .table
            .entry(key.to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if !v.is_array() {
            *v = Value::Array(Vec::new());
        }
        match v {
            Value::Array(a) => a,
            _ => unreachable!("made an array just above"),
        }
    }

    /// `kind` followed by the first number that makes a new id (`cache`, `cache2`, ...).
    fn fresh_id(&self, kind: &str) -> String {
        let stem = palette::id_stem(kind);
        (1..)
            .map(|k| {
                if k == 1 {
                    stem.to_string()
                } else {
                    format!("{stem}{k}")
                }
            })
            .find(|id| self.node(id).is_none())
            .unwrap_or_default()
    }
}

fn pos_value(p: [f64; 2]) -> Value {
    Value::Array(vec![Value::Float(p[0]), Value::Float(p[1])])
}

/// The loader's rule for ids: letters, digits, `_`, `-`.
fn check_id(id: &str) -> Result<(), String> {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        Ok(())
    } else {
        Err(format!(
            "`{id}` is not a node id: use letters, digits, `_` and `-`"
        ))
    }
}

/// Sets (or with `None` removes) the field at `keys` in `t`: table keys,
/// and positions in lists (`calls.1.timeout`); a list entry written as a
/// name (`calls = ["db"]`) becomes `{ to = "db" }` when a field is set in it.
fn set_in(t: &mut Table, keys: &[&str], value: Option<Value>) -> Result<(), String> {
    let Some((key, rest)) = keys.split_first() else {
        return Err("an empty field path".into());
    };
    if rest.is_empty() {
        match value {
            Some(v) => t.insert(key.to_string(), v),
            None => t.remove(*key),
        };
        return Ok(());
    }
    let entry = t
        .entry(key.to_string())
        .or_insert_with(|| Value::Table(Table::new()));
    set_below(entry, key, rest, value)
}

/// `set_in` below the value of field `key` (a table or a list).
fn set_below(v: &mut Value, key: &str, rest: &[&str], value: Option<Value>) -> Result<(), String> {
    let list = match v {
        Value::Table(t) => return set_in(t, rest, value),
        Value::Array(a) => a,
        _ => return Err(format!("`{key}` is not a table here")),
    };
    let (at, more) = rest.split_first().ok_or("an empty field path")?;
    let n = list.len();
    let i = at.parse::<usize>().ok().filter(|&i| i < n).ok_or_else(|| {
        format!(
            "`{key}` is a list of {n}: `{key}.{at}` names no entry (0 to {})",
            n.saturating_sub(1)
        )
    })?;
    if more.is_empty() {
        match value {
            Some(v) => list[i] = v,
            None => {
                list.remove(i);
            }
        }
        return Ok(());
    }
    if let Value::String(name) = &list[i] {
        let mut t = Table::new();
        t.insert("to".into(), Value::String(name.clone()));
        list[i] = Value::Table(t);
    }
    set_below(&mut list[i], &format!("{key}.{at}"), more, value)
}
