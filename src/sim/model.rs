//! The typed, validated description of a system that a `Simulation` is built from.
//!
//! The scenario loader (`crate::scenario`) turns a TOML file into a `Model`;
//! tests and benches may build one by hand. Every value here has already
//! been checked: the engine trusts it (ids resolve, rates are finite, ...).

use crate::sim::dist::Dist;
use crate::sim::time::SimTime;

/// Index of a node in `Model::nodes` (and in the running simulation).
pub type NodeIdx = usize;

/// The two request types a workload produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    Read,
    Write,
}

impl RequestKind {
    pub fn name(self) -> &'static str {
        match self {
            RequestKind::Read => "read",
            RequestKind::Write => "write",
        }
    }
}

/// A whole system under test plus how long to run it.
#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub story: String,
    /// Total simulated time, warm-up included.
    pub duration: SimTime,
    /// Results exclude requests that arrive before this instant, and
    /// time-averages start here.
    pub warmup: SimTime,
    pub seed: u64,
    /// Width of one time-series window.
    pub window: SimTime,
    pub workloads: Vec<Workload>,
    pub nodes: Vec<Node>,
    pub objectives: Vec<Objective>,
    pub limits: Limits,
}

/// Safety caps so extreme inputs stop with an explanation instead of
/// exhausting memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most requests alive at once; arrivals beyond it are dropped and counted.
    pub max_in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_in_flight: 1_000_000,
        }
    }
}

/// One source of traffic.
#[derive(Clone, Debug)]
pub struct Workload {
    /// A name for messages and RNG streams (`workload.0` when unnamed).
    pub name: String,
    /// The node requests enter at.
    pub to: NodeIdx,
    pub arrival: Arrival,
    /// Rate changes over time (open loop only), sorted by `at`.
    pub phases: Vec<Phase>,
    /// Probability that a request is a read; the rest are writes.
    pub read_fraction: f64,
    pub keys: Keys,
}

#[derive(Clone, Debug)]
pub enum Arrival {
    /// Open loop, exponential gaps at `rate` requests per second.
    Poisson { rate: f64 },
    /// Open loop, evenly spaced at `rate` requests per second.
    Constant { rate: f64 },
    /// Closed loop: `users` each send a request, wait for its answer
    /// (success or failure), think, and send the next.
    Closed { users: u32, think: Dist },
}

/// From `at` on, the rate becomes `rate`, reached linearly over `ramp`
/// (zero ramp = a step).
#[derive(Clone, Copy, Debug)]
pub struct Phase {
    pub at: SimTime,
    pub rate: f64,
    pub ramp: SimTime,
}

#[derive(Clone, Copy, Debug)]
pub struct Keys {
    /// Keys are numbered `0..count`.
    pub count: u64,
    pub popularity: Popularity,
}

#[derive(Clone, Copy, Debug)]
pub enum Popularity {
    Uniform,
    /// Key of rank k (1-based) drawn with probability ∝ 1 / k^s.
    Zipf {
        s: f64,
    },
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    /// Position in the window's world view, if the file gives one.
    pub pos: Option<[f32; 2]>,
    /// Dollars per hour per replica / instance.
    pub cost_per_hour: f64,
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    LoadBalancer(LoadBalancerSpec),
    Service(ServiceSpec),
    Cache(CacheSpec),
    Database(DatabaseSpec),
}

impl NodeKind {
    pub fn name(&self) -> &'static str {
        match self {
            NodeKind::LoadBalancer(_) => "load_balancer",
            NodeKind::Service(_) => "service",
            NodeKind::Cache(_) => "cache",
            NodeKind::Database(_) => "database",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LbAlgorithm {
    RoundRobin,
    WeightedRoundRobin,
    Random,
    LeastConnections,
    PowerOfTwoChoices,
    ConsistentHash,
}

impl LbAlgorithm {
    pub const ALL: [LbAlgorithm; 6] = [
        LbAlgorithm::RoundRobin,
        LbAlgorithm::WeightedRoundRobin,
        LbAlgorithm::Random,
        LbAlgorithm::LeastConnections,
        LbAlgorithm::PowerOfTwoChoices,
        LbAlgorithm::ConsistentHash,
    ];
    /// The spelling used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            LbAlgorithm::RoundRobin => "round_robin",
            LbAlgorithm::WeightedRoundRobin => "weighted_round_robin",
            LbAlgorithm::Random => "random",
            LbAlgorithm::LeastConnections => "least_connections",
            LbAlgorithm::PowerOfTwoChoices => "power_of_two",
            LbAlgorithm::ConsistentHash => "consistent_hash",
        }
    }
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == s)
    }
}

/// A load balancer forwards instantly to one replica of the service `to`.
#[derive(Clone, Debug)]
pub struct LoadBalancerSpec {
    pub algorithm: LbAlgorithm,
    /// Must be a service node.
    pub to: NodeIdx,
    /// Per-replica weights for weighted round robin (missing ones count 1).
    pub weights: Vec<u32>,
}

/// Passing a request on, only when the request is of type `when` (any type
/// when `None`).
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub to: NodeIdx,
    pub when: Option<RequestKind>,
}

impl Route {
    pub fn matches(&self, kind: RequestKind) -> bool {
        self.when.is_none_or(|w| w == kind)
    }
}

/// Replicas × workers with a FIFO queue per replica.
#[derive(Clone, Debug)]
pub struct ServiceSpec {
    pub replicas: u32,
    pub workers: u32,
    /// Waiting-line capacity per replica; `None` = unbounded.
    pub queue: Option<u32>,
    pub service_time: Dist,
    /// A request not answered this long after it reached the node fails
    /// as timed out.
    pub timeout: Option<SimTime>,
    /// Synchronous calls, made in order after the node's own work, each
    /// only if it matches; the worker is held until each responds.
    pub calls: Vec<Route>,
    /// Forward: after its own work and calls, the first matching route gets
    /// the request and the worker is freed; the last stage responds.
    pub forward: Vec<Route>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    Lru,
    Lfu,
    Fifo,
}

impl CachePolicy {
    pub const ALL: [CachePolicy; 3] = [CachePolicy::Lru, CachePolicy::Lfu, CachePolicy::Fifo];
    pub fn name(self) -> &'static str {
        match self {
            CachePolicy::Lru => "lru",
            CachePolicy::Lfu => "lfu",
            CachePolicy::Fifo => "fifo",
        }
    }
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == s)
    }
}

/// A key-value cache (unlimited concurrency): reads that hit answer after
/// `hit_time`; misses look up for `hit_time`, then ask `on_miss` and fill.
/// Writes go to `on_miss` and invalidate the key.
#[derive(Clone, Debug)]
pub struct CacheSpec {
    /// Most keys held at once.
    pub capacity: u64,
    pub policy: CachePolicy,
    /// Entries older than this are misses.
    pub ttl: Option<SimTime>,
    pub hit_time: Dist,
    /// Where misses and writes go; without it a miss is answered as a miss
    /// (the caller gets a response, nothing is filled).
    pub on_miss: Option<NodeIdx>,
}

/// A primary (index 0) that takes writes, plus read replicas that share the
/// reads (reads go to the primary when there are none).
#[derive(Clone, Debug)]
pub struct DatabaseSpec {
    pub read_replicas: u32,
    /// Workers per instance.
    pub workers: u32,
    /// Waiting-line capacity per instance; `None` = unbounded.
    pub queue: Option<u32>,
    pub service_time: Dist,
    /// Service time of writes, if different from `service_time`.
    pub write_service_time: Option<Dist>,
    pub timeout: Option<SimTime>,
}

/// What a learner is asked to achieve.
#[derive(Clone, Debug)]
pub struct Objective {
    pub metric: ObjectiveMetric,
    pub bound: Bound,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectiveMetric {
    P50,
    P95,
    P99,
    MeanLatency,
    /// Failed / (completed + failed), a fraction.
    ErrorRate,
    /// Completed requests per second.
    Throughput,
    /// Dollars per hour.
    CostPerHour,
}

impl ObjectiveMetric {
    pub const ALL: [ObjectiveMetric; 7] = [
        ObjectiveMetric::P50,
        ObjectiveMetric::P95,
        ObjectiveMetric::P99,
        ObjectiveMetric::MeanLatency,
        ObjectiveMetric::ErrorRate,
        ObjectiveMetric::Throughput,
        ObjectiveMetric::CostPerHour,
    ];
    pub fn name(self) -> &'static str {
        match self {
            ObjectiveMetric::P50 => "p50",
            ObjectiveMetric::P95 => "p95",
            ObjectiveMetric::P99 => "p99",
            ObjectiveMetric::MeanLatency => "mean_latency",
            ObjectiveMetric::ErrorRate => "error_rate",
            ObjectiveMetric::Throughput => "throughput",
            ObjectiveMetric::CostPerHour => "cost_per_hour",
        }
    }
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == s)
    }
    /// Latency objectives take durations (`"100ms"`), the others numbers.
    pub fn is_latency(self) -> bool {
        matches!(
            self,
            ObjectiveMetric::P50
                | ObjectiveMetric::P95
                | ObjectiveMetric::P99
                | ObjectiveMetric::MeanLatency
        )
    }
}

/// Latency bounds are in seconds; the others in the metric's own unit.
#[derive(Clone, Copy, Debug)]
pub enum Bound {
    Below(f64),
    Above(f64),
}

impl Model {
    /// Index of the node called `id`.
    pub fn node_index(&self, id: &str) -> Option<NodeIdx> {
        self.nodes.iter().position(|n| n.id == id)
    }
}
