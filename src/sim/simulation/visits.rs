//! How a request moves: arrival, sending to a node, admission to a station, service, answers and leaving.

use super::nodes::{Deadline, NodeState, round_robin, round_robin_all, shard_of};
use super::{Caller, DETACHED, MESSAGE, NO_WORK, NONE, Req, Simulation, Visit, VisitState};
use crate::sim::components::rate_limiter::Verdict;
use crate::sim::event::EventKind;
use crate::sim::metrics::FailureCause;
use crate::sim::model::RequestKind;
use crate::sim::station::Admission;
use crate::sim::time::SimTime;
use crate::sim::trace::{TraceEvent, TraceKind};

impl Simulation {
    // ---- traffic -------------------------------------------------------

    pub(super) fn schedule_arrival(&mut self, w: usize) {
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

    pub(super) fn new_request(&mut self, w: usize, user: u32) {
        let (kind, class, key) = self.sources[w].draw_request(&self.class_ops);
        let counted = self.now >= self.model.warmup;
        let id = self.requests_created;
        self.requests_created += 1;
        let req = Req {
            id,
            traced: self.tracer.wants(id) || self.spans.wants(id),
            kind,
            class,
            key,
            created: self.now,
            workload: w as u32,
            user,
            counted,
            hops: 0,
            work: NO_WORK,
        };
        self.system.window_counts.arrived += 1;
        if counted {
            self.system.counts.arrived += 1;
            if self.system.grouped {
                self.group_arrived(&req);
            }
        }
        if self.in_flight_total as usize >= self.model.limits.max_in_flight {
            self.system.window_counts.add_failure(FailureCause::Dropped);
            if counted {
                self.system.counts.add_failure(FailureCause::Dropped);
                if self.system.grouped {
                    self.group_done(&req, Err(FailureCause::Dropped), SimTime::ZERO);
                }
            }
            self.user_next(req, true);
            return;
        }
        self.in_flight_total += 1;
        if counted {
            self.system.in_flight += 1;
        }
        if req.traced {
            self.spans.start_request(id, w, kind, self.now);
        }
        let to = self.sources[w].spec.to;
        self.send(req, to, Caller::WORKLOAD, None, None);
    }

    /// The request is over for its workload (success or failure).
    fn end_to_end(&mut self, req: Req, outcome: Result<(), FailureCause>) {
        self.in_flight_total = self.in_flight_total.saturating_sub(1);
        let latency = self.now.saturating_sub(req.created);
        if req.traced {
            self.spans
                .finish_request(req.id, outcome, req.counted, self.now);
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
                self.system.latency.record(latency, req.counted);
            }
            Err(c) => self.system.window_counts.add_failure(c),
        }
        if req.counted {
            self.system.in_flight = self.system.in_flight.saturating_sub(1);
            match outcome {
                Ok(()) => {
                    self.system.counts.completed += 1;
                }
                Err(c) => self.system.counts.add_failure(c),
            }
            if self.system.grouped {
                self.group_done(&req, outcome, latency);
            }
        }
        self.user_next(req, false);
    }

    /// A closed-loop user thinks, then sends again. A user whose request
    /// ended at the instant it was sent (dropped by the in-flight cap,
    /// turned away, zero-time work) waits at least 1 ms, so the clock can
    /// never stall at one instant.
    fn user_next(&mut self, req: Req, dropped: bool) {
        if req.user != NONE {
            let w = req.workload as usize;
            let mut think = self.sources[w].think_time();
            if dropped || self.now == req.created {
                think = think.max(SimTime::from_millis(1));
            }
            self.events.schedule(
                self.now.saturating_add(think),
                EventKind::UserSend {
                    workload: req.workload,
                    user: req.user,
                },
            );
        }
    }

    // ---- sending -------------------------------------------------------

    pub(super) fn partitioned(&self, from: usize, to: usize) -> Option<bool> {
        self.partitions
            .iter()
            .find(|&&(a, b, _)| (a == from && b == to) || (a == to && b == from))
            .map(|&(_, _, hang)| hang)
    }

    /// Hands `req` to `node` on behalf of `caller`. `from` is the node
    /// sending it (`None`: its workload); `via` the replica a load balancer
    /// chose.
    pub(super) fn send(
        &mut self,
        req: Req,
        node: usize,
        caller: Caller,
        from: Option<usize>,
        via: Option<usize>,
    ) {
        let now = self.now;
        if let Some(f) = from
            && let Some(hang) = self.partitioned(f, node)
        {
            if hang {
                // Lost on the wire: only a timeout will end it. A flush has
                // none: its write stays dirty, as if it timed out at once.
                if caller.visit == DETACHED {
                    self.flush_failed(caller.generation as usize, req.key, req.kind);
                }
                return;
            }
            self.nodes[f].stats.counts.errors += 1;
            self.nodes[f].stats.window_counts.errors += 1;
            self.deliver(caller, req, Err(FailureCause::Error), f);
            return;
        }
        if req.traced {
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
        if n.down {
            self.refuse(node, caller, req, FailureCause::Error);
            return;
        }
        match &mut n.state {
            NodeState::LoadBalancer { to, .. } => {
                let to = *to;
                self.balance(req, node, to, caller);
            }
            NodeState::RateLimiter { .. } => self.pass_limiter(req, node, caller),
            NodeState::Service {
                stations, cursor, ..
            } => {
                let len = stations.len();
                let st = via
                    .filter(|&v| v < len && stations[v].routable())
                    .or_else(|| round_robin_all(stations, cursor));
                self.admit(req, node, st, caller);
            }
            NodeState::Database { .. } => self.route_database(req, node, caller),
            NodeState::Cache { stations, .. } if !stations.is_empty() => {
                // A cache with workers: the lookup waits for one.
                let st = stations[0].routable().then_some(0);
                self.admit(req, node, st, caller);
            }
            NodeState::Cache { .. } => {
                let delay = n.sample_work(req.kind, None);
                let done = |visit, generation| EventKind::CacheLookupDone { visit, generation };
                self.timed_visit(req, node, caller, VisitState::Lookup, delay, done);
            }
            NodeState::Queue { .. } => self.enqueue_message(req, node, caller),
            NodeState::Topic { .. } => self.publish(req, node, caller),
            NodeState::External { .. } => self.call_external(req, node, caller),
        }
    }

    /// A rate limiter decides on `req`: passed on, held or refused. Out of
    /// line so the hash of a per-client bucket is not computed for every
    /// request `send` handles.
    #[inline(never)]
    fn pass_limiter(&mut self, req: Req, node: usize, caller: Caller) {
        let now = self.now;
        let n = &mut self.nodes[node];
        let NodeState::RateLimiter { to, limiter, keyed } = &mut n.state else {
            return;
        };
        let to = *to;
        let verdict = match keyed {
            Some(k) => k.decide(limiter, req.workload, req.key, now),
            None => limiter.decide(now),
        };
        match verdict {
            Verdict::Admit => {
                n.stats.counts.completed += 1;
                n.stats.window_counts.completed += 1;
                self.send(req, to, caller, Some(node), None);
            }
            Verdict::Delay(at) => {
                n.stats.enter(now);
                let mut visit = Simulation::new_visit(req, node, NONE, caller, now);
                visit.state = VisitState::Delayed;
                let j = self.alloc_visit(visit);
                let generation = self.visits[j as usize].generation;
                self.events.schedule(
                    at,
                    EventKind::LimiterRelease {
                        visit: j,
                        generation,
                    },
                );
            }
            Verdict::Reject => self.refuse(node, caller, req, FailureCause::Limited),
        }
    }

    /// A database routes `req` to its shard's primary or a replica.
    #[inline(never)]
    fn route_database(&mut self, req: Req, node: usize, caller: Caller) {
        let now = self.now;
        let n = &mut self.nodes[node];
        let NodeState::Database {
            stations,
            layout,
            cursors,
            ring,
            visible_at,
            ..
        } = &mut n.state
        else {
            return;
        };
        let shard = (shard_of(ring, req.key) as usize).min(layout.len().saturating_sub(1));
        let instances = layout.get(shard).map_or(&[][..], |v| v.as_slice());
        let base = instances.first().copied().unwrap_or(usize::MAX);
        let primary = stations.get(base).filter(|s| s.routable()).map(|_| base);
        let st = match req.kind {
            RequestKind::Write => primary,
            RequestKind::Read => round_robin(
                stations,
                &mut cursors[shard],
                instances.get(1..).unwrap_or(&[]),
            )
            .or(primary),
        };
        if let Some(s) = st
            && s != base
            && visible_at.get(&req.key).is_some_and(|&t| t > now)
        {
            n.stats.counts.stale_reads += 1;
            n.stats.window_counts.stale_reads += 1;
        }
        self.admit(req, node, st, caller);
    }

    /// A visit of `req` at `node` outside any station: present from now,
    /// in `state` for `delay`, then `done` (of its index and generation)
    /// is due.
    pub(super) fn timed_visit(
        &mut self,
        req: Req,
        node: usize,
        caller: Caller,
        state: VisitState,
        delay: SimTime,
        done: fn(u32, u32) -> EventKind,
    ) {
        let now = self.now;
        self.nodes[node].stats.enter(now);
        let mut visit = Simulation::new_visit(req, node, NONE, caller, now);
        visit.state = state;
        let j = self.alloc_visit(visit);
        let generation = self.visits[j as usize].generation;
        self.events
            .schedule(now.saturating_add(delay), done(j, generation));
    }

    /// A load balancer picks a replica of service `to` and forwards at once.
    /// Out of line: inlined, `send` became a loop and computed the
    /// balancer's key hash for every request it handled.
    #[inline(never)]
    fn balance(&mut self, req: Req, node: usize, to: usize, caller: Caller) {
        if node == to || to >= self.nodes.len() {
            self.refuse(node, caller, req, FailureCause::Rejected);
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
            (
                NodeState::LoadBalancer { balancer, .. },
                NodeState::Service {
                    stations, index, ..
                },
            ) => balancer.pick_backend(stations, index.as_ref(), req.key),
            _ => None,
        };
        match pick {
            Some(replica) => {
                lb.stats.counts.completed += 1;
                lb.stats.window_counts.completed += 1;
                self.send(req, to, caller, Some(node), Some(replica));
            }
            None => {
                let cause = self.no_replica_cause(to);
                self.refuse(node, caller, req, cause);
            }
        }
    }

    /// Why nothing could take a visit: a crash (error) or just no room.
    pub(super) fn no_replica_cause(&self, node: usize) -> FailureCause {
        let down = self.nodes[node].down
            || self.nodes[node]
                .stations()
                .is_some_and(|ss| ss.iter().any(|s| s.down));
        if down {
            FailureCause::Error
        } else {
            FailureCause::Rejected
        }
    }

    /// A visit reaches replica/instance `st` of a service or database.
    fn admit(&mut self, req: Req, node: usize, st: Option<usize>, caller: Caller) {
        let now = self.now;
        let Some(st) = st else {
            let cause = self.no_replica_cause(node);
            self.refuse(node, caller, req, cause);
            return;
        };
        let j = self.alloc_visit(Simulation::new_visit(req, node, st as u32, caller, now));
        let n = &mut self.nodes[node];
        let admission = match &mut n.state {
            NodeState::Service { spec, stations, .. } if spec.line.is_some() => {
                let (level, shed) = spec
                    .line
                    .as_ref()
                    .map_or((0, None), |l| l.rank(req.kind, req.class));
                stations[st].admit_ranked(j, level, shed, now)
            }
            _ => match n.stations_mut() {
                Some(ss) => ss[st].admit(j, now),
                None => Admission::Rejected,
            },
        };
        if matches!(admission, Admission::Rejected | Admission::Shed) {
            self.free_visit(j);
            let cause = if admission == Admission::Shed {
                FailureCause::Shed
            } else {
                FailureCause::Rejected
            };
            self.refuse(node, caller, req, cause);
            return;
        }
        n.station_changed(st);
        n.stats.enter(now);
        if let Some(t) = n.timeout() {
            let generation = self.visits[j as usize].generation;
            let at = now.saturating_add(t);
            // The sequence number an event scheduled now would get: the
            // deadline keeps its place among equal-time events.
            let seq = self.events.reserve_seq();
            if n.deadlines.back().is_some_and(|d| d.at > at) {
                // The timeout was shortened live: out of order, so this one
                // gets an event of its own.
                self.events.schedule_at_seq(
                    at,
                    seq,
                    EventKind::Timeout {
                        visit: j,
                        generation,
                    },
                );
            } else {
                n.deadlines.push_back(Deadline {
                    at,
                    seq,
                    visit: j,
                    generation,
                });
                self.arm_deadline(node);
            }
        }
        if admission == Admission::Started {
            self.start_service(j);
        }
    }

    /// The oldest deadline of `node` is due (or its visit is gone): time the
    /// visit out, then arm for the next live one.
    pub(super) fn deadline_due(&mut self, node: usize) {
        let now = self.now;
        let n = &mut self.nodes[node];
        n.deadline_armed = false;
        if let Some(d) = n.deadlines.front().copied()
            && d.at <= now
        {
            n.deadlines.pop_front();
            if self.visit_is(d.visit, d.generation) {
                self.node_timeout(d.visit);
            }
        }
        self.arm_deadline(node);
    }

    /// Unless armed already: drops finished visits from the front of
    /// `node`'s deadlines, and schedules the oldest live one with the
    /// sequence number it got at admission.
    fn arm_deadline(&mut self, node: usize) {
        if self.nodes[node].deadline_armed {
            return;
        }
        while let Some(d) = self.nodes[node].deadlines.front().copied() {
            if self.visit_is(d.visit, d.generation) {
                let kind = EventKind::NodeDeadline { node: node as u32 };
                self.events.schedule_at_seq(d.at, d.seq, kind);
                self.nodes[node].deadline_armed = true;
                return;
            }
            self.nodes[node].deadlines.pop_front();
        }
    }

    /// `node` turns a visit away at once.
    pub(super) fn refuse(&mut self, node: usize, caller: Caller, req: Req, cause: FailureCause) {
        self.count_refusal(node, cause);
        self.deliver(caller, req, Err(cause), node);
    }

    /// Counts a visit `node` turned away: an error, or a rejection.
    pub(super) fn count_refusal(&mut self, node: usize, cause: FailureCause) {
        let c = &mut self.nodes[node].stats;
        match cause {
            FailureCause::Error => {
                c.counts.errors += 1;
                c.window_counts.errors += 1;
            }
            FailureCause::Shed => {
                c.counts.shed += 1;
                c.window_counts.shed += 1;
            }
            _ => {
                c.counts.rejected += 1;
                c.window_counts.rejected += 1;
            }
        }
    }

    /// A worker (already occupied) starts on visit `j`.
    pub(super) fn start_service(&mut self, j: u32) {
        let now = self.now;
        let visit = &mut self.visits[j as usize];
        visit.state = VisitState::Working;
        let (node, arrived, kind, work) =
            (visit.node, visit.arrived, visit.req.kind, visit.req.work);
        let generation = visit.generation;
        let n = &mut self.nodes[node as usize];
        n.stats.wait_sum_ns += u128::from(now.saturating_sub(arrived).0);
        n.stats.waits += 1;
        let d = n.sample_work(kind, self.works.get(work as usize));
        let visibility = match &n.state {
            NodeState::Queue { spec, .. } => spec.visibility_timeout,
            _ => None,
        };
        self.note_state(j);
        self.events.schedule(
            now.saturating_add(d),
            EventKind::ServiceDone {
                visit: j,
                generation,
            },
        );
        if let Some(v) = visibility {
            self.events.schedule(
                now.saturating_add(v),
                EventKind::VisibilityTimeout {
                    visit: j,
                    generation,
                },
            );
        }
    }

    pub(super) fn service_done(&mut self, j: u32) {
        let visit = self.visits[j as usize];
        if visit.answered {
            self.leave(j);
            return;
        }
        match &mut self.nodes[visit.node as usize].state {
            NodeState::Service { .. } | NodeState::Queue { .. } => self.continue_work(j),
            NodeState::Database { fronted_by, .. } => {
                if visit.req.kind == RequestKind::Write && !fronted_by.is_empty() {
                    self.stale_in_caches(&visit);
                }
                let NodeState::Database {
                    spec,
                    rng,
                    visible_at,
                    write_log,
                    ..
                } = &mut self.nodes[visit.node as usize].state
                else {
                    return;
                };
                if visit.req.kind == RequestKind::Write
                    && let Some(lag) = &spec.replication_lag
                {
                    let at = self.now.saturating_add(lag.sample(rng));
                    visible_at.insert(visit.req.key, at);
                    write_log.push_back((at, visit.req.key));
                    while let Some(&(t, k)) = write_log.front() {
                        if t > self.now {
                            break;
                        }
                        write_log.pop_front();
                        if visible_at.get(&k) == Some(&t) {
                            visible_at.remove(&k);
                        }
                    }
                }
                self.answer(j, Ok(()));
                self.leave(j);
            }
            NodeState::External { .. } => self.external_done(j),
            NodeState::Cache { .. } => self.cache_worker_done(j),
            _ => {
                self.answer(j, Ok(()));
                self.leave(j);
            }
        }
    }

    /// Database visit `visit`, a write, is done: every cache in front of
    /// the database that the write did not pass through (as a
    /// miss's store, a write-through or invalidating pass, or a write-back
    /// flush) now holds the key's old value, if it holds the key.
    #[cold]
    #[inline(never)]
    fn stale_in_caches(&mut self, visit: &Visit) {
        let db = visit.node as usize;
        let through = match visit.parent {
            DETACHED => Some(visit.parent_gen as usize),
            NONE | MESSAGE => None,
            p => self
                .visits
                .get(p as usize)
                .filter(|pv| pv.generation == visit.parent_gen)
                .map(|pv| pv.node as usize),
        };
        for k in 0.. {
            let c = match &self.nodes[db].state {
                NodeState::Database { fronted_by, .. } => match fronted_by.get(k) {
                    Some(&c) => c,
                    None => break,
                },
                _ => break,
            };
            if Some(c) == through {
                continue;
            }
            if let Some(NodeState::Cache { store, .. }) =
                self.nodes.get_mut(c).map(|n| &mut n.state)
            {
                store.mark_stale(visit.req.key);
            }
        }
    }

    /// A leaky bucket lets a waiting request go on.
    pub(super) fn limiter_release(&mut self, j: u32) {
        let visit = self.visits[j as usize];
        if visit.answered {
            self.leave(j);
            return;
        }
        let node = visit.node as usize;
        let NodeState::RateLimiter { to, .. } = self.nodes[node].state else {
            return;
        };
        let s = &mut self.nodes[node].stats;
        s.counts.completed += 1;
        s.window_counts.completed += 1;
        let caller = Simulation::caller_of_parent(&visit);
        self.leave(j);
        self.send(visit.req, to, caller, Some(node), None);
    }

    /// The caller a visit answers to (its parent at the time it was sent).
    pub(super) fn caller_of_parent(visit: &Visit) -> Caller {
        Caller {
            visit: visit.parent,
            generation: visit.parent_gen,
            token: visit.parent_token,
        }
    }

    pub(super) fn record_success(&mut self, j: u32) {
        let visit = &self.visits[j as usize];
        let d = self.now.saturating_sub(visit.arrived);
        let s = &mut self.nodes[visit.node as usize].stats;
        s.counts.completed += 1;
        s.window_counts.completed += 1;
        s.sojourn.record(d, true);
    }

    /// Visit `j` answers its caller (once).
    pub(super) fn answer(&mut self, j: u32, outcome: Result<(), FailureCause>) {
        // Fields, not a copy of the whole visit: this runs for every visit.
        let visit = &self.visits[j as usize];
        if visit.answered {
            return;
        }
        let message = visit.parent == MESSAGE;
        if outcome.is_ok() && !message {
            self.record_success(j);
        }
        let visit = &mut self.visits[j as usize];
        visit.answered = true;
        if visit.req.traced {
            self.spans.close_visit(j, self.now);
        }
        if message {
            self.message_done(j, outcome);
        } else {
            let visit = &self.visits[j as usize];
            let (caller, req, node) = (Simulation::caller_of_parent(visit), visit.req, visit.node);
            self.deliver(caller, req, outcome, node as usize);
        }
    }

    /// Hands an answer from node `from` to `caller`, if it still waits for it.
    pub(super) fn deliver(
        &mut self,
        caller: Caller,
        req: Req,
        outcome: Result<(), FailureCause>,
        from: usize,
    ) {
        if req.traced {
            let to = match caller.visit {
                NONE | DETACHED | MESSAGE => None,
                p => self.visits.get(p as usize).map(|j| j.node as usize),
            };
            self.tracer.push(TraceEvent {
                at: self.now,
                request: req.id,
                kind: TraceKind::Answer {
                    from,
                    to,
                    ok: outcome.is_ok(),
                },
            });
        }
        match caller.visit {
            NONE => self.end_to_end(req, outcome),
            MESSAGE => {}
            DETACHED => {
                if outcome.is_err() {
                    self.flush_failed(caller.generation as usize, req.key, req.kind);
                }
            }
            p => {
                let waiting = self.visits.get(p as usize).is_some_and(|pj| {
                    pj.node != NONE
                        && pj.generation == caller.generation
                        && pj.token == caller.token
                });
                if waiting {
                    self.on_child_answer(p, outcome);
                }
            }
        }
    }

    /// Visit `j`, waiting on a call, gets the callee's answer (after the
    /// call's link, if it has one).
    fn on_child_answer(&mut self, j: u32, outcome: Result<(), FailureCause>) {
        if !self.answer_over_link(j, outcome) {
            self.child_answered(j, outcome);
        }
    }

    /// Visit `j` has its callee's answer.
    pub(super) fn child_answered(&mut self, j: u32, outcome: Result<(), FailureCause>) {
        let visit = self.visits[j as usize];
        if visit.answered {
            self.leave(j);
            return;
        }
        match self.nodes[visit.node as usize].state {
            NodeState::Cache { .. } => self.cache_backend_answered(j, outcome),
            NodeState::Service { .. } | NodeState::Queue { .. } => self.call_answered(j, outcome),
            _ => {}
        }
    }

    /// A node's own timeout: its caller is answered with a failure now;
    /// a visit waiting in line leaves it at once, one being served goes on
    /// until its current step ends.
    pub(super) fn node_timeout(&mut self, j: u32) {
        let visit = self.visits[j as usize];
        if visit.answered {
            return;
        }
        let n = &mut self.nodes[visit.node as usize];
        n.stats.counts.timed_out += 1;
        n.stats.window_counts.timed_out += 1;
        self.visits[j as usize].answered = true;
        if visit.req.traced {
            self.spans.close_visit(j, self.now);
        }
        if visit.state == VisitState::Waiting {
            self.leave_line(j);
        }
        self.deliver(
            Simulation::caller_of_parent(&visit),
            visit.req,
            Err(FailureCause::TimedOut),
            visit.node as usize,
        );
    }

    /// Visit `j` physically leaves its node: its connection and worker (if
    /// any) go to whoever waits.
    pub(super) fn leave(&mut self, j: u32) {
        let now = self.now;
        let visit = self.visits[j as usize];
        if visit.node == NONE {
            return;
        }
        if visit.holds_conn {
            self.release_conn(j);
        }
        if visit.leg {
            // A fan-out's sub-call (or a forward on its link): no worker,
            // in no node figure.
            if visit.state != VisitState::Transit {
                self.legs_live = self.legs_live.saturating_sub(1);
            }
            self.free_visit(j);
            return;
        }
        let node = visit.node as usize;
        self.nodes[node].stats.leave(now, visit.arrived);
        self.free_visit(j);
        if visit.station == NONE || visit.state == VisitState::Waiting {
            return;
        }
        let st = visit.station as usize;
        if let Some(ss) = self.nodes[node].stations_mut()
            && st < ss.len()
        {
            ss[st].release_worker(now);
            self.nodes[node].station_changed(st);
        }
        self.fill_workers(node, st);
    }

    /// Waiting visit `j` (already answered) leaves its station's line and
    /// its node without service. (Cold: kept out of line so that the hot
    /// path's code is laid out as before.)
    #[cold]
    #[inline(never)]
    fn leave_line(&mut self, j: u32) {
        let now = self.now;
        let visit = self.visits[j as usize];
        let (node, st) = (visit.node as usize, visit.station as usize);
        let n = &mut self.nodes[node];
        let Some(s) = n.stations_mut().and_then(|ss| ss.get_mut(st)) else {
            return;
        };
        if s.withdraw(j, now) {
            n.station_changed(st);
            n.stats.leave(now, visit.arrived);
            self.free_visit(j);
        }
    }

    /// Free workers of a station take waiting visits; visits whose caller
    /// gave up are discarded without service.
    pub(super) fn fill_workers(&mut self, node: usize, st: usize) {
        let now = self.now;
        loop {
            let Some(ss) = self.nodes[node].stations_mut() else {
                return;
            };
            let Some(s) = ss.get_mut(st) else {
                return;
            };
            let Some(k) = s.next_waiting(now) else {
                return;
            };
            if self.visits[k as usize].answered {
                s.drop_waiting();
                self.nodes[node].station_changed(st);
                let arrived = self.visits[k as usize].arrived;
                self.nodes[node].stats.leave(now, arrived);
                self.free_visit(k);
                continue;
            }
            s.occupy();
            self.nodes[node].station_changed(st);
            self.start_service(k);
        }
    }
}
