//! Links with a bandwidth before a run: each direction's utilisation, the bytes per second its calls send there (their rate times the mean size) over the bandwidth, and a word when a direction is saturated.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::report::topology::{OfferedLoad, call_rates};
use crate::scenario::bytes::format_bandwidth;
use crate::sim::model::{Call, Model};

/// One direction of a link: the share of its time busy moving bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Way {
    /// Bytes per second sent over bandwidth (≥ 1: saturated).
    pub utilisation: f64,
    /// Some of the rates are upper bounds (past a cache, a limiter, a
    /// hedge): the utilisation is at most this.
    pub upper_bound: bool,
}

/// Which link: a call's own, or a zone link shared by the calls crossing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkOf {
    /// Call `call` (in `kind.calls()` order) of node `node`.
    Call { node: usize, call: usize },
    /// `model.zone_links[k]`.
    Zone(usize),
}

/// A link with a bandwidth and the load of each direction: for a call's
/// link, `ways[0]` carries the requests to the callee and `ways[1]` the
/// answers back; for a zone link, `ways[0]` goes from `between[0]` to
/// `between[1]` and `ways[1]` the other way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkLoad {
    pub of: LinkOf,
    /// Bytes per second, each way.
    pub bandwidth: f64,
    pub ways: [Way; 2],
}

/// Every link with a bandwidth (the calls' own in model order, then the
/// zone links), loaded at the open-loop workloads' starting rates
/// (`topology::call_rates`): each attempt's request and each answer (all
/// assumed successful) cross once; retries would add to it.
pub fn link_loads(model: &Model) -> Vec<LinkLoad> {
    let rates = call_rates(model);
    let mut zones: Vec<LinkLoad> = model
        .zone_links
        .iter()
        .enumerate()
        .filter_map(|(k, l)| l.bandwidth.map(|b| empty(LinkOf::Zone(k), b)))
        .collect();
    let mut own = Vec::new();
    for (n, node) in model.nodes.iter().enumerate() {
        for (i, c) in node.kind.calls().iter().enumerate() {
            let rate = rates.get(n).and_then(|r| r.get(i)).copied();
            let Some(rate) = rate else { continue };
            if let Some(b) = c.payload.and_then(|p| p.bandwidth) {
                let mut link = empty(LinkOf::Call { node: n, call: i }, b);
                load_call(&mut link, c, rate, true);
                own.push(link);
            } else if let Some((k, forward)) = model.zone_link_way(n, c.to) {
                let link = zones.iter_mut().find(|l| l.of == LinkOf::Zone(k));
                if let Some(link) = link {
                    load_call(link, c, rate, forward);
                }
            }
        }
    }
    own.append(&mut zones);
    own
}

fn empty(of: LinkOf, bandwidth: f64) -> LinkLoad {
    LinkLoad {
        of,
        bandwidth,
        ways: [Way::default(); 2],
    }
}

/// Adds call `c`'s bytes at `rate` to `link`: its requests on `ways[0]`
/// when `forward`, else on `ways[1]`, and its answers the other way.
fn load_call(link: &mut LinkLoad, c: &Call, rate: OfferedLoad, forward: bool) {
    let Some(p) = c.payload else { return };
    let per_sec = rate.reads + rate.writes;
    let (out, back) = if forward { (0, 1) } else { (1, 0) };
    for (size, way) in [(p.request, out), (p.response, back)] {
        // A size's mean in bytes (infinite: a Pareto of shape ≤ 1).
        let Some(size) = size else { continue };
        let w = &mut link.ways[way];
        if per_sec > 0.0 {
            w.utilisation += per_sec * size.mean() / link.bandwidth;
            w.upper_bound |= rate.upper_bound;
        }
    }
}

/// The `links` section `check` prints: one line per link with a bandwidth
/// (nothing without one), and a word under each saturated direction.
pub fn describe_links(model: &Model, links: &[LinkLoad]) -> String {
    if links.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nlinks (busy share of each direction at the offered load):\n");
    for l in links {
        let names = way_names(model, l.of);
        let ways: Vec<String> = l
            .ways
            .iter()
            .zip(&names)
            .map(|(w, (label, _))| format!("{label} {}", share(w)))
            .collect();
        let _ = writeln!(
            out,
            "  link {} ({}): {}",
            link_name(model, l.of),
            format_bandwidth(l.bandwidth),
            ways.join(" · ")
        );
        for (w, (_, what)) in l.ways.iter().zip(&names) {
            if let Some(text) = saturation(w, what) {
                let _ = writeln!(out, "    {text}");
            }
        }
    }
    out
}

/// `api → store` for a call's link (`api → store when write` for a call
/// made for some requests only), `zones a ↔ b` for a zone link.
fn link_name(model: &Model, of: LinkOf) -> String {
    match of {
        LinkOf::Call { node, call } => {
            let n = &model.nodes[node];
            let c = &n.kind.calls()[call];
            let when = c
                .when
                .map_or(String::new(), |w| format!(" when {}", model.when_name(w)));
            format!("{} → {}{when}", n.id, model.nodes[c.to].id)
        }
        LinkOf::Zone(k) => {
            let [a, b] = &model.zone_links[k].between;
            format!("zones {a} ↔ {b}")
        }
    }
}

/// Each direction's label on the line, and what crosses it in the
/// saturation sentence.
fn way_names(model: &Model, of: LinkOf) -> [(String, String); 2] {
    match of {
        LinkOf::Call { node, call } => {
            let to = model.nodes[node].kind.calls()[call].to;
            [
                (format!("to {}", model.nodes[to].id), "the requests".into()),
                ("back".into(), "the answers".into()),
            ]
        }
        LinkOf::Zone(k) => {
            let [a, b] = &model.zone_links[k].between;
            if a == b {
                return [
                    ("requests".into(), "the requests".into()),
                    ("answers".into(), "the answers".into()),
                ];
            }
            [
                (format!("to {b}"), format!("the bytes to {b}")),
                (format!("to {a}"), format!("the bytes to {a}")),
            ]
        }
    }
}

/// `12 %`, `0.4 %`, `at most 87 %`.
fn share(w: &Way) -> String {
    let pct = w.utilisation * 100.0;
    let at_most = if w.upper_bound { "at most " } else { "" };
    let text = if !pct.is_finite() {
        "unbounded".to_string()
    } else if pct == 0.0 {
        "0 %".to_string()
    } else if pct < 10.0 || (99.5..100.0).contains(&pct) {
        format!("{pct:.1} %")
    } else {
        format!("{pct:.0} %")
    };
    format!("{at_most}{text}")
}

/// The sentence under a direction at or beyond its bandwidth.
fn saturation(w: &Way, what: &str) -> Option<String> {
    let u = w.utilisation;
    if u < 1.0 {
        return None;
    }
    let need = if u.is_finite() {
        format!("{u:.1}× the link")
    } else {
        "more than any link (their sizes have no finite mean)".to_string()
    };
    Some(if w.upper_bound {
        format!(
            "may saturate: {what} need up to {need} (an upper bound); if they do, the line grows without bound"
        )
    } else {
        format!("saturated: {what} need {need}: the line grows without bound")
    })
}

/// The `link_theory` key of `summary.json`: per link its name, bandwidth
/// (bytes per second) and each direction's label, utilisation (`null`
/// when unbounded) and whether it is only an upper bound; `None` without
/// a link with a bandwidth.
pub fn links_json(model: &Model, links: &[LinkLoad]) -> Option<Value> {
    if links.is_empty() {
        return None;
    }
    let list = links.iter().map(|l| {
        let names = way_names(model, l.of);
        let ways: Vec<Value> = l
            .ways
            .iter()
            .zip(names)
            .map(|(w, (label, _))| {
                let u = Some(w.utilisation).filter(|u| u.is_finite());
                json!({ "direction": label, "utilisation": u, "upper_bound": w.upper_bound })
            })
            .collect();
        json!({
            "link": link_name(model, l.of),
            "bandwidth_bytes_per_s": l.bandwidth,
            "directions": ways,
        })
    });
    Some(Value::Array(list.collect()))
}
