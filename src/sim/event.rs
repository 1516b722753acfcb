//! The future-event list: a binary heap ordered by (time, seq), so equal-time events pop in insertion order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::sim::time::SimTime;

/// What happens when an event fires. Indices refer to the simulation's
/// tables; `generation` guards against a slot that was reused since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// An open-loop workload sends its next request.
    Arrival { workload: u32, generation: u32 },
    /// A closed-loop user has finished thinking and sends a request.
    UserSend { workload: u32, user: u32 },
    /// A job finished its own work at a station (service or database).
    ServiceDone { job: u32, generation: u32 },
    /// A cache finished its lookup for a job.
    CacheLookupDone { job: u32, generation: u32 },
    /// A job's node timeout expired.
    Timeout { job: u32, generation: u32 },
    /// The oldest pending deadline in a node's timeout queue is due.
    NodeDeadline { node: u32 },
    /// A call attempt's timeout expired (ignored if `token` moved on).
    CallTimeout {
        job: u32,
        generation: u32,
        token: u32,
    },
    /// A backoff is over: try the call again.
    RetryCall {
        job: u32,
        generation: u32,
        token: u32,
    },
    /// Waiting for a pooled connection took too long.
    AcquireTimeout {
        job: u32,
        generation: u32,
        token: u32,
    },
    /// A queue message in processing becomes visible again.
    VisibilityTimeout { job: u32, generation: u32 },
    /// A leaky-bucket rate limiter lets a waiting request go.
    LimiterRelease { job: u32, generation: u32 },
    /// A CDN's trip to its origin has taken its time: ask the origin now.
    MissPenaltyDone { job: u32, generation: u32 },
    /// A write-back cache sends its dirty keys to the store.
    FlushDirty { node: u32 },
    /// An autoscaler looks at its service.
    AutoscaleTick { node: u32 },
    /// A replica finished its cold start and serves.
    ReplicaReady { node: u32, station: u32 },
    /// A scheduled event of the model (index into `Model::events`).
    Scheduled { index: u32 },
    /// The warm-up period ends: node statistics restart here.
    WarmupEnd,
    /// The current time-series window closes.
    WindowEnd,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Event {
    pub time: SimTime,
    pub seq: u64,
    pub kind: EventKind,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    /// Reversed, so the max-heap pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .cmp(&self.time)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// Pending events, earliest first; ties in insertion order.
#[derive(Default)]
pub(crate) struct EventQueue {
    heap: BinaryHeap<Event>,
    next_seq: u64,
}

impl EventQueue {
    pub fn schedule(&mut self, time: SimTime, kind: EventKind) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Event { time, seq, kind });
    }
    /// Takes the next sequence number without scheduling anything (for an
    /// event scheduled later that must keep its place among ties).
    pub fn reserve_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }
    /// Schedules with a sequence number from `reserve_seq`.
    pub fn schedule_at_seq(&mut self, time: SimTime, seq: u64, kind: EventKind) {
        self.heap.push(Event { time, seq, kind });
    }
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }
    pub fn pop(&mut self) -> Option<Event> {
        self.heap.pop()
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion_order() {
        let mut q = EventQueue::default();
        q.schedule(SimTime(5), EventKind::WindowEnd);
        q.schedule(SimTime(1), EventKind::WarmupEnd);
        q.schedule(
            SimTime(5),
            EventKind::UserSend {
                workload: 0,
                user: 1,
            },
        );
        q.schedule(SimTime(3), EventKind::WindowEnd);
        let order: Vec<_> = std::iter::from_fn(|| q.pop())
            .map(|e| (e.time.0, e.seq))
            .collect();
        assert_eq!(order, vec![(1, 1), (3, 3), (5, 0), (5, 2)]);
    }
}
