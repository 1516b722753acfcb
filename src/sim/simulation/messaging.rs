//! Queue nodes: the producer is acknowledged on enqueue; consumers process messages later, with redelivery and a dead-letter count.

use super::nodes::NodeState;
use super::{Caller, JobState, MESSAGE, NONE, Req, Simulation};
use crate::sim::metrics::FailureCause;
use crate::sim::station::Admission;

impl Simulation {
    /// A producer's request reaches a queue: store a message and
    /// acknowledge at once, or reject if the broker is full.
    pub(super) fn enqueue_message(&mut self, req: Req, node: usize, caller: Caller) {
        let now = self.now;
        let unbounded = matches!(&self.nodes[node].state,
            NodeState::Queue { spec, .. } if spec.capacity.is_none());
        if unbounded && self.messages_live as usize >= self.model.limits.max_in_flight {
            self.refuse(node, caller, req, FailureCause::Rejected);
            return;
        }
        let msg = Req {
            created: now,
            counted: false,
            user: NONE,
            traced: false,
            ..req
        };
        let mut job = Simulation::new_job(msg, node, 0, Caller::WORKLOAD, now);
        job.parent = MESSAGE;
        job.deliveries = 1;
        let j = self.alloc_job(job);
        let admission = match self.nodes[node].stations_mut() {
            Some(ss) => ss[0].admit(j, now),
            None => Admission::Rejected,
        };
        if admission == Admission::Rejected {
            self.free_job(j);
            self.refuse(node, caller, req, FailureCause::Rejected);
            return;
        }
        self.messages_live += 1;
        let s = &mut self.nodes[node].stats;
        s.enter(now);
        s.counts.completed += 1;
        s.window_counts.completed += 1;
        if admission == Admission::Started {
            self.start_service(j);
        }
        self.deliver(caller, req, Ok(()), node);
    }

    /// A message's processing ended (its job answered "upwards").
    pub(super) fn message_done(&mut self, j: u32, outcome: Result<(), FailureCause>) {
        let job = self.jobs[j as usize];
        let node = job.node as usize;
        match outcome {
            Ok(()) => {
                self.messages_live = self.messages_live.saturating_sub(1);
                let latency = self.now.saturating_sub(job.req.created);
                let n = &mut self.nodes[node];
                n.stats.counts.processed += 1;
                n.stats.window_counts.processed += 1;
                if let NodeState::Queue { processing, .. } = &mut n.state {
                    processing.record(latency, true);
                }
            }
            Err(_) => self.redeliver(j),
        }
    }

    /// A message in processing for too long becomes visible again.
    pub(super) fn visibility_timeout(&mut self, j: u32) {
        let job = self.jobs[j as usize];
        if job.answered || job.parent != MESSAGE || job.state == JobState::Waiting {
            return;
        }
        // The first consumer carries on (wasted work); its result is ignored.
        self.jobs[j as usize].answered = true;
        self.redeliver(j);
    }

    /// Stores message `j` again for another delivery, or dead-letters it.
    fn redeliver(&mut self, j: u32) {
        let now = self.now;
        let job = self.jobs[j as usize];
        let node = job.node as usize;
        let max = match &self.nodes[node].state {
            NodeState::Queue { spec, .. } => spec.max_attempts,
            _ => 1,
        };
        let n = &mut self.nodes[node];
        if u32::from(job.deliveries) >= max {
            n.stats.counts.dead_lettered += 1;
            n.stats.window_counts.dead_lettered += 1;
            self.messages_live = self.messages_live.saturating_sub(1);
            return;
        }
        n.stats.counts.redelivered += 1;
        n.stats.window_counts.redelivered += 1;
        let mut again = Simulation::new_job(job.req, node, 0, Caller::WORKLOAD, now);
        again.parent = MESSAGE;
        again.deliveries = job.deliveries.saturating_add(1);
        let k = self.alloc_job(again);
        let admission = match self.nodes[node].stations_mut() {
            Some(ss) => ss[0].force_admit(k, now),
            None => return,
        };
        self.nodes[node].stats.enter(now);
        if admission == Admission::Started {
            self.start_service(k);
        }
    }
}
