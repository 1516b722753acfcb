//! Queueing theory beside the simulation: for each node the figures a formula of `theory.rs` predicts from the model's parameters and an arrival rate, or why no formula applies; and the end-to-end mean of an open network.

mod departures;
mod links;
mod network;
mod path;
mod station;
mod text;
mod why_not;

pub use links::{LinkLoad, LinkOf, Way, describe_links, link_loads, links_json};
pub use network::EndToEnd;
pub use text::{describe, end_to_end_json, node_json};
pub use why_not::{Thinning, WhyNot};

use crate::report::topology::offered_load;
use crate::sim::{Model, Summary, Window};

/// The formula a prediction comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Formula {
    /// Erlang C (`theory::mmc`): Poisson arrivals, exponential service.
    Mmc,
    /// Pollaczek-Khinchine with constant service (`theory::mg1`, scv 0).
    Md1,
    /// Allen–Cunneen (`theory::allen_cunneen`): Poisson arrivals, any
    /// service time with a finite variance.
    MgcAllenCunneen,
    /// Allen–Cunneen with the regular gaps of a round robin over replicas.
    GgcAllenCunneen,
    /// A bounded line (`theory::mmck`).
    Mmck,
    /// Erlang C with the node's `timeout` as a deterministic patience
    /// (`theory::mmc_patience`).
    MmcPatience,
}

impl Formula {
    /// How the formula is named in `summary.json` and by `check`.
    pub fn name(self) -> &'static str {
        match self {
            Formula::Mmc => "M/M/c",
            Formula::Md1 => "M/D/1",
            Formula::MgcAllenCunneen => "M/G/c (Allen–Cunneen)",
            Formula::GgcAllenCunneen => "G/G/c (Allen–Cunneen)",
            Formula::Mmck => "M/M/c/K",
            Formula::MmcPatience => "M/M/c+D",
        }
    }
}

/// What theory predicts for one node at one arrival rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Predicted {
    pub formula: Formula,
    /// Requests per second reaching the node (all replicas).
    pub arrival_rps: f64,
    /// Share of each worker's time busy.
    pub utilisation: f64,
    /// Mean wait in line before service, ms.
    pub mean_wait_ms: f64,
    /// Mean number waiting in line, all replicas together.
    pub mean_queue_len: f64,
    /// Mean time in the node, wait plus service, ms (at a queue, a
    /// message's enqueue → processed; its producer is answered at once).
    pub mean_in_node_ms: f64,
    /// 99th percentile of the wait in line, ms, where a formula gives it
    /// (M/M/c: the tail beyond the Erlang C probability is exponential).
    pub p99_wait_ms: Option<f64>,
    /// Share of arrivals turned away by a full line (M/M/c/K), else 0.
    pub blocking: f64,
    /// Share of arrivals that leave the line when the node's `timeout`
    /// fires (M/M/c+D), else 0.
    pub abandon: f64,
    /// Share of arrivals answered as timed out, in line or in service
    /// (M/M/c+D), else 0.
    pub timed_out: f64,
}

/// Theory's word on one node: figures, or why no formula applies.
#[derive(Clone, Debug, PartialEq)]
pub enum Prediction {
    Applies(Predicted),
    WhyNot(WhyNot),
}

impl Prediction {
    /// The figures, if theory applies.
    pub fn figures(&self) -> Option<&Predicted> {
        match self {
            Prediction::Applies(p) => Some(p),
            Prediction::WhyNot(_) => None,
        }
    }

    /// Why theory does not apply, in words (`None` when it does).
    pub fn why_not(&self) -> Option<String> {
        match self {
            Prediction::Applies(_) => None,
            Prediction::WhyNot(w) => Some(w.text()),
        }
    }
}

/// The predictions for a whole model: one per node (model order) and the
/// end-to-end mean.
#[derive(Clone, Debug, PartialEq)]
pub struct Predictions {
    pub nodes: Vec<Prediction>,
    pub end_to_end: Result<EndToEnd, String>,
}

/// Predictions at the load the model's open-loop workloads offer at their
/// starting rates (`topology::offered_load`; a phase at 0 s or within the
/// warm-up sets one, see `topology::starting_rate`): what to expect
/// before a run.
pub fn predict(model: &Model) -> Predictions {
    let load = offered_load(model);
    let rates: Vec<f64> = load.iter().map(|l| l.reads + l.writes).collect();
    let read_shares: Vec<f64> = load.iter().map(read_share).collect();
    let entering = network::open_rate(model);
    predict_inner(model, &rates, &read_shares, entering)
}

/// Predictions at measured arrival rates: `rates` per node (requests per
/// second, model order) and `entering`, the rate requests enter the
/// system at. See [`measured_rates`] and [`window_rates`].
pub fn predict_measured(model: &Model, rates: &[f64], entering: f64) -> Predictions {
    let read_shares: Vec<f64> = offered_load(model).iter().map(read_share).collect();
    predict_inner(model, rates, &read_shares, entering)
}

/// Arrival rates over a run's measured period: per node, and entering.
pub fn measured_rates(s: &Summary) -> (Vec<f64>, f64) {
    let secs = s.measured.as_secs_f64();
    per_second(
        s.nodes.iter().map(|n| n.counts.arrived),
        s.counts.arrived,
        secs,
    )
}

/// Arrival rates in one time-series window: per node, and entering.
pub fn window_rates(w: &Window) -> (Vec<f64>, f64) {
    let secs = w.end.as_secs_f64() - w.start.as_secs_f64();
    per_second(
        w.nodes.iter().map(|n| n.counts.arrived),
        w.counts.arrived,
        secs,
    )
}

fn per_second(nodes: impl Iterator<Item = u64>, entering: u64, secs: f64) -> (Vec<f64>, f64) {
    let rate = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
    (nodes.map(rate).collect(), rate(entering))
}

fn read_share(l: &crate::report::topology::OfferedLoad) -> f64 {
    let total = l.reads + l.writes;
    if total > 0.0 { l.reads / total } else { 1.0 }
}

fn predict_inner(model: &Model, rates: &[f64], read_shares: &[f64], entering: f64) -> Predictions {
    let paths = path::conditions(model, rates);
    let nodes: Vec<Prediction> = (0..model.nodes.len())
        .map(|i| {
            let lambda = rates.get(i).copied().unwrap_or(0.0);
            let share = read_shares.get(i).copied().unwrap_or(1.0);
            match why_not::static_reason(model, i, &paths[i]) {
                Some(w) => Prediction::WhyNot(w),
                None => match station::predict(model, i, lambda, share) {
                    Ok(p) => Prediction::Applies(p),
                    Err(w) => Prediction::WhyNot(w),
                },
            }
        })
        .collect();
    let end_to_end = network::end_to_end(model, &nodes, rates, entering);
    Predictions { nodes, end_to_end }
}
