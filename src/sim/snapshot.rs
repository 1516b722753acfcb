//! A plain-data picture of the simulation at one instant, for the window and for tests.

use crate::sim::components::breaker::BreakerState;
use crate::sim::metrics::{NodeCounts, SystemCounts};
use crate::sim::time::SimTime;

#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub now: SimTime,
    /// All requests in the system now (warm-up included).
    pub in_flight: u64,
    /// End-to-end counts over the measured period (after warm-up).
    pub counts: SystemCounts,
    pub events_processed: u64,
    pub nodes: Vec<NodeSnapshot>,
    /// Node pairs cut off from each other: (from, to, hang).
    pub partitions: Vec<(usize, usize, bool)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeSnapshot {
    pub id: String,
    pub kind: &'static str,
    /// Visits present now.
    pub present: u64,
    /// Replicas (services) or instances (databases; index 0 = primary).
    pub replicas: Vec<ReplicaSnapshot>,
    /// Keys held now (caches).
    pub cache_keys: Option<u64>,
    /// Counts over the measured period.
    pub counts: NodeCounts,
    /// Crashed as a whole.
    pub down: bool,
    /// Service-time multiplier in force (1 = normal).
    pub slow: f64,
    /// Breakers on this node's calls: (callee id, state).
    pub breakers: Vec<(String, BreakerState)>,
    /// Autoscaled services: replicas wanted now.
    pub scale_target: Option<u32>,
    /// Queues: age of the oldest waiting message, if any.
    pub oldest_message: Option<SimTime>,
    /// Write-back caches: writes not yet in the store.
    pub data_at_risk: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicaSnapshot {
    pub workers: u32,
    pub busy: u32,
    /// Busy workers × simulated nanoseconds since the start: two snapshots
    /// give the busy share between them.
    pub busy_area: u128,
    pub queued: u32,
    /// False while draining after a scale-down.
    pub active: bool,
    /// Crashed.
    pub down: bool,
    /// Starting (cold start): not serving yet.
    pub warming: bool,
}

impl NodeSnapshot {
    /// Crashed as a whole: the node's own flag (caches, queues, limiters)
    /// or, for services and databases, every replica or instance down.
    pub fn crashed(&self) -> bool {
        self.down || (!self.replicas.is_empty() && self.replicas.iter().all(|r| r.down))
    }

    /// Replicas or instances crashed on their own (the node still up).
    pub fn replicas_down(&self) -> Vec<u32> {
        if self.crashed() {
            return Vec::new();
        }
        (0..self.replicas.len() as u32)
            .filter(|&k| self.replicas[k as usize].down)
            .collect()
    }

    /// Replicas or instances serving now: active, not crashed, not warming.
    pub fn running(&self) -> usize {
        self.replicas
            .iter()
            .filter(|r| r.active && !r.down && !r.warming)
            .count()
    }
}
