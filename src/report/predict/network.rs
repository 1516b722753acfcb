//! The end-to-end mean of an open network whose every station on the path has a prediction (Jackson: each station on its own, summed by Little's law, plus the mean latency of the links forwards cross).

use super::{Formula, Predicted, Prediction};
use crate::report::topology::starting_rate;
use crate::sim::Model;
use crate::sim::dist::Dist;
use crate::sim::model::NodeKind;
use crate::theory;

/// The predicted mean time from entering the system to the answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EndToEnd {
    /// `Jackson tandem` (a chain of M/M/c stations), `Jackson network`
    /// (M/M/c stations with branches), `tandem into a bounded line
    /// (Burke)` (M/M/1 stations, then an M/M/c/K), the one station's
    /// formula, or `open network (approximate stations)`.
    pub model: &'static str,
    pub mean_ms: f64,
}

/// Requests per second the open-loop workloads send when the measured
/// period starts (`topology::starting_rate`: a phase at 0 s or within the
/// warm-up included).
pub fn open_rate(model: &Model) -> f64 {
    model
        .workloads
        .iter()
        .filter_map(|w| starting_rate(model, w))
        .sum()
}

/// Σ λᵢ Wᵢ / γ over the nodes that get traffic, when each has figures;
/// otherwise the first reason it does not apply.
pub fn end_to_end(
    model: &Model,
    nodes: &[Prediction],
    rates: &[f64],
    entering: f64,
) -> Result<EndToEnd, String> {
    if entering <= 0.0 {
        return Err("no open-loop traffic enters".into());
    }
    let mut stations = Vec::new();
    let mut formulas = Vec::new();
    for (i, p) in nodes.iter().enumerate() {
        if rates.get(i).is_none_or(|&r| r <= 0.0) {
            continue;
        }
        let id = &model.nodes[i].id;
        match p {
            Prediction::WhyNot(w) => return Err(format!("`{id}` is on the path: {}", w.text())),
            Prediction::Applies(f) if f.formula == Formula::MmcPatience => {
                return Err(format!(
                    "`{id}` is on the path: its timeout fails requests (M/M/c+D), \
                     the end-to-end mean is not modelled"
                ));
            }
            Prediction::Applies(f) => {
                stations.push((f.arrival_rps, producer_wait_s(model, i, f)));
                formulas.push((i, f.formula, f.blocking));
            }
        }
    }
    let bounded_last = bounded_last(model, &formulas, &stations, entering);
    if formulas.len() > 1 && formulas.iter().any(|f| f.2 > 0.0) && !bounded_last {
        return Err("a bounded line on the way turns requests away mid-path".into());
    }
    let links: f64 = formulas
        .iter()
        .map(|&(i, _, _)| {
            let rate = rates.get(i).copied().unwrap_or(0.0);
            link_seconds(model, i, rate, bounded_last)
        })
        .sum::<Result<f64, String>>()?;
    let name = if bounded_last {
        "tandem into a bounded line (Burke)"
    } else {
        network_name(model, &formulas)
    };
    Ok(EndToEnd {
        model: name,
        mean_ms: (theory::open_network_sojourn(entering, &stations) + links / entering) * 1e3,
    })
}

/// What a visit to node `i` adds to its sender's time: its wait and
/// service, but nothing for a queue, which answers once the message is
/// stored (its consumers' work comes after).
fn producer_wait_s(model: &Model, i: usize, f: &Predicted) -> f64 {
    match model.nodes[i].kind {
        NodeKind::Queue(_) => 0.0,
        _ => f.mean_in_node_ms / 1e3,
    }
}

/// Seconds per second that node `i`'s requests (at `rate`) spend crossing
/// its forwards' links: a route's `latency`, or its zones' link (the
/// answer goes straight back, so each is crossed once). A route's share
/// is its `p` (without `p`, the first route takes every request); a link
/// on a node with `when` routes is not modelled, nor before a bounded
/// line (`constant_only`) one that is not constant: requests overtaking
/// each other on it would tie the time they took to their admission.
fn link_seconds(model: &Model, i: usize, rate: f64, constant_only: bool) -> Result<f64, String> {
    let NodeKind::Service(s) = &model.nodes[i].kind else {
        return Ok(0.0);
    };
    let by_type = s.forward.iter().any(|r| r.when.is_some());
    let mut total = 0.0;
    for (k, r) in s.forward.iter().enumerate() {
        let Some(link) = r.latency.or_else(|| model.zone_latency(i, r.to)) else {
            continue;
        };
        let mean = link.mean();
        let random = constant_only && !matches!(link, Dist::Constant { .. });
        if by_type || random || !mean.is_finite() {
            return Err(format!(
                "`{}` forwards over a link with latency (its own or its zones'): \
                 not modelled for `when` routes, a latency without a finite mean, \
                 or a random one before a bounded line",
                model.nodes[i].id
            ));
        }
        let share = r.p.unwrap_or(if k == 0 { 1.0 } else { 0.0 });
        total += rate * share * mean;
    }
    Ok(total)
}

/// Every request visits every station (each one's rate is the entering
/// rate), all M/M/1 but the last, an M/M/c/K that sends nothing on. By
/// Burke the last is fed Poisson; by Reich a request's time at an M/M/1
/// does not depend on the departures before it, so those the last line
/// turns away spent the same mean time upstream as those it admits: the
/// mean of the completed requests is the sum of the stations' means.
fn bounded_last(
    model: &Model,
    formulas: &[(usize, Formula, f64)],
    stations: &[(f64, f64)],
    entering: f64,
) -> bool {
    let Some(((last, Formula::Mmck, _), before)) = formulas.split_last() else {
        return false;
    };
    let mm1 = |i: usize| match &model.nodes[i].kind {
        NodeKind::Service(s) => s.workers == 1 && s.replicas <= 1,
        NodeKind::Database(d) => d.workers == 1,
        NodeKind::Queue(q) => q.consumers == 1,
        _ => false,
    };
    let everyone = stations
        .iter()
        .all(|&(l, _)| (l / entering - 1.0).abs() < 1e-9);
    everyone
        && !before.is_empty()
        && model.nodes[*last].kind.sends_to().is_empty()
        && before
            .iter()
            .all(|&(i, f, _)| f == Formula::Mmc && mm1(i) && chained(model, i))
}

/// A service that forwards to one node at most, every request.
fn chained(model: &Model, i: usize) -> bool {
    match &model.nodes[i].kind {
        NodeKind::Service(s) => {
            s.forward.len() <= 1 && s.forward.iter().all(|r| r.p.is_none() && r.when.is_none())
        }
        _ => true,
    }
}

fn network_name(model: &Model, formulas: &[(usize, Formula, f64)]) -> &'static str {
    if let [(_, one, _)] = formulas {
        return one.name();
    }
    if !formulas.iter().all(|f| f.1 == Formula::Mmc) {
        return "open network (approximate stations)";
    }
    let chain = formulas.iter().all(|&(i, _, _)| chained(model, i));
    if chain {
        "Jackson tandem"
    } else {
        "Jackson network"
    }
}
