//! Queue nodes: the producer is acknowledged on enqueue; consumers process messages later, with redelivery and a dead-letter count.

use super::nodes::NodeState;
use super::{Caller, MESSAGE, NO_WORK, NONE, Req, Simulation, VisitState};
use crate::sim::event::EventKind;
use crate::sim::metrics::FailureCause;
use crate::sim::model::Redelivery;
use crate::sim::station::Admission;
use crate::sim::time::SimTime;

impl Simulation {
    /// A producer's request reaches a queue: store a message and
    /// acknowledge at once, or reject if the broker is full.
    pub(super) fn enqueue_message(&mut self, req: Req, node: usize, caller: Caller) {
        let outcome = self.store_message(req, node);
        self.deliver(caller, req, outcome, node);
    }

    /// Stores `req` as a message of queue `node` (counted as completed
    /// there), or counts it refused: rejected when the broker is full, an
    /// error when it is down.
    pub(super) fn store_message(&mut self, req: Req, node: usize) -> Result<(), FailureCause> {
        let now = self.now;
        let unbounded = matches!(&self.nodes[node].state,
            NodeState::Queue { spec, .. } if spec.capacity.is_none());
        if unbounded && self.messages_live as usize >= self.model.limits.max_in_flight {
            self.count_refusal(node, FailureCause::Rejected);
            return Err(FailureCause::Rejected);
        }
        let hop_limit = match &self.nodes[node].state {
            NodeState::Queue { spec, .. } => spec.max_hops,
            _ => None,
        };
        if hop_limit.is_some_and(|max| u32::from(req.hops) >= max) {
            self.drop_looped(node);
            return Ok(());
        }
        let msg = Req {
            created: now,
            counted: false,
            user: NONE,
            traced: false,
            hops: req.hops.saturating_add(u16::from(hop_limit.is_some())),
            work: NO_WORK,
            ..req
        };
        let mut visit = Simulation::new_visit(msg, node, 0, Caller::WORKLOAD, now);
        visit.parent = MESSAGE;
        visit.deliveries = 1;
        let j = self.alloc_visit(visit);
        let admission = if self.backoffs_fill(node) {
            Admission::Rejected
        } else {
            match self.nodes[node].stations_mut() {
                Some(ss) => ss[0].admit(j, now),
                None => Admission::Rejected,
            }
        };
        self.nodes[node].station_changed(0);
        if admission == Admission::Rejected {
            self.free_visit(j);
            // A crashed broker errs; a full one rejects.
            let cause = self.no_replica_cause(node);
            self.count_refusal(node, cause);
            return Err(cause);
        }
        self.messages_live += 1;
        let s = &mut self.nodes[node].stats;
        s.enter(now);
        s.counts.completed += 1;
        s.window_counts.completed += 1;
        if admission == Admission::Started {
            self.start_service(j);
        }
        Ok(())
    }

    /// Queue `node` has no room for a new message because messages
    /// waiting out a backoff hold their places: the line and they fill
    /// its `capacity`, free consumers or not (the broker stores every
    /// message before a consumer takes it).
    fn backoffs_fill(&self, node: usize) -> bool {
        let NodeState::Queue {
            stations, delayed, ..
        } = &self.nodes[node].state
        else {
            return false;
        };
        let (Some(s), false) = (stations.first(), delayed.is_empty()) else {
            return false;
        };
        let stored = s.line.len() + delayed.len();
        s.line_capacity.is_some_and(|cap| stored >= cap as usize)
    }

    /// A message that already went round the loop through queue `node`
    /// `max_hops` times: acknowledged (the producer has done its part)
    /// and dropped, counted apart.
    fn drop_looped(&mut self, node: usize) {
        let s = &mut self.nodes[node].stats;
        s.counts.completed += 1;
        s.window_counts.completed += 1;
        s.counts.hops_exceeded += 1;
        s.window_counts.hops_exceeded += 1;
    }

    /// A message's processing ended (its visit answered "upwards").
    pub(super) fn message_done(&mut self, j: u32, outcome: Result<(), FailureCause>) {
        let visit = self.visits[j as usize];
        let node = visit.node as usize;
        match outcome {
            Ok(()) => {
                self.messages_live = self.messages_live.saturating_sub(1);
                let latency = self.now.saturating_sub(visit.req.created);
                let n = &mut self.nodes[node];
                n.stats.counts.processed += 1;
                n.stats.window_counts.processed += 1;
                if let NodeState::Queue { processing, .. } = &mut n.state {
                    processing.record(latency, true);
                }
            }
            Err(_) => self.redeliver(j, true),
        }
    }

    /// A message in processing for too long becomes visible again.
    pub(super) fn visibility_timeout(&mut self, j: u32) {
        let visit = self.visits[j as usize];
        if visit.answered || visit.parent != MESSAGE || visit.state == VisitState::Waiting {
            return;
        }
        // The first consumer carries on (wasted work); its result is ignored.
        self.visits[j as usize].answered = true;
        // Visible again at once: the visibility timeout was its wait.
        self.redeliver(j, false);
    }

    /// Stores message `j` again for another delivery (after the
    /// redelivery backoff if `backoff`), or dead-letters it.
    ///
    /// A delivery that failed because an open circuit breaker refused the
    /// consumer's call did nothing downstream: it is not charged to
    /// `max_attempts`, and the message waits at least until the breaker
    /// lets calls through again (with an immediate redelivery, an open
    /// breaker used to burn every attempt of every message in
    /// microseconds and dead-letter them).
    pub(super) fn redeliver(&mut self, j: u32, backoff: bool) {
        let now = self.now;
        let visit = self.visits[j as usize];
        let node = visit.node as usize;
        let (max, redelivery) = match &self.nodes[node].state {
            NodeState::Queue { spec, .. } => (spec.max_attempts, spec.redelivery),
            _ => (1, Redelivery::IMMEDIATE),
        };
        let refused = backoff && visit.short_circuited;
        let reopens = if refused {
            let i = (visit.next_call as usize).saturating_sub(1);
            self.nodes[node]
                .call_rt(i)
                .and_then(|rt| rt.breaker.as_ref())
                .and_then(|b| b.reopens_at())
        } else {
            None
        };
        let n = &mut self.nodes[node];
        if !refused && u32::from(visit.deliveries) >= max {
            n.stats.counts.dead_lettered += 1;
            n.stats.window_counts.dead_lettered += 1;
            self.messages_live = self.messages_live.saturating_sub(1);
            return;
        }
        n.stats.counts.redelivered += 1;
        n.stats.window_counts.redelivered += 1;
        let mut wait = if backoff {
            redelivery.wait(visit.returns)
        } else {
            SimTime::ZERO
        };
        if let Some(at) = reopens {
            wait = wait.max(at.saturating_sub(now));
        }
        let mut again = Simulation::new_visit(visit.req, node, 0, Caller::WORKLOAD, now);
        again.parent = MESSAGE;
        again.deliveries = if refused {
            visit.deliveries
        } else {
            visit.deliveries.saturating_add(1)
        };
        again.returns = visit.returns.saturating_add(1);
        let k = self.alloc_visit(again);
        // Stored (and counted in the backlog) from now; visible to the
        // consumers only when the wait is over.
        self.nodes[node].stats.enter(now);
        if wait > SimTime::ZERO {
            let created = self.visits[k as usize].req.created;
            if let NodeState::Queue { delayed, .. } = &mut self.nodes[node].state {
                delayed.insert((created, k));
            }
            let generation = self.visits[k as usize].generation;
            self.events.schedule(
                now.saturating_add(wait),
                EventKind::Redeliver {
                    visit: k,
                    generation,
                },
            );
            return;
        }
        self.admit_again(k);
    }

    /// Message `k`'s redelivery backoff is over.
    pub(super) fn redelivery_due(&mut self, k: u32) {
        let (node, created) = (
            self.visits[k as usize].node,
            self.visits[k as usize].req.created,
        );
        let node = node as usize;
        if let NodeState::Queue { delayed, .. } = &mut self.nodes[node].state {
            delayed.remove(&(created, k));
        }
        self.admit_again(k);
    }

    /// Messages of queue `node` waiting out a redelivery backoff (0 for
    /// other nodes): stored, counted in the backlog, in no line yet.
    pub fn delayed_messages(&self, node: usize) -> u64 {
        match self.nodes.get(node).map(|n| &n.state) {
            Some(NodeState::Queue { delayed, .. }) => delayed.len() as u64,
            _ => 0,
        }
    }

    /// Message `k` joins the line again (its place was kept, so the
    /// capacity does not apply).
    fn admit_again(&mut self, k: u32) {
        let now = self.now;
        let node = self.visits[k as usize].node as usize;
        let admission = match self.nodes[node].stations_mut() {
            Some(ss) => ss[0].force_admit(k, now),
            None => return,
        };
        self.nodes[node].station_changed(0);
        if admission == Admission::Started {
            self.start_service(k);
        }
    }
}
