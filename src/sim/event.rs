//! The future-event list: a 4-ary min-heap ordered by (time, seq), so equal-time events pop in insertion order.

use crate::sim::metrics::FailureCause;
use crate::sim::time::SimTime;

/// What happens when an event fires. Indices refer to the simulation's
/// tables; `generation` guards against a slot that was reused since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// An open-loop workload sends its next request.
    Arrival { workload: u32, generation: u32 },
    /// A closed-loop user has finished thinking and sends a request.
    UserSend { workload: u32, user: u32 },
    /// A visit finished its own work at a station (service or database).
    ServiceDone { visit: u32, generation: u32 },
    /// A cache finished its lookup for a visit.
    CacheLookupDone { visit: u32, generation: u32 },
    /// A visit's node timeout expired.
    Timeout { visit: u32, generation: u32 },
    /// The oldest pending deadline in a node's timeout queue is due.
    NodeDeadline { node: u32 },
    /// A call attempt's timeout expired (ignored if `token` moved on).
    CallTimeout {
        visit: u32,
        generation: u32,
        token: u32,
    },
    /// A call's request has crossed its link: it reaches the callee now
    /// (unless the attempt was given up on the way).
    LinkOut {
        visit: u32,
        generation: u32,
        token: u32,
    },
    /// A call's answer has crossed its link back: the caller has it now.
    LinkBack {
        visit: u32,
        generation: u32,
        token: u32,
        outcome: Result<(), FailureCause>,
    },
    /// A hedged call's first copy has not answered in time: send the
    /// second (ignored if `token` moved on).
    HedgeDue {
        visit: u32,
        generation: u32,
        token: u32,
    },
    /// A forwarded request has crossed its route's link: the next stage
    /// gets it now.
    ForwardArrives { visit: u32, generation: u32 },
    /// A backoff is over: try the call again.
    RetryCall {
        visit: u32,
        generation: u32,
        token: u32,
    },
    /// Waiting for a pooled connection took too long.
    AcquireTimeout {
        visit: u32,
        generation: u32,
        token: u32,
    },
    /// A queue message in processing becomes visible again.
    VisibilityTimeout { visit: u32, generation: u32 },
    /// A failed queue message's redelivery backoff is over: it is stored
    /// again, visible to the consumers.
    Redeliver { visit: u32, generation: u32 },
    /// A leaky-bucket rate limiter lets a waiting request go.
    LimiterRelease { visit: u32, generation: u32 },
    /// A CDN's trip to its origin has taken its time: ask the origin now.
    MissPenaltyDone { visit: u32, generation: u32 },
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

impl Event {
    /// The ordering key: time first, then insertion order, as one integer.
    #[inline]
    fn key(&self) -> u128 {
        (u128::from(self.time.0) << 64) | u128::from(self.seq)
    }
}

/// Children per heap node. A 4-ary heap is half as deep as a binary one,
/// and a node's four children share a cache line or two, so a pop (the
/// queue's hot operation) touches fewer lines and takes fewer branches.
const ARITY: usize = 4;

/// Pending events, earliest first; ties in insertion order. An implicit
/// 4-ary min-heap on `(time, seq)`.
#[derive(Default)]
pub(crate) struct EventQueue {
    heap: Vec<Event>,
    next_seq: u64,
}

impl EventQueue {
    // Inlined so the event is built in registers at the call site: passed
    // by pointer, its fields (written one by one) were read back as wide
    // loads, a store-forwarding stall on every schedule.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, kind: EventKind) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.push(Event { time, seq, kind });
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
        self.push(Event { time, seq, kind });
    }
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(|e| e.time)
    }
    #[inline]
    pub fn pop(&mut self) -> Option<Event> {
        let last = self.heap.pop()?;
        if self.heap.is_empty() {
            return Some(last);
        }
        let top = self.heap[0];
        self.sift_down(last);
        Some(top)
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Adds `ev` at the bottom and moves it up past later parents.
    #[inline(always)]
    fn push(&mut self, ev: Event) {
        let key = ev.key();
        let mut i = self.heap.len();
        self.heap.push(ev);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[parent].key() <= key {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = ev;
    }

    /// Fills the hole at the root with `ev`: moves the hole down along
    /// the earliest children until `ev` is no later than all of them.
    fn sift_down(&mut self, ev: Event) {
        let key = ev.key();
        let len = self.heap.len();
        let mut hole = 0;
        loop {
            let first = hole * ARITY + 1;
            if first >= len {
                break;
            }
            let end = (first + ARITY).min(len);
            let mut best = first;
            let mut best_key = self.heap[first].key();
            for c in first + 1..end {
                let k = self.heap[c].key();
                if k < best_key {
                    best = c;
                    best_key = k;
                }
            }
            if key <= best_key {
                break;
            }
            self.heap[hole] = self.heap[best];
            hole = best;
        }
        self.heap[hole] = ev;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_stays_32_bytes() {
        // The hot path moves events by value: a new kind must not grow them.
        assert_eq!(std::mem::size_of::<EventKind>(), 16);
        assert_eq!(std::mem::size_of::<Event>(), 32);
    }

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

    #[test]
    fn interleaved_schedules_and_pops_match_a_sorted_reference() {
        // Many equal times (only 50 distinct) so ties are exercised.
        let mut q = EventQueue::default();
        let mut reference: Vec<(u64, u64)> = Vec::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut popped = 0;
        for _ in 0..20_000 {
            if next() % 3 == 0 {
                let got = q.pop().map(|e| (e.time.0, e.seq));
                reference.sort_unstable_by(|a, b| b.cmp(a));
                assert_eq!(got, reference.pop());
                popped += usize::from(got.is_some());
            } else {
                let t = next() % 50;
                reference.push((t, q.next_seq));
                q.schedule(SimTime(t), EventKind::WindowEnd);
            }
            assert_eq!(q.len(), reference.len());
        }
        reference.sort_unstable();
        let rest: Vec<_> = std::iter::from_fn(|| q.pop())
            .map(|e| (e.time.0, e.seq))
            .collect();
        assert_eq!(rest, reference);
        assert!(popped > 5_000);
    }
}
