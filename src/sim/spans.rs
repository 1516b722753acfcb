//! Where sampled requests spend their time: each hop's phases (line, service, calls, backoff, timeout, transit), the slowest requests kept in a bounded heap.
//!
//! Sampling is by request sequence number (one in `one_in`), so it draws
//! nothing and the run's results do not change. Memory: the sampled
//! requests in flight, each at most `MAX_HOPS` hops and `MAX_SEGMENTS`
//! segments, plus the `keep` slowest finished ones (same caps).

mod attribution;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

pub use attribution::attribute;

use crate::sim::metrics::FailureCause;
use crate::sim::model::{NodeIdx, RequestKind};
use crate::sim::time::SimTime;

/// Hops recorded per request at most; a request past it is not kept.
pub const MAX_HOPS: usize = 256;
/// Phase segments recorded per request at most (likewise).
pub const MAX_SEGMENTS: usize = 1024;

/// Which requests to follow and how many of the slowest to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanConfig {
    /// Follow one request in this many (by sequence number; 1 = all).
    pub one_in: u64,
    /// The slowest sampled requests kept to the end of the run.
    pub keep: usize,
    /// Also follow one request in this many (0: none): the window follows
    /// every request it draws as a dot, so a click on one finds its hops.
    pub also_one_in: u64,
    /// The last finished requests of the `also_one_in` ones, handed over
    /// by `take_finished` (0: none kept), oldest dropped first.
    pub recent: usize,
}

impl SpanConfig {
    /// Follow one request in `one_in`, keep the `keep` slowest, nothing else.
    pub fn slowest(one_in: u64, keep: usize) -> SpanConfig {
        SpanConfig {
            one_in,
            keep,
            also_one_in: 0,
            recent: 0,
        }
    }
}

/// What a hop is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Waiting in line: for a worker, a pooled connection, a rate limiter.
    Queue,
    /// A worker (or a cache lookup) at work on it.
    Service,
    /// Waiting on a call with no callee at work on it (attribution
    /// descends into the callee when there is one).
    Calls,
    /// Waiting out a retry backoff.
    Backoff,
    /// A call attempt (or a wait for a connection) given up at its timeout.
    Timeout,
    /// Crossing a link (a call's or a route's `latency`).
    Transit,
    /// Time no hop accounts for (the attribution's remainder; none is
    /// expected).
    Other,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::Queue,
        Phase::Service,
        Phase::Calls,
        Phase::Backoff,
        Phase::Timeout,
        Phase::Transit,
        Phase::Other,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Phase::Queue => "queue",
            Phase::Service => "service",
            Phase::Calls => "calls",
            Phase::Backoff => "backoff",
            Phase::Timeout => "timeout",
            Phase::Transit => "transit",
            Phase::Other => "other",
        }
    }
}

/// One visit of a sampled request to a node.
#[derive(Clone, Debug, PartialEq)]
pub struct Hop {
    pub node: NodeIdx,
    /// The hop that called this one (`None`: the workload did).
    pub parent: Option<u32>,
    pub depth: u16,
    pub start: SimTime,
    /// When it answered (or was left behind).
    pub end: SimTime,
    /// Its caller gave the attempt up at a timeout: its time is the
    /// caller's `timeout`, not its own.
    pub abandoned: bool,
}

/// `hop` in `phase` over [start, end).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub hop: u32,
    pub phase: Phase,
    pub start: SimTime,
    pub end: SimTime,
}

/// One sampled request, from creation to its answer.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestSpans {
    pub id: u64,
    pub workload: usize,
    pub kind: RequestKind,
    pub created: SimTime,
    pub end: SimTime,
    pub outcome: Result<(), FailureCause>,
    pub hops: Vec<Hop>,
    /// In the order they closed.
    pub segments: Vec<Segment>,
    truncated: bool,
    /// Its visits still open (so a request's end or a timeout needs no
    /// search through every traced visit).
    live: Vec<u32>,
}

impl RequestSpans {
    pub fn latency(&self) -> SimTime {
        self.end.saturating_sub(self.created)
    }
}

/// A traced visit in progress.
#[derive(Clone, Copy, Debug)]
struct OpenVisit {
    generation: u32,
    request: u64,
    hop: u32,
    phase: Phase,
    since: SimTime,
}

/// Kept requests ordered by latency (then by id, the earlier first).
struct Kept(RequestSpans);
impl PartialEq for Kept {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o).is_eq()
    }
}
impl Eq for Kept {}
impl PartialOrd for Kept {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Kept {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.0.latency(), Reverse(self.0.id)).cmp(&(o.0.latency(), Reverse(o.0.id)))
    }
}

/// What `take_spans` returns at the end of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpanReport {
    pub config: Option<SpanConfig>,
    /// Sampled requests that arrived after warm-up and finished.
    pub sampled: u64,
    /// Of those, requests past the per-request caps (not kept).
    pub truncated: u64,
    /// The slowest sampled requests, slowest first.
    pub slowest: Vec<RequestSpans>,
}

#[derive(Default)]
pub(crate) struct Spans {
    pub config: Option<SpanConfig>,
    open: HashMap<u64, RequestSpans>,
    visits: HashMap<u32, OpenVisit>,
    kept: BinaryHeap<Reverse<Kept>>,
    /// Finished since the last `take_finished` (at most `recent`).
    finished: VecDeque<RequestSpans>,
    sampled: u64,
    truncated: u64,
}

impl Spans {
    #[inline]
    pub fn wants(&self, request: u64) -> bool {
        self.config.is_some_and(|c| {
            request.is_multiple_of(c.one_in.max(1))
                || (c.also_one_in > 0 && request.is_multiple_of(c.also_one_in))
        })
    }

    pub fn start_request(&mut self, id: u64, workload: usize, kind: RequestKind, now: SimTime) {
        if !self.wants(id) {
            return;
        }
        self.open.insert(
            id,
            RequestSpans {
                id,
                workload,
                kind,
                created: now,
                end: now,
                outcome: Ok(()),
                hops: Vec::new(),
                segments: Vec::new(),
                truncated: false,
                live: Vec::new(),
            },
        );
    }

    /// Visit `j` (of request `request`, called by visit `parent` of
    /// generation `parent_gen` or a marker) starts at `node` in `phase`.
    pub fn open_visit(
        &mut self,
        (j, generation): (u32, u32),
        request: u64,
        node: NodeIdx,
        (parent, parent_gen): (u32, u32),
        phase: Phase,
        now: SimTime,
    ) {
        let Some(r) = self.open.get_mut(&request) else {
            return;
        };
        if r.truncated || r.hops.len() >= MAX_HOPS {
            r.truncated = true;
            return;
        }
        let up = self
            .visits
            .get(&parent)
            .filter(|p| p.generation == parent_gen && p.request == request)
            .map(|p| p.hop);
        let depth = up.map_or(0, |h| r.hops[h as usize].depth.saturating_add(1));
        r.hops.push(Hop {
            node,
            parent: up,
            depth,
            start: now,
            end: now,
            abandoned: false,
        });
        let hop = (r.hops.len() - 1) as u32;
        r.live.push(j);
        let v = OpenVisit {
            generation,
            request,
            hop,
            phase,
            since: now,
        };
        self.visits.insert(j, v);
    }

    /// Closes visit `j`'s current segment at `now`.
    fn close_segment(&mut self, v: &OpenVisit, now: SimTime) {
        let Some(r) = self.open.get_mut(&v.request) else {
            return;
        };
        if now > v.since {
            if r.segments.len() >= MAX_SEGMENTS {
                r.truncated = true;
                return;
            }
            r.segments.push(Segment {
                hop: v.hop,
                phase: v.phase,
                start: v.since,
                end: now,
            });
        }
    }

    /// Visit `j` is now in `phase`.
    pub fn set_phase(&mut self, j: u32, phase: Phase, now: SimTime) {
        let Some(v) = self.visits.get(&j).copied() else {
            return;
        };
        if v.phase == phase {
            return;
        }
        self.close_segment(&v, now);
        self.visits.insert(
            j,
            OpenVisit {
                phase,
                since: now,
                ..v
            },
        );
    }

    /// Visit `j` answered or left: its hop ends now.
    pub fn close_visit(&mut self, j: u32, now: SimTime) {
        let Some(v) = self.visits.remove(&j) else {
            return;
        };
        self.close_segment(&v, now);
        if let Some(r) = self.open.get_mut(&v.request) {
            r.live.retain(|&k| k != j);
            if let Some(h) = r.hops.get_mut(v.hop as usize) {
                h.end = now;
            }
        }
    }

    /// Visit `j` gives its current attempt up at a timeout: the attempt's
    /// time is its `timeout`, and the callees it sent are left behind.
    pub fn time_out_attempt(&mut self, j: u32, now: SimTime) {
        let Some(v) = self.visits.get(&j).copied() else {
            return;
        };
        self.visits.insert(
            j,
            OpenVisit {
                phase: Phase::Timeout,
                ..v
            },
        );
        let Some(r) = self.open.get(&v.request) else {
            return;
        };
        let left: Vec<u32> = r
            .live
            .iter()
            .copied()
            .filter(|k| {
                self.visits.get(k).is_some_and(|c| {
                    let h = &r.hops[c.hop as usize];
                    h.parent == Some(v.hop) && h.start >= v.since
                })
            })
            .collect();
        for k in left {
            if let Some(c) = self.visits.get(&k).copied() {
                self.close_visit(k, now);
                if let Some(r) = self.open.get_mut(&v.request) {
                    r.hops[c.hop as usize].abandoned = true;
                }
            }
        }
    }

    /// The request is over: its open hops end now; kept if it is among the
    /// slowest (and counted).
    pub fn finish_request(
        &mut self,
        id: u64,
        outcome: Result<(), FailureCause>,
        counted: bool,
        now: SimTime,
    ) {
        let Some(still) = self.open.get(&id).map(|r| r.live.clone()) else {
            return;
        };
        for k in still {
            self.close_visit(k, now);
        }
        let Some(mut r) = self.open.remove(&id) else {
            return;
        };
        r.end = now;
        r.outcome = outcome;
        self.hand_over(&r);
        if !counted {
            return;
        }
        self.sampled += 1;
        if r.truncated {
            self.truncated += 1;
            return;
        }
        let keep = self.config.map_or(0, |c| c.keep);
        self.kept.push(Reverse(Kept(r)));
        while self.kept.len() > keep {
            self.kept.pop();
        }
    }

    /// Keeps a copy of finished request `r` for `take_finished` when it is
    /// one of the `also_one_in` ones (complete ones only).
    fn hand_over(&mut self, r: &RequestSpans) {
        let Some(c) = self.config else {
            return;
        };
        let also = c.also_one_in > 0 && r.id.is_multiple_of(c.also_one_in);
        let recent = c.recent;
        if !also || recent == 0 || r.truncated {
            return;
        }
        while self.finished.len() >= recent {
            self.finished.pop_front();
        }
        self.finished.push_back(r.clone());
    }

    /// The `also_one_in` requests finished since the last call, oldest
    /// first (at most `recent`).
    pub fn take_finished(&mut self) -> Vec<RequestSpans> {
        self.finished.drain(..).collect()
    }

    pub fn report(&self) -> SpanReport {
        let mut slowest: Vec<RequestSpans> = self.kept.iter().map(|k| k.0.0.clone()).collect();
        slowest.sort_by(|a, b| (b.latency(), a.id).cmp(&(a.latency(), b.id)));
        SpanReport {
            config: self.config,
            sampled: self.sampled,
            truncated: self.truncated,
            slowest,
        }
    }
}
