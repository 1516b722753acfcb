//! Reads `[level]` from the spanned TOML tree, checking it against the scenario it sits in (its nodes, its budget, its seed).

use super::{LevelSpec, Template, ThreeStars, limit};
use crate::scenario::build::{KINDS, read_objective};
use crate::scenario::reader::{Errors, Field, Table};
use crate::scenario::suggest;
use crate::sim::limits;
use crate::sim::model::Model;

const LEVEL_FIELDS: [&str; 16] = [
    "ask",
    "cache_is_store",
    "cached_reads_see_writes",
    "redesign",
    "min",
    "price",
    "par",
    "exam_seeds",
    "unlocked",
    "locked",
    "locked_reason",
    "max",
    "add",
    "hints",
    "three_stars",
    "debrief",
];
const THREE_STAR_FIELDS: [&str; 4] = ["why", "objectives", "max_hints", "chaos"];
const DEFAULT_LOCKED_REASON: &str = "The story fixes it: this level is not about it.";

/// The `[level]` table `f`; `model` is the scenario it sits in, when that
/// built (cross-checks are skipped otherwise). `None` after any mistake.
pub(crate) fn read_level(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    model: Option<&Model>,
) -> Option<LevelSpec> {
    let before = errs.count();
    let t = f.table(errs)?;
    t.unknown_fields(errs, &LEVEL_FIELDS, &|_| None);
    let ask = text(errs, &t, "ask", true);
    let par = t
        .required(errs, "par")
        .and_then(|f| f.number_within(errs, limits::LEVEL_PAR));
    let exam_seeds = seeds(errs, &t, model);
    let debrief = debriefs(errs, &t);
    let spec = LevelSpec {
        ask,
        par: par.unwrap_or(0.0),
        exam_seeds,
        unlocked: strings(errs, &t, "unlocked"),
        locked: reasons(errs, &t),
        locked_reason: t
            .field("locked_reason")
            .and_then(|f| nonempty(errs, &f))
            .unwrap_or_else(|| DEFAULT_LOCKED_REASON.to_string()),
        max: limits(errs, &t, "max"),
        min: limits(errs, &t, "min"),
        add: kinds(errs, &t),
        price: prices(errs, &t),
        cache_is_store: t
            .field("cache_is_store")
            .and_then(|f| f.boolean(errs))
            .unwrap_or(false),
        cached_reads_see_writes: t
            .field("cached_reads_see_writes")
            .and_then(|f| f.boolean(errs))
            .unwrap_or(false),
        hints: strings(errs, &t, "hints"),
        redesign: strings(errs, &t, "redesign"),
        three_stars: three_stars(errs, &t),
        debrief_pass: debrief.0,
        debrief_miss: debrief.1,
    };
    if let Some(m) = model {
        against_model(errs, &t, &spec, m);
    }
    (errs.count() == before).then_some(spec)
}

/// A string field (`required`: reported when absent), not blank.
fn text(errs: &mut Errors<'_>, t: &Table<'_, '_>, key: &str, required: bool) -> String {
    let f = if required {
        t.required(errs, key)
    } else {
        t.field(key)
    };
    f.and_then(|f| nonempty(errs, &f)).unwrap_or_default()
}

fn nonempty(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<String> {
    let s = f.str(errs)?;
    if s.trim().is_empty() {
        f.error(errs, "must not be empty", None);
        return None;
    }
    Some(s.to_string())
}

/// An array of non-empty strings (absent: none).
fn strings(errs: &mut Errors<'_>, t: &Table<'_, '_>, key: &str) -> Vec<String> {
    let Some(items) = t.field(key).and_then(|f| f.array(errs)) else {
        return Vec::new();
    };
    items.iter().filter_map(|i| nonempty(errs, i)).collect()
}

fn seeds(errs: &mut Errors<'_>, t: &Table<'_, '_>, model: Option<&Model>) -> Vec<u64> {
    let Some(f) = t.required(errs, "exam_seeds") else {
        return Vec::new();
    };
    let Some(items) = f.array(errs) else {
        return Vec::new();
    };
    let mut out: Vec<u64> = Vec::new();
    for i in &items {
        let Some(n) = i.int(errs, 0, i64::MAX) else {
            continue;
        };
        let n = n as u64;
        if out.contains(&n) || model.is_some_and(|m| m.seed == n) {
            i.error(
                errs,
                format!("seed {n} is already an exam seed"),
                Some("the scenario's `seed` is always the first exam seed; list others".into()),
            );
        }
        out.push(n);
    }
    if items.len() < 2 {
        f.error(
            errs,
            format!(
                "a level needs at least two more exam seeds, got {}",
                items.len()
            ),
            Some("e.g. exam_seeds = [2, 3]: the exam runs the scenario's seed and these".into()),
        );
    }
    out
}

/// The entries of the table `key` (absent: none), each as a field.
fn entries<'a, 'i>(
    errs: &mut Errors<'_>,
    t: &Table<'a, 'i>,
    key: &str,
) -> Vec<(String, Field<'a, 'i>)> {
    let Some(table) = t.field(key).and_then(|f| f.table(errs)) else {
        return Vec::new();
    };
    table
        .table
        .keys()
        .filter_map(|k| {
            let k = k.get_ref().to_string();
            table.field(&k).map(|f| (k, f))
        })
        .collect()
}

/// `locked = { "db" = "reason", "api.service_time" = "reason" }`.
fn reasons(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> Vec<(String, String)> {
    entries(errs, t, "locked")
        .into_iter()
        .filter_map(|(k, f)| nonempty(errs, &f).map(|r| (k, r)))
        .collect()
}

/// `max = { "api.replicas" = 6, "app.calls.db.pool.size" = 25 }` (or
/// `min`): each limit a number ≥ 0, or a duration (in seconds) for a
/// duration field (`"web.autoscale.cold_start" = "20s"`).
fn limits(errs: &mut Errors<'_>, t: &Table<'_, '_>, key: &str) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for (k, f) in entries(errs, t, key) {
        if let Some((message, hint)) = limit::shape_problem(&k) {
            f.error_at_key(errs, message, hint);
            continue;
        }
        let x = if limit::is_duration(&k) {
            f.seconds(errs)
        } else {
            f.number_in(errs, 0.0, true, f64::MAX)
        };
        if let Some(x) = x {
            out.push((k, x));
        }
    }
    out
}

/// `price = { cache = 0.50 }`: $/h per unit of an added node, by kind.
fn prices(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> Vec<(String, f64)> {
    entries(errs, t, "price")
        .into_iter()
        .filter_map(|(k, f)| f.number_in(errs, 0.0, true, 1e9).map(|x| (k, x)))
        .collect()
}

/// `add = ["cache", "queue"]`: node kinds the design may add.
fn kinds(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> Vec<String> {
    let Some(items) = t.field("add").and_then(|f| f.array(errs)) else {
        return Vec::new();
    };
    let names: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
    items
        .iter()
        .filter_map(|i| i.choice(errs, "node kind", &names))
        .map(|k| names[k].to_string())
        .collect()
}

fn three_stars(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> ThreeStars {
    let mut out = ThreeStars {
        why: String::new(),
        objectives: Vec::new(),
        max_hints: None,
        chaos: Vec::new(),
    };
    let Some(f) = t.required(errs, "three_stars") else {
        return out;
    };
    let Some(s) = f.table(errs) else { return out };
    s.unknown_fields(errs, &THREE_STAR_FIELDS, &|_| None);
    out.why = text(errs, &s, "why", true);
    out.max_hints = s
        .field("max_hints")
        .and_then(|f| f.int(errs, 0, 1000))
        .map(|n| n as u32);
    if let Some(items) = s.field("objectives").and_then(|f| f.array(errs)) {
        for i in &items {
            if let Some(o) = i.table(errs).and_then(|t| read_objective(errs, &t)) {
                out.objectives.push(o);
            }
        }
    }
    if let Some(items) = s.field("chaos").and_then(|f| f.array(errs)) {
        out.chaos = items.iter().filter_map(|i| chaos_event(errs, i)).collect();
    }
    if s.field("objectives").is_none() && out.max_hints.is_none() {
        s.missing(
            errs,
            "objectives",
            Some(
                "the third star needs a condition: tighter `objectives`, `max_hints`, or both"
                    .into(),
            ),
        );
    }
    out
}

/// One event table of `three_stars.chaos`, as a plain TOML table (its
/// fields are checked when the level is built with it, see `load`).
fn chaos_event(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<toml::Table> {
    f.table(errs)?;
    let text = errs.sources().snippet(&f.span()).to_string();
    let doc: toml::Table = toml::from_str(&format!("event = {text}")).ok()?;
    match doc.get("event") {
        Some(toml::Value::Table(t)) => Some(t.clone()),
        _ => None,
    }
}

/// `[level.debrief]` with `pass` and `miss` templates.
fn debriefs(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> (Template, Template) {
    let Some(d) = t.required(errs, "debrief").and_then(|f| f.table(errs)) else {
        return Default::default();
    };
    d.unknown_fields(errs, &["pass", "miss"], &|_| None);
    let mut one = |key: &str| {
        let f = d.required(errs, key)?;
        let s = nonempty(errs, &f)?;
        Template::parse(&s)
            .map_err(|(message, hint)| f.error(errs, message, hint))
            .ok()
    };
    (
        one("pass").unwrap_or_default(),
        one("miss").unwrap_or_default(),
    )
}

/// The checks that need the scenario: knobs name its nodes and their
/// fields, a budget objective exists and the par is within it.
fn against_model(errs: &mut Errors<'_>, t: &Table<'_, '_>, spec: &LevelSpec, m: &Model) {
    let budget = LevelSpec::budget(m);
    match (budget, t.field("par")) {
        (None, _) => errs.error(
            &t.span,
            &t.path,
            "a level needs a budget: an [[objective]] with metric = \"cost_per_hour\" and `below`",
            Some("e.g. [[objective]] metric = \"cost_per_hour\" below = 2.0".into()),
        ),
        (Some(b), Some(f)) if spec.par > b => f.error(
            errs,
            format!("the par ({}) is over the budget ({b})", spec.par),
            Some("two stars are for a design cheaper than the budget".into()),
        ),
        _ => {}
    }
    for key in ["unlocked", "locked"] {
        let Some(f) = t.field(key) else { continue };
        let knobs: Vec<&str> = match key {
            "unlocked" => spec.unlocked.iter().map(String::as_str).collect(),
            _ => spec.locked.iter().map(|(k, _)| k.as_str()).collect(),
        };
        for knob in knobs {
            if let Some((message, hint)) = knob_problem(m, knob, key == "locked") {
                f.error(errs, message, hint);
            }
        }
    }
    if let Some(f) = t.field("redesign") {
        for entry in &spec.redesign {
            if let Some((message, hint)) = redesign_problem(m, entry) {
                f.error(errs, message, Some(hint));
            }
        }
    }
    if let Some(f) = t.field("add") {
        for kind in &spec.add {
            if !spec.price.iter().any(|(k, _)| k == kind) {
                f.error(
                    errs,
                    format!("an added {kind} needs a price"),
                    Some(format!(
                        "e.g. price = {{ {kind} = 0.50 }}: dollars per hour per unit"
                    )),
                );
            }
        }
    }
    for (key, limits) in [("max", &spec.max), ("min", &spec.min)] {
        let Some(table) = t.field(key).and_then(|f| f.table(errs)) else {
            continue;
        };
        for (knob, _) in limits {
            if let Some((message, hint)) = limit::model_problem(m, spec, knob)
                && let Some(entry) = table.field(knob)
            {
                entry.error_at_key(errs, message, hint);
            }
        }
    }
}

/// What is wrong with `knob` (`node.field`, `node.*`, or `node` alone
/// when `whole_node` is allowed), if anything.
fn knob_problem(m: &Model, knob: &str, whole_node: bool) -> Option<(String, Option<String>)> {
    let (node, field) = match knob.split_once('.') {
        Some((n, f)) => (n, Some(f)),
        None if whole_node => (knob, None),
        None => {
            return Some((
                format!("`{knob}` is not a knob"),
                Some("write NODE.FIELD (`api.replicas`) or NODE.* for every field".into()),
            ));
        }
    };
    let ids: Vec<&str> = m.nodes.iter().map(|n| n.id.as_str()).collect();
    let Some(n) = m.nodes.iter().find(|n| n.id == node) else {
        return Some((
            format!("`{knob}`: unknown node `{node}`"),
            suggest::hint(node, &ids),
        ));
    };
    let kind = n.kind.name();
    let fields = KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[][..], |(_, f)| *f);
    match field {
        None | Some("*") => None,
        Some(f) if fields.contains(&f) => None,
        Some(f) => Some((
            format!("`{knob}`: a {kind} has no field `{f}`"),
            suggest::hint(f, fields),
        )),
    }
}

/// What is wrong with a `redesign` entry (`NODE.TYPE`: a node of the
/// level and `read`, `write` or one of its classes), if anything.
fn redesign_problem(m: &Model, entry: &str) -> Option<(String, String)> {
    let hint =
        || "e.g. redesign = [\"api.read\"]: a node of the level and a request type".to_string();
    let Some((node, kind)) = entry.rsplit_once('.') else {
        return Some((format!("`{entry}` is not NODE.TYPE"), hint()));
    };
    if m.node_index(node).is_none() {
        return Some((format!("`{entry}`: no node `{node}` in the level"), hint()));
    }
    let known = ["read", "write"].contains(&kind) || m.classes.iter().any(|c| c.name == kind);
    (!known).then(|| (format!("`{entry}`: no request type `{kind}`"), hint()))
}
