//! The report's three charts from the kept windows: latency p50/p99 (with latency objectives dashed), served and failed requests per second, each node's utilisation; scheduled events numbered on the time axis and listed.

use std::fmt::Write;

use super::esc;
use super::series::{Downsampled, MAX_POINTS};
use super::svg_chart::{self, Chart, Line, Mark, PALETTE};
use crate::report::change_text;
use crate::report::objectives::ObjectiveResult;
use crate::sim::model::Model;

/// Scheduled events and traffic phases by instant: (seconds, what).
fn timeline(model: &Model) -> Vec<(f64, Vec<String>)> {
    let mut items: Vec<(f64, String)> = model
        .events
        .iter()
        .map(|e| (e.at.as_secs_f64(), change_text::describe(model, &e.command)))
        .collect();
    for w in &model.workloads {
        for p in &w.phases {
            let ramp = p.ramp.as_secs_f64();
            let over = if ramp > 0.0 {
                format!(" over {ramp} s")
            } else {
                String::new()
            };
            items.push((
                p.at.as_secs_f64(),
                format!("traffic {} to {} req/s{over}", w.name, p.rate),
            ));
        }
    }
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, Vec<String>)> = Vec::new();
    for (at, text) in items {
        match out.last_mut() {
            Some((t, v)) if *t == at => v.push(text),
            _ => out.push((at, vec![text])),
        }
    }
    out
}

fn series(
    d: &Downsampled,
    f: impl Fn(&super::series::Point) -> Option<f64>,
) -> Vec<(f64, Option<f64>)> {
    d.points()
        .map(|p| ((p.start_s + p.end_s) / 2.0, f(p)))
        .collect()
}

/// The charts section.
pub fn section(
    model: &Model,
    d: &Downsampled,
    objectives: &[ObjectiveResult],
    end_s: f64,
) -> String {
    let events = timeline(model);
    let marks: Vec<Mark> = events
        .iter()
        .enumerate()
        .map(|(i, (at, _))| Mark {
            at_s: *at,
            number: i + 1,
        })
        .collect();
    let mut s = String::from("<section><h2>Over time</h2>");
    let charts = [
        (
            "Latency of requests finished in each window (a gap: none finished)",
            latency(d, objectives),
            "ms",
            0.0,
        ),
        ("Requests per second", rates(d), "req/s", 0.0),
        (
            "Utilisation of each node (busy workers / workers)",
            utilisation(model, d),
            "share",
            1.0,
        ),
    ];
    for (title, lines, unit, y_at_least) in charts {
        if lines.is_empty() {
            continue;
        }
        let legend = svg_chart::legend(&lines);
        let svg = svg_chart::render(&Chart {
            unit,
            end_s,
            warmup_s: model.warmup.as_secs_f64(),
            lines,
            marks: &marks,
            y_at_least,
        });
        let _ = write!(s, "<h3>{title}</h3>{legend}{svg}");
    }
    let _ = write!(
        s,
        "<p class=\"note\">{} windows of {} s; at most {MAX_POINTS} points a series (each \
         point here: {} window(s) merged, its p99 the highest of them).</p>",
        d.windows(),
        model.window.as_secs_f64(),
        d.stride()
    );
    s.push_str(&event_list(&events));
    s.push_str("</section>");
    s
}

fn latency(d: &Downsampled, objectives: &[ObjectiveResult]) -> Vec<Line> {
    let mut lines = vec![
        Line {
            name: "p50".into(),
            color: PALETTE[0],
            values: series(d, |p| p.p50_ms),
            dashed: false,
        },
        Line {
            name: "p99".into(),
            color: PALETTE[1],
            values: series(d, |p| p.p99_ms),
            dashed: false,
        },
    ];
    // The chart is of all requests: a bound of one node, class or
    // workload (or a queue's oldest message) is not drawn against it.
    let drawn = objectives
        .iter()
        .filter(|o| o.metric.is_percentile() && o.of.is_none());
    for o in drawn {
        let (first, last) = (d.points().next(), d.points().last());
        if let (Some(a), Some(b)) = (first, last) {
            lines.push(Line {
                name: format!("objective: {}", o.label()),
                color: "#64748b",
                values: vec![(a.start_s, Some(o.target)), (b.end_s, Some(o.target))],
                dashed: true,
            });
        }
    }
    lines
}

fn rates(d: &Downsampled) -> Vec<Line> {
    vec![
        Line {
            name: "served".into(),
            color: PALETTE[2],
            values: series(d, |p| Some(p.throughput_rps)),
            dashed: false,
        },
        Line {
            name: "failed".into(),
            color: PALETTE[1],
            values: series(d, |p| Some(p.errors_per_s)),
            dashed: false,
        },
    ]
}

/// A line per node that has workers.
fn utilisation(model: &Model, d: &Downsampled) -> Vec<Line> {
    let mut lines = Vec::new();
    for (i, n) in model.nodes.iter().enumerate() {
        let values = series(d, |p| p.utilisation.get(i).copied().flatten());
        if values.iter().all(|v| v.1.is_none()) {
            continue;
        }
        let color = PALETTE[lines.len() % PALETTE.len()];
        lines.push(Line {
            name: n.id.clone(),
            color,
            values,
            dashed: false,
        });
    }
    lines
}

/// The numbered list of scheduled events under the charts.
fn event_list(events: &[(f64, Vec<String>)]) -> String {
    if events.is_empty() {
        return "<p class=\"note\">No scheduled events.</p>".into();
    }
    let mut s = String::from("<ol class=\"events\">");
    for (at, texts) in events {
        let _ = write!(
            s,
            "<li><span class=\"at\">{at} s</span>{}</li>",
            esc(&texts.join("; "))
        );
    }
    s.push_str("</ol>");
    s
}
