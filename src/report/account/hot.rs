//! Instances far busier than their siblings, told in the node's own terms: a database's hot shard (its popular keys; shards, not primaries against read replicas), a hashed service's hot replica, an autoscaled service's first replicas (the added ones served part of the run), or replicas that did not share the load.

use super::room::Room;
use super::{Happening, HappeningKind};
use crate::sim::model::{LbAlgorithm, Model, NodeKind};
use crate::sim::{SimTime, Summary};

/// How a node spreads its work over its instances.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Spread {
    /// A database: its shards, and instances per shard (primary first).
    Shards { shards: u32, per: u32 },
    /// A service whose replicas an autoscaler adds, each after a cold start.
    Autoscaled(SimTime),
    /// A service behind a balancer that hashes keys to replicas.
    Hashed,
    /// A service with its replicas taking turns.
    Replicas,
    /// One instance, or a database of one shard (its primary takes the
    /// writes, its read replicas the reads: uneven by design).
    Even,
}

impl Spread {
    /// One per node, in model order.
    pub(super) fn of(model: &Model) -> Vec<Spread> {
        let hashed = |k: usize| {
            model.nodes.iter().any(|n| {
                matches!(&n.kind, NodeKind::LoadBalancer(lb)
                    if lb.to == k && lb.algorithm == LbAlgorithm::ConsistentHash)
            })
        };
        (model.nodes.iter().enumerate())
            .map(|(k, n)| match &n.kind {
                NodeKind::Database(d) if d.shards > 1 => Spread::Shards {
                    shards: d.shards,
                    per: 1 + d.read_replicas,
                },
                NodeKind::Service(s) => match &s.autoscale {
                    Some(a) => Spread::Autoscaled(a.cold_start),
                    None if hashed(k) => Spread::Hashed,
                    None => Spread::Replicas,
                },
                _ => Spread::Even,
            })
            .collect()
    }
}

/// A line for each node with an instance (a shard, for a database) far
/// busier than the others, dated `at`.
pub(super) fn hot_lines(
    summary: &Summary,
    spreads: &[Spread],
    room: Option<&Room>,
    at: SimTime,
) -> Vec<Happening> {
    let cache = if room.is_none_or(|r| r.may_add("cache") || r.may_add("cdn")) {
        " (a cache in front takes them)"
    } else {
        ""
    };
    (summary.nodes.iter().zip(spreads))
        .filter_map(|(n, &spread)| {
            let per = match spread {
                Spread::Shards { per, .. } => per,
                Spread::Even => return None,
                _ => 1,
            };
            let (i, u, others) = hottest(&grouped(&n.replica_utilisation, per))?;
            let id = &n.id;
            let figures =
                format!("utilisation {u:.2} against {others:.2} on average for the others");
            let text = match spread {
                Spread::Shards { shards, .. } => format!(
                    "{id} shard {i} of {shards} is hot: {figures}; its keys are the popular \
                     ones, so more shards spread the rest, not them{cache}"
                ),
                Spread::Autoscaled(cold) => format!(
                    "{id} instance {i} carried more than the others: {figures}; the replicas \
                     the autoscaler added served only part of the run (each after a cold start \
                     of {}), so the first ones carried the load until then",
                    super::seconds_text(cold.as_secs_f64())
                ),
                Spread::Hashed => format!(
                    "{id} instance {i} is hot: {figures}; the balancer in front hashes keys to \
                     replicas and its keys are the popular ones, so more replicas spread the \
                     rest, not them{cache}"
                ),
                _ => format!(
                    "{id} instance {i} is hot: {figures}; its replicas did not share the load \
                     evenly — look at what routes to them (a replica down part of the run, the \
                     balancer's algorithm)"
                ),
            };
            Some(Happening {
                at,
                kind: HappeningKind::Cause,
                nodes: vec![id.clone()],
                text,
            })
        })
        .collect()
}

/// Each group of `per` instances' mean utilisation (a shard's instances
/// together), skipping groups with no figure.
fn grouped(us: &[Option<f64>], per: u32) -> Vec<(usize, f64)> {
    us.chunks(per.max(1) as usize)
        .enumerate()
        .filter_map(|(g, c)| {
            let known: Vec<f64> = c.iter().flatten().copied().collect();
            (!known.is_empty()).then(|| (g, known.iter().sum::<f64>() / known.len() as f64))
        })
        .collect()
}

/// The busiest of `us` when it stands out: `(index, its utilisation, the
/// others' mean)`.
fn hottest(us: &[(usize, f64)]) -> Option<(usize, f64, f64)> {
    let &(hot, max) = us.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    if us.len() < 2 {
        return None;
    }
    let others = (us.iter().map(|u| u.1).sum::<f64>() - max) / (us.len() - 1) as f64;
    (max >= 0.5 && max >= 1.5 * others).then_some((hot, max, others))
}
