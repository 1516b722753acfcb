//! The future-event list: a 4-ary min-heap ordered by (time, seq), so equal-time events pop in insertion order.

use crate::sim::metrics::FailureCause;
use crate::sim::model::RequestKind;
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
    /// A write-back flush of `key` has crossed the zones' link between
    /// cache `node` and its store: the store gets it now.
    FlushWrite {
        node: u32,
        key: u64,
        kind: RequestKind,
    },
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
        let hole = self.heap.len();
        self.heap.push(ev);
        self.rise(hole, ev);
    }

    /// Puts `ev` in the hole at `hole` or, past later parents, above it.
    #[inline(always)]
    fn rise(&mut self, mut hole: usize, ev: Event) {
        let key = ev.key();
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if self.heap[parent].key() <= key {
                break;
            }
            self.heap[hole] = self.heap[parent];
            hole = parent;
        }
        self.heap[hole] = ev;
    }

    /// Fills the hole at the root with `ev`, bottom-up: the hole goes down
    /// along the earliest children to a leaf, then `ev` (the heap's last
    /// event, most often a late one) rises from there to its place. Both
    /// loops are nearly branch-free in the data: the knock-out picks the
    /// child without a jump, and `ev` seldom rises more than a level.
    fn sift_down(&mut self, ev: Event) {
        let len = self.heap.len();
        let mut hole = 0;
        loop {
            let first = hole * ARITY + 1;
            let kids = self.heap.get(first..first + ARITY);
            let best = if let Some(Ok(kids)) = kids.map(<&[Event; ARITY]>::try_from) {
                first + earliest_of_four(kids)
            } else if first < len {
                self.earliest_from(first)
            } else {
                break;
            };
            self.heap[hole] = self.heap[best];
            hole = best;
        }
        self.rise(hole, ev);
    }

    /// The earliest of the children from `first` to the end of a heap whose
    /// last node has fewer than `ARITY` of them.
    #[cold]
    fn earliest_from(&self, first: usize) -> usize {
        let mut best = (first, self.heap[first].key());
        for (c, e) in self.heap.iter().enumerate().skip(first + 1) {
            if e.key() < best.1 {
                best = (c, e.key());
            }
        }
        best.0
    }
}

/// The earliest of a node's four children, as a knock-out of two pairs:
/// three comparisons in straight-line code (keys are unique, so it is the
/// child a scan would pick).
#[inline(always)]
fn earliest_of_four(kids: &[Event; ARITY]) -> usize {
    let k = [kids[0].key(), kids[1].key(), kids[2].key(), kids[3].key()];
    let (a, ka) = if k[1] < k[0] { (1, k[1]) } else { (0, k[0]) };
    let (b, kb) = if k[3] < k[2] { (3, k[3]) } else { (2, k[2]) };
    if kb < ka { b } else { a }
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
