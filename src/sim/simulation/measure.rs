//! Measurement: warm-up reset, time-series windows, the summary and the snapshot.

use std::collections::VecDeque;

use super::nodes::{NodeRt, NodeState};
use super::{BreakerState, MESSAGE, NONE, Req, Simulation};
use crate::sim::latency_histogram::Period;
use crate::sim::metrics::{
    FailureCause, GroupStats, GroupSummary, LatencyStats, LatencyTail, NodeSummary, NodeWindow,
    Summary, Window, ratio,
};
use crate::sim::model::{Bound, Scope};
use crate::sim::snapshot::{NodeSnapshot, ReplicaSnapshot, Snapshot};
use crate::sim::station::Areas;
use crate::sim::time::SimTime;

/// Most window cells (windows × nodes) kept when nobody takes them.
const MAX_KEPT_CELLS: usize = 2_000_000;

/// Visits waiting in the lines of `n` now: (how many, total ns waited so
/// far, longest ns); `None` for nodes without workers.
fn waiting(sim: &Simulation, n: &NodeRt) -> Option<(u64, u128, u64)> {
    let stations = n.stations()?;
    let (mut count, mut total, mut longest) = (0u64, 0u128, 0u64);
    for s in stations {
        for &j in &s.line {
            let Some(visit) = sim.visits.get(j as usize) else {
                continue;
            };
            let waited = sim.now.saturating_sub(visit.arrived).0;
            count += 1;
            total += u128::from(waited);
            longest = longest.max(waited);
        }
    }
    Some((count, total, longest))
}

/// Age of the oldest message waiting in a queue node: in its line, or
/// waiting out a redelivery backoff.
fn oldest_message(sim: &Simulation, n: &NodeRt) -> Option<SimTime> {
    let NodeState::Queue {
        stations, delayed, ..
    } = &n.state
    else {
        return None;
    };
    let in_line = stations
        .first()
        .and_then(|s| s.line.front())
        .and_then(|&j| sim.visits.get(j as usize))
        .filter(|visit| visit.parent == MESSAGE)
        .map(|visit| visit.req.created);
    let backing_off = delayed.first().map(|&(created, _)| created);
    let oldest = match (in_line, backing_off) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    oldest.map(|created| sim.now.saturating_sub(created))
}

/// The area (visits × ns) of visits waiting at a node over a period with
/// station areas `d` and presence area `present`. At a queue, messages
/// waiting out a redelivery backoff wait too: everything stored and not
/// being processed (present − busy consumers), never less than its line.
fn queued_area(state: &NodeState, d: &Areas, present: u128) -> u128 {
    match state {
        NodeState::Queue { .. } => present.saturating_sub(d.busy).max(d.queued),
        _ => d.queued,
    }
}

fn backlog(n: &NodeRt) -> Option<u64> {
    match &n.state {
        NodeState::Queue { .. } => Some(n.stats.present),
        _ => None,
    }
}

fn data_at_risk(n: &NodeRt) -> Option<u64> {
    match &n.state {
        NodeState::Cache { spec, dirty, .. }
            if matches!(
                spec.write_policy,
                crate::sim::model::WritePolicy::WriteBack { .. }
            ) =>
        {
            Some(dirty.len() as u64)
        }
        _ => None,
    }
}

/// Utilisation of each replica or instance of `n` since the warm-up
/// (none for kinds without workers).
fn replica_utilisations(n: &mut NodeRt, now: SimTime, started: bool) -> Vec<Option<f64>> {
    let at_reset = n.stats.station_areas_at_reset.clone();
    match n.stations_mut() {
        Some(ss) => ss
            .iter_mut()
            .enumerate()
            .map(|(k, s)| {
                let a = s.areas(now);
                let base = at_reset.get(k).copied().unwrap_or_default();
                let d = if started {
                    a.minus(&base)
                } else {
                    Areas::default()
                };
                ratio(d.busy as f64, d.capacity as f64)
            })
            .collect(),
        None => Vec::new(),
    }
}

/// Each replica or instance of `n` (none for kinds without workers).
fn replica_snapshots(n: &NodeRt, now: SimTime) -> Vec<ReplicaSnapshot> {
    let Some(ss) = n.stations() else {
        return Vec::new();
    };
    ss.iter()
        .map(|s| ReplicaSnapshot {
            workers: s.workers,
            busy: s.busy,
            busy_area: s.busy_area_at(now),
            queued: s.line.len() as u32,
            active: s.active,
            down: s.down,
            warming: s.warming,
        })
        .collect()
}

impl Simulation {
    /// A measured request arrived: its class and workload count it.
    #[inline(never)]
    pub(super) fn group_arrived(&mut self, req: &Req) {
        for g in self.system.groups_mut(req.workload as usize, req.class) {
            g.counts.arrived += 1;
        }
        if self.transfers.is_some() {
            self.users_bytes(req.workload as usize, req.class, false);
        }
    }

    /// A measured request ended: its class and workload count how.
    #[inline(never)]
    pub(super) fn group_done(
        &mut self,
        req: &Req,
        outcome: Result<(), FailureCause>,
        latency: SimTime,
    ) {
        for g in self.system.groups_mut(req.workload as usize, req.class) {
            match outcome {
                Ok(()) => {
                    g.counts.completed += 1;
                    g.latency.record(latency, true);
                }
                Err(c) => g.counts.add_failure(c),
            }
        }
        if outcome.is_ok() && self.transfers.is_some() {
            self.users_bytes(req.workload as usize, req.class, true);
        }
    }

    /// The per-class and per-workload results so far.
    fn group_summaries(&self, secs: f64) -> (Vec<GroupSummary>, Vec<GroupSummary>) {
        let summary = |name: &str, op, g: &GroupStats| {
            let c = g.counts;
            GroupSummary {
                name: name.to_string(),
                op,
                counts: c,
                throughput_rps: ratio(c.completed as f64, secs).unwrap_or(0.0),
                latency: g.latency.stats(Period::Run),
                error_rate: ratio(c.failed() as f64, (c.completed + c.failed()) as f64),
            }
        };
        let classes = (self.system.classes.iter().zip(&self.model.classes))
            .map(|(g, c)| summary(&c.name, Some(c.op), g))
            .collect();
        let workloads = (self.system.workloads.iter().zip(&self.model.workloads))
            .map(|(g, w)| summary(&w.name, None, g))
            .collect();
        (classes, workloads)
    }

    pub(super) fn end_warmup(&mut self) {
        let now = self.now;
        for n in &mut self.nodes {
            let areas = n.areas(now);
            let per: Vec<Areas> = n
                .stations_mut()
                .map_or_else(Vec::new, |ss| ss.iter_mut().map(|s| s.areas(now)).collect());
            n.stats.reset(now, areas);
            n.stats.station_areas_at_reset = per;
            if let NodeState::Queue { processing, .. } = &mut n.state {
                processing.reset(Period::Run);
            }
            if let NodeState::Service { calls, .. } | NodeState::Queue { calls, .. } = &mut n.state
            {
                for rt in calls {
                    rt.timeouts = 0;
                    rt.acquire_timeouts = 0;
                }
            }
        }
        self.system.latency.reset(Period::Run);
    }

    pub(super) fn close_window(&mut self) {
        let tails = self.window_tails();
        let now = self.now;
        let start = self.window_start;
        let secs = now.saturating_sub(start).as_secs_f64();
        let dt_ns = now.saturating_sub(start).0 as f64;
        let mut nodes = Vec::with_capacity(self.nodes.len());
        for i in 0..self.nodes.len() {
            let oldest = oldest_message(self, &self.nodes[i]);
            let n = &mut self.nodes[i];
            let areas = n.window_areas(now);
            n.stats.advance_presence(now);
            let d = areas.minus(&n.stats.areas_at_window);
            let has_workers = n.has_workers();
            let counts = n.stats.window_counts;
            let present_area = n.stats.present_area;
            let processing = match &mut n.state {
                NodeState::Queue { processing, .. } => {
                    let s = processing.stats(Period::Window);
                    processing.reset(Period::Window);
                    Some(s)
                }
                _ => None,
            };
            nodes.push(NodeWindow {
                counts,
                utilisation: if has_workers {
                    ratio(d.busy as f64, d.capacity as f64)
                } else {
                    None
                },
                mean_queue_len: if has_workers {
                    let present = present_area.saturating_sub(n.stats.present_area_at_window);
                    ratio(queued_area(&n.state, &d, present) as f64, dt_ns)
                } else {
                    None
                },
                mean_present: ratio(
                    present_area.saturating_sub(n.stats.present_area_at_window) as f64,
                    dt_ns,
                )
                .unwrap_or(0.0),
                sojourn: n.stats.sojourn.stats(Period::Window),
                hit_ratio: ratio(counts.hits as f64, (counts.hits + counts.misses) as f64),
                workers: n.workers_now(),
                replicas: n.stations().map(|_| n.billable_replicas()),
                backlog: backlog(n),
                oldest_message_ms: oldest.map(SimTime::as_millis_f64),
                processing,
                down: n.all_down(),
            });
            n.stats.areas_at_window = areas;
            n.stats.present_area_at_window = present_area;
            n.stats.window_counts = Default::default();
            n.stats.sojourn.reset(Period::Window);
        }
        let counts = self.system.window_counts;
        let window = Window {
            start,
            end: now,
            counts,
            throughput_rps: ratio(counts.completed as f64, secs).unwrap_or(0.0),
            latency: self.system.latency.stats(Period::Window),
            in_flight: self.in_flight_total,
            cost_per_hour: self.nodes.iter().map(NodeRt::cost_per_hour).sum(),
            nodes,
            tails,
        };
        self.system.window_counts = Default::default();
        self.system.latency.reset(Period::Window);
        self.window_start = now;
        let keep = (MAX_KEPT_CELLS / (self.nodes.len() + 1)).max(16);
        while self.windows.len() >= keep {
            self.windows.pop_front();
            self.windows_dropped += 1;
        }
        self.windows.push_back(window);
    }

    /// For each latency objective with an upper bound, the current
    /// window's latencies at or above it (of the node's processing or
    /// sojourn, as the objective's figure takes them).
    fn window_tails(&self) -> Vec<LatencyTail> {
        let mut tails = Vec::new();
        for o in &self.model.objectives {
            let (Bound::Below(x), Some(_)) = (o.bound, o.metric.tail_share()) else {
                continue;
            };
            let node = match &o.of {
                None => None,
                Some(Scope::Node(id)) => match self.model.node_index(id) {
                    Some(i) => Some(i),
                    None => continue,
                },
                Some(_) => continue,
            };
            let h = match node.map(|i| &self.nodes[i]) {
                None => &self.system.latency,
                Some(n) => match &n.state {
                    NodeState::Queue { processing, .. } => processing,
                    _ => &n.stats.sojourn,
                },
            };
            let bound = SimTime::from_secs_f64(x);
            tails.push(LatencyTail {
                node,
                bound,
                at_or_above: h.count_at_or_above(bound.0, Period::Window),
                of: h.len(Period::Window),
            });
        }
        tails
    }

    /// Closes the current, partial window (at the end of a run). A window
    /// of zero length is closed too if something happened in it (events at
    /// the very instant a window ended).
    pub fn flush_window(&mut self) {
        let touched = self.system.window_counts != Default::default()
            || self
                .nodes
                .iter()
                .any(|n| n.stats.window_counts != Default::default());
        if self.now > self.window_start || touched {
            self.close_window();
        }
    }

    /// Takes the windows closed since the last call (oldest first).
    pub fn take_windows(&mut self) -> Vec<Window> {
        self.windows.drain(..).collect()
    }

    /// Windows closed and not yet taken (the most recent, bounded).
    pub fn windows(&self) -> &VecDeque<Window> {
        &self.windows
    }

    /// Windows discarded because nobody took them and the buffer was full.
    pub fn windows_dropped(&self) -> u64 {
        self.windows_dropped
    }

    /// Autoscaler decisions so far.
    pub fn scale_events(&self) -> &[super::ScaleEvent] {
        &self.scale_events
    }

    /// The measured requests still unanswered (one per request, its
    /// holder at the top: no call leg, queue message or flush), with how
    /// long each has been in the system: latency figures see a request
    /// only once it is answered, so a line that never drains hides its
    /// slowest requests from them.
    pub fn unfinished_ages(&self) -> Vec<SimTime> {
        let mut free = vec![false; self.visits.len()];
        for &f in &self.free_visits {
            free[f as usize] = true;
        }
        let mut open: Vec<(u64, SimTime)> = (self.visits.iter().zip(&free))
            .filter(|(v, free)| {
                !**free && v.parent == NONE && !v.leg && !v.answered && v.req.counted
            })
            .map(|(v, _)| (v.req.id, self.now.saturating_sub(v.req.created)))
            .collect();
        open.sort_unstable_by_key(|(id, _)| *id);
        open.dedup_by_key(|(id, _)| *id);
        open.into_iter().map(|(_, age)| age).collect()
    }

    /// [`Simulation::summary`] with the system's latency figures counting
    /// each unanswered request at its age so far (a lower bound of its
    /// latency): what an exam judges, so that a line left to grow cannot
    /// make a design look fast.
    ///
    /// A run where nothing was answered and requests failed keeps no
    /// latency (as `summary`): the few still waiting at the end would
    /// otherwise make a fast p99 of a design that failed every request.
    pub fn summary_counting_unfinished(&mut self) -> Summary {
        let mut summary = self.summary();
        if summary.counts.completed == 0 && summary.counts.failed() > 0 {
            return summary;
        }
        summary.latency = self.latency_counting(&self.unfinished_ages());
        summary
    }

    /// The system's latency over the measured period with `ages` (from
    /// [`Simulation::unfinished_ages`]) counted as answered at those ages.
    pub fn latency_counting(&self, ages: &[SimTime]) -> LatencyStats {
        if ages.is_empty() {
            return self.system.latency.stats(Period::Run);
        }
        let mut latency = self.system.latency.clone();
        for &age in ages {
            latency.record(age, true);
        }
        latency.stats(Period::Run)
    }

    /// Results over the measured period so far.
    pub fn summary(&mut self) -> Summary {
        let now = self.now;
        let warmup = self.model.warmup;
        let measured = now.saturating_sub(warmup);
        let secs = measured.as_secs_f64();
        let mns = measured.0 as f64;
        let nodes = (0..self.nodes.len())
            .map(|i| self.node_summary(i, secs, mns))
            .collect();
        let c = self.system.counts;
        let (classes, workloads) = self.group_summaries(secs);
        Summary {
            now,
            warmup,
            measured,
            counts: c,
            in_flight: self.system.in_flight,
            throughput_rps: ratio(c.completed as f64, secs).unwrap_or(0.0),
            latency: self.system.latency.stats(Period::Run),
            error_rate: ratio(c.failed() as f64, (c.completed + c.failed()) as f64),
            dead_lettered: self
                .nodes
                .iter()
                .map(|n| n.stats.counts.dead_lettered)
                .sum(),
            data_lost: self.nodes.iter().map(|n| n.stats.counts.data_lost).sum(),
            cost_per_hour: self.nodes.iter().map(NodeRt::cost_per_hour).sum(),
            nodes,
            classes,
            workloads,
            scale_events: self.scale_events.clone(),
            stopped: self.stopped.clone(),
            transfer: self.transfer_summary(measured),
        }
    }

    /// Node `i`'s part of the summary, over `secs` (`mns` ns) measured.
    fn node_summary(&mut self, i: usize, secs: f64, mns: f64) -> NodeSummary {
        let now = self.now;
        let warmup = self.model.warmup;
        let kind = self.model.nodes[i].kind.name();
        let oldest = oldest_message(self, &self.nodes[i]);
        let in_line = waiting(self, &self.nodes[i]);
        let names: Vec<String> = self.nodes[i]
            .calls()
            .iter()
            .map(|c| self.nodes.get(c.to).map_or(String::new(), |t| t.id.clone()))
            .collect();
        let n = &mut self.nodes[i];
        let areas = n.areas(now);
        n.stats.advance_presence(now);
        let started = now >= warmup;
        let d = if started {
            areas.minus(&n.stats.areas_at_reset)
        } else {
            Areas::default()
        };
        let per_station = replica_utilisations(n, now, started);
        let has_workers = n.has_workers();
        let no_calls = Vec::new();
        let (processing, breakers) = match &n.state {
            NodeState::Queue {
                processing, calls, ..
            } => (Some(processing.stats(Period::Run)), calls),
            NodeState::Service { calls, .. } => (None, calls),
            _ => (None, &no_calls),
        };
        let call_timeouts_to = breakers
            .iter()
            .zip(&names)
            .filter(|(rt, _)| rt.timeouts + rt.acquire_timeouts > 0)
            .map(|(rt, name)| (name.clone(), rt.timeouts, rt.acquire_timeouts))
            .collect();
        let breakers = breakers
            .iter()
            .zip(&names)
            .filter_map(|(rt, name)| {
                rt.breaker
                    .as_ref()
                    .map(|b| (name.clone(), b.state.name(), b.trips))
            })
            .collect();
        let s = &n.stats;
        NodeSummary {
            id: n.id.clone(),
            kind,
            counts: s.counts,
            utilisation: if has_workers {
                ratio(d.busy as f64, d.capacity as f64)
            } else {
                None
            },
            mean_queue_len: if has_workers {
                let present = s.present_area.saturating_sub(s.present_area_at_reset);
                ratio(queued_area(&n.state, &d, present) as f64, mns)
            } else {
                None
            },
            mean_present: ratio(
                s.present_area.saturating_sub(s.present_area_at_reset) as f64,
                mns,
            )
            .unwrap_or(0.0),
            mean_wait_ms: ratio(s.wait_sum_ns as f64 / 1e6, s.waits as f64),
            started: s.waits,
            sojourn: s.sojourn.stats(Period::Run),
            mean_stay_ms: ratio(s.stay_sum_ns as f64 / 1e6, s.departures as f64),
            departure_rate: ratio(s.departures as f64, secs).unwrap_or(0.0),
            hit_ratio: ratio(
                s.counts.hits as f64,
                (s.counts.hits + s.counts.misses) as f64,
            ),
            workers: n.workers_now(),
            replicas: n.stations().map(|_| n.billable_replicas()),
            cost_per_hour: n.cost_per_hour(),
            replica_utilisation: per_station,
            processing,
            backlog: backlog(n),
            oldest_message_ms: oldest.map(SimTime::as_millis_f64),
            data_at_risk: data_at_risk(n),
            hops_exceeded: match &n.state {
                NodeState::Queue { spec, .. } if spec.max_hops.is_some() => {
                    Some(n.stats.counts.hops_exceeded)
                }
                _ => None,
            },
            fallbacks: n
                .calls()
                .iter()
                .any(|c| c.fallback.is_some())
                .then_some((s.counts.fallbacks, s.counts.fallbacks_failed)),
            breakers,
            call_timeouts_to,
            waiting: in_line.map(|(c, _, _)| c),
            mean_waiting_ms: in_line.and_then(|(c, total, _)| ratio(total as f64 / 1e6, c as f64)),
            oldest_waiting_ms: in_line
                .filter(|&(c, _, _)| c > 0)
                .map(|(_, _, l)| SimTime(l).as_millis_f64()),
            down: n.down,
        }
    }

    /// A plain-data picture of now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            now: self.now,
            in_flight: self.in_flight_total,
            counts: self.system.counts,
            events_processed: self.events_processed,
            partitions: self.partitions.clone(),
            nodes: (self.nodes.iter().zip(&self.model.nodes))
                .map(|(n, m)| self.node_snapshot(n, m.kind.name()))
                .collect(),
        }
    }

    /// One node's part of the snapshot (`kind` as `NodeKind::name`).
    fn node_snapshot(&self, n: &NodeRt, kind: &'static str) -> NodeSnapshot {
        NodeSnapshot {
            id: n.id.clone(),
            kind,
            present: n.stats.present,
            replicas: replica_snapshots(n, self.now),
            cache_keys: match &n.state {
                NodeState::Cache { store, .. } => Some(store.len() as u64),
                _ => None,
            },
            counts: n.stats.counts,
            down: n.down,
            slow: n.slow,
            breakers: self.breaker_states(n),
            scale_target: match &n.state {
                NodeState::Service {
                    scaling: Some(sc), ..
                } => Some(sc.target),
                _ => None,
            },
            oldest_message: oldest_message(self, n),
            data_at_risk: data_at_risk(n),
        }
    }

    /// (callee id, state) of each of `n`'s calls that has a breaker.
    fn breaker_states(&self, n: &NodeRt) -> Vec<(String, BreakerState)> {
        let rts = match &n.state {
            NodeState::Service { calls, .. } | NodeState::Queue { calls, .. } => calls.as_slice(),
            _ => &[],
        };
        let callee = |to: usize| self.nodes.get(to).map_or(String::new(), |t| t.id.clone());
        rts.iter()
            .zip(n.calls())
            .filter_map(|(rt, c)| rt.breaker.as_ref().map(|b| (callee(c.to), b.state)))
            .collect()
    }
}
