//! The `Simulation`: the event loop that moves requests through nodes, plus `apply`, `snapshot` and `summary`.

use std::collections::VecDeque;

use crate::sim::command::{Command, CommandError};
use crate::sim::components::cache::KeyStore;
use crate::sim::components::load_balancer::Balancer;
use crate::sim::components::source::Source;
use crate::sim::event::{EventKind, EventQueue};
use crate::sim::metrics::{
    FailureCause, NodeStats, NodeSummary, NodeWindow, Summary, SystemStats, Window, ratio,
};
use crate::sim::model::{Arrival, Model, NodeKind, RequestKind};
use crate::sim::rng::{Stream, stream};
use crate::sim::snapshot::{NodeSnapshot, ReplicaSnapshot, Snapshot};
use crate::sim::station::{Admission, Areas, Station};
use crate::sim::time::SimTime;
use crate::sim::trace::{TraceConfig, TraceEvent, TraceKind, Tracer};

/// "No job": the end-to-end caller (the workload) or no station.
const NONE: u32 = u32::MAX;

/// Most closed windows kept when nobody drains them (`take_windows`).
const MAX_KEPT_CELLS: usize = 2_000_000;

/// What a request is: carried by every visit it makes.
#[derive(Clone, Copy, Debug)]
struct Req {
    kind: RequestKind,
    key: u64,
    created: SimTime,
    workload: u32,
    /// Closed-loop user, or `NONE`.
    user: u32,
    /// Arrived after warm-up: counts in the results.
    counted: bool,
    /// Sequence number of the request in the run.
    id: u64,
    /// Sampled for tracing.
    traced: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JobState {
    Waiting,
    Working,
    Calling,
    Lookup,
}

/// One visit of a request to a node (service, database or cache).
#[derive(Clone, Copy, Debug)]
struct Job {
    req: Req,
    node: u32,
    station: u32,
    /// The visit that waits for this one's answer, or `NONE` for the workload.
    parent: u32,
    arrived: SimTime,
    next_call: u16,
    generation: u32,
    state: JobState,
    /// The caller already has its answer (a timeout fired): whatever this
    /// visit still does is wasted work, and its answer is dropped.
    answered: bool,
}

enum NodeState {
    LoadBalancer {
        to: usize,
        balancer: Balancer,
    },
    Service {
        spec: crate::sim::model::ServiceSpec,
        stations: Vec<Station>,
        cursor: usize,
        rng: Stream,
    },
    Cache {
        spec: crate::sim::model::CacheSpec,
        store: KeyStore,
        rng: Stream,
    },
    Database {
        spec: crate::sim::model::DatabaseSpec,
        stations: Vec<Station>,
        cursor: usize,
        rng: Stream,
    },
}

struct NodeRt {
    id: String,
    cost_per_hour: f64,
    state: NodeState,
    stats: NodeStats,
}

impl NodeRt {
    fn stations_mut(&mut self) -> Option<&mut Vec<Station>> {
        match &mut self.state {
            NodeState::Service { stations, .. } | NodeState::Database { stations, .. } => {
                Some(stations)
            }
            _ => None,
        }
    }
    fn stations(&self) -> Option<&Vec<Station>> {
        match &self.state {
            NodeState::Service { stations, .. } | NodeState::Database { stations, .. } => {
                Some(stations)
            }
            _ => None,
        }
    }
    fn areas(&mut self, now: SimTime) -> Areas {
        self.stations_mut().map_or(Areas::default(), |ss| {
            ss.iter_mut()
                .fold(Areas::default(), |acc, s| acc.plus(&s.areas(now)))
        })
    }
    fn active_replicas(&self) -> u32 {
        match &self.state {
            NodeState::Service { stations, .. } | NodeState::Database { stations, .. } => {
                stations.iter().filter(|s| s.active).count() as u32
            }
            _ => 1,
        }
    }
    fn cost_per_hour(&self) -> f64 {
        self.cost_per_hour * f64::from(self.active_replicas())
    }
    fn has_workers(&self) -> bool {
        self.stations().is_some()
    }
}

/// A running discrete-event simulation of one `Model`.
pub struct Simulation {
    model: Model,
    now: SimTime,
    events: EventQueue,
    events_processed: u64,
    nodes: Vec<NodeRt>,
    sources: Vec<Source>,
    jobs: Vec<Job>,
    free_jobs: Vec<u32>,
    system: SystemStats,
    /// Every request alive, warm-up included.
    in_flight_total: u64,
    window_start: SimTime,
    windows: VecDeque<Window>,
    windows_dropped: u64,
    requests_created: u64,
    tracer: Tracer,
}

impl Simulation {
    /// Builds the simulation at time zero. `seed` overrides `model.seed`.
    pub fn new(model: Model, seed: u64) -> Self {
        let mut model = model;
        model.seed = seed;
        let now = SimTime::ZERO;
        let nodes = model
            .nodes
            .iter()
            .map(|n| {
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
                            .map(|_| Station::new(s.workers, s.queue, now))
                            .collect(),
                        spec: s.clone(),
                        cursor: 0,
                        rng: stream(seed, &n.id, "service"),
                    },
                    NodeKind::Cache(c) => NodeState::Cache {
                        store: KeyStore::new(c.capacity, c.policy, c.ttl),
                        spec: c.clone(),
                        rng: stream(seed, &n.id, "service"),
                    },
                    NodeKind::Database(d) => NodeState::Database {
                        stations: (0..=d.read_replicas)
                            .map(|_| Station::new(d.workers, d.queue, now))
                            .collect(),
                        spec: d.clone(),
                        cursor: 0,
                        rng: stream(seed, &n.id, "service"),
                    },
                };
                NodeRt {
                    id: n.id.clone(),
                    cost_per_hour: n.cost_per_hour,
                    state,
                    stats: NodeStats::default(),
                }
            })
            .collect();
        let sources = model
            .workloads
            .iter()
            .map(|w| Source::new(w.clone(), seed))
            .collect();
        let mut sim = Simulation {
            model,
            now,
            events: EventQueue::default(),
            events_processed: 0,
            nodes,
            sources,
            jobs: Vec::new(),
            free_jobs: Vec::new(),
            system: SystemStats::default(),
            in_flight_total: 0,
            window_start: now,
            windows: VecDeque::new(),
            windows_dropped: 0,
            requests_created: 0,
            tracer: Tracer::default(),
        };
        for w in 0..sim.sources.len() {
            match sim.sources[w].spec.arrival.clone() {
                Arrival::Closed { users, .. } => {
                    for user in 0..users {
                        let at = sim.sources[w].think_time();
                        sim.events.schedule(
                            at,
                            EventKind::UserSend {
                                workload: w as u32,
                                user,
                            },
                        );
                    }
                }
                _ => sim.schedule_arrival(w),
            }
        }
        if sim.model.warmup > SimTime::ZERO {
            sim.events.schedule(sim.model.warmup, EventKind::WarmupEnd);
        }
        let first = sim.model.window.max(SimTime(1));
        sim.events.schedule(first, EventKind::WindowEnd);
        sim
    }

    /// The model this simulation runs (with live changes applied to the
    /// parts `apply` changes).
    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn seed(&self) -> u64 {
        self.model.seed
    }

    /// Events handled so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// Events waiting in the future-event list.
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    /// Visits alive now (a request calling three nodes holds up to three).
    pub fn live_visits(&self) -> usize {
        self.jobs.len() - self.free_jobs.len()
    }

    /// The open-loop rate of workload `w` now (requests per second; 0 for
    /// closed loops and unknown workloads).
    pub fn offered_rate(&self, w: usize) -> f64 {
        self.sources.get(w).map_or(0.0, |s| s.rate_at(self.now))
    }

    /// Handles the next event; false if none is left.
    pub fn step(&mut self) -> bool {
        let Some(ev) = self.events.pop() else {
            return false;
        };
        self.now = ev.time.max(self.now);
        self.events_processed += 1;
        self.handle(ev.kind);
        true
    }

    /// Handles every event up to and including `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: SimTime) {
        while self.events.peek_time().is_some_and(|et| et <= t) {
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Like `run_until`, but stops after `max_events` events. Returns true
    /// if `t` was reached.
    pub fn run_until_budget(&mut self, t: SimTime, max_events: u64) -> bool {
        let mut n = 0;
        while self.events.peek_time().is_some_and(|et| et <= t) {
            if n >= max_events {
                return false;
            }
            self.step();
            n += 1;
        }
        self.now = self.now.max(t);
        true
    }

    fn handle(&mut self, kind: EventKind) {
        match kind {
            EventKind::Arrival {
                workload,
                generation,
            } => {
                let w = workload as usize;
                if self.sources[w].generation == generation {
                    self.new_request(w, NONE);
                    self.schedule_arrival(w);
                }
            }
            EventKind::UserSend { workload, user } => self.new_request(workload as usize, user),
            EventKind::ServiceDone { job, generation } => {
                if self.job_is(job, generation) {
                    self.service_done(job);
                }
            }
            EventKind::CacheLookupDone { job, generation } => {
                if self.job_is(job, generation) {
                    self.cache_lookup_done(job);
                }
            }
            EventKind::Timeout { job, generation } => {
                if self.job_is(job, generation) {
                    self.timeout(job);
                }
            }
            EventKind::WarmupEnd => self.end_warmup(),
            EventKind::WindowEnd => {
                self.close_window();
                let next = self.now.saturating_add(self.model.window.max(SimTime(1)));
                self.events.schedule(next, EventKind::WindowEnd);
            }
        }
    }

    fn job_is(&self, job: u32, generation: u32) -> bool {
        self.jobs
            .get(job as usize)
            .is_some_and(|j| j.generation == generation && j.node != NONE)
    }

    // ---- traffic -------------------------------------------------------

    fn schedule_arrival(&mut self, w: usize) {
        if let Some(at) = self.sources[w].next_arrival(self.now) {
            let generation = self.sources[w].generation;
            self.events.schedule(
                at,
                EventKind::Arrival {
                    workload: w as u32,
                    generation,
                },
            );
        }
    }

    fn new_request(&mut self, w: usize, user: u32) {
        let (kind, key) = self.sources[w].draw_request();
        let counted = self.now >= self.model.warmup;
        let id = self.requests_created;
        self.requests_created += 1;
        let req = Req {
            id,
            traced: self.tracer.wants(id),
            kind,
            key,
            created: self.now,
            workload: w as u32,
            user,
            counted,
        };
        self.system.window_counts.arrived += 1;
        if counted {
            self.system.counts.arrived += 1;
        }
        if self.in_flight_total as usize >= self.model.limits.max_in_flight {
            self.system.window_counts.add_failure(FailureCause::Dropped);
            if counted {
                self.system.counts.add_failure(FailureCause::Dropped);
            }
            self.user_next(req);
            return;
        }
        self.in_flight_total += 1;
        if counted {
            self.system.in_flight += 1;
        }
        let to = self.sources[w].spec.to;
        self.send(req, to, NONE, None);
    }

    /// The request is over for its workload (success or failure).
    fn end_to_end(&mut self, req: Req, outcome: Result<(), FailureCause>) {
        self.in_flight_total = self.in_flight_total.saturating_sub(1);
        let latency = self.now.saturating_sub(req.created);
        if req.traced {
            self.tracer.push(TraceEvent {
                at: self.now,
                request: req.id,
                kind: TraceKind::Done {
                    outcome,
                    latency,
                    workload: req.workload as usize,
                },
            });
        }
        match outcome {
            Ok(()) => {
                self.system.window_counts.completed += 1;
                self.system.window_latency.record(latency);
            }
            Err(c) => self.system.window_counts.add_failure(c),
        }
        if req.counted {
            self.system.in_flight = self.system.in_flight.saturating_sub(1);
            match outcome {
                Ok(()) => {
                    self.system.counts.completed += 1;
                    self.system.latency.record(latency);
                }
                Err(c) => self.system.counts.add_failure(c),
            }
        }
        self.user_next(req);
    }

    fn user_next(&mut self, req: Req) {
        if req.user != NONE {
            let w = req.workload as usize;
            let at = self.now.saturating_add(self.sources[w].think_time());
            self.events.schedule(
                at,
                EventKind::UserSend {
                    workload: req.workload,
                    user: req.user,
                },
            );
        }
    }

    // ---- visits --------------------------------------------------------

    fn alloc_job(&mut self, job: Job) -> u32 {
        match self.free_jobs.pop() {
            Some(i) => {
                let generation = self.jobs[i as usize].generation;
                self.jobs[i as usize] = Job { generation, ..job };
                i
            }
            None => {
                self.jobs.push(job);
                (self.jobs.len() - 1) as u32
            }
        }
    }

    fn free_job(&mut self, j: u32) {
        let job = &mut self.jobs[j as usize];
        job.node = NONE;
        job.generation = job.generation.wrapping_add(1);
        self.free_jobs.push(j);
    }

    /// Hands `req` to `node` on behalf of `parent`; `via` is the replica a
    /// load balancer chose.
    fn send(&mut self, req: Req, node: usize, parent: u32, via: Option<usize>) {
        let now = self.now;
        if req.traced {
            let from = self.sender_of(parent);
            self.tracer.push(TraceEvent {
                at: now,
                request: req.id,
                kind: TraceKind::Enter {
                    from,
                    to: node,
                    workload: req.workload as usize,
                },
            });
        }
        let n = &mut self.nodes[node];
        n.stats.counts.arrived += 1;
        n.stats.window_counts.arrived += 1;
        if let NodeState::LoadBalancer { to, .. } = n.state {
            self.balance(req, node, to, parent);
            return;
        }
        match &mut n.state {
            NodeState::LoadBalancer { .. } => {}
            NodeState::Service {
                stations, cursor, ..
            } => {
                let st = via
                    .filter(|&v| v < stations.len())
                    .or_else(|| round_robin(stations, cursor, 0));
                self.admit(req, node, st, parent);
            }
            NodeState::Database {
                stations, cursor, ..
            } => {
                let st = match req.kind {
                    RequestKind::Write => Some(0),
                    RequestKind::Read => round_robin(stations, cursor, 1).or(Some(0)),
                };
                self.admit(req, node, st, parent);
            }
            NodeState::Cache { spec, rng, .. } => {
                let delay = spec.hit_time.sample(rng);
                n.stats.enter(now);
                let j = self.alloc_job(Job {
                    req,
                    node: node as u32,
                    station: NONE,
                    parent,
                    arrived: now,
                    next_call: 0,
                    generation: 0,
                    state: JobState::Lookup,
                    answered: false,
                });
                let generation = self.jobs[j as usize].generation;
                self.events.schedule(
                    now.saturating_add(delay),
                    EventKind::CacheLookupDone { job: j, generation },
                );
            }
        }
    }

    /// A load balancer picks a replica of service `to` and forwards at once.
    fn balance(&mut self, req: Req, node: usize, to: usize, parent: u32) {
        if node == to || to >= self.nodes.len() {
            self.reject(node, parent, req);
            return;
        }
        let (lb, target) = if node < to {
            let (a, b) = self.nodes.split_at_mut(to);
            (&mut a[node], &b[0])
        } else {
            let (a, b) = self.nodes.split_at_mut(node);
            (&mut b[0], &a[to])
        };
        let pick = match (&mut lb.state, &target.state) {
            (NodeState::LoadBalancer { balancer, .. }, NodeState::Service { stations, .. }) => {
                balancer.pick_backend(stations, req.key)
            }
            _ => None,
        };
        match pick {
            Some(replica) => {
                lb.stats.counts.completed += 1;
                lb.stats.window_counts.completed += 1;
                self.send(req, to, parent, Some(replica));
            }
            None => self.reject(node, parent, req),
        }
    }

    /// A visit reaches replica/instance `st` of a service or database.
    fn admit(&mut self, req: Req, node: usize, st: Option<usize>, parent: u32) {
        let now = self.now;
        let Some(st) = st else {
            self.reject(node, parent, req);
            return;
        };
        let j = self.alloc_job(Job {
            req,
            node: node as u32,
            station: st as u32,
            parent,
            arrived: now,
            next_call: 0,
            generation: 0,
            state: JobState::Waiting,
            answered: false,
        });
        let n = &mut self.nodes[node];
        let admission = match n.stations_mut() {
            Some(ss) => ss[st].admit(j, now),
            None => Admission::Rejected,
        };
        if admission == Admission::Rejected {
            self.free_job(j);
            self.reject(node, parent, req);
            return;
        }
        n.stats.enter(now);
        let timeout = match &n.state {
            NodeState::Service { spec, .. } => spec.timeout,
            NodeState::Database { spec, .. } => spec.timeout,
            _ => None,
        };
        if let Some(t) = timeout {
            let generation = self.jobs[j as usize].generation;
            self.events.schedule(
                now.saturating_add(t),
                EventKind::Timeout { job: j, generation },
            );
        }
        if admission == Admission::Started {
            self.start_service(j);
        }
    }

    fn reject(&mut self, node: usize, parent: u32, req: Req) {
        self.trace_answer(req, node, parent, false);
        let n = &mut self.nodes[node];
        n.stats.counts.rejected += 1;
        n.stats.window_counts.rejected += 1;
        self.deliver(parent, req, Err(FailureCause::Rejected));
    }

    /// A worker (already occupied) starts on job `j`.
    fn start_service(&mut self, j: u32) {
        let now = self.now;
        let job = self.jobs[j as usize];
        let n = &mut self.nodes[job.node as usize];
        n.stats.wait_sum_ns += u128::from(now.saturating_sub(job.arrived).0);
        n.stats.waits += 1;
        let d = match &mut n.state {
            NodeState::Service { spec, rng, .. } => spec.service_time.sample(rng),
            NodeState::Database { spec, rng, .. } => {
                match (&spec.write_service_time, job.req.kind) {
                    (Some(w), RequestKind::Write) => w.sample(rng),
                    _ => spec.service_time.sample(rng),
                }
            }
            _ => SimTime::ZERO,
        };
        self.jobs[j as usize].state = JobState::Working;
        let generation = job.generation;
        self.events.schedule(
            now.saturating_add(d),
            EventKind::ServiceDone { job: j, generation },
        );
    }

    fn service_done(&mut self, j: u32) {
        let job = self.jobs[j as usize];
        if job.answered {
            self.leave(j);
            return;
        }
        match self.nodes[job.node as usize].state {
            NodeState::Service { .. } => self.continue_service(j),
            _ => {
                self.answer(j, Ok(()));
                self.leave(j);
            }
        }
    }

    /// After its own work (or a call's answer), a service visit makes its
    /// next matching call, forwards, or answers.
    fn continue_service(&mut self, j: u32) {
        let job = self.jobs[j as usize];
        if job.answered {
            self.leave(j);
            return;
        }
        let NodeState::Service { spec, .. } = &self.nodes[job.node as usize].state else {
            return;
        };
        let next_call = spec
            .calls
            .iter()
            .enumerate()
            .skip(job.next_call as usize)
            .find(|(_, c)| c.matches(job.req.kind))
            .map(|(i, c)| (i, c.to));
        if let Some((i, to)) = next_call {
            let jm = &mut self.jobs[j as usize];
            jm.next_call = (i + 1) as u16;
            jm.state = JobState::Calling;
            self.send(job.req, to, j, None);
            return;
        }
        let forward = spec
            .forward
            .iter()
            .find(|r| r.matches(job.req.kind))
            .map(|r| r.to);
        match forward {
            Some(to) => {
                self.record_success(j);
                self.leave(j);
                self.send(job.req, to, job.parent, None);
            }
            None => {
                self.answer(j, Ok(()));
                self.leave(j);
            }
        }
    }

    fn cache_lookup_done(&mut self, j: u32) {
        let now = self.now;
        let job = self.jobs[j as usize];
        let n = &mut self.nodes[job.node as usize];
        let NodeState::Cache { spec, store, .. } = &mut n.state else {
            return;
        };
        let on_miss = spec.on_miss;
        let need_backend = match job.req.kind {
            RequestKind::Read => {
                if store.lookup(job.req.key, now) {
                    n.stats.counts.hits += 1;
                    n.stats.window_counts.hits += 1;
                    false
                } else {
                    n.stats.counts.misses += 1;
                    n.stats.window_counts.misses += 1;
                    true
                }
            }
            RequestKind::Write => {
                store.invalidate(job.req.key);
                true
            }
        };
        match on_miss {
            Some(to) if need_backend => {
                self.jobs[j as usize].state = JobState::Calling;
                self.send(job.req, to, j, None);
            }
            _ => {
                self.answer(j, Ok(()));
                self.leave(j);
            }
        }
    }

    /// A visit `j` that was waiting on a call gets the callee's answer.
    fn on_child_answer(&mut self, j: u32, outcome: Result<(), FailureCause>) {
        let job = self.jobs[j as usize];
        if job.answered {
            self.leave(j);
            return;
        }
        match outcome {
            Ok(()) => match &mut self.nodes[job.node as usize].state {
                NodeState::Cache { store, .. } => {
                    if job.req.kind == RequestKind::Read {
                        store.fill(job.req.key, self.now);
                    }
                    self.answer(j, Ok(()));
                    self.leave(j);
                }
                _ => self.continue_service(j),
            },
            Err(cause) => {
                let n = &mut self.nodes[job.node as usize];
                n.stats.counts.failed_downstream += 1;
                n.stats.window_counts.failed_downstream += 1;
                self.answer(j, Err(cause));
                self.leave(j);
            }
        }
    }

    fn timeout(&mut self, j: u32) {
        let job = self.jobs[j as usize];
        if job.answered {
            return;
        }
        let n = &mut self.nodes[job.node as usize];
        n.stats.counts.timed_out += 1;
        n.stats.window_counts.timed_out += 1;
        self.trace_answer(job.req, job.node as usize, job.parent, false);
        self.jobs[j as usize].answered = true;
        self.deliver(job.parent, job.req, Err(FailureCause::TimedOut));
    }

    fn record_success(&mut self, j: u32) {
        let job = self.jobs[j as usize];
        let d = self.now.saturating_sub(job.arrived);
        let s = &mut self.nodes[job.node as usize].stats;
        s.counts.completed += 1;
        s.window_counts.completed += 1;
        s.sojourn.record(d);
        s.window_sojourn.record(d);
    }

    /// Visit `j` answers its caller (once).
    fn answer(&mut self, j: u32, outcome: Result<(), FailureCause>) {
        let job = self.jobs[j as usize];
        if job.answered {
            return;
        }
        if outcome.is_ok() {
            self.record_success(j);
        }
        self.trace_answer(job.req, job.node as usize, job.parent, outcome.is_ok());
        self.jobs[j as usize].answered = true;
        self.deliver(job.parent, job.req, outcome);
    }

    fn trace_answer(&mut self, req: Req, from: usize, parent: u32, ok: bool) {
        if req.traced {
            let to = self.sender_of(parent);
            self.tracer.push(TraceEvent {
                at: self.now,
                request: req.id,
                kind: TraceKind::Answer { from, to, ok },
            });
        }
    }

    /// The node a visit belongs to (`None` for the workload).
    fn sender_of(&self, job: u32) -> Option<usize> {
        if job == NONE {
            None
        } else {
            self.jobs.get(job as usize).map(|j| j.node as usize)
        }
    }

    fn deliver(&mut self, parent: u32, req: Req, outcome: Result<(), FailureCause>) {
        if parent == NONE {
            self.end_to_end(req, outcome);
        } else {
            self.on_child_answer(parent, outcome);
        }
    }

    /// Visit `j` physically leaves its node: its worker (if any) takes the
    /// next in line.
    fn leave(&mut self, j: u32) {
        let now = self.now;
        let job = self.jobs[j as usize];
        let node = job.node as usize;
        self.nodes[node].stats.leave(now, job.arrived);
        self.free_job(j);
        if job.station == NONE || job.state == JobState::Waiting {
            return;
        }
        let st = job.station as usize;
        if let Some(ss) = self.nodes[node].stations_mut() {
            ss[st].release_worker(now);
        }
        self.fill_workers(node, st);
    }

    /// Free workers of a station take waiting visits; visits whose caller
    /// gave up are discarded without service.
    fn fill_workers(&mut self, node: usize, st: usize) {
        let now = self.now;
        loop {
            let Some(ss) = self.nodes[node].stations_mut() else {
                return;
            };
            let Some(k) = ss[st].next_waiting(now) else {
                return;
            };
            if self.jobs[k as usize].answered {
                ss[st].drop_waiting();
                let arrived = self.jobs[k as usize].arrived;
                self.nodes[node].stats.leave(now, arrived);
                self.free_job(k);
                continue;
            }
            ss[st].occupy();
            self.start_service(k);
        }
    }

    // ---- measurement ---------------------------------------------------

    fn end_warmup(&mut self) {
        let now = self.now;
        for n in &mut self.nodes {
            let areas = n.areas(now);
            n.stats.reset(now, areas);
        }
        self.system.latency.reset();
    }

    fn close_window(&mut self) {
        let now = self.now;
        let start = self.window_start;
        let secs = now.saturating_sub(start).as_secs_f64();
        let dt_ns = now.saturating_sub(start).0 as f64;
        let mut nodes = Vec::with_capacity(self.nodes.len());
        for n in &mut self.nodes {
            let areas = n.areas(now);
            n.stats.advance_presence(now);
            let d = areas.minus(&n.stats.areas_at_window);
            let has_workers = n.has_workers();
            let counts = n.stats.window_counts;
            let present_area = n.stats.present_area;
            nodes.push(NodeWindow {
                counts,
                utilisation: if has_workers {
                    ratio(d.busy as f64, d.capacity as f64)
                } else {
                    None
                },
                mean_queue_len: if has_workers {
                    ratio(d.queued as f64, dt_ns)
                } else {
                    None
                },
                mean_present: ratio(
                    present_area.saturating_sub(n.stats.present_area_at_window) as f64,
                    dt_ns,
                )
                .unwrap_or(0.0),
                sojourn: n.stats.window_sojourn.stats(),
                hit_ratio: ratio(counts.hits as f64, (counts.hits + counts.misses) as f64),
                workers: n
                    .stations()
                    .map(|ss| ss.iter().filter(|s| s.active).map(|s| s.workers).sum()),
            });
            n.stats.areas_at_window = areas;
            n.stats.present_area_at_window = present_area;
            n.stats.window_counts = Default::default();
            n.stats.window_sojourn.reset();
        }
        let counts = self.system.window_counts;
        let window = Window {
            start,
            end: now,
            counts,
            throughput_rps: ratio(counts.completed as f64, secs).unwrap_or(0.0),
            latency: self.system.window_latency.stats(),
            in_flight: self.in_flight_total,
            cost_per_hour: self.nodes.iter().map(NodeRt::cost_per_hour).sum(),
            nodes,
        };
        self.system.window_counts = Default::default();
        self.system.window_latency.reset();
        self.window_start = now;
        let keep = (MAX_KEPT_CELLS / (self.nodes.len() + 1)).max(16);
        while self.windows.len() >= keep {
            self.windows.pop_front();
            self.windows_dropped += 1;
        }
        self.windows.push_back(window);
    }

    /// Closes the current, partial window (at the end of a run).
    pub fn flush_window(&mut self) {
        if self.now > self.window_start {
            self.close_window();
        }
    }

    /// Takes the windows closed since the last call (oldest first).
    pub fn take_windows(&mut self) -> Vec<Window> {
        self.windows.drain(..).collect()
    }

    /// Windows closed and not yet taken (the most recent, bounded).
    pub fn windows(&self) -> &VecDeque<Window> {
        &self.windows
    }

    /// Windows discarded because nobody took them and the buffer was full.
    pub fn windows_dropped(&self) -> u64 {
        self.windows_dropped
    }

    /// Results over the measured period so far.
    pub fn summary(&mut self) -> Summary {
        let now = self.now;
        let warmup = self.model.warmup;
        let measured = now.saturating_sub(warmup);
        let secs = measured.as_secs_f64();
        let mns = measured.0 as f64;
        let nodes = self
            .nodes
            .iter_mut()
            .map(|n| {
                let areas = n.areas(now);
                n.stats.advance_presence(now);
                let d = if now >= warmup {
                    areas.minus(&n.stats.areas_at_reset)
                } else {
                    Areas::default()
                };
                let has_workers = n.has_workers();
                let s = &n.stats;
                NodeSummary {
                    id: n.id.clone(),
                    kind: kind_name(&n.state),
                    counts: s.counts,
                    utilisation: if has_workers {
                        ratio(d.busy as f64, d.capacity as f64)
                    } else {
                        None
                    },
                    mean_queue_len: if has_workers {
                        ratio(d.queued as f64, mns)
                    } else {
                        None
                    },
                    mean_present: ratio(s.present_area as f64, mns).unwrap_or(0.0),
                    mean_wait_ms: ratio(s.wait_sum_ns as f64 / 1e6, s.waits as f64),
                    started: s.waits,
                    sojourn: s.sojourn.stats(),
                    mean_stay_ms: ratio(s.stay_sum_ns as f64 / 1e6, s.departures as f64),
                    departure_rate: ratio(s.departures as f64, secs).unwrap_or(0.0),
                    hit_ratio: ratio(
                        s.counts.hits as f64,
                        (s.counts.hits + s.counts.misses) as f64,
                    ),
                    workers: n
                        .stations()
                        .map(|ss| ss.iter().filter(|s| s.active).map(|s| s.workers).sum()),
                    replicas: n.stations().map(|_| n.active_replicas()),
                    cost_per_hour: n.cost_per_hour(),
                }
            })
            .collect();
        let c = self.system.counts;
        Summary {
            now,
            warmup,
            measured,
            counts: c,
            in_flight: self.system.in_flight,
            throughput_rps: ratio(c.completed as f64, secs).unwrap_or(0.0),
            latency: self.system.latency.stats(),
            error_rate: ratio(c.failed() as f64, (c.completed + c.failed()) as f64),
            cost_per_hour: self.nodes.iter().map(NodeRt::cost_per_hour).sum(),
            nodes,
        }
    }

    /// A plain-data picture of now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            now: self.now,
            in_flight: self.in_flight_total,
            counts: self.system.counts,
            events_processed: self.events_processed,
            nodes: self
                .nodes
                .iter()
                .map(|n| NodeSnapshot {
                    id: n.id.clone(),
                    kind: kind_name(&n.state),
                    present: n.stats.present,
                    replicas: n.stations().map_or_else(Vec::new, |ss| {
                        ss.iter()
                            .map(|s| ReplicaSnapshot {
                                workers: s.workers,
                                busy: s.busy,
                                queued: s.line.len() as u32,
                                active: s.active,
                            })
                            .collect()
                    }),
                    cache_keys: match &n.state {
                        NodeState::Cache { store, .. } => Some(store.len() as u64),
                        _ => None,
                    },
                    counts: n.stats.counts,
                })
                .collect(),
        }
    }

    // ---- tracing --------------------------------------------------------

    /// Starts (or with `None` stops) sampling requests for tracing.
    pub fn set_tracing(&mut self, config: Option<TraceConfig>) {
        self.tracer.config = config;
        if config.is_none() {
            self.tracer.events.clear();
        }
    }

    /// Takes the trace events recorded since the last call, oldest first.
    pub fn take_traces(&mut self) -> Vec<TraceEvent> {
        self.tracer.events.drain(..).collect()
    }

    // ---- live changes --------------------------------------------------

    /// Applies a live change at the current instant.
    pub fn apply(&mut self, cmd: Command) -> Result<(), CommandError> {
        let now = self.now;
        let err = |m: String| Err(CommandError(m));
        let node_of = |node: usize, nodes: &[NodeRt]| {
            if node < nodes.len() {
                Ok(())
            } else {
                Err(CommandError(format!("no node with index {node}")))
            }
        };
        match cmd {
            Command::SetReplicas { node, replicas } => {
                node_of(node, &self.nodes)?;
                if !(1..=10_000).contains(&replicas) {
                    return err(format!("replicas must be 1..=10000, got {replicas}"));
                }
                let n = &mut self.nodes[node];
                let NodeState::Service { spec, stations, .. } = &mut n.state else {
                    return err(format!("`{}` is not a service", n.id));
                };
                spec.replicas = replicas;
                resize_stations(stations, replicas as usize, spec.workers, spec.queue, now);
                if let NodeKind::Service(s) = &mut self.model.nodes[node].kind {
                    s.replicas = replicas;
                }
                // New replicas may take waiting visits only through routing;
                // nothing to move.
            }
            Command::SetReadReplicas { node, replicas } => {
                node_of(node, &self.nodes)?;
                if replicas > 1000 {
                    return err(format!("read replicas must be 0..=1000, got {replicas}"));
                }
                let n = &mut self.nodes[node];
                let NodeState::Database { spec, stations, .. } = &mut n.state else {
                    return err(format!("`{}` is not a database", n.id));
                };
                spec.read_replicas = replicas;
                resize_stations(
                    stations,
                    replicas as usize + 1,
                    spec.workers,
                    spec.queue,
                    now,
                );
                if let NodeKind::Database(d) = &mut self.model.nodes[node].kind {
                    d.read_replicas = replicas;
                }
            }
            Command::SetWorkers { node, workers } => {
                node_of(node, &self.nodes)?;
                if !(1..=100_000).contains(&workers) {
                    return err(format!("workers must be 1..=100000, got {workers}"));
                }
                let n = &mut self.nodes[node];
                let id = n.id.clone();
                match (&mut n.state, &mut self.model.nodes[node].kind) {
                    (NodeState::Service { spec, .. }, NodeKind::Service(m)) => {
                        spec.workers = workers;
                        m.workers = workers;
                    }
                    (NodeState::Database { spec, .. }, NodeKind::Database(m)) => {
                        spec.workers = workers;
                        m.workers = workers;
                    }
                    _ => return err(format!("`{id}` has no workers")),
                }
                let count = n.stations().map_or(0, Vec::len);
                for st in 0..count {
                    if let Some(ss) = self.nodes[node].stations_mut() {
                        ss[st].set_workers(workers, now);
                    }
                    self.fill_workers(node, st);
                }
            }
            Command::SetQueueCapacity { node, capacity } => {
                node_of(node, &self.nodes)?;
                let n = &mut self.nodes[node];
                let id = n.id.clone();
                match (&mut n.state, &mut self.model.nodes[node].kind) {
                    (NodeState::Service { spec, .. }, NodeKind::Service(m)) => {
                        spec.queue = capacity;
                        m.queue = capacity;
                    }
                    (NodeState::Database { spec, .. }, NodeKind::Database(m)) => {
                        spec.queue = capacity;
                        m.queue = capacity;
                    }
                    _ => return err(format!("`{id}` has no queue")),
                }
                if let Some(ss) = n.stations_mut() {
                    for s in ss {
                        s.line_capacity = capacity;
                    }
                }
            }
            Command::SetServiceTime { node, dist } => {
                node_of(node, &self.nodes)?;
                if !(dist.mean() >= 0.0 && dist.mean().is_finite()) {
                    return err("the service time needs a finite mean".into());
                }
                let n = &mut self.nodes[node];
                let id = n.id.clone();
                match (&mut n.state, &mut self.model.nodes[node].kind) {
                    (NodeState::Service { spec, .. }, NodeKind::Service(m)) => {
                        spec.service_time = dist;
                        m.service_time = dist;
                    }
                    (NodeState::Database { spec, .. }, NodeKind::Database(m)) => {
                        spec.service_time = dist;
                        m.service_time = dist;
                    }
                    (NodeState::Cache { spec, .. }, NodeKind::Cache(m)) => {
                        spec.hit_time = dist;
                        m.hit_time = dist;
                    }
                    _ => return err(format!("`{id}` has no service time")),
                }
            }
            Command::SetTimeout { node, timeout } => {
                node_of(node, &self.nodes)?;
                if timeout == Some(SimTime::ZERO) {
                    return err("a timeout must be above zero (or none)".into());
                }
                let n = &mut self.nodes[node];
                let id = n.id.clone();
                match (&mut n.state, &mut self.model.nodes[node].kind) {
                    (NodeState::Service { spec, .. }, NodeKind::Service(m)) => {
                        spec.timeout = timeout;
                        m.timeout = timeout;
                    }
                    (NodeState::Database { spec, .. }, NodeKind::Database(m)) => {
                        spec.timeout = timeout;
                        m.timeout = timeout;
                    }
                    _ => return err(format!("`{id}` has no timeout")),
                }
            }
            Command::SetLbAlgorithm { node, algorithm } => {
                node_of(node, &self.nodes)?;
                let n = &mut self.nodes[node];
                let NodeState::LoadBalancer { balancer, .. } = &mut n.state else {
                    return err(format!("`{}` is not a load balancer", n.id));
                };
                balancer.algorithm = algorithm;
                if let NodeKind::LoadBalancer(m) = &mut self.model.nodes[node].kind {
                    m.algorithm = algorithm;
                }
            }
            Command::SetCacheCapacity { node, capacity } => {
                node_of(node, &self.nodes)?;
                let n = &mut self.nodes[node];
                let NodeState::Cache { spec, store, .. } = &mut n.state else {
                    return err(format!("`{}` is not a cache", n.id));
                };
                spec.capacity = capacity;
                store.set_capacity(capacity);
                if let NodeKind::Cache(m) = &mut self.model.nodes[node].kind {
                    m.capacity = capacity;
                }
            }
            Command::SetCachePolicy { node, policy } => {
                node_of(node, &self.nodes)?;
                let n = &mut self.nodes[node];
                let NodeState::Cache { spec, store, .. } = &mut n.state else {
                    return err(format!("`{}` is not a cache", n.id));
                };
                spec.policy = policy;
                store.set_policy(policy);
                if let NodeKind::Cache(m) = &mut self.model.nodes[node].kind {
                    m.policy = policy;
                }
            }
            Command::FlushCache { node } => {
                node_of(node, &self.nodes)?;
                let n = &mut self.nodes[node];
                let NodeState::Cache { store, .. } = &mut n.state else {
                    return err(format!("`{}` is not a cache", n.id));
                };
                store.clear();
            }
            Command::SetCacheTtl { node, ttl } => {
                node_of(node, &self.nodes)?;
                if ttl == Some(SimTime::ZERO) {
                    return err("a TTL must be above zero (or none)".into());
                }
                let n = &mut self.nodes[node];
                let NodeState::Cache { spec, store, .. } = &mut n.state else {
                    return err(format!("`{}` is not a cache", n.id));
                };
                spec.ttl = ttl;
                store.ttl = ttl;
                if let NodeKind::Cache(m) = &mut self.model.nodes[node].kind {
                    m.ttl = ttl;
                }
            }
            Command::SetWorkloadRate { workload, rate } => {
                let Some(src) = self.sources.get_mut(workload) else {
                    return err(format!("no workload with index {workload}"));
                };
                if !(rate.is_finite() && (0.0..=1e9).contains(&rate)) {
                    return err(format!("rate must be 0..=1e9 requests/s, got {rate}"));
                }
                if matches!(src.spec.arrival, Arrival::Closed { .. }) {
                    return err("a closed-loop workload has users, not a rate".into());
                }
                src.set_rate(rate, now);
                self.model.workloads[workload].phases = src.spec.phases.clone();
                self.schedule_arrival(workload);
            }
            Command::SetReadFraction {
                workload,
                read_fraction,
            } => {
                let Some(src) = self.sources.get_mut(workload) else {
                    return err(format!("no workload with index {workload}"));
                };
                if !(0.0..=1.0).contains(&read_fraction) {
                    return err(format!("read fraction must be 0..=1, got {read_fraction}"));
                }
                src.spec.read_fraction = read_fraction;
                self.model.workloads[workload].read_fraction = read_fraction;
            }
        }
        Ok(())
    }
}

/// Next active station after `cursor`, from index `first` on.
fn round_robin(stations: &[Station], cursor: &mut usize, first: usize) -> Option<usize> {
    let candidates = stations.len().checked_sub(first)?;
    for _ in 0..candidates {
        *cursor = cursor.wrapping_add(1);
        let i = first + *cursor % candidates;
        if stations[i].active {
            return Some(i);
        }
    }
    None
}

/// Makes `want` stations active: reactivates drained ones first, then adds;
/// surplus ones stop being routed to and drain.
fn resize_stations(
    stations: &mut Vec<Station>,
    want: usize,
    workers: u32,
    queue: Option<u32>,
    now: SimTime,
) {
    for (i, s) in stations.iter_mut().enumerate() {
        s.set_active(i < want, now);
    }
    while stations.len() < want {
        stations.push(Station::new(workers, queue, now));
    }
}

fn kind_name(state: &NodeState) -> &'static str {
    match state {
        NodeState::LoadBalancer { .. } => "load_balancer",
        NodeState::Service { .. } => "service",
        NodeState::Cache { .. } => "cache",
        NodeState::Database { .. } => "database",
    }
}
