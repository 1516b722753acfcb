//! Counters, HdrHistograms and time integrals per node and end to end, reduced to summaries and time-series windows.

use crate::sim::latency_histogram::{LatencyHistogram, Period};
use crate::sim::station::Areas;
use crate::sim::time::SimTime;

/// Why a request (or a visit to a node) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureCause {
    /// A full queue turned it away (or no replica was up).
    Rejected,
    /// A node's timeout expired before it answered.
    TimedOut,
    /// The in-flight cap was reached; it never entered the system.
    Dropped,
    /// A node it needed was down (crashed) or cut off (partition).
    Error,
    /// Refused on purpose by a service's load shedding: its line was as
    /// long as the request's `shed` threshold.
    Shed,
    /// A rate limiter refused it: counted as `Rejected` everywhere, and
    /// apart as `limited` (the limiter working, not a fault).
    Limited,
}

/// Latency figures in milliseconds; `None` when nothing was measured
/// (and `p999_ms` always `None` in time-series windows).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencyStats {
    pub count: u64,
    pub mean_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

/// Event counts of one node over some period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeCounts {
    /// Visits that reached the node.
    pub arrived: u64,
    /// Visits the node answered successfully (or forwarded on).
    pub completed: u64,
    /// Turned away by a full queue (or no active replica).
    pub rejected: u64,
    /// Refused by load shedding (`shed`): not counted in `rejected`.
    pub shed: u64,
    /// Answered as failed because the node's timeout expired.
    pub timed_out: u64,
    /// Answered as failed because something it called failed.
    pub failed_downstream: u64,
    /// Cache lookups that found a fresh entry.
    pub hits: u64,
    /// Cache lookups that did not.
    pub misses: u64,
    /// Call attempts beyond the first (retries) made from this node.
    pub retries: u64,
    /// Calls from this node that failed after at least one retry.
    pub gave_up: u64,
    /// Calls failed fast by an open circuit breaker.
    pub short_circuited: u64,
    /// Visits failed because the node (or a node it sent to) was down or
    /// cut off.
    pub errors: u64,
    /// Database reads served by a replica before the key's last write
    /// reached it.
    pub stale_reads: u64,
    /// Cache misses that waited for a fetch already out (single flight).
    pub coalesced: u64,
    /// Queue messages processed successfully.
    pub processed: u64,
    /// Queue messages delivered again (failure or visibility timeout).
    pub redelivered: u64,
    /// Queue messages given up on after `max_attempts`.
    pub dead_lettered: u64,
    /// Write-back writes lost because the cache crashed before flushing.
    pub data_lost: u64,
    /// Write-back writes a flush sent that the store refused or failed:
    /// kept dirty for the next flush (lost, in `data_lost`, if the cache
    /// was down by the time the store answered).
    pub flushes_failed: u64,
    /// Call attempts from this node that it gave up on because the call's
    /// `timeout` expired (the callee was not answering in time).
    pub call_timeouts: u64,
    /// Calls from this node that failed because no pooled connection came
    /// within `acquire_timeout`.
    pub acquire_timeouts: u64,
    /// External services: calls refused by their rate limit.
    pub throttled: u64,
    /// External services: calls refused by their concurrency limit.
    pub over_concurrency: u64,
    /// External services: calls answered with an error (`error_rate`).
    pub error_responses: u64,
    /// Queues closing a loop: messages dropped because they had passed
    /// through `max_hops` times already.
    pub hops_exceeded: u64,
    /// Calls from this node that failed for good and asked their
    /// `fallback` instead.
    pub fallbacks: u64,
    /// Of those, the ones whose fallback failed too.
    pub fallbacks_failed: u64,
}

/// Running statistics of one node.
#[derive(Clone)]
pub(crate) struct NodeStats {
    pub counts: NodeCounts,
    pub window_counts: NodeCounts,
    /// Arrival → successful answer, for the measured period and the
    /// current window.
    pub sojourn: LatencyHistogram,
    /// Arrival → start of service (stations only).
    pub wait_sum_ns: u128,
    pub waits: u64,
    /// Visits physically present (waiting, served, calling, or still
    /// finishing after a timeout), its time integral and the total
    /// physical stay of visits that left: Little's law L = λ W.
    pub present: u64,
    pub present_area: u128,
    pub present_last: SimTime,
    pub stay_sum_ns: u128,
    pub departures: u64,
    /// Station integrals at the start of the measured period / window.
    pub areas_at_reset: Areas,
    /// Each station's integrals at the start of the measured period.
    pub station_areas_at_reset: Vec<Areas>,
    pub areas_at_window: Areas,
    pub present_area_at_window: u128,
    /// `present_area` at the start of the measured period.
    pub present_area_at_reset: u128,
}

impl Default for NodeStats {
    fn default() -> Self {
        NodeStats {
            counts: NodeCounts::default(),
            window_counts: NodeCounts::default(),
            sojourn: LatencyHistogram::default(),
            wait_sum_ns: 0,
            waits: 0,
            present: 0,
            present_area: 0,
            present_last: SimTime::ZERO,
            stay_sum_ns: 0,
            departures: 0,
            areas_at_reset: Areas::default(),
            station_areas_at_reset: Vec::new(),
            areas_at_window: Areas::default(),
            present_area_at_window: 0,
            present_area_at_reset: 0,
        }
    }
}

impl NodeStats {
    pub fn advance_presence(&mut self, now: SimTime) {
        let dt = u128::from(now.0.saturating_sub(self.present_last.0));
        self.present_area += dt * u128::from(self.present);
        self.present_last = now;
    }
    pub fn enter(&mut self, now: SimTime) {
        self.advance_presence(now);
        self.present += 1;
    }
    pub fn leave(&mut self, now: SimTime, arrived_at: SimTime) {
        self.advance_presence(now);
        self.present = self.present.saturating_sub(1);
        self.stay_sum_ns += u128::from(now.0.saturating_sub(arrived_at.0));
        self.departures += 1;
    }
    /// Restarts the measured period at `now` (end of warm-up).
    pub fn reset(&mut self, now: SimTime, areas: Areas) {
        self.advance_presence(now);
        self.counts = NodeCounts::default();
        self.sojourn.reset(Period::Run);
        self.wait_sum_ns = 0;
        self.waits = 0;
        self.present_area_at_reset = self.present_area;
        self.stay_sum_ns = 0;
        self.departures = 0;
        self.areas_at_reset = areas;
    }
}

/// End-to-end counts over some period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemCounts {
    pub arrived: u64,
    pub completed: u64,
    pub rejected: u64,
    pub timed_out: u64,
    pub dropped: u64,
    /// Failed because a node was down or cut off.
    pub errored: u64,
    /// Refused by a service's load shedding.
    pub shed: u64,
    /// Of `rejected`, those a rate limiter refused.
    pub limited: u64,
}

impl SystemCounts {
    pub fn failed(&self) -> u64 {
        self.rejected + self.timed_out + self.dropped + self.errored + self.shed
    }
    pub fn add_failure(&mut self, cause: FailureCause) {
        match cause {
            FailureCause::Rejected => self.rejected += 1,
            FailureCause::Limited => {
                self.rejected += 1;
                self.limited += 1;
            }
            FailureCause::TimedOut => self.timed_out += 1,
            FailureCause::Dropped => self.dropped += 1,
            FailureCause::Error => self.errored += 1,
            FailureCause::Shed => self.shed += 1,
        }
    }
}

#[derive(Clone, Default)]
pub(crate) struct SystemStats {
    /// Requests that arrived after warm-up, and their fates.
    pub counts: SystemCounts,
    /// Of those, still in the system.
    pub in_flight: u64,
    /// End-to-end latency: of those (`Period::Run`), and of every request
    /// in the current window, warm-up or not (`Period::Window`).
    pub latency: LatencyHistogram,
    /// Every request in the current window, warm-up or not.
    pub window_counts: SystemCounts,
    /// The measured requests of each class (`Model::classes`).
    pub classes: Vec<GroupStats>,
    /// The measured requests of each workload, when there are several (at
    /// most `BREAKDOWN_WORKLOADS`) or the model has classes; else empty.
    pub workloads: Vec<GroupStats>,
    /// `classes` or `workloads` is kept.
    pub grouped: bool,
}

/// Most workloads whose requests are counted apart (each keeps a latency
/// histogram); beyond, only the totals are.
pub const BREAKDOWN_WORKLOADS: usize = 100;

impl SystemStats {
    /// Empty statistics, with the per-class and per-workload groups
    /// `model` asks for.
    pub fn for_model(model: &crate::sim::model::Model) -> Self {
        let n = model.workloads.len();
        let by_workload = (n > 1 || !model.classes.is_empty()) && n <= BREAKDOWN_WORKLOADS;
        let classes = vec![GroupStats::default(); model.classes.len()];
        let workloads = if by_workload {
            vec![GroupStats::default(); n]
        } else {
            Vec::new()
        };
        SystemStats {
            grouped: !classes.is_empty() || !workloads.is_empty(),
            classes,
            workloads,
            ..SystemStats::default()
        }
    }

    /// The groups a request of `workload` and `class` counts in.
    pub fn groups_mut(
        &mut self,
        workload: usize,
        class: Option<crate::sim::model::ClassIdx>,
    ) -> impl Iterator<Item = &mut GroupStats> {
        let by_class = class.and_then(|c| self.classes.get_mut(usize::from(c)));
        self.workloads.get_mut(workload).into_iter().chain(by_class)
    }
}

/// End-to-end counts and latency of the measured requests of one class or
/// one workload.
#[derive(Clone, Default)]
pub(crate) struct GroupStats {
    pub counts: SystemCounts,
    pub latency: LatencyHistogram,
}

/// One class's or workload's results over the measured period.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSummary {
    /// The class or workload name.
    pub name: String,
    /// A class's type underneath (`None` for a workload).
    pub op: Option<crate::sim::model::RequestKind>,
    pub counts: SystemCounts,
    /// Completed per second.
    pub throughput_rps: f64,
    pub latency: LatencyStats,
    /// Failed / (completed + failed); `None` before anything finished.
    pub error_rate: Option<f64>,
}

/// Results for one node over the measured period.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeSummary {
    pub id: String,
    pub kind: &'static str,
    pub counts: NodeCounts,
    /// Busy worker-time / worker-time available; `None` for nodes without
    /// workers (load balancers, caches).
    pub utilisation: Option<f64>,
    /// Time-average number waiting in line (all replicas together).
    pub mean_queue_len: Option<f64>,
    /// Time-average number of visits present (L in Little's law).
    pub mean_present: f64,
    /// Mean wait in line before service; `None` if nothing started.
    pub mean_wait_ms: Option<f64>,
    /// Visits that started service (the count behind `mean_wait_ms`).
    pub started: u64,
    /// Arrival → successful answer at this node.
    pub sojourn: LatencyStats,
    /// Mean physical stay of visits that left (W in Little's law).
    pub mean_stay_ms: Option<f64>,
    /// Visits that left per second (λ in Little's law).
    pub departure_rate: f64,
    /// Hits / (hits + misses) for caches with lookups; else `None`.
    pub hit_ratio: Option<f64>,
    /// Workers now (all active replicas), or `None`.
    pub workers: Option<u32>,
    /// Replicas or instances now (active), or `None`.
    pub replicas: Option<u32>,
    /// Dollars per hour for the current replicas.
    pub cost_per_hour: f64,
    /// Utilisation of each replica / instance (database: shard by shard,
    /// primary first) over the measured period.
    pub replica_utilisation: Vec<Option<f64>>,
    /// Queues: enqueue → processed, for messages processed.
    pub processing: Option<LatencyStats>,
    /// Queues: messages stored or in processing now.
    pub backlog: Option<u64>,
    /// Queues: age of the oldest message waiting now, in ms.
    pub oldest_message_ms: Option<f64>,
    /// Write-back caches: writes acknowledged but not yet in the store.
    pub data_at_risk: Option<u64>,
    /// Queues closing a loop (`max_hops`): messages dropped at the bound.
    pub hops_exceeded: Option<u64>,
    /// Nodes with a call that has a `fallback`: calls that failed for good
    /// and asked it, and of those the ones whose fallback failed too.
    pub fallbacks: Option<(u64, u64)>,
    /// Breakers on this node's calls: (callee id, state, times tripped).
    pub breakers: Vec<(String, &'static str, u64)>,
    /// Visits waiting in line now (all replicas; a queue's stored
    /// messages not in processing), or `None` for nodes without workers.
    pub waiting: Option<u64>,
    /// How long the visits waiting now have waited so far: mean and
    /// longest, in ms (`None` when nothing waits). `mean_wait_ms` counts
    /// only visits that started, so a line that never moves shows there
    /// as a short wait; these show it.
    pub mean_waiting_ms: Option<f64>,
    pub oldest_waiting_ms: Option<f64>,
    /// Per call entry that timed out in the measured period: (callee id,
    /// attempts timed out, calls that found no pooled connection in time).
    pub call_timeouts_to: Vec<(String, u64, u64)>,
    /// Node is crashed as a whole.
    pub down: bool,
}

/// Results of a run (or of the run so far) over the measured period
/// (after warm-up).
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub now: SimTime,
    pub warmup: SimTime,
    /// Simulated time measured: now − warm-up.
    pub measured: SimTime,
    pub counts: SystemCounts,
    pub in_flight: u64,
    pub throughput_rps: f64,
    pub latency: LatencyStats,
    /// Failed / (completed + failed); `None` before anything finished.
    pub error_rate: Option<f64>,
    /// Work acknowledged to its producer and then given up: queue messages
    /// dead-lettered after `max_attempts`, and write-back writes lost in a
    /// cache crash, in the measured period (all nodes).
    pub dead_lettered: u64,
    pub data_lost: u64,
    pub cost_per_hour: f64,
    pub nodes: Vec<NodeSummary>,
    /// Per request class, in `Model::classes` order (empty without classes).
    pub classes: Vec<GroupSummary>,
    /// Per workload, when the model has several workloads or classes
    /// (else empty: the totals are the one workload's).
    pub workloads: Vec<GroupSummary>,
    /// Autoscaler decisions, in time order.
    pub scale_events: Vec<crate::sim::components::autoscaler::ScaleEvent>,
    /// Why the run stopped early (a safety cap), if it did.
    pub stopped: Option<String>,
    /// Bytes moved and egress billed, when the model has payloads.
    pub transfer: Option<TransferSummary>,
}

/// The bytes of the measured requests (arrived after the warm-up) and the
/// egress they were billed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransferSummary {
    /// The users' side: the classes' `request_bytes` of every request,
    /// `response_bytes` of every successful answer.
    pub bytes_from_users: u64,
    pub bytes_to_users: u64,
    /// Calls' payloads: every attempt's request and every successful answer.
    pub link_bytes: u64,
    /// The bytes billed as egress (to the users from a node with
    /// `egress_per_gb`, across zone links with one), and their price in
    /// dollars.
    pub egress_bytes: u64,
    pub egress_cost: f64,
    /// `egress_cost` over the measured hours.
    pub egress_cost_per_hour: f64,
}

impl Summary {
    /// Acknowledged work given up: dead-lettered messages plus lost
    /// write-back writes.
    pub fn lost_after_ack(&self) -> u64 {
        self.dead_lettered + self.data_lost
    }

    /// The egress bill in dollars per hour (0 without payloads or prices).
    pub fn egress_cost_per_hour(&self) -> f64 {
        self.transfer
            .as_ref()
            .map_or(0.0, |t| t.egress_cost_per_hour)
    }

    /// The machines' bill plus the egress bill, dollars per hour.
    pub fn total_cost_per_hour(&self) -> f64 {
        self.cost_per_hour + self.egress_cost_per_hour()
    }

    /// Reads served stale by a read replica (all databases), measured period.
    pub fn stale_reads(&self) -> u64 {
        self.nodes.iter().map(|n| n.counts.stale_reads).sum()
    }
}

impl NodeSummary {
    /// The mean wait counting the visits still waiting with their wait so
    /// far (a lower bound of their final wait); `None` when nothing started
    /// or waits.
    pub fn mean_wait_so_far_ms(&self) -> Option<f64> {
        let waiting = self.waiting.unwrap_or(0);
        let total = self.mean_wait_ms.unwrap_or(0.0) * self.started as f64
            + self.mean_waiting_ms.unwrap_or(0.0) * waiting as f64;
        ratio(total, (self.started + waiting) as f64)
    }
}

/// One node's figures over one time-series window.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeWindow {
    pub counts: NodeCounts,
    pub utilisation: Option<f64>,
    pub mean_queue_len: Option<f64>,
    pub mean_present: f64,
    pub sojourn: LatencyStats,
    pub hit_ratio: Option<f64>,
    pub workers: Option<u32>,
    /// Replicas billed: serving or starting (not draining, not crashed).
    pub replicas: Option<u32>,
    /// Queues: messages stored or in processing at the window's end.
    pub backlog: Option<u64>,
    /// Queues: age of the oldest waiting message at the window's end, ms.
    pub oldest_message_ms: Option<f64>,
    /// Queues: enqueue → processed for messages processed in the window.
    pub processing: Option<LatencyStats>,
    /// Down as a whole at the window's end (crashed, or every replica).
    pub down: bool,
}

/// One closed time-series window: the system and every node.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub start: SimTime,
    pub end: SimTime,
    /// Requests that arrived in the window, and those that finished in it.
    pub counts: SystemCounts,
    pub throughput_rps: f64,
    /// Latency of requests that completed in the window.
    pub latency: LatencyStats,
    pub in_flight: u64,
    pub cost_per_hour: f64,
    pub nodes: Vec<NodeWindow>,
    /// Per latency objective with an upper bound (p50 to p99.9): how many
    /// of the window's latencies were at or above the bound. A window's
    /// p99 of forty requests is its slowest one; this count tells a tail
    /// a design that meets its bound gives by chance from one it does not.
    pub tails: Vec<LatencyTail>,
}

/// The window's latencies at or above one objective's bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatencyTail {
    /// The objective's node (its place in the model), or the whole system.
    pub node: Option<usize>,
    pub bound: SimTime,
    /// Latencies at or above `bound` (in its histogram bucket or higher).
    pub at_or_above: u64,
    /// Latencies in the window.
    pub of: u64,
}

/// `num / den`, or `None` when `den` is zero.
pub(crate) fn ratio(num: f64, den: f64) -> Option<f64> {
    if den > 0.0 && num.is_finite() {
        Some(num / den)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_report_percentiles_in_ms_and_none_when_empty() {
        let mut l = LatencyHistogram::default();
        assert_eq!(l.stats(Period::Run).p99_ms, None);
        for i in 1..=1000u64 {
            l.record(SimTime::from_millis(i), true);
        }
        let s = l.stats(Period::Run);
        assert_eq!(s.count, 1000);
        assert!((s.mean_ms.unwrap() - 500.5).abs() < 1e-9);
        assert!((s.p99_ms.unwrap() / 990.0 - 1.0).abs() < 0.002);
        assert!((s.max_ms.unwrap() / 1000.0 - 1.0).abs() < 0.002);
    }
}
