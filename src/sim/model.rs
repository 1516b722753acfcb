//! The typed, validated description of a system that a `Simulation` is built from.
//!
//! The scenario loader (`crate::scenario`) turns a TOML file into a `Model`;
//! tests and benches may build one by hand. Every value here has already
//! been checked: the engine trusts it (ids resolve, rates are finite, ...).

use crate::sim::command::Command;
use crate::sim::dist::Dist;
use crate::sim::time::SimTime;

pub use crate::sim::components::autoscaler::{AutoscaleSpec, ScaleMetric};
pub use crate::sim::components::breaker::BreakerSpec;
pub use crate::sim::components::keyed_limiter::LimitPer;
pub use crate::sim::components::rate_limiter::LimiterAlgorithm;
pub use crate::sim::components::retry::{Jitter, RetryPolicy};
pub use crate::sim::count::Count;

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

/// Index of a request class in `Model::classes`.
pub type ClassIdx = u16;

/// A named request type (`redirect`, `create`): a read or a write to the
/// caches and databases it reaches, with figures of its own.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestClass {
    pub name: String,
    /// What the class is underneath.
    pub op: RequestKind,
    /// Bytes a request of this class brings from the users and its answer
    /// takes back to them (distributions of bytes); `None`: not counted.
    pub request_bytes: Option<Dist>,
    pub response_bytes: Option<Dist>,
}

impl RequestClass {
    /// A class of this name and op without payload sizes.
    pub fn new(name: impl Into<String>, op: RequestKind) -> Self {
        RequestClass {
            name: name.into(),
            op,
            request_bytes: None,
            response_bytes: None,
        }
    }
}

/// A routing condition: a request type (every read, classes whose op is a
/// read included), or one class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Kind(RequestKind),
    Class(ClassIdx),
}

impl When {
    /// Whether a request of type `kind` and class `class` matches.
    #[inline]
    pub fn matches(self, kind: RequestKind, class: Option<ClassIdx>) -> bool {
        match self {
            When::Kind(k) => k == kind,
            When::Class(c) => class == Some(c),
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
    /// Named request types the workloads draw from (none: every request
    /// is a plain read or write).
    pub classes: Vec<RequestClass>,
    /// Changes and faults applied at given instants, sorted by `at`.
    pub events: Vec<ScheduledEvent>,
    pub limits: Limits,
    /// Network latency between zones (nodes name theirs in `Node::zone`).
    pub zone_links: Vec<ZoneLink>,
}

/// The network between two zones (or within one: both the same): calls and
/// forwards between nodes of these zones cross a link of this latency,
/// unless the call or route has its own `latency`.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneLink {
    pub between: [String; 2],
    pub latency: Dist,
    /// Bytes per second each way, shared by every call crossing the link
    /// (a FIFO server per direction); `None`: unlimited.
    pub bandwidth: Option<f64>,
    /// Dollars per GB (1e9 bytes) of call payloads crossing the link,
    /// either way; `None`: free.
    pub egress_per_gb: Option<f64>,
}

/// Payload sizes (distributions of bytes, drawn with `Dist::sample_secs`)
/// and a link bandwidth (bytes per second) on a call: each attempt's
/// request and each successful answer cross the call's link as a
/// transfer of that many bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Payload {
    pub request: Option<Dist>,
    pub response: Option<Dist>,
    /// The call's own link capacity, a FIFO server per direction shared by
    /// all the caller's replicas; `None`: its zones' link's, or unlimited.
    pub bandwidth: Option<f64>,
}

impl Payload {
    /// Whether a call carries anything at all.
    pub fn is_empty(&self) -> bool {
        self.request.is_none() && self.response.is_none() && self.bandwidth.is_none()
    }
}

/// A command applied by the engine itself at `at` (a fault, a recovery,
/// a live change recorded in an exported scenario).
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledEvent {
    pub at: SimTime,
    pub command: Command,
}

/// Safety caps so extreme inputs stop with an explanation instead of
/// exhausting memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most requests alive at once; arrivals beyond it are dropped and counted.
    pub max_in_flight: usize,
    /// Most events one run may handle; the run stops with an explanation
    /// when it is reached (a guard against 1e9 req/s for a year).
    pub max_events: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_in_flight: 1_000_000,
            max_events: 500_000_000,
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
    /// Probability that a request is a read; the rest are writes. With
    /// `classes`, the share of the classes whose op is a read.
    pub read_fraction: f64,
    pub keys: Keys,
    /// The classes this workload's requests belong to, with their shares
    /// (summing to 1), in file order; empty: plain reads and writes drawn
    /// by `read_fraction`.
    pub classes: Vec<(ClassIdx, f64)>,
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

/// Instances of one database at most (`sim::limits::DATABASE_INSTANCES`).
pub const MAX_DATABASE_INSTANCES: u64 = crate::sim::limits::DATABASE_INSTANCES.max;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Keys {
    /// Keys are numbered `0..count`.
    pub count: u64,
    pub popularity: Popularity,
    /// What a write's key is (a workload's key space only; a call's is
    /// always `Existing`).
    pub writes: KeyWrites,
}

/// The key a workload's write carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyWrites {
    /// Drawn like a read's: a write updates a key readers ask for.
    #[default]
    Existing,
    /// A key no request has carried yet (a shortened link, a new post): a
    /// write creates, and no read of `0..count` ever meets it.
    New,
}

#[derive(Clone, Copy, Debug, PartialEq)]
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
    /// Dollars per hour per unit of each replica / instance (per node for
    /// the kinds without replicas).
    pub cost_per_hour: f64,
    /// What one unit buys, per replica or instance: workers (services,
    /// databases, queues' consumers) or keys (caches, CDN edges). A replica
    /// is billed `ceil(workers / cost_unit)` units, a cache
    /// `ceil(capacity / cost_unit)`: more workers or more memory cost more,
    /// as on a real bill. 0 for the kinds billed flat.
    pub cost_unit: u64,
    /// The zone (region, data centre) the node runs in, if the file says.
    pub zone: Option<String>,
    /// Dollars per GB of answers this node sends to the users (the
    /// workloads that send to it; their classes' `response_bytes`).
    pub egress_per_gb: Option<f64>,
}

/// Workers one `cost_per_hour` buys per replica unless the file says
/// (`workers_per_unit`).
pub const DEFAULT_WORKERS_PER_UNIT: u64 = 16;
/// Cache keys one `cost_per_hour` buys unless the file says
/// (`keys_per_unit`).
pub const DEFAULT_KEYS_PER_UNIT: u64 = 100_000;

impl Node {
    /// Dollars per hour at the start of a run, billed as the run bills it
    /// (`cost_unit`): each replica or instance by its workers, a queue by
    /// its consumers, a cache by its capacity, other kinds one unit.
    pub fn starting_cost_per_hour(&self) -> f64 {
        if self.cost_per_hour == 0.0 {
            return 0.0;
        }
        let per = |workers: u32| cost_units(u64::from(workers), self.cost_unit);
        let units = match &self.kind {
            NodeKind::Service(s) => u64::from(s.replicas) * per(s.workers),
            NodeKind::Database(d) => {
                let instances = d.read_replicas.saturating_add(1).saturating_mul(d.shards);
                u64::from(instances) * per(d.workers)
            }
            NodeKind::Queue(q) => per(q.consumers),
            NodeKind::Cache(c) => cost_units(c.capacity, self.cost_unit),
            _ => 1,
        };
        self.cost_per_hour * units as f64
    }
}

/// Units billed for `amount` (workers or keys) at `unit` per unit: at
/// least one, whole units (`ceil`); `unit` 0 bills one.
pub fn cost_units(amount: u64, unit: u64) -> u64 {
    if unit == 0 {
        1
    } else {
        amount.div_ceil(unit).max(1)
    }
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    LoadBalancer(LoadBalancerSpec),
    Service(ServiceSpec),
    Cache(CacheSpec),
    Database(DatabaseSpec),
    RateLimiter(RateLimiterSpec),
    Queue(QueueSpec),
    Topic(TopicSpec),
    External(ExternalSpec),
}

impl NodeKind {
    /// Where the node sends requests: calls (and their fallbacks),
    /// forwards, a load balancer's service, a cache's miss path, a
    /// limiter's target, a topic's subscribers.
    pub fn sends_to(&self) -> Vec<NodeIdx> {
        let calls = |calls: &[Call]| {
            calls
                .iter()
                .flat_map(|c| std::iter::once(c.to).chain(c.fallback))
                .collect::<Vec<_>>()
        };
        match self {
            NodeKind::LoadBalancer(lb) => vec![lb.to],
            NodeKind::Service(s) => {
                let mut out = calls(&s.calls);
                out.extend(s.forward.iter().map(|r| r.to));
                out
            }
            NodeKind::Queue(q) => calls(&q.calls),
            NodeKind::Cache(c) => c.on_miss.into_iter().collect(),
            NodeKind::RateLimiter(r) => vec![r.to],
            NodeKind::Topic(t) => t.subscribers.clone(),
            NodeKind::Database(_) | NodeKind::External(_) => Vec::new(),
        }
    }

    /// The calls a service or a queue's consumers make (none for the
    /// other kinds).
    pub fn calls(&self) -> &[Call] {
        match self {
            NodeKind::Service(s) => &s.calls,
            NodeKind::Queue(q) => &q.calls,
            _ => &[],
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            NodeKind::LoadBalancer(_) => "load_balancer",
            NodeKind::Service(_) => "service",
            NodeKind::Cache(c) if c.edge => "cdn",
            NodeKind::Cache(_) => "cache",
            NodeKind::Database(_) => "database",
            NodeKind::RateLimiter(_) => "rate_limiter",
            NodeKind::Queue(_) => "queue",
            NodeKind::Topic(_) => "topic",
            NodeKind::External(_) => "external",
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

/// Passing a request on, only when the request matches `when` (every
/// request when `None`); with `p`, only that share of the requests it
/// matches.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub to: NodeIdx,
    pub when: Option<When>,
    /// Network link: the request takes a draw of this to reach `to` (the
    /// answer goes straight back to the original caller, as for any
    /// forward). `None`: at once.
    pub latency: Option<Dist>,
    /// The probability that a request this route matches takes it (all
    /// routes of a list have one, or none does).
    pub p: Option<f64>,
}

impl Route {
    /// Every request matching `when` (every request when `None`), at once.
    pub fn new(to: NodeIdx, when: Option<When>) -> Self {
        Route {
            to,
            when,
            latency: None,
            p: None,
        }
    }
    #[inline]
    pub fn matches(&self, kind: RequestKind, class: Option<ClassIdx>) -> bool {
        self.when.is_none_or(|w| w.matches(kind, class))
    }
}

/// How a caller protects itself on one call.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CallPolicy {
    /// The caller gives up on an attempt after this long (the callee's
    /// work goes on: it does not know).
    pub timeout: Option<SimTime>,
    pub retry: Option<RetryPolicy>,
    pub breaker: Option<BreakerSpec>,
    /// Connections the caller (per replica) may hold to the callee at once.
    pub pool: Option<PoolSpec>,
}

/// A connection pool: `size` connections; a call waits up to
/// `acquire_timeout` for one, then fails.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolSpec {
    pub size: u32,
    pub acquire_timeout: SimTime,
}

/// Which key the request of a call carries.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum CallKey {
    /// The request's own key.
    #[default]
    Request,
    /// A fresh draw from this key space for each request (and each
    /// repetition of the call); its retries keep it.
    Random(Keys),
    /// A key fixed by the request's key and the repetition index, drawn
    /// with this key space's popularity: the r-th followee of user k is
    /// the same key every time user k reads.
    Derived(Keys),
}

impl CallKey {
    /// The spelling used in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            CallKey::Request => "request",
            CallKey::Random(_) => "random",
            CallKey::Derived(_) => "derived",
        }
    }
    /// The call's own key space, if it has one.
    pub fn keys(&self) -> Option<&Keys> {
        match self {
            CallKey::Request => None,
            CallKey::Random(k) | CallKey::Derived(k) => Some(k),
        }
    }
}

/// A synchronous call made by a service or a queue consumer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Call {
    pub to: NodeIdx,
    pub when: Option<When>,
    pub policy: CallPolicy,
    /// Network link: the request takes a draw of this to reach the callee,
    /// and the answer an independent draw to come back (the call's
    /// timeout counts both). `None`: the callee is reached at once.
    pub latency: Option<Dist>,
    /// Payload sizes and the link's bandwidth (`None`: nothing carried).
    pub payload: Option<Payload>,
    /// The type of the call's request; `None`: the request's own.
    pub op: Option<RequestKind>,
    /// The key of the call's request.
    pub key: CallKey,
    /// How many times the call is made per visit, and how.
    pub fan: FanOut,
    /// Asked instead when the call fails for good (after its retries, or
    /// refused by its breaker): its answer stands for the call's.
    pub fallback: Option<NodeIdx>,
    /// The work the callee (a service or database) does for this call,
    /// instead of its own `service_time`; `None`: its own.
    pub service_time: Option<Dist>,
}

/// When a parallel fan-out is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Every sub-call must succeed.
    All,
    /// `k` sub-calls must succeed (all of them when fewer were made).
    Quorum(u32),
    /// The first success is enough.
    First,
}

impl Wait {
    /// Successes needed of `n` sub-calls.
    pub fn needed(self, n: u32) -> u32 {
        match self {
            Wait::All => n,
            Wait::Quorum(k) => k.min(n),
            Wait::First => n.min(1),
        }
    }
}

/// Fan-out: a call made `repeat` times per visit, one after another or in
/// parallel; or hedged (a second copy when the first is slow).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FanOut {
    pub repeat: Count,
    /// All sub-calls go out at once (else one after another).
    pub parallel: bool,
    /// When parallel sub-calls are done.
    pub wait: Wait,
    /// Hedged: one copy, and a second if the first has not answered after
    /// this long; the first success wins.
    pub hedge: Option<SimTime>,
}

impl FanOut {
    /// One call, no fan-out.
    pub const ONCE: FanOut = FanOut {
        repeat: Count::Fixed(1),
        parallel: false,
        wait: Wait::All,
        hedge: None,
    };
    pub fn is_once(&self) -> bool {
        *self == FanOut::ONCE
    }
}

impl Default for FanOut {
    fn default() -> Self {
        FanOut::ONCE
    }
}

impl Call {
    pub fn new(to: NodeIdx, when: Option<When>) -> Self {
        Call {
            to,
            when,
            policy: CallPolicy::default(),
            latency: None,
            payload: None,
            op: None,
            key: CallKey::Request,
            fan: FanOut::ONCE,
            fallback: None,
            service_time: None,
        }
    }
    #[inline]
    pub fn matches(&self, kind: RequestKind, class: Option<ClassIdx>) -> bool {
        self.when.is_none_or(|w| w.matches(kind, class))
    }
    /// Sends the request as it is: its own type and key, the callee's own
    /// work.
    pub fn passes_request(&self) -> bool {
        self.op.is_none() && matches!(self.key, CallKey::Request) && self.service_time.is_none()
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
    pub calls: Vec<Call>,
    /// Forward: after its own work and calls, the first matching route gets
    /// the request and the worker is freed; the last stage responds.
    pub forward: Vec<Route>,
    /// Adds and drains replicas to track a target.
    pub autoscale: Option<AutoscaleSpec>,
    /// Priorities and load shedding at each replica's line; `None`: one
    /// plain FIFO line, nothing shed.
    pub line: Option<LinePolicy>,
}

/// How a service's waiting line orders and sheds requests (`priority`,
/// `shed`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LinePolicy {
    /// Served first to last: a free worker takes the oldest waiting
    /// request of the first entry it matches (non-preemptive); requests
    /// matching no entry come after all of them. Empty: FIFO.
    pub priority: Vec<When>,
    /// A request matching an entry is refused (shed) on arrival while its
    /// replica's line holds at least that many. Class entries come first:
    /// a request takes the first entry it matches.
    pub shed: Vec<(When, u32)>,
}

impl LinePolicy {
    /// The priority level of a request (0 first; `priority.len()` for the
    /// rest) and the line length from which it is shed, if any.
    pub fn rank(&self, kind: RequestKind, class: Option<ClassIdx>) -> (usize, Option<u32>) {
        let level = (self.priority.iter())
            .position(|w| w.matches(kind, class))
            .unwrap_or(self.priority.len());
        let shed = (self.shed.iter())
            .find(|(w, _)| w.matches(kind, class))
            .map(|&(_, n)| n);
        (level, shed)
    }

    /// Priority levels a line keeps apart (0: plain FIFO).
    pub fn levels(&self) -> usize {
        if self.priority.is_empty() {
            0
        } else {
            self.priority.len() + 1
        }
    }
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

/// What a cache does with a write.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WritePolicy {
    /// Drop the key, pass the write to `on_miss` (cache-aside default).
    Invalidate,
    /// Pass the write to `on_miss`, then store the key (answer after both).
    WriteThrough,
    /// Store the key and answer at once; dirty keys reach `on_miss` in a
    /// batch every `flush_interval` (lost if the cache crashes first).
    WriteBack { flush_interval: SimTime },
}

impl WritePolicy {
    pub fn name(&self) -> &'static str {
        match self {
            WritePolicy::Invalidate => "invalidate",
            WritePolicy::WriteThrough => "write_through",
            WritePolicy::WriteBack { .. } => "write_back",
        }
    }
}

/// A key-value cache (unlimited concurrency): reads that hit answer after
/// `hit_time`; misses look up for `hit_time`, then ask `on_miss` and fill.
/// Writes follow `write_policy`.
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
    pub write_policy: WritePolicy,
    /// Single flight: concurrent misses on one key wait for one fetch.
    pub coalesce: bool,
    /// Extra delay on the way to `on_miss` and back (a CDN's trip to its
    /// origin).
    pub miss_penalty: Option<Dist>,
    /// Drawn and named as a CDN / edge cache.
    pub edge: bool,
    /// The share of `capacity` filled at the start with the most popular
    /// keys (keys `0..k`: every key space numbers its keys by popularity);
    /// 0 = the cache starts empty (cold).
    pub warm: f64,
    /// Lookups served at once (each holds a worker for its `hit_time`);
    /// `None` = unlimited concurrency.
    pub workers: Option<u32>,
    /// Lookups that may wait for a worker (with `workers`); `None` =
    /// unbounded.
    pub queue: Option<u32>,
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
    /// How long a write takes to reach the read replicas; a read of a key
    /// at a replica before its last write arrived is counted stale.
    pub replication_lag: Option<Dist>,
    /// Shards (each a primary plus `read_replicas`), keys placed by
    /// consistent hashing.
    pub shards: u32,
}

/// Admits requests by a rate rule and forwards them at once to `to`.
#[derive(Clone, Debug)]
pub struct RateLimiterSpec {
    pub algorithm: LimiterAlgorithm,
    pub to: NodeIdx,
    /// A bucket per key or per client (`per`), at most `max_keys` of
    /// them; `None`: one bucket for every request.
    pub per: Option<(LimitPer, u32)>,
}

/// An asynchronous queue: a producer's request is answered as soon as the
/// message is stored; consumers process messages later.
#[derive(Clone, Debug)]
pub struct QueueSpec {
    /// Most messages stored (waiting, not in processing); `None` = unbounded.
    pub capacity: Option<u32>,
    pub consumers: u32,
    /// Each consumer's own work per message.
    pub service_time: Dist,
    /// Calls a consumer makes per message, after its own work.
    pub calls: Vec<Call>,
    /// A message in processing longer than this becomes visible again and
    /// is redelivered (the first consumer's work is wasted).
    pub visibility_timeout: Option<SimTime>,
    /// After this many failed deliveries a message goes to the dead-letter
    /// count.
    pub max_attempts: u32,
    /// How long a message whose delivery failed stays invisible before it
    /// is delivered again.
    pub redelivery: Redelivery,
    /// A loop through this queue (its consumers' work feeding it again,
    /// as a crawler's parser feeds its frontier) is allowed: a message
    /// that already passed through it this many times is acknowledged
    /// and dropped.
    pub max_hops: Option<u32>,
}

/// Publish/subscribe: each message published to the topic is stored in
/// every subscriber queue (one subscriber group each, with its own
/// consumers); the publisher is answered once every copy is stored.
#[derive(Clone, Debug)]
pub struct TopicSpec {
    /// Queue nodes, each getting a copy of every message.
    pub subscribers: Vec<NodeIdx>,
}

/// A third-party dependency (a payment provider, a maps API): each call
/// takes a draw of `latency` (no queue, no workers: an infinite server)
/// and fails with probability `error_rate`; calls beyond its rate limit
/// or its concurrency limit are refused at once.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalSpec {
    pub latency: Dist,
    /// Probability that a call is answered with an error (after its
    /// latency).
    pub error_rate: f64,
    /// Calls per second it accepts (a token bucket); beyond, refused.
    pub rate_limit: Option<RateLimit>,
    /// Most calls in progress at once; beyond, refused.
    pub concurrency: Option<u32>,
}

/// A token bucket: `rate` per second, at most `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    pub rate: f64,
    pub burst: u32,
}

/// The wait before a failed queue message is delivered again: `backoff`,
/// doubling on each redelivery of the message, at most `max_backoff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Redelivery {
    pub backoff: SimTime,
    pub max_backoff: SimTime,
}

impl Redelivery {
    /// At once (the behaviour before redelivery had a backoff).
    pub const IMMEDIATE: Redelivery = Redelivery {
        backoff: SimTime::ZERO,
        max_backoff: SimTime::ZERO,
    };
    /// The file's defaults: 1 s, doubling, at most 1 min.
    pub const DEFAULT: Redelivery = Redelivery {
        backoff: SimTime::from_secs(1),
        max_backoff: SimTime::from_secs(60),
    };

    /// The wait before the redelivery that follows `returns` earlier ones.
    pub fn wait(&self, returns: u16) -> SimTime {
        let factor = 1u64 << u32::from(returns).min(40);
        SimTime(self.backoff.0.saturating_mul(factor)).min(self.max_backoff.max(self.backoff))
    }
}

impl Default for Redelivery {
    fn default() -> Self {
        Redelivery::DEFAULT
    }
}

/// What a learner is asked to achieve.
#[derive(Clone, Debug)]
pub struct Objective {
    pub metric: ObjectiveMetric,
    pub bound: Bound,
    /// What the figure is of: the whole system when `None`.
    pub of: Option<Scope>,
}

/// The part of the system an objective's figure is taken of, by name
/// (resolved against the run's summary, so a level's objectives can name
/// its design's nodes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A node (`node = "db"`, or `queue = "jobs"` for a queue).
    Node(String),
    /// A request class (`class = "create"`).
    Class(String),
    /// A workload (`workload = "users"`).
    Workload(String),
}

impl Scope {
    /// The objective field that names it.
    pub fn field(&self) -> &'static str {
        match self {
            Scope::Node(_) => "node",
            Scope::Class(_) => "class",
            Scope::Workload(_) => "workload",
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Scope::Node(n) | Scope::Class(n) | Scope::Workload(n) => n,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectiveMetric {
    P50,
    P95,
    P99,
    P999,
    MeanLatency,
    /// Failed / (completed + failed), a fraction.
    ErrorRate,
    /// Completed requests per second.
    Throughput,
    /// Dollars per hour: the machines' bill.
    CostPerHour,
    /// Dollars per hour of egress (payloads billed by `egress_per_gb`).
    EgressCostPerHour,
    /// Dollars per hour: the machines' bill plus egress.
    TotalCostPerHour,
    /// Queue messages dead-lettered (a count).
    DeadLettered,
    /// Write-back writes lost in a cache crash (a count).
    DataLost,
    /// Acknowledged work given up: dead-lettered plus data lost (a count).
    LostAfterAck,
    /// Requests a rate limiter refused (a count; a subset of `rejected`).
    Limited,
    /// Failed / (completed + failed), leaving out the requests a rate
    /// limiter refused (a fraction).
    ErrorRateExcludingLimited,
    /// Reads a database's read replica served before the key's last write
    /// had reached it (a count, all databases, or one node's).
    StaleReads,
    /// A node's busy worker-time / worker-time available (a fraction).
    Utilisation,
    /// A node's time-average line length.
    QueueLength,
    /// Messages a queue holds at the end (a node: visits waiting).
    Backlog,
    /// Age of the oldest message waiting at the end (a duration).
    OldestMessageAge,
    /// A cache's (or CDN's) lookups that found their key, per second.
    HitsPerSecond,
}

impl ObjectiveMetric {
    pub const ALL: [ObjectiveMetric; 21] = [
        ObjectiveMetric::P50,
        ObjectiveMetric::P95,
        ObjectiveMetric::P99,
        ObjectiveMetric::P999,
        ObjectiveMetric::MeanLatency,
        ObjectiveMetric::ErrorRate,
        ObjectiveMetric::Throughput,
        ObjectiveMetric::CostPerHour,
        ObjectiveMetric::EgressCostPerHour,
        ObjectiveMetric::TotalCostPerHour,
        ObjectiveMetric::DeadLettered,
        ObjectiveMetric::DataLost,
        ObjectiveMetric::LostAfterAck,
        ObjectiveMetric::Limited,
        ObjectiveMetric::ErrorRateExcludingLimited,
        ObjectiveMetric::StaleReads,
        ObjectiveMetric::Utilisation,
        ObjectiveMetric::QueueLength,
        ObjectiveMetric::Backlog,
        ObjectiveMetric::OldestMessageAge,
        ObjectiveMetric::HitsPerSecond,
    ];
    pub fn name(self) -> &'static str {
        match self {
            ObjectiveMetric::P50 => "p50",
            ObjectiveMetric::P95 => "p95",
            ObjectiveMetric::P99 => "p99",
            ObjectiveMetric::P999 => "p999",
            ObjectiveMetric::MeanLatency => "mean_latency",
            ObjectiveMetric::ErrorRate => "error_rate",
            ObjectiveMetric::Throughput => "throughput",
            ObjectiveMetric::CostPerHour => "cost_per_hour",
            ObjectiveMetric::EgressCostPerHour => "egress_cost_per_hour",
            ObjectiveMetric::TotalCostPerHour => "total_cost_per_hour",
            ObjectiveMetric::DeadLettered => "dead_lettered",
            ObjectiveMetric::DataLost => "data_lost",
            ObjectiveMetric::LostAfterAck => "lost_after_ack",
            ObjectiveMetric::Limited => "limited",
            ObjectiveMetric::ErrorRateExcludingLimited => "error_rate_excluding_limited",
            ObjectiveMetric::StaleReads => "stale_reads",
            ObjectiveMetric::Utilisation => "utilisation",
            ObjectiveMetric::QueueLength => "queue_length",
            ObjectiveMetric::Backlog => "backlog",
            ObjectiveMetric::OldestMessageAge => "oldest_message_age",
            ObjectiveMetric::HitsPerSecond => "hits_per_second",
        }
    }
    /// Dollars per hour (`cost_per_hour`, `egress_cost_per_hour`,
    /// `total_cost_per_hour`).
    pub fn is_cost(self) -> bool {
        matches!(
            self,
            ObjectiveMetric::CostPerHour
                | ObjectiveMetric::EgressCostPerHour
                | ObjectiveMetric::TotalCostPerHour
        )
    }
    /// Figures of the whole system only (no value per node, class or
    /// workload): the egress bill and the total bill.
    pub fn system_only(self) -> bool {
        matches!(
            self,
            ObjectiveMetric::EgressCostPerHour | ObjectiveMetric::TotalCostPerHour
        )
    }
    /// Counts of the measured period (bounds are whole numbers ≥ 0).
    pub fn is_count(self) -> bool {
        matches!(
            self,
            ObjectiveMetric::DeadLettered
                | ObjectiveMetric::DataLost
                | ObjectiveMetric::LostAfterAck
                | ObjectiveMetric::Limited
                | ObjectiveMetric::StaleReads
                | ObjectiveMetric::Backlog
        )
    }
    /// Fractions in [0, 1].
    pub fn is_fraction(self) -> bool {
        matches!(
            self,
            ObjectiveMetric::ErrorRate
                | ObjectiveMetric::ErrorRateExcludingLimited
                | ObjectiveMetric::Utilisation
        )
    }
    /// Figures of one node only (no system-wide value).
    pub fn needs_node(self) -> bool {
        matches!(
            self,
            ObjectiveMetric::Utilisation
                | ObjectiveMetric::QueueLength
                | ObjectiveMetric::Backlog
                | ObjectiveMetric::OldestMessageAge
                | ObjectiveMetric::HitsPerSecond
        )
    }
    /// Figures a class or a workload has (its requests, end to end).
    pub fn of_requests(self) -> bool {
        self.is_percentile()
            || matches!(
                self,
                ObjectiveMetric::ErrorRate
                    | ObjectiveMetric::Throughput
                    | ObjectiveMetric::Limited
                    | ObjectiveMetric::ErrorRateExcludingLimited
            )
    }
    /// The share of latencies a percentile lets lie above it: 0.01 for
    /// p99; `None` for the mean and every other figure.
    pub fn tail_share(self) -> Option<f64> {
        match self {
            ObjectiveMetric::P50 => Some(0.5),
            ObjectiveMetric::P95 => Some(0.05),
            ObjectiveMetric::P99 => Some(0.01),
            ObjectiveMetric::P999 => Some(0.001),
            _ => None,
        }
    }

    /// The latency figures (`p50` ... `mean_latency`).
    pub fn is_percentile(self) -> bool {
        matches!(
            self,
            ObjectiveMetric::P50
                | ObjectiveMetric::P95
                | ObjectiveMetric::P99
                | ObjectiveMetric::P999
                | ObjectiveMetric::MeanLatency
        )
    }
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == s)
    }
    /// Latency objectives take durations (`"100ms"`), the others numbers.
    pub fn is_latency(self) -> bool {
        self.is_percentile() || self == ObjectiveMetric::OldestMessageAge
    }
}

/// Latency bounds are in seconds; the others in the metric's own unit.
#[derive(Clone, Copy, Debug)]
pub enum Bound {
    Below(f64),
    Above(f64),
}

impl Model {
    /// The zone link between nodes `from` and `to` (either way round).
    pub fn zone_link(&self, from: NodeIdx, to: NodeIdx) -> Option<&ZoneLink> {
        let a = self.nodes.get(from)?.zone.as_deref()?;
        let b = self.nodes.get(to)?.zone.as_deref()?;
        self.zone_links.iter().find(|l| {
            (l.between[0] == a && l.between[1] == b) || (l.between[0] == b && l.between[1] == a)
        })
    }

    /// The zone link a call from `from` to `to` crosses: its index in
    /// `zone_links`, and whether the call goes from `between[0]` to
    /// `between[1]` (its requests take the link's first direction).
    pub fn zone_link_way(&self, from: NodeIdx, to: NodeIdx) -> Option<(usize, bool)> {
        let link = self.zone_link(from, to)?;
        let k = self.zone_links.iter().position(|l| std::ptr::eq(l, link))?;
        let a = self.nodes.get(from)?.zone.as_deref()?;
        Some((k, link.between[0] == a))
    }

    /// The zone link between nodes `from` and `to`, if both have a zone
    /// and the file gives a link between those zones (either way round).
    pub fn zone_latency(&self, from: NodeIdx, to: NodeIdx) -> Option<Dist> {
        let a = self.nodes.get(from)?.zone.as_deref()?;
        let b = self.nodes.get(to)?.zone.as_deref()?;
        self.zone_links
            .iter()
            .find(|l| {
                (l.between[0] == a && l.between[1] == b) || (l.between[0] == b && l.between[1] == a)
            })
            .map(|l| l.latency)
    }

    /// The most keys any key space of the model has (a workload's, or a
    /// call's own): keys at or above it are never asked for.
    pub fn largest_key_space(&self) -> u64 {
        let workloads = self.workloads.iter().map(|w| w.keys.count);
        let calls = self.nodes.iter().flat_map(|n| match &n.kind {
            NodeKind::Service(s) => s.calls.as_slice(),
            NodeKind::Queue(q) => q.calls.as_slice(),
            _ => &[],
        });
        let call_keys = calls.filter_map(|c| match &c.key {
            CallKey::Request => None,
            CallKey::Random(k) | CallKey::Derived(k) => Some(k.count),
        });
        workloads.chain(call_keys).max().unwrap_or(0).max(1)
    }

    /// Keys a warm cache holds at the start: `warm × capacity` (rounded),
    /// at most the largest key space and `limits::WARM_KEYS`.
    pub fn warm_keys(&self, c: &CacheSpec) -> u64 {
        if c.warm <= 0.0 {
            return 0;
        }
        let k = (c.warm.min(1.0) * c.capacity as f64).round() as u64;
        k.min(c.capacity)
            .min(self.largest_key_space())
            .min(crate::sim::limits::WARM_KEYS.max)
    }

    /// Index of the node called `id`.
    pub fn node_index(&self, id: &str) -> Option<NodeIdx> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// Index of the request class called `name`.
    pub fn class_index(&self, name: &str) -> Option<ClassIdx> {
        let i = self.classes.iter().position(|c| c.name == name)?;
        ClassIdx::try_from(i).ok()
    }

    /// The name of what `when` matches: `read`, `write` or a class.
    pub fn when_name(&self, when: When) -> &str {
        match when {
            When::Kind(k) => k.name(),
            When::Class(c) => self.classes.get(usize::from(c)).map_or("?", |c| &c.name),
        }
    }
}
