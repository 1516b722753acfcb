//! Live changes a learner (or a script) applies to a running simulation at the current instant.

use crate::sim::dist::Dist;
use crate::sim::model::{CachePolicy, LbAlgorithm, NodeIdx};
use crate::sim::time::SimTime;

/// A change applied through `Simulation::apply`, effective now.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Service replicas: raising adds servers now, lowering stops routing
    /// to the last ones, which finish what they hold (drain).
    SetReplicas {
        node: NodeIdx,
        replicas: u32,
    },
    /// Workers per replica (service) or per instance (database).
    SetWorkers {
        node: NodeIdx,
        workers: u32,
    },
    /// Waiting-line capacity per replica/instance; `None` = unbounded.
    /// Visits already waiting stay.
    SetQueueCapacity {
        node: NodeIdx,
        capacity: Option<u32>,
    },
    /// The node's own service time (visits already in service keep theirs).
    SetServiceTime {
        node: NodeIdx,
        dist: Dist,
    },
    /// Service or database timeout, for visits arriving from now on.
    SetTimeout {
        node: NodeIdx,
        timeout: Option<SimTime>,
    },
    /// How a load balancer picks; the next request is routed by the new rule.
    SetLbAlgorithm {
        node: NodeIdx,
        algorithm: LbAlgorithm,
    },
    /// Cache capacity in keys; shrinking evicts at once.
    SetCacheCapacity {
        node: NodeIdx,
        capacity: u64,
    },
    SetCachePolicy {
        node: NodeIdx,
        policy: CachePolicy,
    },
    SetCacheTtl {
        node: NodeIdx,
        ttl: Option<SimTime>,
    },
    /// Empties a cache at once (every key misses until refilled).
    FlushCache {
        node: NodeIdx,
    },
    /// Requests per second a token-bucket or leaky-bucket rate limiter
    /// lets through, from now on.
    SetLimiterRate {
        node: NodeIdx,
        rate: f64,
    },
    /// Requests per window a fixed- or sliding-window rate limiter lets
    /// through, from now on.
    SetLimiterLimit {
        node: NodeIdx,
        limit: u32,
    },
    /// Database read replicas.
    SetReadReplicas {
        node: NodeIdx,
        replicas: u32,
    },
    /// Open-loop rate of a workload (index into `Model::workloads`) from
    /// now on; later phases are dropped.
    SetWorkloadRate {
        workload: usize,
        rate: f64,
    },
    /// Share of reads of a workload, 0..=1.
    SetReadFraction {
        workload: usize,
        read_fraction: f64,
    },
    /// Multiplies a workload's rate (a traffic spike; 1 ends it).
    SetRateFactor {
        workload: usize,
        factor: f64,
    },
    /// A node (or one replica / database instance) fails: what it holds
    /// fails at once, nothing is routed to it until `Recover`. A crashed
    /// cache loses its contents (and unflushed write-back data); a crashed
    /// queue keeps its stored messages (a durable broker) but redelivers
    /// those in processing.
    Crash {
        node: NodeIdx,
        replica: Option<u32>,
    },
    Recover {
        node: NodeIdx,
        replica: Option<u32>,
    },
    /// Service times at the node are multiplied by `factor` (1 restores).
    SlowDown {
        node: NodeIdx,
        factor: f64,
    },
    /// Requests between `from` and `to` (either way) fail at once, or with
    /// `hang` are never answered (only a timeout ends them).
    Partition {
        from: NodeIdx,
        to: NodeIdx,
        hang: bool,
    },
    Heal {
        from: NodeIdx,
        to: NodeIdx,
    },
}

/// Why a command was refused (the simulation is unchanged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandError(pub String);

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CommandError {}
