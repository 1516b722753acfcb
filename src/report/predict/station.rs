//! One station's figures (a service, a database, a queue's consumers) from its workers, line, service time and arrival rate, by the formula that fits (M/M/c, M/D/1, Allen–Cunneen, M/M/c/K, M/M/c+D with its `timeout`).

use super::why_not::WhyNot;
use super::{Formula, Predicted};
use crate::sim::Model;
use crate::sim::dist::Dist;
use crate::sim::model::{LbAlgorithm, NodeIdx, NodeKind};
use crate::theory::{self, QueueFigures};

/// Lines longer than this are treated as unbounded (M/M/c/K would need
/// one term per place).
const LONGEST_BOUNDED_LINE: u64 = 100_000;

/// A station as the formulas see it.
struct Station {
    replicas: u32,
    workers: u32,
    queue: Option<u32>,
    /// Mean service time (s) and its squared coefficient of variation.
    mean: f64,
    scv: f64,
    shape: Shape,
    /// Squared coefficient of variation of the gaps between arrivals at
    /// one replica: 1 for Poisson, 1/r for a round robin over r replicas.
    ca2: f64,
    /// Its line serves by priority (`priority`): the mean wait is FIFO's
    /// (work-conserving, one exponential service), its tail is not.
    priority: bool,
    /// Its `timeout` in seconds: a visit still in line leaves then.
    timeout: Option<f64>,
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Exponential,
    Constant,
    General,
}

/// Node `i`'s figures at `lambda` requests per second (`read_share` of
/// them reads), for a service, a single-instance database or a queue
/// (its consumers are the workers, its capacity the line: a message's
/// time in the node is enqueue → processed).
pub fn predict(
    model: &Model,
    i: NodeIdx,
    lambda: f64,
    read_share: f64,
) -> Result<Predicted, WhyNot> {
    let st = station(model, i, read_share).ok_or(WhyNot::HeavyTail)?;
    if !(st.mean.is_finite() && st.scv.is_finite()) {
        return Err(WhyNot::HeavyTail);
    }
    if lambda <= 0.0 || !lambda.is_finite() {
        return Err(WhyNot::NoTraffic);
    }
    let per_replica = lambda / f64::from(st.replicas);
    if let Some(d) = st.timeout {
        return patience(&st, lambda, d);
    }
    let (formula, q) = figures(&st, per_replica)?;
    Ok(Predicted {
        formula,
        arrival_rps: lambda,
        utilisation: q.utilisation,
        mean_wait_ms: q.wait * 1e3,
        mean_queue_len: q.queue_len * f64::from(st.replicas),
        mean_in_node_ms: q.sojourn * 1e3,
        p99_wait_ms: (formula == Formula::Mmc && !st.priority)
            .then(|| theory::mmc_wait_quantile(per_replica, st.mean, st.workers, 0.99) * 1e3),
        blocking: q.blocking,
        abandon: 0.0,
        timed_out: 0.0,
    })
}

/// M/M/c+D at `lambda` (all replicas) with patience `d` seconds: Poisson
/// arrivals at each replica, exponential service, an unbounded FIFO line;
/// anything else with a timeout has no formula here.
fn patience(st: &Station, lambda: f64, d: f64) -> Result<Predicted, WhyNot> {
    let fits = st.shape == Shape::Exponential
        && st.ca2 == 1.0
        && !st.priority
        && bounded_line(st.queue, st.workers).is_none();
    if !fits {
        return Err(WhyNot::OwnTimeout);
    }
    let r = f64::from(st.replicas);
    let p = theory::mmc_patience(lambda / r, st.mean, st.workers, d);
    let q = p.figures;
    Ok(Predicted {
        formula: Formula::MmcPatience,
        arrival_rps: lambda,
        utilisation: q.utilisation,
        mean_wait_ms: q.wait * 1e3,
        mean_queue_len: q.queue_len * r,
        mean_in_node_ms: q.sojourn * 1e3,
        p99_wait_ms: None,
        blocking: 0.0,
        abandon: p.abandon,
        timed_out: p.timed_out,
    })
}

/// The formula that fits and its figures for one replica fed at `lambda`.
fn figures(st: &Station, lambda: f64) -> Result<(Formula, QueueFigures), WhyNot> {
    let (s, c) = (st.mean, st.workers);
    let poisson = st.ca2 == 1.0;
    if let Some(q) = bounded_line(st.queue, c) {
        if st.shape == Shape::Exponential && poisson {
            return Ok((Formula::Mmck, theory::mmck(lambda, s, c, c + q)));
        }
        return Err(WhyNot::BoundedLine { queue: q });
    }
    let a = lambda * s;
    if a >= f64::from(c) {
        let r = f64::from(st.replicas);
        return Err(WhyNot::Unstable {
            utilisation: a / f64::from(c),
            growth_per_s: (lambda - f64::from(c) / s) * r,
        });
    }
    Ok(match (st.shape, poisson, c) {
        (Shape::Exponential, true, _) => (Formula::Mmc, theory::mmc(lambda, s, c)),
        (Shape::Constant, true, 1) => (Formula::Md1, theory::mg1(lambda, s, 0.0)),
        (_, true, _) => (
            Formula::MgcAllenCunneen,
            theory::allen_cunneen(lambda, s, c, 1.0, st.scv),
        ),
        (_, false, _) => (
            Formula::GgcAllenCunneen,
            theory::allen_cunneen(lambda, s, c, st.ca2, st.scv),
        ),
    })
}

/// A line of `queue` places before `workers`, if it is bounded: a
/// longer one than [`LONGEST_BOUNDED_LINE`] is treated as unbounded.
pub(super) fn bounded_line(queue: Option<u32>, workers: u32) -> Option<u32> {
    queue.filter(|&q| u64::from(q) + u64::from(workers) <= LONGEST_BOUNDED_LINE)
}

fn station(model: &Model, i: NodeIdx, read_share: f64) -> Option<Station> {
    match &model.nodes.get(i)?.kind {
        NodeKind::Service(sv) => Some(Station {
            replicas: sv.replicas.max(1),
            workers: sv.workers,
            queue: sv.queue,
            mean: sv.service_time.mean(),
            scv: sv.service_time.scv(),
            shape: shape(&sv.service_time),
            ca2: arrival_scv(model, i, sv.replicas.max(1)),
            priority: sv.line.as_ref().is_some_and(|l| !l.priority.is_empty()),
            timeout: sv.timeout.map(|t| t.as_secs_f64()),
        }),
        NodeKind::Queue(q) => Some(Station {
            replicas: 1,
            workers: q.consumers,
            queue: q.capacity,
            mean: q.service_time.mean(),
            scv: q.service_time.scv(),
            shape: shape(&q.service_time),
            ca2: 1.0,
            priority: false,
            timeout: None,
        }),
        NodeKind::Database(d) => {
            let write = d.write_service_time.unwrap_or(d.service_time);
            let (mean, scv, shape) = mixture(&d.service_time, &write, read_share);
            Some(Station {
                replicas: 1,
                workers: d.workers,
                queue: d.queue,
                mean,
                scv,
                shape,
                ca2: 1.0,
                priority: false,
                timeout: d.timeout.map(|t| t.as_secs_f64()),
            })
        }
        _ => None,
    }
}

fn shape(d: &Dist) -> Shape {
    match d {
        Dist::Exponential { .. } => Shape::Exponential,
        Dist::Constant { .. } => Shape::Constant,
        _ => Shape::General,
    }
}

/// Reads take `read`, writes `write`: the mixture's mean, squared
/// coefficient of variation and shape (one shape when both are equal).
fn mixture(read: &Dist, write: &Dist, read_share: f64) -> (f64, f64, Shape) {
    if read == write {
        return (read.mean(), read.scv(), shape(read));
    }
    let (p, q) = (read_share, 1.0 - read_share);
    let (mr, mw) = (read.mean(), write.mean());
    let mean = p * mr + q * mw;
    let second = p * mr * mr * (1.0 + read.scv()) + q * mw * mw * (1.0 + write.scv());
    (mean, second / (mean * mean) - 1.0, Shape::General)
}

/// Gaps between arrivals at one of `replicas`: a random pick keeps them
/// Poisson; a round robin (a load balancer's, or the engine's own when
/// nothing picks) hands each replica every r-th arrival (Erlang-r gaps).
pub(super) fn arrival_scv(model: &Model, i: NodeIdx, replicas: u32) -> f64 {
    let random = model.nodes.iter().any(|n| {
        matches!(&n.kind, NodeKind::LoadBalancer(lb) if lb.to == i && lb.algorithm == LbAlgorithm::Random)
    });
    if replicas == 1 || random {
        1.0
    } else {
        1.0 / f64::from(replicas)
    }
}
