//! A level's rules on the editor's edits (what may be added, which nodes the level keeps, and every lock and limit checked on the design once it loads) and on the inspector's live changes (its limits).

use crate::campaign::Level;
use crate::campaign::rules;
use crate::scenario::edit::{Design, Edit, Value};

/// Why `e` is refused on `level` before it is applied: a kind the level
/// does not let the learner add, a node of the level removed or renamed.
pub fn refused_at_once(level: &Level, e: &Edit) -> Option<String> {
    let keeps = |id: &str| level.model.nodes.iter().any(|n| n.id == id);
    let kind = match e {
        Edit::AddNode { kind, .. } => Some(kind.as_str()),
        Edit::PasteNode { node, .. } => node.get("kind").and_then(Value::as_str),
        Edit::RemoveNode { id } if keeps(id) => {
            return Some(format!("the level keeps `{id}`: tune it, do not remove it"));
        }
        Edit::RenameNode { from, .. } if keeps(from) => {
            return Some(format!("the level keeps `{from}` under that name"));
        }
        _ => None,
    }?;
    if level.spec.add.iter().any(|k| k == kind) {
        return None;
    }
    Some(if level.spec.add.is_empty() {
        format!("a {kind} may not be added: this level adds no components")
    } else {
        format!(
            "a {kind} may not be added: this level lets you add {}",
            level.spec.add.join(", ")
        )
    })
}

/// The level's rules `design` breaks (a locked knob changed, a limit
/// passed, ...); none while the design does not load yet (the loader's
/// problems come first).
pub fn breaches(level: &Level, design: &Design) -> Vec<String> {
    match design.check("design.toml") {
        Ok(model) => rules::check(level, &model)
            .err()
            .map_or(Vec::new(), |r| r.breaches),
        Err(_) => Vec::new(),
    }
}

/// Why `e` is refused on `level`: at once (see `refused_at_once`), or
/// because the design it makes breaks a rule that `design` did not.
pub fn refusal(level: &Level, design: &Design, e: &Edit) -> Option<String> {
    if let Some(why) = refused_at_once(level, e) {
        return Some(why);
    }
    let mut trial = design.clone();
    trial.apply(e).ok()?;
    let before = breaches(level, design);
    breaches(level, &trial)
        .into_iter()
        .find(|b| !before.contains(b))
}

/// Why a live change of `id.field` (`id` of `kind`) to `value` is refused
/// on `level`: past one of its limits, in the exam's words ("`api.replicas`
/// = 12 is over the level's limit of 6"); `None` for no value (unset) or
/// within its limits.
pub fn live_refusal(
    level: &Level,
    node: (&str, &str),
    field: &str,
    value: Option<toml::Value>,
) -> Option<String> {
    crate::campaign::limits::field_breach(level, node, field, value)
}
