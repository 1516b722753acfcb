//! The report's tables and lists: objectives with pass/fail and figures, the headline figures, the node table, what happened and where the p99 goes.

use std::fmt::Write;

use serde_json::Value;

use super::esc;
use crate::report::account::{Happening, HappeningKind};
use crate::report::objectives::{ObjectiveResult, readable};
use crate::sim::Summary;
use crate::sim::metrics::NodeSummary;

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.filter(|v| v.is_finite()).map_or("–".into(), f)
}

fn pct(v: Option<f64>) -> String {
    opt(v, |v| format!("{:.1} %", v * 100.0))
}

fn ms(v: Option<f64>) -> String {
    opt(v, |v| format!("{} ms", readable(v)))
}

/// Each objective, its figure and PASS or FAIL.
pub fn objectives(results: &[ObjectiveResult]) -> String {
    if results.is_empty() {
        return "<section><h2>Objectives</h2><p>The scenario sets none.</p></section>".into();
    }
    let mut s = String::from(
        "<section><h2>Objectives</h2><table><tr><th>objective</th><th>figure</th>\
         <th>verdict</th></tr>",
    );
    for o in results {
        let figure = o.value.map_or("no value".into(), |v| {
            if o.metric.is_count() {
                format!("{v:.0}")
            } else {
                readable(v)
            }
        });
        let (class, word) = if o.pass {
            ("pass", "PASS")
        } else {
            ("fail", "FAIL")
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"num\">{}</td><td><span class=\"{class}\">{word}</span></td></tr>",
            esc(&o.label()),
            esc(&figure)
        );
    }
    s.push_str("</table></section>");
    s
}

/// Throughput, latency, errors and cost of the measured period.
pub fn headline(s: &Summary) -> String {
    let l = &s.latency;
    let items = [
        ("served", format!("{:.1} req/s", s.throughput_rps)),
        ("p50", ms(l.p50_ms)),
        ("p99", ms(l.p99_ms)),
        ("errors", pct(s.error_rate)),
        ("arrived", s.counts.arrived.to_string()),
        ("cost", format!("${:.2}/h", s.cost_per_hour)),
    ];
    let mut out = String::from("<div class=\"figures\">");
    for (k, v) in items {
        let _ = write!(out, "<div><b>{}</b><span>{k}</span></div>", esc(&v));
    }
    out.push_str("</div>");
    out
}

/// One row per node.
pub fn nodes(nodes: &[NodeSummary]) -> String {
    let mut s = String::from(
        "<section><h2>Nodes</h2><table><tr><th>node</th><th>kind</th><th>arrived</th>\
         <th>completed</th><th>rejected</th><th>timed out</th><th>utilisation</th>\
         <th>mean line</th><th>mean wait</th><th>p99 at node</th><th>replicas</th>\
         <th>hit ratio</th></tr>",
    );
    for n in nodes {
        let c = &n.counts;
        let cells = [
            c.arrived.to_string(),
            c.completed.to_string(),
            c.rejected.to_string(),
            c.timed_out.to_string(),
            pct(n.utilisation),
            opt(n.mean_queue_len, |v| format!("{v:.2}")),
            ms(n.mean_wait_ms),
            ms(n.sojourn.p99_ms),
            n.replicas.map_or("–".into(), |r| r.to_string()),
            pct(n.hit_ratio),
        ];
        let _ = write!(
            s,
            "<tr><td><b>{}</b>{}</td><td>{}</td>",
            esc(&n.id),
            if n.down { " (down)" } else { "" },
            esc(n.kind)
        );
        for c in cells {
            let _ = write!(s, "<td class=\"num\">{}</td>", esc(&c));
        }
        s.push_str("</tr>");
    }
    s.push_str("</table></section>");
    s
}

/// The account of what happened, in time order.
pub fn what_happened(happened: &[Happening]) -> String {
    let mut s = String::from("<section><h2>What happened</h2>");
    if happened.is_empty() {
        s.push_str("<p>Nothing to tell.</p></section>");
        return s;
    }
    s.push_str("<ul class=\"account\">");
    for h in happened {
        let tag = match h.kind {
            HappeningKind::Cause => "why",
            HappeningKind::Suggestion => "try",
            other => other.name(),
        };
        let _ = write!(
            s,
            "<li><span class=\"at\">{:.1} s</span><span class=\"tag {tag}\">{tag}</span>{}</li>",
            h.at.as_secs_f64(),
            esc(&h.text)
        );
    }
    s.push_str("</ul></section>");
    s
}

/// `p99_by_hop` (from `--traces`) as a table: per node, the mean time
/// the slowest 1 % of sampled requests spent there in each phase.
pub fn p99_by_hop(v: &Value) -> String {
    let Some(nodes) = v.get("nodes").and_then(Value::as_object) else {
        return String::new();
    };
    let phases: Vec<String> = nodes
        .values()
        .next()
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let mut s = format!(
        "<section><h2>Where the p99 goes</h2><p>The slowest 1 % of sampled requests \
         ({} of them, from {} ms): mean milliseconds per hop.</p><table><tr><th>node</th>",
        v.get("requests").and_then(Value::as_u64).unwrap_or(0),
        readable(
            v.get("latency_from_ms")
                .and_then(Value::as_f64)
                .unwrap_or(0.0)
        )
    );
    for p in &phases {
        let _ = write!(s, "<th>{}</th>", esc(&p.replace('_', " ")));
    }
    s.push_str("</tr>");
    for (id, o) in nodes {
        let _ = write!(s, "<tr><td><b>{}</b></td>", esc(id));
        for p in &phases {
            let x = o.get(p).and_then(Value::as_f64);
            let _ = write!(s, "<td class=\"num\">{}</td>", opt(x, readable));
        }
        s.push_str("</tr>");
    }
    s.push_str("</table></section>");
    s
}
