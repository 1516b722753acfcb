//! Cache behaviour: lookups, misses to the store with optional single flight, write policies and write-back flushes.

use super::nodes::NodeState;
use super::{Caller, NO_WORK, NONE, Req, Simulation, VisitState};
use crate::sim::event::EventKind;
use crate::sim::metrics::FailureCause;
use crate::sim::model::{RequestKind, WritePolicy};

impl Simulation {
    pub(super) fn cache_lookup_done(&mut self, j: u32) {
        let now = self.now;
        let visit = self.visits[j as usize];
        if visit.answered {
            self.leave(j);
            return;
        }
        let node = visit.node as usize;
        let n = &mut self.nodes[node];
        let NodeState::Cache {
            spec,
            store,
            dirty,
            dirty_set,
            ..
        } = &mut n.state
        else {
            return;
        };
        match visit.req.kind {
            RequestKind::Read => {
                if let Some(stale) = store.read(visit.req.key, now) {
                    n.stats.counts.hits += 1;
                    n.stats.window_counts.hits += 1;
                    if stale {
                        n.stats.counts.stale_reads += 1;
                        n.stats.window_counts.stale_reads += 1;
                    }
                    self.answer(j, Ok(()));
                    self.leave(j);
                } else {
                    n.stats.counts.misses += 1;
                    n.stats.window_counts.misses += 1;
                    self.cache_miss(j);
                }
            }
            RequestKind::Write => match spec.write_policy {
                WritePolicy::Invalidate => {
                    store.invalidate(visit.req.key);
                    self.pass_to_store_or_answer(j);
                }
                // Without a store behind it, the cache is the store: the
                // write is kept at once (it used to be dropped, so a
                // write-through cache without `on_miss` never held a key).
                WritePolicy::WriteThrough if spec.on_miss.is_none() => {
                    store.fill(visit.req.key, now);
                    self.answer(j, Ok(()));
                    self.leave(j);
                }
                WritePolicy::WriteThrough => self.pass_to_store_or_answer(j),
                WritePolicy::WriteBack { .. } => {
                    store.fill(visit.req.key, now);
                    if spec.on_miss.is_some() && dirty_set.insert(visit.req.key, ()).is_none() {
                        dirty.push((visit.req.key, visit.req.kind));
                    }
                    self.answer(j, Ok(()));
                    self.leave(j);
                }
            },
        }
    }

    /// A worker of a cache with workers has looked up visit `j`: it is
    /// free for the next lookup (a miss's fetch holds none), and the
    /// visit goes on as any lookup does.
    pub(super) fn cache_worker_done(&mut self, j: u32) {
        let now = self.now;
        let visit = self.visits[j as usize];
        let (node, st) = (visit.node as usize, visit.station as usize);
        if let Some(ss) = self.nodes[node].stations_mut()
            && let Some(s) = ss.get_mut(st)
        {
            s.release_worker(now);
        }
        self.visits[j as usize].station = NONE;
        self.fill_workers(node, st);
        self.cache_lookup_done(j);
    }

    /// A read missed: join a fetch already out (single flight) or start one.
    fn cache_miss(&mut self, j: u32) {
        let visit = self.visits[j as usize];
        let node = visit.node as usize;
        let generation = visit.generation;
        let n = &mut self.nodes[node];
        let NodeState::Cache { spec, fetching, .. } = &mut n.state else {
            return;
        };
        if spec.on_miss.is_none() {
            self.answer(j, Ok(()));
            self.leave(j);
            return;
        }
        if spec.coalesce {
            if let Some(waiters) = fetching.get_mut(&visit.req.key) {
                waiters.push((j, generation));
                n.stats.counts.coalesced += 1;
                n.stats.window_counts.coalesced += 1;
                self.visits[j as usize].state = VisitState::Calling;
                self.note_state(j);
                return;
            }
            fetching.insert(visit.req.key, Vec::new());
        }
        self.pass_to_store_or_answer(j);
    }

    /// Sends the visit on to the store (after the miss penalty of an edge
    /// cache and the zones' link, if any), or answers if there is no store.
    fn pass_to_store_or_answer(&mut self, j: u32) {
        let visit = self.visits[j as usize];
        let node = visit.node as usize;
        let n = &mut self.nodes[node];
        let NodeState::Cache {
            spec, rng, link, ..
        } = &mut n.state
        else {
            return;
        };
        if spec.on_miss.is_none() {
            self.answer(j, Ok(()));
            self.leave(j);
            return;
        }
        // The way to the store: the miss penalty, then the zones' link.
        let penalty = spec.miss_penalty.map(|p| p.sample(rng));
        let crossing = link.as_mut().map(|(d, r)| d.sample(r));
        let delay = match (penalty, crossing) {
            (Some(p), Some(c)) => Some(p.saturating_add(c)),
            (p, c) => p.or(c),
        };
        if let Some(d) = delay {
            self.visits[j as usize].state = VisitState::Delayed;
            self.note_state(j);
            self.events.schedule(
                self.now.saturating_add(d),
                EventKind::MissPenaltyDone {
                    visit: j,
                    generation: visit.generation,
                },
            );
            return;
        }
        self.send_to_store(j);
    }

    pub(super) fn miss_penalty_done(&mut self, j: u32) {
        if self.visits[j as usize].answered {
            self.leave(j);
            return;
        }
        self.send_to_store(j);
    }

    fn send_to_store(&mut self, j: u32) {
        let visit = self.visits[j as usize];
        let node = visit.node as usize;
        let NodeState::Cache { spec, .. } = &self.nodes[node].state else {
            return;
        };
        let Some(to) = spec.on_miss else {
            return;
        };
        self.visits[j as usize].state = VisitState::Calling;
        self.note_state(j);
        let caller = self.caller_of(j);
        self.send(visit.req, to, caller, Some(node), None);
    }

    /// The store's answer to cache visit `j` crosses the zones' link back
    /// (an independent draw) when the cache has one: true when it is on
    /// its way (`LinkBack` hands it to `cache_backend_answered`).
    pub(super) fn cache_answer_over_link(
        &mut self,
        j: u32,
        outcome: Result<(), FailureCause>,
    ) -> bool {
        let visit = self.visits[j as usize];
        let NodeState::Cache {
            link: Some((d, r)), ..
        } = &mut self.nodes[visit.node as usize].state
        else {
            return false;
        };
        let delay = d.sample(r);
        self.link_back(j, delay, outcome);
        true
    }

    /// The store answered a cache visit.
    pub(super) fn cache_backend_answered(&mut self, j: u32, outcome: Result<(), FailureCause>) {
        let now = self.now;
        let visit = self.visits[j as usize];
        let node = visit.node as usize;
        let n = &mut self.nodes[node];
        let NodeState::Cache {
            spec,
            store,
            fetching,
            ..
        } = &mut n.state
        else {
            return;
        };
        let fill = outcome.is_ok()
            && match visit.req.kind {
                RequestKind::Read => true,
                RequestKind::Write => spec.write_policy == WritePolicy::WriteThrough,
            };
        if fill {
            store.fill(visit.req.key, now);
        }
        let waiters = if visit.req.kind == RequestKind::Read && spec.coalesce {
            fetching.remove(&visit.req.key).unwrap_or_default()
        } else {
            Vec::new()
        };
        if outcome.is_err() {
            n.stats.counts.failed_downstream += 1;
            n.stats.window_counts.failed_downstream += 1;
        }
        self.answer(j, outcome);
        self.leave(j);
        for (w, generation) in waiters {
            if self.visit_is(w, generation) {
                if outcome.is_err() {
                    let s = &mut self.nodes[node].stats;
                    s.counts.failed_downstream += 1;
                    s.window_counts.failed_downstream += 1;
                }
                self.answer(w, outcome);
                self.leave(w);
            }
        }
    }

    /// A write-back cache sends every dirty key to its store, then plans
    /// the next flush.
    pub(super) fn flush_dirty(&mut self, node: usize) {
        let now = self.now;
        let NodeState::Cache {
            spec,
            dirty,
            dirty_set,
            ..
        } = &mut self.nodes[node].state
        else {
            return;
        };
        let WritePolicy::WriteBack { flush_interval } = spec.write_policy else {
            return;
        };
        let to = spec.on_miss;
        let batch = std::mem::take(dirty);
        dirty_set.clear();
        self.events.schedule(
            now.saturating_add(flush_interval.max(crate::sim::time::SimTime(1))),
            EventKind::FlushDirty { node: node as u32 },
        );
        let (Some(to), false) = (to, self.nodes[node].down) else {
            return;
        };
        for (key, kind) in batch {
            // Across the zones' link, the write reaches the store later.
            if let NodeState::Cache {
                link: Some((d, r)), ..
            } = &mut self.nodes[node].state
            {
                let at = now.saturating_add(d.sample(r));
                let node = node as u32;
                self.events
                    .schedule(at, EventKind::FlushWrite { node, key, kind });
                continue;
            }
            self.send(
                flush_req(key, kind, now),
                to,
                Caller::flush_of(node),
                Some(node),
                None,
            );
        }
    }

    /// A write-back flush of `key` by cache `node` has crossed the zones'
    /// link: the store gets it now.
    pub(super) fn flush_write_arrived(&mut self, node: usize, key: u64, kind: RequestKind) {
        let Some(NodeState::Cache { spec, .. }) = self.nodes.get(node).map(|n| &n.state) else {
            return;
        };
        let Some(to) = spec.on_miss else {
            return;
        };
        let req = flush_req(key, kind, self.now);
        self.send(req, to, Caller::flush_of(node), Some(node), None);
    }

    /// The store refused or failed a write flushed by write-back cache
    /// `node`: the key stays dirty for the next flush (unless a newer
    /// write made it dirty again already). If the cache is down by now,
    /// the write is lost.
    pub(super) fn flush_failed(&mut self, node: usize, key: u64, kind: RequestKind) {
        let n = &mut self.nodes[node];
        n.stats.counts.flushes_failed += 1;
        n.stats.window_counts.flushes_failed += 1;
        let down = n.down;
        let NodeState::Cache {
            dirty, dirty_set, ..
        } = &mut n.state
        else {
            return;
        };
        if down {
            n.stats.counts.data_lost += 1;
            n.stats.window_counts.data_lost += 1;
        } else if dirty_set.insert(key, ()).is_none() {
            dirty.push((key, kind));
        }
    }
}

/// The request a write-back flush sends for `key` at `now`.
fn flush_req(key: u64, kind: RequestKind, now: crate::sim::time::SimTime) -> Req {
    Req {
        kind,
        class: None,
        key,
        created: now,
        workload: 0,
        user: NONE,
        counted: false,
        id: u64::MAX,
        traced: false,
        hops: 0,
        work: NO_WORK,
    }
}
