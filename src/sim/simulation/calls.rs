//! Calls made by a service (or queue consumer): attempts with timeouts, retries with backoff and budget, circuit breakers and connection pools.

use super::nodes::NodeState;
use super::{MESSAGE, NO_WORK, NONE, Req, Simulation, Visit, VisitState};
use crate::sim::dist::Dist;
use crate::sim::event::EventKind;
use crate::sim::metrics::FailureCause;
use crate::sim::model::{Call, ClassIdx, RequestKind};
use crate::sim::spans::Phase;
use crate::sim::time::SimTime;

impl Simulation {
    /// After its own work (or a call's answer), a visit makes its next
    /// matching call, forwards, or answers.
    pub(super) fn continue_work(&mut self, j: u32) {
        // The fields needed, not the whole visit: this runs once per visit.
        let v = &self.visits[j as usize];
        let (answered, fanned, node, next_call, kind, class) = (
            v.answered,
            v.fanned,
            v.node as usize,
            v.next_call,
            v.req.kind,
            v.req.class,
        );
        if answered {
            self.leave(j);
            return;
        }
        if fanned && self.repeat_again(j) {
            return;
        }
        let next = self.nodes[node]
            .calls()
            .iter()
            .enumerate()
            .skip(next_call as usize)
            .find(|(_, c)| c.matches(kind, class))
            .map(|(i, c)| (i, c.fan.is_once()));
        if let Some((i, once)) = next {
            let jm = &mut self.visits[j as usize];
            jm.next_call = (i + 1) as u16;
            jm.attempt = 0;
            jm.rep = 0;
            if !once {
                self.begin_fan_out(j, i);
                return;
            }
            self.first_attempt(node, i);
            self.start_call(j);
            return;
        }
        self.forward_or_answer(j, node, kind, class);
    }

    /// Visit `j`'s calls are done: it forwards (the first matching route,
    /// or one drawn by the routes' shares), or answers.
    fn forward_or_answer(
        &mut self,
        j: u32,
        node: usize,
        kind: RequestKind,
        class: Option<ClassIdx>,
    ) {
        let forward = self.nodes[node].forward_to(kind, class);
        match forward {
            Some((k, _, true)) => self.forward_over_link(j, node, k),
            Some((_, to, false)) => {
                self.record_success(j);
                let visit = self.visits[j as usize];
                let caller = Simulation::caller_of_parent(&visit);
                self.leave(j);
                let req = Req {
                    work: NO_WORK,
                    ..visit.req
                };
                self.send(req, to, caller, Some(node), None);
            }
            None => {
                self.answer(j, Ok(()));
                self.leave(j);
            }
        }
    }

    /// One attempt of the current call: breaker, then pool, then send.
    pub(super) fn start_call(&mut self, j: u32) {
        let visit = self.visits[j as usize];
        let node = visit.node as usize;
        let i = (visit.next_call as usize).saturating_sub(1);
        // The one field needed, not the whole call (copied per attempt).
        let Some(pool) = self.nodes[node].calls().get(i).map(|c| c.policy.pool) else {
            return;
        };
        let now = self.now;
        let n = &mut self.nodes[node];
        let Some(rt) = n.call_rt(i) else {
            return;
        };
        if let Some(b) = rt.breaker.as_mut()
            && !b.allow(now)
        {
            n.stats.counts.short_circuited += 1;
            n.stats.window_counts.short_circuited += 1;
            // Refused before anything went out: a retry refused after an
            // attempt that reached the callee is a real failed delivery (a
            // message whose every retry met the breaker it had just
            // tripped was never charged and went round forever). Likewise
            // a repetition after the first: the earlier ones went out.
            self.visits[j as usize].short_circuited =
                visit.attempt == 0 && (visit.rep == 0 || visit.leg);
            self.fail_call(j, FailureCause::Rejected, false);
            return;
        }
        if let Some(pool) = pool {
            // Each caller replica has its own pool (the station the visit
            // is on; a queue's consumers share the queue's one).
            let prt = rt.pool(pool_index(visit.station));
            if prt.in_use < pool.size {
                prt.in_use += 1;
                self.visits[j as usize].holds_conn = true;
            } else {
                let jm = &mut self.visits[j as usize];
                jm.token = jm.token.wrapping_add(1);
                jm.state = VisitState::Acquiring;
                let (generation, token) = (jm.generation, jm.token);
                prt.waiters.push_back((j, generation, token));
                self.note_state(j);
                self.events.schedule(
                    now.saturating_add(pool.acquire_timeout),
                    EventKind::AcquireTimeout {
                        visit: j,
                        generation,
                        token,
                    },
                );
                return;
            }
        }
        self.send_call(j);
    }

    /// Sends the current attempt (a connection, if pooled, is held).
    fn send_call(&mut self, j: u32) {
        let visit = self.visits[j as usize];
        let node = visit.node as usize;
        let i = (visit.next_call as usize).saturating_sub(1);
        let Some((timeout, latency, to)) =
            (self.nodes[node].calls().get(i)).map(|c| (c.policy.timeout, c.latency, c.to))
        else {
            return;
        };
        let jm = &mut self.visits[j as usize];
        jm.token = jm.token.wrapping_add(1);
        jm.state = VisitState::Calling;
        let (generation, token) = (jm.generation, jm.token);
        self.note_state(j);
        if let Some(t) = timeout {
            self.events.schedule(
                self.now.saturating_add(t),
                EventKind::CallTimeout {
                    visit: j,
                    generation,
                    token,
                },
            );
        }
        if let Some(latency) = latency.or_else(|| self.zone_link(node, i)) {
            // The request crosses the link first (the timeout runs already).
            if visit.req.traced {
                self.spans.set_phase(j, Phase::Transit, self.now);
            }
            let mut delay = self.link_draw(node, i, latency);
            if self.transfers.is_some() {
                let sent = self.transfer(node, i, true, visit.req.counted);
                delay = delay.saturating_add(sent);
            }
            self.events.schedule(
                self.now.saturating_add(delay),
                EventKind::LinkOut {
                    visit: j,
                    generation,
                    token,
                },
            );
            return;
        }
        let caller = self.caller_of(j);
        let req = self.call_req(node, i, &self.nodes[node].calls()[i], &visit);
        self.send(req, to, caller, Some(node), None);
    }

    /// The request call `i` of `node` sends for `visit`: the visit's own,
    /// unless the call gives it another type or key.
    pub(super) fn call_req(&self, node: usize, i: usize, call: &Call, visit: &Visit) -> Req {
        let mut req = visit.req;
        req.work = NO_WORK;
        if call.passes_request() {
            return req;
        }
        if let Some(op) = call.op {
            req.kind = op;
        }
        let rt = self.nodes[node].call_rt_ref(i);
        if let Some(keys) = rt.and_then(|rt| rt.keys.as_ref()) {
            req.key = keys.key(req.key, req.id, visit.rep);
        }
        if let Some(w) = rt.and_then(|rt| rt.work) {
            req.work = w;
        }
        req
    }

    /// Gives each call with a work of its own (`Call::service_time`) its
    /// index in `works`, which its requests carry (`Req::work`).
    pub(super) fn index_call_works(&mut self) {
        for node in 0..self.nodes.len() {
            for i in 0..self.nodes[node].calls().len() {
                let Some(w) = self.nodes[node].calls()[i].service_time else {
                    continue;
                };
                let index = u32::try_from(self.works.len()).unwrap_or(NO_WORK);
                if index == NO_WORK {
                    return;
                }
                self.works.push(w);
                if let Some(rt) = self.nodes[node].call_rt(i) {
                    rt.work = Some(index);
                }
            }
        }
    }

    /// The zone link call `i` of `node` crosses when it has no latency of
    /// its own.
    fn zone_link(&self, node: usize, i: usize) -> Option<Dist> {
        self.nodes[node].call_rt_ref(i).and_then(|rt| rt.zone)
    }

    /// One draw of call `i`'s link latency at `node`.
    fn link_draw(&mut self, node: usize, i: usize, latency: Dist) -> SimTime {
        match self.nodes[node].call_rt(i).and_then(|rt| rt.link.as_mut()) {
            Some(rng) => latency.sample(rng),
            None => SimTime::ZERO,
        }
    }

    /// The current attempt's request has crossed its link: the callee
    /// gets it now (unless the attempt was given up on the way).
    #[cold]
    #[inline(never)]
    pub(super) fn link_out_due(&mut self, j: u32, generation: u32, token: u32) {
        if !self.visit_is(j, generation) {
            return;
        }
        let visit = self.visits[j as usize];
        if visit.token != token || visit.state != VisitState::Calling {
            return;
        }
        let node = visit.node as usize;
        let i = (visit.next_call as usize).saturating_sub(1);
        let Some(call) = self.nodes[node].calls().get(i).copied() else {
            return;
        };
        if visit.req.traced {
            self.spans.set_phase(j, Phase::Calls, self.now);
        }
        let caller = self.caller_of(j);
        let req = self.call_req(node, i, &call, &visit);
        self.send(req, call.to, caller, Some(node), None);
    }

    /// The answer to an attempt has crossed the link back: the caller has
    /// it now, if it still waits for that attempt.
    #[cold]
    #[inline(never)]
    pub(super) fn link_back_due(
        &mut self,
        j: u32,
        generation: u32,
        token: u32,
        outcome: Result<(), FailureCause>,
    ) {
        if self.visit_is(j, generation) && self.visits[j as usize].token == token {
            self.child_answered(j, outcome);
        }
    }

    /// If visit `j`'s current call has a link, its answer crosses it back
    /// (an independent draw) before the caller has it: returns true when
    /// the answer is on its way.
    pub(super) fn answer_over_link(&mut self, j: u32, outcome: Result<(), FailureCause>) -> bool {
        let visit = self.visits[j as usize];
        if visit.state != VisitState::Calling || visit.on_fallback {
            return false;
        }
        let node = visit.node as usize;
        if let NodeState::Cache { link, .. } = &self.nodes[node].state {
            return link.is_some() && self.cache_answer_over_link(j, outcome);
        }
        let i = (visit.next_call as usize).saturating_sub(1);
        let own = self.nodes[node].calls().get(i).and_then(|c| c.latency);
        let Some(latency) = own.or_else(|| self.zone_link(node, i)) else {
            return false;
        };
        let mut delay = self.link_draw(node, i, latency);
        if outcome.is_ok() && self.transfers.is_some() {
            let sent = self.transfer(node, i, false, visit.req.counted);
            delay = delay.saturating_add(sent);
        }
        if visit.req.traced {
            self.spans.set_phase(j, Phase::Transit, self.now);
        }
        self.link_back(j, delay, outcome);
        true
    }

    /// Visit `j`'s answer, `outcome`, reaches it back over a link `delay`
    /// from now (`LinkBack`).
    pub(super) fn link_back(&mut self, j: u32, delay: SimTime, outcome: Result<(), FailureCause>) {
        let visit = self.visits[j as usize];
        self.events.schedule(
            self.now.saturating_add(delay),
            EventKind::LinkBack {
                visit: j,
                generation: visit.generation,
                token: visit.token,
                outcome,
            },
        );
    }

    /// The callee answered the current attempt.
    pub(super) fn call_answered(&mut self, j: u32, outcome: Result<(), FailureCause>) {
        if self.visits[j as usize].on_fallback {
            self.fallback_answered(j, outcome);
            return;
        }
        self.end_attempt(j, outcome.is_ok());
        match outcome {
            Ok(()) if self.visits[j as usize].leg => self.leg_done(j, Ok(())),
            Ok(()) => self.continue_work(j),
            Err(cause) => self.fail_call(j, cause, true),
        }
    }

    /// The caller stops waiting for the current attempt.
    pub(super) fn call_timeout(&mut self, j: u32) {
        if self.visits[j as usize].state != VisitState::Calling {
            return;
        }
        let jm = &mut self.visits[j as usize];
        // The callee's eventual answer no longer matches: it is ignored,
        // but its work goes on (it does not know).
        jm.token = jm.token.wrapping_add(1);
        if jm.req.traced {
            self.spans.time_out_attempt(j, self.now);
        }
        self.count_timeout(j, false);
        if self.visits[j as usize].on_fallback {
            self.fallback_answered(j, Err(FailureCause::TimedOut));
            return;
        }
        self.end_attempt(j, false);
        self.fail_call(j, FailureCause::TimedOut, true);
    }

    /// No pooled connection came in time.
    pub(super) fn acquire_timeout(&mut self, j: u32) {
        if self.visits[j as usize].state != VisitState::Acquiring {
            return;
        }
        let jm = &mut self.visits[j as usize];
        jm.token = jm.token.wrapping_add(1);
        if jm.req.traced {
            self.spans.time_out_attempt(j, self.now);
        }
        self.count_timeout(j, true);
        self.fail_call(j, FailureCause::TimedOut, true);
    }

    /// Counts a call timeout (or, with `acquire`, a pool wait that ran
    /// out) at the caller: where a learner looks for timeouts.
    fn count_timeout(&mut self, j: u32, acquire: bool) {
        let visit = self.visits[j as usize];
        let i = (visit.next_call as usize).saturating_sub(1);
        let n = &mut self.nodes[visit.node as usize];
        if acquire {
            n.stats.counts.acquire_timeouts += 1;
            n.stats.window_counts.acquire_timeouts += 1;
        } else {
            n.stats.counts.call_timeouts += 1;
            n.stats.window_counts.call_timeouts += 1;
        }
        if let Some(rt) = n.call_rt(i) {
            if acquire {
                rt.acquire_timeouts += 1;
            } else {
                rt.timeouts += 1;
            }
        }
    }

    /// A backoff ended: try again (unless the caller is gone).
    pub(super) fn retry_call(&mut self, j: u32) {
        if self.abandoned(j) {
            self.give_up(j);
            return;
        }
        self.start_call(j);
    }

    /// Releases the connection and tells the breaker how the attempt went.
    fn end_attempt(&mut self, j: u32, ok: bool) {
        if self.visits[j as usize].holds_conn {
            self.release_conn(j);
        }
        let i = (self.visits[j as usize].next_call as usize).saturating_sub(1);
        let now = self.now;
        let node = self.visits[j as usize].node as usize;
        if let Some(b) = self.nodes[node]
            .call_rt(i)
            .and_then(|rt| rt.breaker.as_mut())
        {
            b.record(ok, now);
        }
    }

    /// The current attempt failed: retry after a backoff if the policy and
    /// budget allow, else the visit fails.
    fn fail_call(&mut self, j: u32, cause: FailureCause, retryable: bool) {
        let visit = self.visits[j as usize];
        if self.abandoned(j) {
            self.give_up(j);
            return;
        }
        let node = visit.node as usize;
        let i = (visit.next_call as usize).saturating_sub(1);
        let policy = self.nodes[node].calls().get(i).and_then(|c| c.policy.retry);
        if let Some(p) = policy
            && retryable
            && u32::from(visit.attempt) + 1 < p.max_attempts
        {
            let n = &mut self.nodes[node];
            let allowed = n
                .call_rt(i)
                .and_then(|rt| rt.budget.as_mut())
                .is_none_or(|b| b.try_spend());
            if allowed {
                n.stats.counts.retries += 1;
                n.stats.window_counts.retries += 1;
                let retry = u32::from(visit.attempt) + 1;
                let wait = match &mut n.state {
                    NodeState::Service { rng, .. } | NodeState::Queue { rng, .. } => {
                        p.backoff_for(retry, rng)
                    }
                    _ => p.backoff,
                };
                let jm = &mut self.visits[j as usize];
                jm.attempt = jm.attempt.saturating_add(1);
                jm.token = jm.token.wrapping_add(1);
                jm.state = VisitState::Backoff;
                let (generation, token) = (jm.generation, jm.token);
                self.note_state(j);
                self.events.schedule(
                    self.now.saturating_add(wait),
                    EventKind::RetryCall {
                        visit: j,
                        generation,
                        token,
                    },
                );
                return;
            }
        }
        let s = &mut self.nodes[node].stats;
        if visit.attempt > 0 {
            s.counts.gave_up += 1;
            s.window_counts.gave_up += 1;
        }
        if visit.leg {
            // A sub-call: its parent counts the fan-out's failure.
            self.leg_done(j, Err(cause));
            return;
        }
        if self.try_fallback(j) {
            return;
        }
        // A queue message's failure is counted as a redelivery or a
        // dead letter, not as a failed visit (its producer was answered).
        let s = &mut self.nodes[node].stats;
        if visit.parent != MESSAGE {
            s.counts.failed_downstream += 1;
            s.window_counts.failed_downstream += 1;
        }
        self.answer(j, Err(cause));
        self.leave(j);
    }

    /// Gives visit `j`'s pooled connection to the next visit waiting for it.
    ///
    /// Waiters no longer needed (a fan-out that ended, a caller answered)
    /// are skipped, then given up last first once the connection is
    /// placed: giving each the connection to pass on when it left
    /// recursed once per waiter and overflowed the stack (a parallel
    /// `repeat = 2000` through a pool of 25 on a grade's worker thread).
    /// The order is the recursion's: every skip before any give-up.
    pub(super) fn release_conn(&mut self, j: u32) {
        let mut orphans = Vec::new();
        self.pass_conn(j, &mut orphans);
        for w in orphans.into_iter().rev() {
            self.give_up(w);
        }
    }

    /// Passes visit `j`'s connection to the first live waiter that still
    /// needs it (or frees it), noting in `orphans` the abandoned ones.
    fn pass_conn(&mut self, j: u32, orphans: &mut Vec<u32>) {
        let visit = self.visits[j as usize];
        self.visits[j as usize].holds_conn = false;
        let node = visit.node as usize;
        let i = (visit.next_call as usize).saturating_sub(1);
        loop {
            let Some(rt) = self.nodes[node].call_rt(i) else {
                return;
            };
            let pool = rt.pool(pool_index(visit.station));
            let Some((w, generation, token)) = pool.waiters.pop_front() else {
                pool.in_use = pool.in_use.saturating_sub(1);
                return;
            };
            let live = self.visits.get(w as usize).is_some_and(|wj| {
                wj.generation == generation
                    && wj.token == token
                    && wj.state == VisitState::Acquiring
            });
            if !live {
                continue;
            }
            if self.abandoned(w) {
                orphans.push(w);
                continue;
            }
            // The connection passes straight to the waiter.
            self.visits[w as usize].holds_conn = true;
            self.send_call(w);
            return;
        }
    }
}

/// The pool a visit on `station` uses: its replica's (a visit without a
/// station, which never calls, would use the first).
fn pool_index(station: u32) -> usize {
    if station == NONE { 0 } else { station as usize }
}
