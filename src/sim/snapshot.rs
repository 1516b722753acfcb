//! A plain-data picture of the simulation at one instant, for the window and for tests.

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicaSnapshot {
    pub workers: u32,
    pub busy: u32,
    pub queued: u32,
    /// False while draining after a scale-down.
    pub active: bool,
}
