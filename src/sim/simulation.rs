//! The `Simulation`: its state, the event loop and the small public API (`now`, `step`, `run_until`, ...).
//!
//! How requests move, calls are protected, caches and queues behave,
//! live commands apply, faults strike and results are measured lives in
//! the child modules.

mod caching;
mod calls;
mod commands;
mod external;
mod fallbacks;
mod fanout;
mod faults;
mod forwards;
mod measure;
mod messaging;
mod nodes;
mod scaling;
mod tally;
mod topics;
mod transfers;
mod visits;

use std::collections::VecDeque;

use crate::sim::components::cache::KeyMap;
use crate::sim::components::source::Source;
use crate::sim::dist::Dist;
use crate::sim::event::{EventKind, EventQueue};
use crate::sim::metrics::{SystemStats, Window};
use crate::sim::model::{Arrival, ClassIdx, Model, NodeKind, RequestKind};
use crate::sim::spans::{Phase, RequestSpans, SpanConfig, SpanReport, Spans};
use crate::sim::time::SimTime;
use crate::sim::trace::{TraceConfig, TraceEvent, Tracer};

use nodes::NodeRt;

/// The window cells (a window's rows: the system and each node)
/// `run_until_draining` lets close between two takes: a few windows of a
/// large design, a few thousand of a small one.
pub const DRAIN_CELLS: u64 = 4096;

pub use crate::sim::components::autoscaler::ScaleEvent;
pub use crate::sim::components::breaker::BreakerState;

/// "No visit": the end-to-end caller (the workload) or no station.
const NONE: u32 = u32::MAX;
/// Parent of a queue message: nobody waits for it.
const MESSAGE: u32 = u32::MAX - 1;
/// Parent of a write-back flush: its answer is dropped.
const DETACHED: u32 = u32::MAX - 2;

/// What a request is: carried by every visit it makes.
#[derive(Clone, Copy, Debug)]
struct Req {
    kind: RequestKind,
    /// Its request class (`Model::classes`), if its workload has classes.
    class: Option<ClassIdx>,
    key: u64,
    /// When it was created (for a queue message: first enqueued).
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
    /// Times it passed through a queue with `max_hops` (a bounded loop).
    hops: u16,
    /// The work its callee does for it (`Simulation::works`), when the
    /// call that sent it says (`Call::service_time`); else `NO_WORK`.
    work: u32,
}

/// `Req::work` of a request its node serves with its own work.
const NO_WORK: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VisitState {
    /// In a station's line.
    Waiting,
    /// A worker is on it (own work).
    Working,
    /// Holding its worker while a call is out.
    Calling,
    /// Holding its worker while waiting for a pooled connection.
    Acquiring,
    /// Holding its worker during a retry backoff.
    Backoff,
    /// A cache looking the key up, or an external service at work: no
    /// worker and no line of ours.
    Lookup,
    /// Waiting in a rate limiter or on a CDN's way to its origin.
    Delayed,
    /// Holding its worker while the sub-calls of a fan-out (or a hedge)
    /// are out.
    FanOut,
    /// A forwarded request crossing the route's link (no worker held).
    Transit,
}

/// One visit of a request to a node.
#[derive(Clone, Copy, Debug)]
struct Visit {
    req: Req,
    node: u32,
    station: u32,
    /// The visit that waits for this one's answer, or a marker
    /// (`NONE`, `MESSAGE`, `DETACHED`).
    parent: u32,
    /// The parent's generation and call token when this visit was sent:
    /// an answer is delivered only if both still match.
    parent_gen: u32,
    parent_token: u32,
    arrived: SimTime,
    /// Index of the next call to consider (the current one is `next_call - 1`).
    next_call: u16,
    /// Tries of the current call so far.
    attempt: u16,
    /// Repetition of the current call (its index picks the call's key); in
    /// a parallel fan-out or a hedge, the sub-calls sent so far.
    rep: u32,
    /// Has an entry in `Simulation::fans`: its current call is made
    /// several times (repeated, or a parallel fan-out or hedge).
    fanned: bool,
    /// A sub-call of a parallel fan-out or hedge (makes one call for its
    /// parent, a visit at the same node), or a forwarded request on its
    /// link (state `Transit`): holds no worker and counts in no node
    /// figure.
    leg: bool,
    /// Queue messages: deliveries so far that count toward `max_attempts`
    /// (1 on the first).
    deliveries: u16,
    /// Queue messages: times the message went back for another delivery
    /// (the redelivery backoff doubles with each).
    returns: u16,
    /// An open circuit breaker refused this visit's current call (a queue
    /// message refused so is not charged a delivery attempt).
    short_circuited: bool,
    /// Its current call failed and it waits for the call's fallback.
    on_fallback: bool,
    generation: u32,
    /// Bumped whenever an outstanding call is abandoned or retried.
    token: u32,
    state: VisitState,
    /// The caller already has its answer (a timeout fired): whatever this
    /// visit still does is wasted work, and its answer is dropped.
    answered: bool,
    /// Holds a pooled connection for its current call.
    holds_conn: bool,
}

/// A call made several times by one visit: how many, and (parallel
/// fan-outs and hedges) how many sub-calls answered so far.
#[derive(Clone, Copy, Debug, Default)]
struct Fan {
    reps: u32,
    oks: u32,
    fails: u32,
    /// Failed sub-calls that an open breaker refused before anything went
    /// out.
    refused: u32,
}

/// Who is waiting for an answer: a visit (index, generation, token) or a marker.
#[derive(Clone, Copy, Debug)]
struct Caller {
    visit: u32,
    generation: u32,
    token: u32,
}

impl Caller {
    const WORKLOAD: Caller = Caller {
        visit: NONE,
        generation: 0,
        token: 0,
    };
    /// A write-back flush of cache `node`: nobody waits, but a failure
    /// keeps the write dirty (`Simulation::flush_failed`).
    fn flush_of(node: usize) -> Caller {
        Caller {
            visit: DETACHED,
            generation: node as u32,
            token: 0,
        }
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
    /// What each request class is underneath (`Model::classes`).
    class_ops: Vec<RequestKind>,
    visits: Vec<Visit>,
    free_visits: Vec<u32>,
    system: SystemStats,
    /// Every request alive, warm-up included.
    in_flight_total: u64,
    /// Queue messages stored or in processing.
    messages_live: u64,
    /// Sub-calls of fan-outs and hedges alive (capped by `max_in_flight`).
    legs_live: u64,
    /// The fan-outs in progress, by visit (a visit's `fanned` says it has
    /// one): kept out of `Visit`, which every request copies around.
    fans: KeyMap<Fan>,
    /// The visit (index, generation) making its sequential repetitions
    /// in a loop, and whether its next one is due (`next_repetition`).
    repeating: Option<(u32, u32)>,
    repeat_due: bool,
    window_start: SimTime,
    windows: VecDeque<Window>,
    windows_dropped: u64,
    requests_created: u64,
    tracer: Tracer,
    /// Per-hop phases of sampled requests (`loadlab run --traces`).
    spans: Spans,
    /// (from, to, hang) pairs cut off from each other.
    partitions: Vec<(usize, usize, bool)>,
    scale_events: Vec<ScaleEvent>,
    /// Why the run stopped before its end, if it did.
    stopped: Option<String>,
    /// The calls' own work for their callees (`Call::service_time`), by
    /// `Req::work`.
    works: Vec<Dist>,
    /// Payloads, wires and the bytes counted (a model with payloads only).
    transfers: Option<Box<transfers::Transfers>>,
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
            .map(|n| NodeRt::new(n, seed, now))
            .collect();
        // Keys matter only to caches, databases, load balancers (which
        // may hash them) and per-key limiters; without any, a request's
        // key is never drawn.
        let keyed = model.nodes.iter().any(|n| {
            matches!(
                n.kind,
                NodeKind::Cache(_) | NodeKind::Database(_) | NodeKind::LoadBalancer(_)
            ) || matches!(&n.kind, NodeKind::RateLimiter(r) if r.per.is_some())
        });
        let sources = model
            .workloads
            .iter()
            .map(|w| Source::new(w.clone(), seed, keyed))
            .collect();
        let class_ops = model.classes.iter().map(|c| c.op).collect();
        let system = SystemStats::for_model(&model);
        let mut sim = Simulation {
            model,
            now,
            events: EventQueue::default(),
            events_processed: 0,
            nodes,
            sources,
            class_ops,
            visits: Vec::new(),
            free_visits: Vec::new(),
            system,
            in_flight_total: 0,
            messages_live: 0,
            legs_live: 0,
            fans: KeyMap::default(),
            repeating: None,
            repeat_due: false,
            window_start: now,
            windows: VecDeque::new(),
            windows_dropped: 0,
            requests_created: 0,
            tracer: Tracer::default(),
            spans: Spans::default(),
            partitions: Vec::new(),
            scale_events: Vec::new(),
            stopped: None,
            works: Vec::new(),
            transfers: None,
        };
        sim.index_call_works();
        // Warm-up ends before anything else due at that instant: a request
        // arriving exactly then is measured, so its latency must land after
        // the reset, not be erased by it (found by fuzzing).
        if sim.model.warmup > SimTime::ZERO {
            sim.events.schedule(sim.model.warmup, EventKind::WarmupEnd);
        }
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
        let first = sim.model.window.max(SimTime(1));
        sim.events.schedule(first, EventKind::WindowEnd);
        for (i, e) in sim.model.events.iter().enumerate() {
            sim.events
                .schedule(e.at, EventKind::Scheduled { index: i as u32 });
        }
        for (i, n) in sim.model.nodes.iter().enumerate() {
            match &n.kind {
                NodeKind::Service(s) => {
                    if let Some(a) = &s.autoscale {
                        sim.events.schedule(
                            a.interval.max(SimTime(1)),
                            EventKind::AutoscaleTick { node: i as u32 },
                        );
                    }
                }
                NodeKind::Cache(c) => {
                    let warm = sim.model.warm_keys(c);
                    if warm > 0
                        && let nodes::NodeState::Cache { store, .. } = &mut sim.nodes[i].state
                    {
                        store.prefill(warm, now);
                    }
                    if let crate::sim::model::WritePolicy::WriteBack { flush_interval } =
                        c.write_policy
                    {
                        sim.events.schedule(
                            flush_interval.max(SimTime(1)),
                            EventKind::FlushDirty { node: i as u32 },
                        );
                    }
                }
                _ => {}
            }
        }
        // A database knows the caches in front of it (`on_miss`), to mark
        // their entries stale on a write that bypassed them.
        for (i, n) in sim.model.nodes.iter().enumerate() {
            if let NodeKind::Cache(c) = &n.kind
                && let Some(db) = c.on_miss
                && let Some(nodes::NodeState::Database { fronted_by, .. }) =
                    sim.nodes.get_mut(db).map(|d| &mut d.state)
            {
                fronted_by.push(i);
            }
        }
        // A service behind a load balancer keeps its stations indexed by
        // visits present: picking a replica costs the same with 3 or 500.
        for n in &sim.model.nodes {
            if let NodeKind::LoadBalancer(lb) = &n.kind
                && let Some(target) = sim.nodes.get_mut(lb.to)
            {
                target.keep_index();
            }
        }
        if !sim.model.zone_links.is_empty() {
            let model = sim.model.clone();
            sim.apply_zone_links(&model, seed);
        }
        if transfers::has_payloads(&sim.model) {
            let model = sim.model.clone();
            sim.apply_payloads(&model, seed);
        }
        sim
    }

    /// The model this simulation runs, with live changes applied to the
    /// parts `apply` changes.
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
        self.visits.len() - self.free_visits.len()
    }

    /// Why the run stopped before reaching the time asked for (a safety
    /// cap was hit), or `None`.
    pub fn stopped(&self) -> Option<&str> {
        self.stopped.as_deref()
    }

    /// The open-loop rate of workload `w` now (requests per second; 0 for
    /// closed loops and unknown workloads).
    pub fn offered_rate(&self, w: usize) -> f64 {
        self.sources.get(w).map_or(0.0, |s| s.rate_at(self.now))
    }

    /// The traffic-spike factor on workload `w` now (1 when none).
    pub fn rate_factor(&self, w: usize) -> f64 {
        self.sources.get(w).map_or(1.0, |s| s.factor)
    }

    /// Handles the next event; false if none is left or the run stopped.
    pub fn step(&mut self) -> bool {
        if self.stopped.is_some() {
            return false;
        }
        if self.events_processed >= self.model.limits.max_events {
            self.stopped = Some(format!(
                "stopped at {} after {} events (the limit `max_events`); \
                 lower the rate or the duration, or raise `max_events`",
                self.now, self.events_processed
            ));
            return false;
        }
        let Some(ev) = self.events.pop() else {
            return false;
        };
        self.now = ev.time.max(self.now);
        self.events_processed += 1;
        self.handle(ev.kind);
        true
    }

    /// Handles every event up to and including `t`, then sets the clock
    /// to `t` (unless the run stopped on a safety cap).
    pub fn run_until(&mut self, t: SimTime) {
        while self.events.peek_time().is_some_and(|et| et <= t) {
            if !self.step() {
                return;
            }
        }
        self.now = self.now.max(t);
    }

    /// `run_until(t)`, handing the windows closed on the way to `take` at
    /// least every `DRAIN_CELLS` window cells: the windows buffered stay
    /// bounded, whatever the run's length (taken once per 1/200 of a long
    /// run, they grew with the declared duration).
    /// Stops early on `take`'s error or a safety cap.
    pub fn run_until_draining<E>(
        &mut self,
        t: SimTime,
        mut take: impl FnMut(Vec<Window>) -> Result<(), E>,
    ) -> Result<(), E> {
        let windows = (DRAIN_CELLS / (self.nodes.len() as u64 + 1)).max(1);
        let step = self.model.window.max(SimTime(1)).0.saturating_mul(windows);
        loop {
            let next = self.now.saturating_add(SimTime(step)).min(t);
            self.run_until(next);
            take(self.take_windows())?;
            if self.now >= t || self.stopped.is_some() {
                return Ok(());
            }
        }
    }

    /// Like `run_until`, but handles at most `max_events` events. Returns
    /// true if `t` was reached.
    pub fn run_until_budget(&mut self, t: SimTime, max_events: u64) -> bool {
        let mut n = 0;
        while self.events.peek_time().is_some_and(|et| et <= t) {
            if n >= max_events || !self.step() {
                return false;
            }
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
            EventKind::ServiceDone { visit, generation } => {
                if self.visit_is(visit, generation) {
                    self.service_done(visit);
                }
            }
            EventKind::CacheLookupDone { visit, generation } => {
                if self.visit_is(visit, generation) {
                    self.cache_lookup_done(visit);
                }
            }
            EventKind::Timeout { visit, generation } => {
                if self.visit_is(visit, generation) {
                    self.node_timeout(visit);
                }
            }
            EventKind::NodeDeadline { node } => self.deadline_due(node as usize),
            EventKind::CallTimeout {
                visit,
                generation,
                token,
            } => {
                if self.visit_is(visit, generation) && self.visits[visit as usize].token == token {
                    self.call_timeout(visit);
                }
            }
            // Out of line and cold: models without links must not pay for
            // them in the event loop.
            EventKind::LinkOut {
                visit,
                generation,
                token,
            } => self.link_out_due(visit, generation, token),
            EventKind::LinkBack {
                visit,
                generation,
                token,
                outcome,
            } => self.link_back_due(visit, generation, token, outcome),
            EventKind::ForwardArrives { visit, generation } => {
                self.forward_arrives(visit, generation)
            }
            // Out of line and cold, as the links.
            EventKind::HedgeDue {
                visit,
                generation,
                token,
            } => self.hedge_due(visit, generation, token),
            EventKind::RetryCall {
                visit,
                generation,
                token,
            } => {
                if self.visit_is(visit, generation) && self.visits[visit as usize].token == token {
                    self.retry_call(visit);
                }
            }
            EventKind::AcquireTimeout {
                visit,
                generation,
                token,
            } => {
                if self.visit_is(visit, generation) && self.visits[visit as usize].token == token {
                    self.acquire_timeout(visit);
                }
            }
            EventKind::VisibilityTimeout { visit, generation } => {
                if self.visit_is(visit, generation) {
                    self.visibility_timeout(visit);
                }
            }
            EventKind::Redeliver { visit, generation } => {
                if self.visit_is(visit, generation) {
                    self.redelivery_due(visit);
                }
            }
            EventKind::LimiterRelease { visit, generation } => {
                if self.visit_is(visit, generation) {
                    self.limiter_release(visit);
                }
            }
            EventKind::MissPenaltyDone { visit, generation } => {
                if self.visit_is(visit, generation) {
                    self.miss_penalty_done(visit);
                }
            }
            EventKind::FlushDirty { node } => self.flush_dirty(node as usize),
            EventKind::FlushWrite { node, key, kind } => {
                self.flush_write_arrived(node as usize, key, kind)
            }
            EventKind::AutoscaleTick { node } => self.autoscale_tick(node as usize),
            EventKind::ReplicaReady { node, station } => {
                self.replica_ready(node as usize, station as usize)
            }
            EventKind::Scheduled { index } => {
                if let Some(e) = self.model.events.get(index as usize) {
                    // A scheduled change that no longer applies is skipped:
                    // the loader already validated it against the model.
                    let _ = self.apply(e.command.clone());
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

    fn visit_is(&self, visit: u32, generation: u32) -> bool {
        self.visits
            .get(visit as usize)
            .is_some_and(|j| j.generation == generation && j.node != NONE)
    }

    #[inline]
    fn alloc_visit(&mut self, visit: Visit) -> u32 {
        let j = match self.free_visits.pop() {
            Some(i) => {
                let generation = self.visits[i as usize].generation;
                self.visits[i as usize] = Visit {
                    generation,
                    ..visit
                };
                i
            }
            None => {
                self.visits.push(visit);
                (self.visits.len() - 1) as u32
            }
        };
        if visit.req.traced {
            self.open_span(j);
        }
        j
    }

    /// Visit `j` of a sampled request starts: its hop opens.
    #[cold]
    fn open_span(&mut self, j: u32) {
        let v = self.visits[j as usize];
        self.spans.open_visit(
            (j, v.generation),
            v.req.id,
            v.node as usize,
            (v.parent, v.parent_gen),
            phase_of(v.state),
            self.now,
        );
    }

    /// Visit `j` changed state: a sampled request's hop changes phase.
    #[inline]
    fn note_state(&mut self, j: u32) {
        let v = &self.visits[j as usize];
        if v.req.traced {
            let p = phase_of(v.state);
            self.spans.set_phase(j, p, self.now);
        }
    }

    /// Visit `j` is over: its slot is reused (a new generation).
    #[inline]
    fn free_visit(&mut self, j: u32) {
        let visit = &self.visits[j as usize];
        if visit.req.traced || visit.fanned {
            self.free_visit_extras(j);
        }
        let visit = &mut self.visits[j as usize];
        visit.node = NONE;
        visit.generation = visit.generation.wrapping_add(1);
        self.free_visits.push(j);
    }

    /// A freed visit's hop closes (sampled) and its fan-out entry goes.
    #[cold]
    fn free_visit_extras(&mut self, j: u32) {
        if self.visits[j as usize].req.traced {
            self.spans.close_visit(j, self.now);
        }
        let visit = &mut self.visits[j as usize];
        if visit.fanned {
            visit.fanned = false;
            self.fans.remove(&u64::from(j));
        }
    }

    /// A fresh visit record for `req` at `node` on behalf of `caller`.
    fn new_visit(req: Req, node: usize, station: u32, caller: Caller, now: SimTime) -> Visit {
        Visit {
            req,
            node: node as u32,
            station,
            parent: caller.visit,
            parent_gen: caller.generation,
            parent_token: caller.token,
            arrived: now,
            next_call: 0,
            attempt: 0,
            rep: 0,
            fanned: false,
            leg: false,
            deliveries: 0,
            returns: 0,
            short_circuited: false,
            on_fallback: false,
            generation: 0,
            token: 0,
            state: VisitState::Waiting,
            answered: false,
            holds_conn: false,
        }
    }

    /// The caller record for visit `j`'s current call.
    fn caller_of(&self, j: u32) -> Caller {
        let visit = &self.visits[j as usize];
        Caller {
            visit: j,
            generation: visit.generation,
            token: visit.token,
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

    /// Starts (or with `None` stops) following sampled requests hop by
    /// hop, phase by phase (see `sim::spans`); draws nothing, so results
    /// do not change. Call before the run.
    pub fn set_spans(&mut self, config: Option<SpanConfig>) {
        self.spans.config = config;
    }

    /// The sampled requests so far: how many, and the slowest kept.
    pub fn span_report(&self) -> SpanReport {
        self.spans.report()
    }

    /// The followed requests finished since the last call, oldest first
    /// (kept only with `SpanConfig::recent`).
    pub fn take_finished_spans(&mut self) -> Vec<RequestSpans> {
        self.spans.take_finished()
    }

    /// Takes the trace events recorded since the last call, oldest first.
    pub fn take_traces(&mut self) -> Vec<TraceEvent> {
        self.tracer.events.drain(..).collect()
    }
}

/// The phase a visit's state stands for.
fn phase_of(s: VisitState) -> Phase {
    match s {
        VisitState::Waiting | VisitState::Acquiring | VisitState::Delayed => Phase::Queue,
        VisitState::Working | VisitState::Lookup => Phase::Service,
        VisitState::Calling | VisitState::FanOut => Phase::Calls,
        VisitState::Backoff => Phase::Backoff,
        VisitState::Transit => Phase::Transit,
    }
}
