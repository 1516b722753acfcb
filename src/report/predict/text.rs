//! Predictions in words for `loadlab check` and as the `theory` keys of `summary.json`.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{EndToEnd, Prediction, Predictions};
use crate::report::topology::id_width;
use crate::sim::Model;

/// The `theory` section `check` prints: one line per node, then the
/// end-to-end mean.
pub fn describe(model: &Model, p: &Predictions) -> String {
    let mut out = String::from("\ntheory (at the offered load, before running):\n");
    let id_w = id_width(model);
    for (n, pred) in model.nodes.iter().zip(&p.nodes) {
        let _ = writeln!(out, "  {:id_w$}  {}", n.id, node_text(pred));
    }
    let e2e = match &p.end_to_end {
        Ok(e) => format!("{}: mean {:.3} ms", e.model, e.mean_ms),
        Err(why) => format!("no prediction: {why}"),
    };
    let _ = writeln!(out, "  end to end: {e2e}");
    out
}

fn node_text(p: &Prediction) -> String {
    match p {
        Prediction::WhyNot(w) => format!("no formula: {}", w.text()),
        Prediction::Applies(f) => {
            let p99 = f
                .p99_wait_ms
                .map_or(String::new(), |p| format!(" (p99 {p:.3} ms)"));
            let blocked = if f.blocking > 0.0 {
                format!(", {:.2}% turned away", f.blocking * 100.0)
            } else {
                String::new()
            };
            let timed_out = timed_out_text(f);
            format!(
                "{}: utilisation {:.3}, wait {:.3} ms{p99}, line {:.3}, in node {:.3} ms{blocked}{timed_out}",
                f.formula.name(),
                f.utilisation,
                f.mean_wait_ms,
                f.mean_queue_len,
                f.mean_in_node_ms
            )
        }
    }
}

/// M/M/c+D's shares: those leaving the line and all timed out.
fn timed_out_text(f: &super::Predicted) -> String {
    if f.formula != super::Formula::MmcPatience {
        return String::new();
    }
    format!(
        ", {:.2}% leave the line, {:.2}% timed out",
        f.abandon * 100.0,
        f.timed_out * 100.0
    )
}

/// A finite number, or `null`.
fn num(x: Option<f64>) -> Value {
    x.filter(|v| v.is_finite())
        .map_or(Value::Null, |v| json!(v))
}

/// A node's `theory` object: the figures and the formula, or `why_not`.
pub fn node_json(p: &Prediction) -> Value {
    match p {
        Prediction::WhyNot(w) => json!({ "why_not": w.text() }),
        Prediction::Applies(f) => json!({
            "model": f.formula.name(),
            "arrival_rps": num(Some(f.arrival_rps)),
            "utilisation": num(Some(f.utilisation)),
            "mean_wait_ms": num(Some(f.mean_wait_ms)),
            "mean_queue_len": num(Some(f.mean_queue_len)),
            "mean_in_node_ms": num(Some(f.mean_in_node_ms)),
            "p99_wait_ms": num(f.p99_wait_ms),
            "blocking": num(Some(f.blocking)),
            "abandon": num(Some(f.abandon)),
            "timed_out": num(Some(f.timed_out)),
        }),
    }
}

/// The top-level `theory` object: the end-to-end mean, or `why_not`.
pub fn end_to_end_json(e: &Result<EndToEnd, String>) -> Value {
    match e {
        Ok(e) => json!({ "model": e.model, "mean_latency_ms": num(Some(e.mean_ms)) }),
        Err(why) => json!({ "why_not": why }),
    }
}
