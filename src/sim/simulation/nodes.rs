//! Per-node runtime state: stations, balancers, key stores, limiters, breakers, pools and the node's statistics.

use std::collections::{BTreeSet, VecDeque};

use rand::RngExt;

use crate::sim::components::breaker::Breaker;
use crate::sim::components::cache::{KeyMap, KeyStore};
use crate::sim::components::call_keys::CallKeys;
use crate::sim::components::keyed_limiter::KeyedLimiter;
use crate::sim::components::load_balancer::{Balancer, mix64};
use crate::sim::components::rate_limiter::Limiter;
use crate::sim::components::replica_index::ReplicaIndex;
use crate::sim::components::retry::RetryBudget;
use crate::sim::dist::Dist;
use crate::sim::latency_histogram::LatencyHistogram;
use crate::sim::metrics::NodeStats;
use crate::sim::model::{
    CacheSpec, Call, ClassIdx, DatabaseSpec, ExternalSpec, LimiterAlgorithm, Node, NodeKind,
    QueueSpec, RequestKind, ServiceSpec, cost_units,
};
use crate::sim::rng::{Stream, stream};
use crate::sim::station::{Areas, Station};
use crate::sim::time::SimTime;

use super::tally::{TALLY_FROM, Tally};

/// Points per shard on a database's consistent-hash ring.
const SHARD_POINTS: u32 = 256;

/// One replica's connection pool for one call.
#[derive(Clone, Debug, Default)]
pub(super) struct PoolRt {
    pub in_use: u32,
    /// Visits (visit, generation, token) waiting for a connection, oldest first.
    pub waiters: VecDeque<(u32, u32, u32)>,
}

/// Runtime of one call of a service or queue consumer.
#[derive(Default)]
pub(super) struct CallRt {
    pub breaker: Option<Breaker>,
    pub budget: Option<RetryBudget>,
    /// The call's connection pool of each caller replica (indexed by
    /// station; grown on first use, so replicas added later get theirs).
    pub pools: Vec<PoolRt>,
    /// Attempts timed out and calls that found no connection in time,
    /// since the end of the warm-up.
    pub timeouts: u64,
    pub acquire_timeouts: u64,
    /// The draws of the call's link latency (only when it has one, its own
    /// or its zones').
    pub link: Option<Stream>,
    /// The latency of the zone link the call crosses, when it has no
    /// `latency` of its own (set by `Simulation::new`).
    pub zone: Option<Dist>,
    /// The call's key rule, unless it passes the request's own key.
    pub keys: Option<CallKeys>,
    /// The draws of the call's repetition count (only when it is drawn).
    pub counts: Option<Stream>,
    /// The call's own work for its callee (`Simulation::works`), if it has
    /// one (set by `Simulation::new`).
    pub work: Option<u32>,
    /// The call's payload and wires, when the model has payloads
    /// (`Simulation::apply_payloads`).
    pub wire: Option<Box<super::transfers::CallWire>>,
}

impl CallRt {
    /// The pool of caller replica `station`.
    pub fn pool(&mut self, station: usize) -> &mut PoolRt {
        if self.pools.len() <= station {
            self.pools.resize_with(station + 1, PoolRt::default);
        }
        &mut self.pools[station]
    }
}

impl CallRt {
    fn for_calls(calls: &[Call], seed: u64, node: &str) -> Vec<CallRt> {
        calls
            .iter()
            .enumerate()
            .map(|(i, c)| CallRt {
                breaker: c.policy.breaker.map(Breaker::new),
                budget: c.policy.retry.and_then(|r| r.budget).map(RetryBudget::new),
                pools: Vec::new(),
                timeouts: 0,
                acquire_timeouts: 0,
                link: c.latency.map(|_| stream(seed, node, &format!("link {i}"))),
                keys: CallKeys::new(&c.key, seed, node, i),
                zone: None,
                counts: (!c.fan.repeat.is_fixed())
                    .then(|| stream(seed, node, &format!("repeat {i}"))),
                work: None,
                wire: None,
            })
            .collect()
    }
}

/// Autoscaler bookkeeping of a service.
#[derive(Clone, Debug, Default)]
pub(super) struct ScalingRt {
    /// Replicas wanted (serving or starting).
    pub target: u32,
    pub last_action: Option<SimTime>,
    pub areas_at_tick: Areas,
    pub tick_at: SimTime,
}

pub(super) enum NodeState {
    LoadBalancer {
        to: usize,
        balancer: Balancer,
    },
    Service {
        spec: ServiceSpec,
        stations: Vec<Station>,
        /// The stations by visits present, for the load balancers in front
        /// (only when one is; see `Simulation::new`).
        index: Option<ReplicaIndex>,
        cursor: usize,
        rng: Stream,
        calls: Vec<CallRt>,
        /// Each forward route's link (its own latency, or its zones'),
        /// with the stream of its draws; `None` for a route without one.
        forward_links: Vec<Option<(Dist, Stream)>>,
        /// The draws of routes with a `p` (only when they have one).
        shares: Option<Stream>,
        scaling: Option<ScalingRt>,
    },
    Cache {
        spec: CacheSpec,
        store: KeyStore,
        rng: Stream,
        /// Single flight: key → visits (visit, generation) waiting for the
        /// fetch already out.
        fetching: KeyMap<Vec<(u32, u32)>>,
        /// Write-back keys not yet sent to the store, in write order.
        dirty: Vec<(u64, RequestKind)>,
        dirty_set: KeyMap<()>,
        /// The cache's workers, when it has any (one station); empty: a
        /// lookup never waits.
        stations: Vec<Station>,
        /// The zone link between the cache and its `on_miss`, with the
        /// stream of its draws: misses and writes cross it each way.
        link: Option<(Dist, Stream)>,
    },
    Database {
        spec: DatabaseSpec,
        /// Every instance ever started (indices never move).
        stations: Vec<Station>,
        /// Shard → station indices routed to: primary first, then replicas.
        layout: Vec<Vec<usize>>,
        cursors: Vec<usize>,
        rng: Stream,
        ring: Vec<(u64, u32)>,
        /// Key → instant its last write reaches the replicas.
        visible_at: KeyMap<SimTime>,
        /// (visible at, key) in write order, to forget old writes.
        write_log: VecDeque<(SimTime, u64)>,
        /// The caches whose `on_miss` is this database: a write that did
        /// not pass through one makes its entry of the key stale.
        fronted_by: Vec<usize>,
    },
    RateLimiter {
        to: usize,
        /// The rule (the one bucket when not per key; else each key's
        /// bucket starts as a copy of it).
        limiter: Limiter,
        /// A bucket per key or client, if the node has `per`.
        keyed: Option<Box<KeyedLimiter>>,
    },
    Queue {
        spec: QueueSpec,
        /// One station: the consumers and the stored messages.
        stations: Vec<Station>,
        rng: Stream,
        calls: Vec<CallRt>,
        /// Boxed: a histogram is over a kilobyte, the other kinds are small.
        processing: Box<LatencyHistogram>,
        /// Messages waiting out their redelivery backoff, as (created,
        /// visit), oldest first: stored (in the backlog, the node's
        /// `present`, the capacity and the oldest message's age) but in no
        /// line yet.
        delayed: BTreeSet<(SimTime, u32)>,
    },
    /// Publish/subscribe: a copy of each message to every subscriber queue.
    Topic {
        subscribers: Vec<usize>,
    },
    /// A third-party dependency: an infinite server with its own limits.
    External {
        spec: ExternalSpec,
        rng: Stream,
        /// Draws of `error_rate` (apart, so that adding errors leaves the
        /// latencies as they were).
        errors: Stream,
        limiter: Option<Limiter>,
    },
}

/// A pending node timeout, in a node's queue of deadlines.
#[derive(Clone, Copy, Debug)]
pub(super) struct Deadline {
    pub at: SimTime,
    pub seq: u64,
    pub visit: u32,
    pub generation: u32,
}

pub(super) struct NodeRt {
    /// Node timeouts not yet due, in admission order (deadlines never
    /// decrease); only the oldest live one has an event in the queue.
    pub deadlines: VecDeque<Deadline>,
    pub deadline_armed: bool,
    pub id: String,
    pub cost_per_hour: f64,
    /// Workers or keys one `cost_per_hour` buys (see `model::Node::cost_unit`).
    pub cost_unit: u64,
    pub state: NodeState,
    pub stats: NodeStats,
    /// Crashed as a whole (caches, balancers, limiters; stations have
    /// their own flag).
    pub down: bool,
    /// Service-time multiplier (a slow-down fault).
    pub slow: f64,
    /// With many stations: their integrals summed from the touched ones
    /// alone, and the figures that change only when they are reshaped.
    tally: Option<Tally>,
    fleet: Option<Fleet>,
    /// Has a tally or a balancing index that follows each station change
    /// (most nodes have neither: `station_changed` then costs one test).
    watched: bool,
}

/// A node's stations' figures that change only when they are reshaped
/// (added, crashed, recovered, drained, workers changed).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Fleet {
    workers: u32,
    billable: u32,
    cost: f64,
}

impl NodeRt {
    pub fn new(n: &Node, seed: u64, now: SimTime) -> NodeRt {
        let state = match &n.kind {
            NodeKind::LoadBalancer(lb) => NodeState::LoadBalancer {
                to: lb.to,
                balancer: Balancer::new(
                    lb.algorithm,
                    lb.weights.clone(),
                    stream(seed, &n.id, "route"),
                ),
            },
            NodeKind::Service(s) => NodeState::Service {
                stations: (0..s.replicas.max(1))
                    .map(|_| {
                        let levels = s.line.as_ref().map_or(0, |l| l.levels());
                        Station::new(s.workers, s.queue, now).with_levels(levels)
                    })
                    .collect(),
                index: None,
                cursor: 0,
                rng: stream(seed, &n.id, "service"),
                calls: CallRt::for_calls(&s.calls, seed, &n.id),
                forward_links: (s.forward.iter().enumerate())
                    .map(|(k, r)| {
                        r.latency
                            .map(|l| (l, stream(seed, &n.id, &format!("forward link {k}"))))
                    })
                    .collect(),
                shares: s
                    .forward
                    .iter()
                    .any(|r| r.p.is_some())
                    .then(|| stream(seed, &n.id, "forward")),
                scaling: s.autoscale.map(|_| ScalingRt {
                    target: s.replicas.max(1),
                    ..ScalingRt::default()
                }),
                spec: s.clone(),
            },
            NodeKind::Cache(c) => NodeState::Cache {
                store: KeyStore::new(c.capacity, c.policy, c.ttl),
                rng: stream(seed, &n.id, "service"),
                fetching: KeyMap::default(),
                dirty: Vec::new(),
                dirty_set: KeyMap::default(),
                stations: (c.workers.iter())
                    .map(|&w| Station::new(w, c.queue, now))
                    .collect(),
                link: None,
                spec: c.clone(),
            },
            NodeKind::Database(d) => {
                let shards = d.shards.max(1);
                let per = d.read_replicas + 1;
                let mut ring = Vec::new();
                for s in 0..shards {
                    for p in 0..SHARD_POINTS {
                        ring.push((mix64(u64::from(s) << 32 | u64::from(p)), s));
                    }
                }
                ring.sort_unstable();
                NodeState::Database {
                    stations: (0..shards * per)
                        .map(|_| Station::new(d.workers, d.queue, now))
                        .collect(),
                    layout: (0..shards as usize)
                        .map(|s| (s * per as usize..(s + 1) * per as usize).collect())
                        .collect(),
                    cursors: vec![0; shards as usize],
                    rng: stream(seed, &n.id, "service"),
                    ring,
                    visible_at: KeyMap::default(),
                    write_log: VecDeque::new(),
                    fronted_by: Vec::new(),
                    spec: d.clone(),
                }
            }
            NodeKind::RateLimiter(r) => NodeState::RateLimiter {
                to: r.to,
                limiter: Limiter::new(r.algorithm),
                keyed: r
                    .per
                    .map(|(per, max)| Box::new(KeyedLimiter::new(per, max))),
            },
            NodeKind::Queue(q) => NodeState::Queue {
                stations: vec![Station::new(q.consumers, q.capacity, now)],
                rng: stream(seed, &n.id, "service"),
                calls: CallRt::for_calls(&q.calls, seed, &n.id),
                processing: Box::default(),
                delayed: BTreeSet::new(),
                spec: q.clone(),
            },
            NodeKind::Topic(t) => NodeState::Topic {
                subscribers: t.subscribers.clone(),
            },
            NodeKind::External(e) => NodeState::External {
                rng: stream(seed, &n.id, "service"),
                errors: stream(seed, &n.id, "errors"),
                limiter: e.rate_limit.map(|r| {
                    Limiter::new(LimiterAlgorithm::TokenBucket {
                        rate: r.rate,
                        burst: r.burst,
                    })
                }),
                spec: e.clone(),
            },
        };
        NodeRt {
            deadlines: VecDeque::new(),
            deadline_armed: false,
            id: n.id.clone(),
            cost_per_hour: n.cost_per_hour,
            cost_unit: n.cost_unit,
            state,
            stats: NodeStats::default(),
            down: false,
            slow: 1.0,
            tally: None,
            fleet: None,
            watched: false,
        }
        .tallied(now)
    }

    /// Tallies the stations of a node that has many (from `now` on).
    fn tallied(mut self, now: SimTime) -> NodeRt {
        self.reshaped(now);
        self
    }

    pub fn stations_mut(&mut self) -> Option<&mut Vec<Station>> {
        match &mut self.state {
            NodeState::Service { stations, .. }
            | NodeState::Database { stations, .. }
            | NodeState::Queue { stations, .. } => Some(stations),
            NodeState::Cache { stations, .. } if !stations.is_empty() => Some(stations),
            _ => None,
        }
    }

    /// Station `st` changed (a visit came, went, started or left the
    /// line): the balancing index and the tally follow.
    #[inline(always)]
    pub fn station_changed(&mut self, st: usize) {
        if !self.watched {
            return;
        }
        if let Some(t) = &mut self.tally {
            t.touch(st);
        }
        if let NodeState::Service {
            stations,
            index: Some(ix),
            ..
        } = &mut self.state
            && let Some(s) = stations.get(st)
        {
            ix.moved(st, s.present);
        }
    }

    /// Stations were added, crashed, recovered, drained or given other
    /// workers: the balancing index is built afresh, the tally looks at
    /// every station at the next close, the fleet's figures are counted.
    pub fn reshaped(&mut self, now: SimTime) {
        if let NodeState::Service {
            stations,
            index: Some(ix),
            ..
        } = &mut self.state
        {
            ix.rebuild(stations);
        }
        let Some(ss) = stations_of(&mut self.state) else {
            return;
        };
        let n = ss.len();
        if let Some(t) = &mut self.tally {
            t.every(n);
        } else if n >= TALLY_FROM {
            self.tally = Some(Tally::new(ss, now));
        }
        self.watched |= self.tally.is_some();
        if self.tally.is_some() {
            self.fleet = None;
            self.fleet = Some(Fleet {
                workers: self.workers_now().unwrap_or(0),
                billable: self.billable_replicas(),
                cost: self.cost_per_hour(),
            });
        }
    }

    /// The node's station integrals at a window's close (`now`).
    pub fn window_areas(&mut self, now: SimTime) -> Areas {
        let Some(mut t) = self.tally.take() else {
            return self.areas(now);
        };
        let a = t.close(self.stations_mut().map_or(&mut [], |s| s), now);
        self.tally = Some(t);
        debug_assert_eq!(a, self.areas(now), "{}: tally", self.id);
        a
    }

    /// Workers of the routable stations now (`None` for kinds without).
    pub fn workers_now(&self) -> Option<u32> {
        let scan = || {
            self.stations()
                .map(|ss| ss.iter().filter(|s| s.routable()).map(|s| s.workers).sum())
        };
        match self.fleet {
            Some(f) => {
                debug_assert_eq!(Some(f.workers), scan(), "{}: fleet", self.id);
                Some(f.workers)
            }
            None => scan(),
        }
    }

    /// Keeps a balancing index of this service's stations from now on.
    pub fn keep_index(&mut self) {
        if let NodeState::Service {
            stations, index, ..
        } = &mut self.state
        {
            *index = Some(ReplicaIndex::new(stations));
            self.watched = true;
        }
    }

    /// Down as a whole: crashed, or every replica (instance) crashed.
    pub fn all_down(&self) -> bool {
        self.down
            || self
                .stations()
                .is_some_and(|s| !s.is_empty() && s.iter().all(|st| st.down))
    }

    pub fn stations(&self) -> Option<&Vec<Station>> {
        match &self.state {
            NodeState::Service { stations, .. }
            | NodeState::Database { stations, .. }
            | NodeState::Queue { stations, .. } => Some(stations),
            NodeState::Cache { stations, .. } if !stations.is_empty() => Some(stations),
            _ => None,
        }
    }

    /// Station integrals summed, up to `now`.
    pub fn areas(&mut self, now: SimTime) -> Areas {
        self.stations_mut().map_or(Areas::default(), |ss| {
            ss.iter_mut()
                .fold(Areas::default(), |acc, s| acc.plus(&s.areas(now)))
        })
    }

    /// Replicas / instances running (serving, starting or draining), 1 for
    /// other kinds.
    pub fn billable_replicas(&self) -> u32 {
        if let Some(f) = self.fleet {
            debug_assert_eq!(f.billable, self.count_billable(), "{}: fleet", self.id);
            return f.billable;
        }
        self.count_billable()
    }

    fn count_billable(&self) -> u32 {
        match self.stations() {
            Some(ss) => ss.iter().filter(|s| s.billable()).count() as u32,
            None => 1,
        }
    }

    /// Dollars per hour now: each billable replica or instance by its
    /// workers, a cache by its capacity, in whole units of `cost_unit`.
    pub fn cost_per_hour(&self) -> f64 {
        if let Some(f) = self.fleet {
            debug_assert_eq!(f.cost, self.count_cost(), "{}: fleet", self.id);
            return f.cost;
        }
        self.count_cost()
    }

    fn count_cost(&self) -> f64 {
        if self.cost_per_hour == 0.0 {
            return 0.0;
        }
        let units = match (&self.state, self.stations()) {
            (NodeState::Cache { spec, .. }, _) => cost_units(spec.capacity, self.cost_unit),
            (_, Some(ss)) => ss
                .iter()
                .filter(|s| s.billable())
                .map(|s| cost_units(u64::from(s.workers), self.cost_unit))
                .sum(),
            (_, None) => 1,
        };
        self.cost_per_hour * units as f64
    }

    pub fn has_workers(&self) -> bool {
        self.stations().is_some()
    }

    /// The calls a visit here makes after its own work.
    pub fn calls(&self) -> &[Call] {
        match &self.state {
            NodeState::Service { spec, .. } => &spec.calls,
            NodeState::Queue { spec, .. } => &spec.calls,
            _ => &[],
        }
    }

    pub fn call_rt_ref(&self, i: usize) -> Option<&CallRt> {
        match &self.state {
            NodeState::Service { calls, .. } | NodeState::Queue { calls, .. } => calls.get(i),
            _ => None,
        }
    }

    pub fn call_rt(&mut self, i: usize) -> Option<&mut CallRt> {
        match &mut self.state {
            NodeState::Service { calls, .. } | NodeState::Queue { calls, .. } => calls.get_mut(i),
            _ => None,
        }
    }

    /// Where a service forwards a request of `kind`: (route index, target,
    /// has a link) of the first route that matches it, or with shares
    /// (`p`) of one of those that match, drawn by their shares (none, and
    /// the service answers, for the rest).
    pub fn forward_to(
        &mut self,
        kind: RequestKind,
        class: Option<ClassIdx>,
    ) -> Option<(usize, usize, bool)> {
        let NodeState::Service {
            spec,
            shares,
            forward_links,
            ..
        } = &mut self.state
        else {
            return None;
        };
        let mut routes = (spec.forward.iter().enumerate()).filter(|(_, r)| r.matches(kind, class));
        let found = match shares {
            None => routes.next(),
            Some(rng) => {
                let u: f64 = rng.random();
                let mut below = 0.0;
                routes.find(|(_, r)| {
                    below += r.p.unwrap_or(0.0);
                    u < below
                })
            }
        };
        // A route crosses a link of its own or its zones'.
        found.map(|(k, r)| (k, r.to, forward_links.get(k).is_some_and(Option::is_some)))
    }

    /// Draws the work time for a visit of `kind`: the node's own, or
    /// `work` (the call's own) at a service or database.
    pub fn sample_work(&mut self, kind: RequestKind, work: Option<&Dist>) -> SimTime {
        let d = match (&mut self.state, work) {
            (NodeState::Service { rng, .. } | NodeState::Database { rng, .. }, Some(w)) => {
                w.sample_secs(rng)
            }
            (state, _) => Self::own_work(state, kind),
        };
        SimTime::from_secs_f64(d * self.slow)
    }

    /// One draw of the node's own work time for a visit of `kind`, in seconds.
    fn own_work(state: &mut NodeState, kind: RequestKind) -> f64 {
        match state {
            NodeState::Service { spec, rng, .. } => spec.service_time.sample_secs(rng),
            NodeState::Queue { spec, rng, .. } => spec.service_time.sample_secs(rng),
            NodeState::Database { spec, rng, .. } => match (&spec.write_service_time, kind) {
                (Some(w), RequestKind::Write) => w.sample_secs(rng),
                _ => spec.service_time.sample_secs(rng),
            },
            NodeState::Cache { spec, rng, .. } => spec.hit_time.sample_secs(rng),
            NodeState::External { spec, rng, .. } => spec.latency.sample_secs(rng),
            _ => 0.0,
        }
    }

    /// The node's own timeout for arriving visits.
    pub fn timeout(&self) -> Option<SimTime> {
        match &self.state {
            NodeState::Service { spec, .. } => spec.timeout,
            NodeState::Database { spec, .. } => spec.timeout,
            _ => None,
        }
    }
}

/// The stations of a node's state, if it has any.
fn stations_of(state: &mut NodeState) -> Option<&mut Vec<Station>> {
    match state {
        NodeState::Service { stations, .. }
        | NodeState::Database { stations, .. }
        | NodeState::Queue { stations, .. } => Some(stations),
        _ => None,
    }
}

/// The shard of `key` on a database ring.
pub(super) fn shard_of(ring: &[(u64, u32)], key: u64) -> u32 {
    if ring.is_empty() {
        return 0;
    }
    let h = mix64(key ^ 0x0d0b_5eed_0d0b_5eed);
    let at = ring.partition_point(|&(p, _)| p < h);
    ring[at % ring.len()].1
}

/// Next routable station among `candidates` after `cursor`.
pub(super) fn round_robin(
    stations: &[Station],
    cursor: &mut usize,
    candidates: &[usize],
) -> Option<usize> {
    let len = candidates.len();
    for _ in 0..len {
        *cursor = cursor.wrapping_add(1);
        let i = candidates[*cursor % len];
        if stations.get(i).is_some_and(Station::routable) {
            return Some(i);
        }
    }
    None
}

/// Next routable station of all `stations` after `cursor`.
pub(super) fn round_robin_all(stations: &[Station], cursor: &mut usize) -> Option<usize> {
    let len = stations.len();
    for _ in 0..len {
        *cursor = cursor.wrapping_add(1);
        let i = *cursor % len;
        if stations[i].routable() {
            return Some(i);
        }
    }
    None
}
