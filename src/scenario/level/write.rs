//! `level_to_toml`: a level file written back, the design as `to_toml` writes it followed by its `[level]` table, so that it loads to the same level.

use std::fmt::Write as _;

use super::{LevelSpec, ThreeStars, limit};
use crate::scenario::format_seconds;
use crate::scenario::write::{num, objective_bound, string, to_toml};
use crate::sim::model::Model;

/// The level file for `model` and its `spec`: `to_toml(model)` (the
/// design, traffic, objectives and chaos) and then `[level]` with every
/// field written out, defaults included. `load_level_str` of it gives the
/// same model and spec.
pub fn level_to_toml(model: &Model, spec: &LevelSpec) -> String {
    let mut out = to_toml(model);
    out.push_str("\n[level]\n");
    kv(&mut out, "ask", &string(&spec.ask));
    kv(&mut out, "par", &num(spec.par));
    let seeds: Vec<String> = spec.exam_seeds.iter().map(u64::to_string).collect();
    kv(&mut out, "exam_seeds", &format!("[{}]", seeds.join(", ")));
    kv(&mut out, "unlocked", &strings(&spec.unlocked));
    kv(&mut out, "locked", &table(&spec.locked, |r| string(r)));
    kv(&mut out, "locked_reason", &string(&spec.locked_reason));
    kv(&mut out, "max", &limits(&spec.max));
    kv(&mut out, "min", &limits(&spec.min));
    kv(&mut out, "add", &strings(&spec.add));
    kv(&mut out, "price", &table(&spec.price, |x| num(*x)));
    kv(&mut out, "cache_is_store", &spec.cache_is_store.to_string());
    if spec.cached_reads_see_writes {
        kv(&mut out, "cached_reads_see_writes", "true");
    }
    kv(&mut out, "hints", &strings(&spec.hints));
    kv(&mut out, "redesign", &strings(&spec.redesign));
    out.push_str("\n[level.three_stars]\n");
    three_stars(&mut out, &spec.three_stars);
    out.push_str("\n[level.debrief]\n");
    kv(&mut out, "pass", &string(&spec.debrief_pass.to_text()));
    kv(&mut out, "miss", &string(&spec.debrief_miss.to_text()));
    out
}

fn three_stars(out: &mut String, t: &ThreeStars) {
    kv(out, "why", &string(&t.why));
    let objectives: Vec<String> = t
        .objectives
        .iter()
        .map(|o| {
            let (key, value) = objective_bound(o);
            let of = o.of.as_ref().map_or(String::new(), |s| {
                format!("{} = {}, ", s.field(), string(s.name()))
            });
            format!(
                "{{ metric = {}, {of}{key} = {value} }}",
                string(o.metric.name())
            )
        })
        .collect();
    kv(out, "objectives", &format!("[{}]", objectives.join(", ")));
    if let Some(n) = t.max_hints {
        kv(out, "max_hints", &n.to_string());
    }
    if !t.chaos.is_empty() {
        let events: Vec<String> = t
            .chaos
            .iter()
            .map(|e| toml::Value::Table(e.clone()).to_string())
            .collect();
        kv(out, "chaos", &format!("[{}]", events.join(", ")));
    }
}

fn kv(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key} = {value}");
}

/// `["a", "b"]`.
fn strings(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("[{}]", items.join(", "))
}

/// `{ "api.replicas" = 6, "web.autoscale.cold_start" = "20s" }`: a
/// duration field's limit (kept in seconds) as a duration.
fn limits(entries: &[(String, f64)]) -> String {
    let items: Vec<(String, String)> = entries
        .iter()
        .map(|(k, x)| {
            let v = if limit::is_duration(k) {
                string(&format_seconds(*x))
            } else {
                num(*x)
            };
            (k.clone(), v)
        })
        .collect();
    table(&items, String::clone)
}

/// `{ "api.replicas" = 6, ... }`: every key quoted (knobs have dots).
fn table<T>(entries: &[(String, T)], value: impl Fn(&T) -> String) -> String {
    if entries.is_empty() {
        return "{}".into();
    }
    let items: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{} = {}", string(k), value(v)))
        .collect();
    format!("{{ {} }}", items.join(", "))
}
