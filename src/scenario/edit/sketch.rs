//! A picture of a design that is not valid yet: the loader's problems, and the largest valid part of the design (what names no problem) so the window can draw and run it while the learner wires the rest.

use toml::{Table, Value};

use crate::scenario::edit::{Design, wiring};
use crate::scenario::{Diagnostic, load_str};
use crate::sim::Model;

/// The name a traffic source stands in for when a design has nodes but no
/// valid source yet (drawn, at a trickle, so the nodes are seen).
pub const NO_TRAFFIC: &str = "no-traffic-yet";

/// What the window shows of a design.
#[derive(Clone, Debug)]
pub struct Sketch {
    /// The design's problems (empty: the design is valid and `model` is it).
    pub problems: Vec<Diagnostic>,
    /// The valid part to draw (and run, paused while there are problems);
    /// `None` when nothing is (a blank canvas).
    pub model: Option<Model>,
    /// Nodes and traffic sources left out of `model` because a problem
    /// names them.
    pub left_out: Vec<String>,
}

impl Design {
    /// The loader's verdict and, if it has problems, the largest part of
    /// the design that loads: the nodes and sources the problems name are
    /// left out, again until none is named (at most once per part).
    pub fn sketch(&self, file: &str) -> Sketch {
        let problems = match self.check(file) {
            Ok(model) => {
                return Sketch {
                    problems: Vec::new(),
                    model: Some(model),
                    left_out: Vec::new(),
                };
            }
            Err(p) => p,
        };
        let mut part = self.table.clone();
        let mut left_out = Vec::new();
        let mut last = problems.clone();
        let parts = count(&part, "node") + count(&part, "workload") + 2;
        for _ in 0..parts {
            let named = named_parts(&last);
            let mut removed = false;
            for (is_node, name) in named {
                removed |= remove_part(&mut part, is_node, &name);
                if !left_out.contains(&name) {
                    left_out.push(name);
                }
            }
            ensure_traffic(&mut part);
            let text = toml::to_string(&part).unwrap_or_default();
            match load_str(&text, file, &[]) {
                Ok(model) => {
                    return Sketch {
                        problems,
                        model: Some(model),
                        left_out,
                    };
                }
                Err(p) if removed || p != last => last = p,
                Err(_) => break,
            }
        }
        Sketch {
            problems,
            model: None,
            left_out,
        }
    }
}

fn count(t: &Table, key: &str) -> usize {
    t.get(key).and_then(Value::as_array).map_or(0, Vec::len)
}

/// The nodes (`true`) and sources (`false`) the problems' paths name.
fn named_parts(problems: &[Diagnostic]) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for d in problems {
        for (prefix, is_node) in [("node `", true), ("workload `", false)] {
            if let Some(rest) = d.path.strip_prefix(prefix)
                && let Some(name) = rest.split('`').next()
                && !out.contains(&(is_node, name.to_string()))
            {
                out.push((is_node, name.to_string()));
            }
        }
    }
    out
}

fn remove_part(t: &mut Table, is_node: bool, name: &str) -> bool {
    let (key, field) = if is_node {
        ("node", "id")
    } else {
        ("workload", "name")
    };
    let Some(list) = t.get_mut(key).and_then(Value::as_array_mut) else {
        return false;
    };
    let before = list.len();
    list.retain(|v| v.get(field).and_then(Value::as_str) != Some(name));
    let removed = list.len() != before;
    if removed && is_node {
        wiring::forget(t, name);
    }
    removed
}

/// Nodes but no traffic source: a trickle into the first node, so the
/// nodes can be drawn (the loader wants a source).
fn ensure_traffic(t: &mut Table) {
    let first = t
        .get("node")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|n| n.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let (Some(first), 0) = (first, count(t, "workload")) else {
        return;
    };
    let mut w = Table::new();
    w.insert("name".into(), Value::String(NO_TRAFFIC.into()));
    w.insert("to".into(), Value::String(first));
    w.insert("rate".into(), Value::Float(0.001));
    t.insert("workload".into(), Value::Array(vec![Value::Table(w)]));
}
