//! The design as inline SVG: traffic sources on the left, nodes as boxes in layers by longest path from them, calls and forwards as arrows; each box tinted by its utilisation over the run.

use std::fmt::Write;

use super::esc;
use crate::report::topology::{instances, targets};
use crate::sim::model::{Model, NodeKind};

const BOX_W: f64 = 156.0;
const BOX_H: f64 = 46.0;
const COL: f64 = 220.0;
const ROW: f64 = 74.0;
const PAD: f64 = 20.0;

/// Layer of each node: 1 + the longest path to it from an entry (the
/// loader rejects cycles other than through a queue with `max_hops`,
/// whose incoming edges do not push it right; the cap guards anyway).
fn layers(model: &Model) -> Vec<usize> {
    let n = model.nodes.len();
    let loop_queue: Vec<bool> = model
        .nodes
        .iter()
        .map(|nd| matches!(&nd.kind, NodeKind::Queue(q) if q.max_hops.is_some()))
        .collect();
    let mut layer = vec![1usize; n];
    for _ in 0..=n {
        let mut moved = false;
        for (a, nd) in model.nodes.iter().enumerate() {
            for b in targets(&nd.kind) {
                if b < n && !loop_queue[b] && layer[b] <= layer[a] && layer[a] <= n {
                    layer[b] = layer[a] + 1;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    layer
}

/// Top-left corner of each node's box and the picture's size.
fn positions(model: &Model) -> (Vec<(f64, f64)>, f64, f64) {
    let layer = layers(model);
    let mut rows = vec![0usize; model.nodes.len() + 2];
    let mut pos = Vec::with_capacity(layer.len());
    for &l in &layer {
        let r = rows[l];
        rows[l] += 1;
        pos.push((PAD + l as f64 * COL, PAD + r as f64 * ROW));
    }
    let tallest = rows
        .iter()
        .copied()
        .max()
        .unwrap_or(1)
        .max(model.workloads.len());
    let cols = layer.iter().copied().max().unwrap_or(0) + 1;
    let w = 2.0 * PAD + (cols - 1) as f64 * COL + BOX_W;
    let h = 2.0 * PAD + (tallest.max(1) - 1) as f64 * ROW + BOX_H;
    (pos, w, h)
}

/// The fill of a box for its utilisation: calm, busy or saturated.
fn tint(u: Option<f64>) -> &'static str {
    match u {
        Some(u) if u >= 0.9 => "#fecaca",
        Some(u) if u >= 0.7 => "#fde68a",
        Some(_) => "#d1fae5",
        None => "#f1f5f9",
    }
}

/// The design as an `<svg>`; `utilisation` per node in model order.
pub fn render(model: &Model, utilisation: &[Option<f64>]) -> String {
    let (pos, w, h) = positions(model);
    let mut s = format!(
        "<svg class=\"topology\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" \
         role=\"img\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#475569\"/></marker></defs>"
    );
    for (a, nd) in model.nodes.iter().enumerate() {
        let mut seen = Vec::new();
        for b in targets(&nd.kind) {
            if b < pos.len() && !seen.contains(&b) {
                seen.push(b);
                arrow(&mut s, pos[a], pos[b]);
            }
        }
    }
    for (i, wl) in model.workloads.iter().enumerate() {
        source(&mut s, i, &wl.name, pos.get(wl.to).copied());
    }
    for (i, nd) in model.nodes.iter().enumerate() {
        let u = utilisation.get(i).copied().flatten();
        node_box(&mut s, pos[i], &nd.id, &nd.kind, u);
    }
    s.push_str("</svg>");
    s
}

/// An arrow from box `a` to box `b`: out of `a`'s right side into `b`'s
/// left side, or bowed below both when `b` is not to the right.
fn arrow(s: &mut String, a: (f64, f64), b: (f64, f64)) {
    let (x1, y1) = (a.0 + BOX_W, a.1 + BOX_H / 2.0);
    let d = if b.0 > a.0 {
        let (x2, y2) = (b.0, b.1 + BOX_H / 2.0);
        let mid = (x1 + x2) / 2.0;
        format!("M{x1:.1},{y1:.1} C{mid:.1},{y1:.1} {mid:.1},{y2:.1} {x2:.1},{y2:.1}")
    } else {
        let (x2, y2) = (b.0 + BOX_W / 2.0, b.1 + BOX_H);
        let low = a.1.max(b.1) + BOX_H + ROW * 0.6;
        format!(
            "M{x1:.1},{y1:.1} C{:.1},{low:.1} {x2:.1},{low:.1} {x2:.1},{y2:.1}",
            x1 + 40.0
        )
    };
    let _ = write!(
        s,
        "<path d=\"{d}\" fill=\"none\" stroke=\"#475569\" stroke-width=\"1.4\" marker-end=\"url(#arrow)\"/>"
    );
}

/// A traffic source in column 0, with an arrow to its entry node.
fn source(s: &mut String, i: usize, name: &str, to: Option<(f64, f64)>) {
    let (x, y) = (PAD, PAD + i as f64 * ROW);
    if let Some(b) = to {
        arrow(s, (x, y), b);
    }
    let _ = write!(
        s,
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"23\" \
         fill=\"#e0e7ff\" stroke=\"#6366f1\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" class=\"box-id\" text-anchor=\"middle\">{}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" class=\"box-kind\" text-anchor=\"middle\">traffic</text>",
        x + BOX_W / 2.0,
        y + 20.0,
        esc(&clip(name)),
        x + BOX_W / 2.0,
        y + 36.0
    );
}

fn node_box(s: &mut String, (x, y): (f64, f64), id: &str, kind: &NodeKind, u: Option<f64>) {
    let n = instances(kind);
    let mut sub = kind.name().replace('_', " ");
    if n > 1 {
        let _ = write!(sub, " ×{n}");
    }
    if let Some(u) = u {
        let _ = write!(sub, " · {:.0} % busy", u * 100.0);
    }
    let _ = write!(
        s,
        "<g><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{BOX_W}\" height=\"{BOX_H}\" \
         rx=\"5\" fill=\"{}\" stroke=\"#334155\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" class=\"box-id\" text-anchor=\"middle\">{}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" class=\"box-kind\" text-anchor=\"middle\">{}</text></g>",
        esc(id),
        tint(u),
        x + BOX_W / 2.0,
        y + 20.0,
        esc(&clip(id)),
        x + BOX_W / 2.0,
        y + 36.0,
        esc(&sub)
    );
}

/// A name short enough for a box (the full one is in its tooltip).
fn clip(name: &str) -> String {
    const MAX: usize = 20;
    if name.chars().count() <= MAX {
        name.to_string()
    } else {
        let mut s: String = name.chars().take(MAX - 1).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_follow_calls() {
        let model = crate::scenario::load_str(
            "[scenario]\nname = \"t\"\nduration = \"1s\"\n\
             [[workload]]\nto = \"lb\"\nrate = 10\n\
             [[node]]\nid = \"lb\"\nkind = \"load_balancer\"\nto = \"api\"\n\
             [[node]]\nid = \"api\"\nkind = \"service\"\n\
             service_time = { dist = \"constant\", value = \"1ms\" }\n\
             calls = [{ to = \"db\" }]\n\
             [[node]]\nid = \"db\"\nkind = \"database\"\n\
             service_time = { dist = \"constant\", value = \"1ms\" }\n",
            "t.toml",
            &[],
        )
        .expect("loads");
        assert_eq!(layers(&model), vec![1, 2, 3]);
        let svg = render(&model, &[None, Some(0.95), Some(0.1)]);
        assert_eq!(svg.matches("marker-end").count(), 3);
        assert!(svg.contains("#fecaca"));
    }
}
