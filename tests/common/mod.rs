//! Shared helpers for the engine tests: models from scenario text, a random-topology strategy with live commands, and sanity checks on summaries.
//!
//! (`tests/common/mod.rs` rather than `tests/common.rs`: Cargo would build
//! the latter as a test crate of its own.)

#![allow(dead_code)]

use std::fmt::Write as _;

use loadlab::scenario;
use loadlab::sim::dist::{Dist, Z99};
use loadlab::sim::metrics::NodeSummary;
use loadlab::sim::model::{
    CachePolicy, Jitter, LbAlgorithm, Model, NodeKind, RequestKind, ScheduledEvent,
};
use loadlab::sim::{Command, SimTime, Simulation};
use proptest::prelude::*;

// ---- models -------------------------------------------------------------

/// The model a scenario text describes; panics with the diagnostics if the
/// loader refuses it. (Tests build models from TOML rather than struct
/// literals: the file format is the stable contract, the structs grow.)
pub fn load(text: &str) -> Model {
    scenario::load_str(text, "test.toml", &[])
        .unwrap_or_else(|d| panic!("{}\n--- scenario ---\n{text}", scenario::render(&d)))
}

/// Runs to `t`, failing (instead of hanging) if the clock is stuck: 3M
/// events without the clock moving (far more than any instant of these
/// small models holds), or a safety cap that stopped the run. A busy
/// model (a closed loop with zero think time against a 1 µs timeout sends
/// millions of requests a second) only takes longer.
pub fn run_to(sim: &mut Simulation, t: SimTime) {
    loop {
        let from = sim.now();
        if sim.run_until_budget(t, 3_000_000) {
            return;
        }
        assert!(
            sim.now() > from && sim.stopped().is_none(),
            "3M events at {from} towards {t} without the clock moving ({})",
            sim.stopped().unwrap_or("no safety cap hit")
        );
    }
}

/// Runs `text` with `seed`, checking the books at each quarter of its
/// duration, drains it (within a minute) and checks them again: the
/// summary of the run.
pub fn run_checked(text: &str, seed: u64) -> loadlab::sim::Summary {
    let (mut sim, mut windows) = quarters(text, seed);
    assert!(drain(&mut sim, SimTime::from_secs(60)));
    check_books(&mut sim, &mut windows);
    sim.summary()
}

/// `text` run with `seed` to its end, the books checked at each quarter:
/// the simulation and the windows seen.
fn quarters(text: &str, seed: u64) -> (Simulation, Vec<loadlab::sim::Window>) {
    let model = load(text);
    let end = model.duration;
    let mut sim = Simulation::new(model, seed);
    let mut windows = Vec::new();
    for k in 1..=4 {
        run_to(&mut sim, SimTime(end.0 / 4 * k));
        check_books(&mut sim, &mut windows);
    }
    (sim, windows)
}

// ---- sanity of reported numbers ---------------------------------------

// Shared with the fuzz targets (`fuzz/`), which check the same promises.
#[allow(unused_imports)]
pub use loadlab::fuzzing::{
    assert_latency_sane, assert_node_sane, assert_summary_sane, assert_window_sane, check_books,
};

/// L and λW of one node, both in visits.
pub fn little(n: &NodeSummary) -> (f64, f64) {
    let lambda_w = n.departure_rate * n.mean_stay_ms.unwrap_or(0.0) / 1000.0;
    (n.mean_present, lambda_w)
}

// ---- random topologies ------------------------------------------------

/// One node of a random topology. Targets are selectors, resolved to a
/// later node (index > own) when the model is built, so the graph is
/// acyclic by construction.
#[derive(Clone, Debug)]
pub struct NodePlan {
    /// 0 load balancer, 1 service, 2 cache, 3 database, 4 rate limiter,
    /// 5 queue, 6 topic, 7 external.
    pub kind: u8,
    pub replicas: u32,
    pub workers: u32,
    pub queue: Option<u32>,
    pub service_time: Dist,
    pub write_time: Option<Dist>,
    pub timeout: Option<SimTime>,
    pub calls: Vec<(usize, Option<WhenPlan>)>,
    pub forward: Vec<(usize, Option<WhenPlan>)>,
    pub algorithm: LbAlgorithm,
    pub weights: Vec<u32>,
    pub capacity: u64,
    pub policy: CachePolicy,
    pub ttl: Option<SimTime>,
    pub on_miss: Option<usize>,
    pub extras: NodeExtras,
}

/// The settings of the other node kinds and of calls, written into the
/// scenario file with the rest (the model is only ever built by the
/// loader, so the generator cannot make a model the loader refuses).
#[derive(Clone, Debug)]
pub struct NodeExtras {
    /// One per call, in order.
    pub policies: Vec<CallPolicyPlan>,
    /// The link of every forward route of a service.
    pub forward_latency: Option<Dist>,
    /// (queue depth?, target, min, max, interval, cooldown, cold start).
    pub autoscale: Option<(bool, f64, u32, u32, SimTime, SimTime, SimTime)>,
    /// 0 invalidate, 1 write-through, 2 write-back every `flush`.
    pub write_policy: u8,
    pub flush: SimTime,
    pub coalesce: bool,
    pub miss_penalty: Option<Dist>,
    pub edge: bool,
    pub replication_lag: Option<Dist>,
    pub shards: u32,
    /// (which algorithm, rate, burst / capacity / limit, window).
    pub limiter: (u8, f64, u32, SimTime),
    pub visibility_timeout: Option<SimTime>,
    pub max_attempts: u32,
    /// An external service's (error rate, rate limit and burst,
    /// concurrency).
    pub external: (f64, Option<(f64, u32)>, Option<u32>),
    /// (a queue's `max_hops`; a service's call back to an earlier queue
    /// that has one, closing a loop; a service's forwards split by
    /// shares adding up to this).
    pub loops: (Option<u32>, Option<usize>, Option<f64>),
    /// A service's `priority` entries and a `shed` entry (condition, line
    /// length; kept within `queue`).
    pub line: Option<LinePlan>,
}

/// Priority entries (repeats and unnamed classes dropped) and a shed entry.
pub type LinePlan = (Vec<WhenPlan>, Option<(WhenPlan, u32)>);

/// (consecutive failures, failure rate, window, open for, probes).
pub type BreakerPlan = (Option<u32>, Option<f64>, u32, SimTime, u32);

#[derive(Clone, Debug)]
pub struct CallPolicyPlan {
    pub timeout: Option<SimTime>,
    /// (max attempts, backoff, max backoff multiple, jitter, budget).
    pub retry: Option<(u32, SimTime, u32, u8, Option<f64>)>,
    /// (consecutive failures, failure rate, window, open for, probes).
    pub breaker: Option<BreakerPlan>,
    /// (size, acquire timeout).
    pub pool: Option<(u32, SimTime)>,
    pub latency: Option<Dist>,
    /// The call's request type, if not the request's own.
    pub op: Option<RequestKind>,
    /// 0 the request's key, 1 random, 2 derived; (count, Zipf exponent).
    pub key: (u8, u64, Option<f64>),
    pub fan: FanPlan,
    /// A selector of the call's `fallback` among the later nodes (none
    /// when it picks the callee).
    pub fallback: Option<usize>,
    /// The call's own work (`service_time`), written only when the callee
    /// works (a load balancer, service or database; the loader refuses it
    /// elsewhere).
    pub work: Option<Dist>,
}

/// A call's fan-out: (0 none, 1 a fixed `repeat` of `n`, 2 a Poisson one
/// of mean `n`, 3 a uniform one in 0..=n, 4 a hedge after `hedge`),
/// parallel or not, and the wait (0 all, 1 first, 2 a quorum of `k`).
#[derive(Clone, Debug)]
pub struct FanPlan {
    pub form: u8,
    pub n: u32,
    pub parallel: bool,
    pub wait: u8,
    pub k: u32,
    pub hedge: SimTime,
}

impl FanPlan {
    /// The fields of a call's inline table (`, repeat = …`).
    fn toml(&self) -> String {
        let repeat = match self.form {
            1 => format!(", repeat = {}", self.n),
            2 => format!(", repeat = {{ dist = \"poisson\", mean = {} }}", self.n),
            3 => format!(
                ", repeat = {{ dist = \"uniform\", min = 0, max = {} }}",
                self.n
            ),
            4 => return format!(", hedge = \"{}\"", ns(self.hedge)),
            _ => return String::new(),
        };
        if !self.parallel {
            return repeat;
        }
        let wait = match self.wait {
            0 => String::new(),
            1 => ", wait = \"first\"".to_string(),
            // A quorum must fit in a fixed repeat.
            _ if self.form == 1 => format!(", wait = {{ quorum = {} }}", self.k.min(self.n)),
            _ => format!(", wait = {{ quorum = {} }}", self.k),
        };
        format!("{repeat}, parallel = true{wait}")
    }
}

impl CallPolicyPlan {
    /// The policy as fields of a call's inline table (`, timeout = …`).
    fn toml(&self) -> String {
        let mut out = String::new();
        if let Some(t) = self.timeout {
            let _ = write!(out, ", timeout = \"{}\"", ns(t));
        }
        if let Some((attempts, backoff, k, jitter, budget)) = self.retry {
            let _ = write!(
                out,
                ", retry = {{ attempts = {attempts}, backoff = \"{}\", max_backoff = \"{}\", jitter = \"{}\"",
                ns(backoff),
                ns(SimTime(backoff.0 * u64::from(k))),
                Jitter::ALL[jitter as usize % Jitter::ALL.len()].name()
            );
            if let Some(b) = budget {
                let _ = write!(out, ", budget = {b:?}");
            }
            out.push_str(" }");
        }
        if let Some((consecutive, rate, window, open_for, probes)) = self.breaker {
            out.push_str(", breaker = { ");
            if let Some(c) = consecutive {
                let _ = write!(out, "consecutive_failures = {c}, ");
            }
            if let Some(r) = rate {
                let _ = write!(out, "failure_rate = {r:?}, ");
            }
            let _ = write!(
                out,
                "window = {window}, open_for = \"{}\", probes = {probes} }}",
                ns(open_for)
            );
        }
        if let Some((size, acquire)) = self.pool {
            let _ = write!(
                out,
                ", pool = {{ size = {size}, acquire_timeout = \"{}\" }}",
                ns(acquire)
            );
        }
        if let Some(l) = &self.latency {
            let _ = write!(out, ", latency = {}", dist_toml(l));
            // A payload too, from the same draw: as many bytes as the
            // link's nanoseconds, over 1 GB/s (a transfer as long as the
            // latency); the answer as big when the call has its own op.
            let _ = write!(out, ", request_bytes = {}", size_toml(l));
            if self.op.is_some() {
                let _ = write!(out, ", response_bytes = {}", size_toml(l));
            }
            out.push_str(", bandwidth = \"1GB/s\"");
        }
        if let Some(op) = self.op {
            let _ = write!(out, ", op = \"{}\"", op.name());
        }
        out.push_str(&self.fan.toml());
        let (key, count, zipf) = self.key;
        if key > 0 {
            let name = if key == 1 { "random" } else { "derived" };
            let popularity = match zipf {
                Some(s) => format!("popularity = \"zipf\", s = {s:?}"),
                None => "popularity = \"uniform\"".to_string(),
            };
            let _ = write!(
                out,
                ", key = \"{name}\", keys = {{ count = {count}, {popularity} }}"
            );
        }
        out
    }
}

/// A route's or call's condition: a request type, or a class chosen by a
/// selector (`% classes`; no condition when the plan has no class).
#[derive(Clone, Copy, Debug)]
pub enum WhenPlan {
    Kind(RequestKind),
    Class(usize),
}

/// A request class of a plan.
#[derive(Clone, Debug)]
pub struct ClassPlan {
    pub op: RequestKind,
}

#[derive(Clone, Debug)]
pub struct WorkloadPlan {
    pub target: usize,
    /// 0 Poisson, 1 constant, 2 closed.
    pub arrival: u8,
    pub rate: f64,
    pub users: u32,
    pub think: Dist,
    /// (at as a fraction of the duration, rate, ramp as a fraction).
    pub phases: Vec<(f64, f64, f64)>,
    pub read_fraction: f64,
    pub key_count: u64,
    pub zipf: Option<f64>,
    /// (class selector, weight): the workload sends classes (selectors
    /// `% classes`, weights normalised) instead of its `read_fraction`,
    /// when the plan has classes.
    pub classes: Option<Vec<(usize, f64)>>,
}

#[derive(Clone, Debug)]
pub struct CommandPlan {
    /// When, as a fraction of the duration.
    pub at: f64,
    pub which: u8,
    pub sel: usize,
    pub n: u32,
    pub dist: Dist,
    pub on: bool,
    pub frac: f64,
    /// Part of the model's scheduled events rather than applied live.
    pub scheduled: bool,
}

#[derive(Clone, Debug)]
pub struct ScenarioPlan {
    pub nodes: Vec<NodePlan>,
    pub workloads: Vec<WorkloadPlan>,
    pub duration_ms: u64,
    /// Warm-up as a fraction of the duration (0 = none).
    pub warmup: f64,
    pub window_ms: u64,
    pub max_in_flight: Option<usize>,
    pub commands: Vec<CommandPlan>,
    pub seed: u64,
    pub classes: Vec<ClassPlan>,
    /// Zones: node `i` is in zone `zones.0[i % len]` (`None`: no zone;
    /// an empty list: no zones at all), and `[[zone_link]]` tables
    /// between zones `(a, b)` for the pairs some node is in.
    pub zones: ZonesPlan,
}

/// Each node's zone (by index, cycling), and links between zones.
pub type ZonesPlan = (Vec<Option<u8>>, Vec<(u8, u8, Dist)>);

/// A duration distribution with a mean around `typical_ms`, of every kind
/// (constant zero included when `allow_zero`).
pub fn dist_strategy(typical_ms: f64, allow_zero: bool) -> BoxedStrategy<Dist> {
    let t = typical_ms / 1000.0;
    let zero_or_constant = if allow_zero {
        prop_oneof![
            1 => Just(Dist::Constant { value: 0.0 }),
            3 => (0.05f64..2.0).prop_map(move |k| Dist::Constant { value: k * t }),
        ]
        .boxed()
    } else {
        (0.05f64..2.0)
            .prop_map(move |k| Dist::Constant { value: k * t })
            .boxed()
    };
    prop_oneof![
        zero_or_constant,
        (0.05f64..2.0).prop_map(move |k| Dist::Exponential { mean: k * t }),
        (0.0f64..1.0, 0.05f64..2.0).prop_map(move |(a, b)| Dist::Uniform {
            min: a * b * t,
            max: b * t
        }),
        (0.05f64..2.0, 1.05f64..14.0)
            .prop_map(move |(k, r)| Dist::lognormal(k * t, k * t * r).unwrap()),
        (0.05f64..1.0, 1.05f64..4.0).prop_map(move |(k, shape)| Dist::Pareto {
            scale: k * t,
            shape
        }),
    ]
    .boxed()
}

fn when_strategy() -> impl Strategy<Value = Option<WhenPlan>> {
    prop_oneof![
        2 => Just(None),
        2 => Just(Some(WhenPlan::Kind(RequestKind::Read))),
        2 => Just(Some(WhenPlan::Kind(RequestKind::Write))),
        1 => any::<usize>().prop_map(|c| Some(WhenPlan::Class(c))),
    ]
}

fn op_strategy() -> impl Strategy<Value = Option<RequestKind>> {
    prop_oneof![
        Just(None),
        Just(Some(RequestKind::Read)),
        Just(Some(RequestKind::Write)),
    ]
}

fn class_strategy() -> impl Strategy<Value = ClassPlan> {
    prop_oneof![Just(RequestKind::Read), Just(RequestKind::Write)].prop_map(|op| ClassPlan { op })
}

fn short_time(max_exp: f64) -> impl Strategy<Value = SimTime> {
    // 1 µs .. 10^max_exp µs, log-uniform: very short ones are common.
    (0.0f64..max_exp).prop_map(|e| SimTime((10f64.powf(e) * 1000.0) as u64))
}

pub fn node_strategy() -> impl Strategy<Value = NodePlan> {
    let shape = (
        prop_oneof![8 => 0u8..4, 2 => 4u8..6, 1 => 6u8..8],
        1u32..=4,
        1u32..=4,
        prop_oneof![
            2 => Just(None),
            1 => Just(Some(0u32)),
            2 => (1u32..=5).prop_map(Some),
            1 => (6u32..=50).prop_map(Some),
        ],
        dist_strategy(2.0, true),
        proptest::option::weighted(0.3, dist_strategy(3.0, true)),
        proptest::option::weighted(0.4, short_time(5.3)),
    );
    let wiring = (
        proptest::collection::vec((any::<usize>(), when_strategy()), 0..=3),
        proptest::collection::vec((any::<usize>(), when_strategy()), 0..=2),
        proptest::option::weighted(0.8, any::<usize>()),
    );
    let extras = (
        proptest::sample::select(LbAlgorithm::ALL.to_vec()),
        proptest::collection::vec(1u32..=5, 0..=4),
        prop_oneof![Just(0u64), 1u64..=20, 21u64..=500],
        proptest::sample::select(CachePolicy::ALL.to_vec()),
        proptest::option::weighted(0.5, short_time(6.0)),
    );
    (shape, wiring, extras, extras_strategy()).prop_map(
        |(
            (kind, replicas, workers, queue, service_time, write_time, timeout),
            (calls, forward, on_miss),
            (algorithm, weights, capacity, policy, ttl),
            extras,
        )| NodePlan {
            kind,
            replicas,
            workers,
            queue,
            service_time,
            write_time,
            timeout,
            calls,
            forward,
            algorithm,
            weights,
            capacity,
            policy,
            ttl,
            on_miss,
            extras,
        },
    )
}

fn call_policy_strategy() -> impl Strategy<Value = CallPolicyPlan> {
    (
        proptest::option::weighted(0.3, short_time(4.7)),
        proptest::option::weighted(
            0.3,
            (
                1u32..=4,
                short_time(4.3),
                1u32..=8,
                0u8..3,
                // The loader takes budgets in (0, 10].
                proptest::option::of(0.01f64..=1.0),
            ),
        ),
        proptest::option::weighted(
            0.3,
            (
                proptest::option::of(1u32..=5),
                proptest::option::of(0.05f64..=1.0),
                1u32..=20,
                short_time(5.0),
                1u32..=3,
            ),
        ),
        proptest::option::weighted(0.3, (1u32..=4, short_time(4.7))),
        (
            proptest::option::weighted(0.2, dist_strategy(1.0, true)),
            op_strategy(),
            (
                0u8..3,
                prop_oneof![Just(1u64), 2u64..=50, 51u64..=100_000],
                proptest::option::of(0.2f64..2.5),
            ),
            fan_strategy(),
            proptest::option::weighted(0.2, 0usize..8),
            proptest::option::weighted(0.25, dist_strategy(1.0, true)),
        ),
    )
        .prop_map(
            |(timeout, retry, breaker, pool, (latency, op, key, fan, fallback, work))| {
                CallPolicyPlan {
                    timeout,
                    retry,
                    // A breaker needs a trip condition (the loader says so).
                    breaker: breaker.map(|(c, r, window, open_for, probes)| {
                        let c = if c.is_none() && r.is_none() {
                            Some(window.min(5))
                        } else {
                            c
                        };
                        (c, r, window, open_for, probes)
                    }),
                    pool,
                    latency,
                    op,
                    key,
                    fan,
                    fallback,
                    work,
                }
            },
        )
}

fn fan_strategy() -> impl Strategy<Value = FanPlan> {
    (
        prop_oneof![3 => Just(0u8), 2 => 1u8..=4],
        1u32..=5,
        any::<bool>(),
        0u8..3,
        1u32..=3,
        short_time(4.0),
    )
        .prop_map(|(form, n, parallel, wait, k, hedge)| FanPlan {
            form,
            n,
            parallel,
            wait,
            k,
            hedge,
        })
}

fn extras_strategy() -> impl Strategy<Value = NodeExtras> {
    let service = (
        proptest::collection::vec(call_policy_strategy(), 3),
        proptest::option::weighted(
            0.2,
            (
                any::<bool>(),
                0.1f64..=3.0,
                1u32..=2,
                2u32..=5,
                (50u64..=500).prop_map(SimTime::from_millis),
                (0u64..=300).prop_map(SimTime::from_millis),
                (0u64..=200).prop_map(SimTime::from_millis),
            ),
        ),
        proptest::option::weighted(0.2, dist_strategy(1.0, true)),
        proptest::option::weighted(
            0.3,
            (
                proptest::collection::vec(when_strategy(), 0..=3),
                proptest::option::of((when_strategy(), 1u32..=5)),
            ),
        ),
    );
    let cache = (
        0u8..3,
        (1u64..=300).prop_map(SimTime::from_millis),
        any::<bool>(),
        proptest::option::weighted(0.3, dist_strategy(3.0, true)),
        any::<bool>(),
    );
    let others = (
        proptest::option::weighted(0.4, dist_strategy(20.0, true)),
        1u32..=3,
        (0u8..4, 1.0f64..500.0, 0u32..=10, short_time(5.5)),
        proptest::option::weighted(0.5, short_time(5.0)),
        1u32..=4,
        (
            prop_oneof![Just(0.0), 0.0f64..=1.0],
            proptest::option::weighted(0.4, (1.0f64..500.0, 1u32..=20)),
            proptest::option::weighted(0.4, 1u32..=8),
        ),
        (
            proptest::option::weighted(0.3, 1u32..=3),
            proptest::option::weighted(0.3, any::<usize>()),
            proptest::option::weighted(0.3, 0.3f64..=1.0),
        ),
    );
    (service, cache, others).prop_map(
        |(
            (policies, autoscale, forward_latency, line),
            (write_policy, flush, coalesce, miss_penalty, edge),
            (replication_lag, shards, limiter, visibility_timeout, max_attempts, external, loops),
        )| NodeExtras {
            policies,
            autoscale,
            forward_latency,
            write_policy,
            flush,
            coalesce,
            miss_penalty,
            edge,
            replication_lag,
            shards,
            limiter,
            visibility_timeout,
            max_attempts,
            external,
            loops,
            line: line.map(|(order, shed)| {
                (
                    order.into_iter().flatten().collect(),
                    shed.and_then(|(w, n)| Some((w?, n))),
                )
            }),
        },
    )
}

pub fn workload_strategy() -> impl Strategy<Value = WorkloadPlan> {
    (
        any::<usize>(),
        0u8..3,
        1.0f64..600.0,
        1u32..=12,
        // Zero think times included: the engine must still advance
        // (`closed_loop_user_turned_away_at_once_does_not_stall_the_clock`).
        dist_strategy(50.0, true),
        proptest::collection::vec((0.0f64..1.0, 0.0f64..600.0, 0.0f64..0.5), 0..=3),
        prop_oneof![Just(0.0), Just(1.0), 0.0f64..=1.0],
        prop_oneof![Just(1u64), 2u64..=50, 51u64..=100_000],
        proptest::option::of(0.2f64..2.5),
        proptest::option::weighted(
            0.4,
            proptest::collection::vec((any::<usize>(), 0.0f64..1.0), 1..=3),
        ),
    )
        .prop_map(
            |(
                target,
                arrival,
                rate,
                users,
                think,
                mut phases,
                read_fraction,
                key_count,
                zipf,
                classes,
            )| {
                phases.sort_by(|a, b| a.0.total_cmp(&b.0));
                WorkloadPlan {
                    target,
                    arrival,
                    rate,
                    users,
                    think,
                    phases,
                    read_fraction,
                    key_count,
                    zipf,
                    classes,
                }
            },
        )
}

pub fn command_strategy() -> impl Strategy<Value = CommandPlan> {
    (
        0.0f64..1.0,
        0u8..21,
        any::<usize>(),
        0u32..=5,
        dist_strategy(2.0, true),
        any::<bool>(),
        0.0f64..=1.0,
        proptest::bool::weighted(0.3),
    )
        .prop_map(
            |(at, which, sel, n, dist, on, frac, scheduled)| CommandPlan {
                at,
                which,
                sel,
                n,
                dist,
                on,
                frac,
                scheduled,
            },
        )
}

pub fn scenario_strategy() -> impl Strategy<Value = ScenarioPlan> {
    (
        proptest::collection::vec(node_strategy(), 1..=6),
        proptest::collection::vec(workload_strategy(), 1..=3),
        300u64..=2000,
        prop_oneof![Just(0.0), 0.05f64..0.5],
        prop_oneof![Just(1000u64), 50u64..=700],
        proptest::option::weighted(0.2, 1usize..=20),
        proptest::collection::vec(command_strategy(), 0..=6),
        any::<u64>(),
        prop_oneof![
            1 => Just(Vec::new()),
            1 => proptest::collection::vec(class_strategy(), 1..=3),
        ],
        prop_oneof![
            2 => Just((Vec::new(), Vec::new())),
            1 => (
                proptest::collection::vec(proptest::option::weighted(0.8, 0u8..3), 1..=4),
                proptest::collection::vec((0u8..3, 0u8..3, dist_strategy(1.0, true)), 0..=4),
            ),
        ],
    )
        .prop_map(
            |(
                nodes,
                workloads,
                duration_ms,
                warmup,
                window_ms,
                max_in_flight,
                commands,
                seed,
                classes,
                zones,
            )| {
                ScenarioPlan {
                    zones,
                    nodes,
                    workloads,
                    duration_ms,
                    warmup,
                    window_ms,
                    max_in_flight,
                    commands,
                    seed,
                    classes,
                }
            },
        )
}

/// A duration as exact nanoseconds for a scenario file.
pub fn ns(t: SimTime) -> String {
    format!("{}ns", t.0)
}

fn secs_ns(x: f64) -> String {
    ns(SimTime::from_secs_f64(x))
}

/// A duration distribution as one of sizes: a byte per nanosecond.
pub fn size_toml(d: &Dist) -> String {
    dist_toml(d).replace("ns\"", "B\"")
}

/// A distribution as a scenario-file value (times rounded to the ns).
pub fn dist_toml(d: &Dist) -> String {
    #[allow(unreachable_patterns)]
    match *d {
        Dist::Constant { value } => {
            format!("{{ dist = \"constant\", value = \"{}\" }}", secs_ns(value))
        }
        Dist::Exponential { mean } => {
            format!("{{ dist = \"exponential\", mean = \"{}\" }}", secs_ns(mean))
        }
        Dist::Uniform { min, max } => format!(
            "{{ dist = \"uniform\", min = \"{}\", max = \"{}\" }}",
            secs_ns(min),
            secs_ns(max)
        ),
        Dist::LogNormal { mu, sigma } => format!(
            "{{ dist = \"lognormal\", mean = \"{}\", p99 = \"{}\" }}",
            secs_ns(d.mean()),
            secs_ns((mu + Z99 * sigma).exp())
        ),
        Dist::Pareto { scale, shape } => format!(
            "{{ dist = \"pareto\", scale = \"{}\", shape = {shape:?} }}",
            secs_ns(scale)
        ),
        _ => unreachable!("a distribution this generator does not make: {d:?}"),
    }
}

/// Forward routes (`[ { to = ... }, ... ]`) split by shares adding up to
/// `total` (unchanged without one).
fn shares(routes: String, total: Option<f64>) -> String {
    let count = routes.matches("{ to = ").count();
    match total {
        Some(f) if count > 0 => {
            routes.replace("{ to = ", &format!("{{ p = {:?}, to = ", f / count as f64))
        }
        _ => routes,
    }
}

fn kind_name(k: u8) -> &'static str {
    [
        "lb", "svc", "cache", "db", "limiter", "queue", "topic", "ext",
    ][k as usize]
}

impl ScenarioPlan {
    pub fn duration(&self) -> SimTime {
        SimTime::from_millis(self.duration_ms)
    }

    pub fn warmup_time(&self) -> SimTime {
        SimTime::from_secs_f64(self.duration().as_secs_f64() * self.warmup)
    }

    /// Node kinds after resolution (a load balancer with no later service
    /// to balance over, or a topic with no later queue to copy to,
    /// becomes a service).
    fn kinds(&self) -> Vec<u8> {
        let n = self.nodes.len();
        let mut kinds: Vec<u8> = self.nodes.iter().map(|p| p.kind).collect();
        for i in (0..n).rev() {
            if kinds[i] == 0 && !kinds[i + 1..].contains(&1) {
                kinds[i] = 1;
            }
            if kinds[i] == 4 && i + 1 == n {
                kinds[i] = 1;
            }
            if kinds[i] == 6 && !kinds[i + 1..].contains(&5) {
                kinds[i] = 1;
            }
        }
        kinds
    }

    /// The valid, acyclic model this plan describes, through the loader;
    /// the changes not applied live become its scheduled events.
    pub fn build(&self) -> Model {
        let mut m = load(&self.to_toml());
        let d = self.duration();
        let mut events: Vec<ScheduledEvent> = self
            .commands
            .iter()
            .filter(|c| c.scheduled)
            .map(|c| ScheduledEvent {
                at: SimTime::from_secs_f64(d.as_secs_f64() * c.at),
                command: resolve_command(c, &m),
            })
            .collect();
        events.sort_by_key(|e| e.at);
        m.events = events;
        m
    }

    /// A service's `priority` and `shed` lines (none when the plan has
    /// none, or only names no class of this plan; a shed threshold above
    /// a `queue` is lowered to it, and dropped for a queue of 0).
    fn line_policy(&self, line: Option<&LinePlan>, queue: Option<u32>) -> String {
        let Some((order, shed)) = line else {
            return String::new();
        };
        let mut names: Vec<String> = Vec::new();
        for w in order {
            if let Some(name) = self.when_name(Some(*w))
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
        let mut out = String::new();
        if !names.is_empty() {
            let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
            let _ = writeln!(out, "priority = [{}]", quoted.join(", "));
        }
        if let Some((w, n)) = shed
            && let Some(name) = self.when_name(Some(*w))
        {
            let n = queue.map_or(*n, |q| (*n).min(q));
            if n > 0 {
                let _ = writeln!(out, "shed = {{ {name} = {n} }}");
            }
        }
        out
    }

    /// What a route's condition is written as (`None`: no condition).
    fn when_name(&self, when: Option<WhenPlan>) -> Option<String> {
        match when? {
            WhenPlan::Kind(k) => Some(k.name().to_string()),
            WhenPlan::Class(_) if self.classes.is_empty() => None,
            WhenPlan::Class(c) => Some(format!("c{}", c % self.classes.len())),
        }
    }

    /// `c0 = 0.25, c2 = 0.75`: a workload's class shares (summing to 1),
    /// or `None` when it sends plain reads and writes.
    fn class_shares(&self, p: &WorkloadPlan) -> Option<String> {
        let n = self.classes.len();
        let picks = p.classes.as_ref().filter(|_| n > 0)?;
        let mut merged: Vec<(usize, f64)> = Vec::new();
        for &(sel, weight) in picks {
            let c = sel % n;
            match merged.iter_mut().find(|(k, _)| *k == c) {
                Some(m) => m.1 += weight + 0.01,
                None => merged.push((c, weight + 0.01)),
            }
        }
        let total: f64 = merged.iter().map(|(_, w)| w).sum();
        let items: Vec<String> = merged
            .iter()
            .map(|(c, w)| format!("c{c} = {:?}", w / total))
            .collect();
        Some(items.join(", "))
    }

    /// The plan as a scenario file.
    pub fn to_toml(&self) -> String {
        let n = self.nodes.len();
        let kinds = self.kinds();
        let id = |i: usize| format!("{}{i}", kind_name(kinds[i]));
        let later = |i: usize, sel: usize| -> Option<usize> {
            let span = n - i - 1;
            (span > 0).then(|| i + 1 + sel % span)
        };
        // Routes to later nodes; calls (not forwards) carry their
        // policies, one per call written, in order.
        let routes = |i: usize,
                      list: &[(usize, Option<WhenPlan>)],
                      policies: &[CallPolicyPlan],
                      link: Option<&Dist>|
         -> String {
            let items: Vec<String> = list
                .iter()
                .filter_map(|&(sel, when)| {
                    later(i, sel).map(|to| match self.when_name(when) {
                        None => (to, format!("to = \"{}\"", id(to))),
                        Some(k) => (to, format!("to = \"{}\", when = \"{k}\"", id(to))),
                    })
                })
                .enumerate()
                .map(|(k, (to, route))| {
                    let policy = policies.get(k);
                    let fallback = policy
                        .and_then(|p| later(i, p.fallback?))
                        .filter(|&f| f != to)
                        .map_or(String::new(), |f| format!(", fallback = \"{}\"", id(f)));
                    let work = policy
                        .and_then(|p| p.work.as_ref())
                        .filter(|_| matches!(kinds[to], 0 | 1 | 3))
                        .map_or(String::new(), |d| {
                            format!(", service_time = {}", dist_toml(d))
                        });
                    let policy = policy.map_or(String::new(), CallPolicyPlan::toml);
                    let link =
                        link.map_or(String::new(), |l| format!(", latency = {}", dist_toml(l)));
                    format!("{{ {route}{policy}{work}{fallback}{link} }}")
                })
                .collect();
            format!("[{}]", items.join(", "))
        };
        let d = self.duration();
        let mut t = String::new();
        let w = &mut t;
        let _ = writeln!(w, "[scenario]\nname = \"random\"");
        let _ = writeln!(w, "duration = \"{}\"", ns(d));
        let _ = writeln!(w, "warmup = \"{}\"", ns(self.warmup_time()));
        let _ = writeln!(w, "window = \"{}ms\"", self.window_ms.min(self.duration_ms));
        if let Some(m) = self.max_in_flight {
            let _ = writeln!(w, "max_in_flight = {m}");
        }
        for (k, c) in self.classes.iter().enumerate() {
            let _ = writeln!(w, "\n[[class]]\nname = \"c{k}\"\nop = \"{}\"", c.op.name());
            // Reads bring a small request and take a big answer back.
            if c.op == RequestKind::Read {
                let _ = writeln!(w, "request_bytes = \"1KB\"\nresponse_bytes = \"1MB\"");
            }
        }
        for (k, p) in self.workloads.iter().enumerate() {
            // The first workload enters at the top of the graph.
            let to = if k == 0 { 0 } else { p.target % n };
            let _ = writeln!(w, "\n[[workload]]\nname = \"w{k}\"\nto = \"{}\"", id(to));
            match p.arrival {
                0 | 1 => {
                    let arrival = if p.arrival == 0 {
                        "poisson"
                    } else {
                        "constant"
                    };
                    let _ = writeln!(w, "arrival = \"{arrival}\"\nrate = {:?}", p.rate);
                    let mut last = None;
                    let mut phases = Vec::new();
                    for &(at, rate, ramp) in &p.phases {
                        let at = SimTime::from_secs_f64(d.as_secs_f64() * at);
                        if last.is_some_and(|l| at <= l) {
                            continue;
                        }
                        last = Some(at);
                        let ramp = SimTime::from_secs_f64(d.as_secs_f64() * ramp);
                        phases.push(format!(
                            "{{ at = \"{}\", rate = {rate:?}, ramp = \"{}\" }}",
                            ns(at),
                            ns(ramp)
                        ));
                    }
                    let _ = writeln!(w, "phases = [{}]", phases.join(", "));
                }
                _ => {
                    let _ = writeln!(
                        w,
                        "arrival = \"closed\"\nusers = {}\nthink = {}",
                        p.users,
                        dist_toml(&p.think)
                    );
                }
            }
            match self.class_shares(p) {
                Some(shares) => {
                    let _ = writeln!(w, "classes = {{ {shares} }}");
                }
                None => {
                    let _ = writeln!(w, "mix = {{ read = {:?} }}", p.read_fraction);
                }
            }
            match p.zipf {
                Some(s) => {
                    let _ = writeln!(
                        w,
                        "keys = {{ count = {}, popularity = \"zipf\", s = {s:?} }}",
                        p.key_count
                    );
                }
                None => {
                    let _ = writeln!(
                        w,
                        "keys = {{ count = {}, popularity = \"uniform\" }}",
                        p.key_count
                    );
                }
            }
        }
        for (i, p) in self.nodes.iter().enumerate() {
            let _ = writeln!(w, "\n[[node]]\nid = \"{}\"", id(i));
            let _ = writeln!(w, "cost_per_hour = {:?}", 0.25 * f64::from(p.replicas));
            if let Some(z) = self.zone(i) {
                let _ = writeln!(w, "zone = \"z{z}\"");
            }
            match kinds[i] {
                0 => {
                    let services: Vec<usize> = (i + 1..n).filter(|&j| kinds[j] == 1).collect();
                    let to = services[p.on_miss.unwrap_or(0) % services.len()];
                    let weights: Vec<String> = p.weights.iter().map(u32::to_string).collect();
                    let _ = writeln!(
                        w,
                        "kind = \"load_balancer\"\nto = \"{}\"\nalgorithm = \"{}\"\nweights = [{}]",
                        id(to),
                        p.algorithm.name(),
                        weights.join(", ")
                    );
                }
                1 | 3 => {
                    let x = &p.extras;
                    if kinds[i] == 1 {
                        let mut replicas = p.replicas;
                        if let Some((depth, target, min, max, interval, cooldown, cold_start)) =
                            x.autoscale
                        {
                            // The start must lie within min ..= max.
                            replicas = replicas.clamp(min, max);
                            let (metric, target) = if depth {
                                ("queue_depth", target * 3.0)
                            } else {
                                ("utilisation", target / 3.0)
                            };
                            let _ = writeln!(
                                w,
                                "autoscale = {{ metric = \"{metric}\", target = {target:?}, min = {min}, max = {max}, interval = \"{}\", cooldown = \"{}\", cold_start = \"{}\" }}",
                                ns(interval),
                                ns(cooldown),
                                ns(cold_start)
                            );
                        }
                        let _ = writeln!(w, "kind = \"service\"\nreplicas = {replicas}");
                        w.push_str(&self.line_policy(x.line.as_ref(), p.queue));
                        let _ = writeln!(
                            w,
                            "calls = {}\nto = {}",
                            self.loop_back(i, routes(i, &p.calls, &x.policies, None)),
                            shares(
                                routes(i, &p.forward, &[], x.forward_latency.as_ref()),
                                x.loops.2
                            )
                        );
                    } else {
                        let _ =
                            writeln!(w, "kind = \"database\"\nread_replicas = {}", p.replicas - 1);
                        if let Some(wt) = &p.write_time {
                            let _ = writeln!(w, "write_service_time = {}", dist_toml(wt));
                        }
                        if let Some(lag) = &x.replication_lag {
                            let _ = writeln!(w, "replication_lag = {}", dist_toml(lag));
                        }
                        let _ = writeln!(w, "shards = {}", x.shards);
                    }
                    let _ = writeln!(w, "workers = {}", p.workers);
                    let _ = writeln!(w, "service_time = {}", dist_toml(&p.service_time));
                    if let Some(q) = p.queue {
                        let _ = writeln!(w, "queue = {q}");
                    }
                    if let Some(to) = p.timeout {
                        let _ = writeln!(w, "timeout = \"{}\"", ns(to));
                    }
                }
                4 => {
                    let to = later(i, p.on_miss.unwrap_or(0)).expect("a later node");
                    let (which, rate, k, window) = p.extras.limiter;
                    let rule = match which {
                        0 => format!(
                            "algorithm = \"token_bucket\"\nrate = {rate:?}\nburst = {}",
                            k.max(1)
                        ),
                        1 => {
                            format!("algorithm = \"leaky_bucket\"\nrate = {rate:?}\ncapacity = {k}")
                        }
                        2 => format!(
                            "algorithm = \"fixed_window\"\nlimit = {}\nwindow = \"{}\"",
                            k.max(1),
                            ns(window)
                        ),
                        _ => format!(
                            "algorithm = \"sliding_window\"\nlimit = {}\nwindow = \"{}\"",
                            k.max(1),
                            ns(window)
                        ),
                    };
                    let _ = writeln!(w, "kind = \"rate_limiter\"\n{rule}\nto = \"{}\"", id(to));
                    // Half the limiters keep a bucket per key or per client,
                    // from draws limiters do not otherwise use (replicas,
                    // capacity: 1 to 500 buckets, often fewer than the
                    // keys), so plans stay those made before `per` existed.
                    let per = match p.replicas {
                        2 => Some("key"),
                        3 => Some("client"),
                        _ => None,
                    };
                    if let Some(per) = per {
                        let max_keys = p.capacity.max(1);
                        let _ = writeln!(w, "per = \"{per}\"\nmax_keys = {max_keys}");
                    }
                }
                7 => {
                    let (error_rate, limit, concurrency) = p.extras.external;
                    let _ = writeln!(
                        w,
                        "kind = \"external\"\nlatency = {}\nerror_rate = {error_rate:?}",
                        dist_toml(&p.service_time)
                    );
                    if let Some((rate, burst)) = limit {
                        let _ = writeln!(w, "rate_limit = {rate:?}\nburst = {burst}");
                    }
                    if let Some(c) = concurrency {
                        let _ = writeln!(w, "concurrency = {c}");
                    }
                }
                6 => {
                    // A copy to the later queues its call selectors pick
                    // (at least one, each once).
                    let queues: Vec<usize> = (i + 1..n).filter(|&j| kinds[j] == 5).collect();
                    let mut subs: Vec<usize> = Vec::new();
                    for &(sel, _) in p.calls.iter().chain([&(p.on_miss.unwrap_or(0), None)]) {
                        let q = queues[sel % queues.len()];
                        if !subs.contains(&q) {
                            subs.push(q);
                        }
                    }
                    let names: Vec<String> =
                        subs.iter().map(|&q| format!("\"{}\"", id(q))).collect();
                    let _ = writeln!(w, "kind = \"topic\"\nsubscribers = [{}]", names.join(", "));
                }
                5 => {
                    let x = &p.extras;
                    let _ = writeln!(w, "kind = \"queue\"\nconsumers = {}", p.workers);
                    let _ = writeln!(w, "service_time = {}", dist_toml(&p.service_time));
                    let _ = writeln!(w, "calls = {}", routes(i, &p.calls, &x.policies, None));
                    if let Some(q) = p.queue {
                        let _ = writeln!(w, "capacity = {q}");
                    }
                    if let Some(v) = x.visibility_timeout {
                        let _ = writeln!(w, "visibility_timeout = \"{}\"", ns(v));
                    }
                    let _ = writeln!(w, "max_attempts = {}", x.max_attempts);
                    if let Some(h) = x.loops.0 {
                        let _ = writeln!(w, "max_hops = {h}");
                    }
                }
                _ => {
                    let x = &p.extras;
                    // An edge cache is a CDN (its miss penalty defaults
                    // to 50 ms when the plan has none).
                    let kind = if x.edge { "cdn" } else { "cache" };
                    let _ = writeln!(
                        w,
                        "kind = \"{kind}\"\ncapacity = {}\npolicy = \"{}\"\nhit_time = {}",
                        p.capacity,
                        p.policy.name(),
                        dist_toml(&p.service_time)
                    );
                    match x.write_policy {
                        0 => {}
                        1 => {
                            let _ = writeln!(w, "write_policy = \"write_through\"");
                        }
                        _ => {
                            let _ = writeln!(
                                w,
                                "write_policy = \"write_back\"\nflush_interval = \"{}\"",
                                ns(x.flush)
                            );
                        }
                    }
                    let _ = writeln!(w, "coalesce = {}", x.coalesce);
                    // A cache's `warm` share comes from a draw caches do
                    // not otherwise use (the weights' count), so plans
                    // stay those the generator made before it existed.
                    match p.weights.len() {
                        1 => {
                            let _ = writeln!(w, "warm = true");
                        }
                        2 => {
                            let _ = writeln!(w, "warm = 0.5");
                        }
                        3 => {
                            let _ = writeln!(w, "warm = 0.01");
                        }
                        _ => {}
                    }
                    // Half the caches have workers of their own (from the
                    // replicas draw, which caches do not otherwise use).
                    if p.replicas >= 3 {
                        let _ = writeln!(w, "workers = {}", p.workers);
                        if let Some(q) = p.queue {
                            let _ = writeln!(w, "queue = {q}");
                        }
                    }
                    if let Some(mp) = &x.miss_penalty {
                        let _ = writeln!(w, "miss_penalty = {}", dist_toml(mp));
                    }
                    if let Some(ttl) = p.ttl {
                        let _ = writeln!(w, "ttl = \"{}\"", ns(ttl));
                    }
                    if let Some(to) = p.on_miss.and_then(|s| later(i, s)) {
                        let _ = writeln!(w, "on_miss = \"{}\"", id(to));
                    }
                }
            }
        }
        t.push_str(&self.zone_links());
        t
    }

    /// The zone of node `i`, if it has one.
    fn zone(&self, i: usize) -> Option<u8> {
        let zones = &self.zones.0;
        zones.get(i % zones.len().max(1)).copied().flatten()
    }

    /// The `[[zone_link]]` tables between zones some node is in, each pair
    /// once.
    fn zone_links(&self) -> String {
        let used: Vec<u8> = (0..self.nodes.len()).filter_map(|i| self.zone(i)).collect();
        let mut seen: Vec<(u8, u8)> = Vec::new();
        let mut out = String::new();
        for (a, b, latency) in &self.zones.1 {
            let pair = ((*a).min(*b), (*a).max(*b));
            if !used.contains(a) || !used.contains(b) || seen.contains(&pair) {
                continue;
            }
            seen.push(pair);
            let _ = writeln!(
                out,
                "\n[[zone_link]]\nbetween = [\"z{a}\", \"z{b}\"]\nlatency = {}",
                dist_toml(latency)
            );
            // A shared bandwidth and a price on the links between two
            // zones (within one: neither).
            if a != b {
                let _ = writeln!(out, "bandwidth = \"10Gbps\"\negress_per_gb = 0.02");
            }
        }
        out
    }

    /// `calls` of service `i` with, if its plan says so, a call back to an
    /// earlier queue that has `max_hops` (a bounded loop).
    fn loop_back(&self, i: usize, calls: String) -> String {
        let kinds = self.kinds();
        let queues: Vec<usize> = (0..i)
            .filter(|&j| kinds[j] == 5 && self.nodes[j].extras.loops.0.is_some())
            .collect();
        let Some(sel) = self.nodes[i].extras.loops.1 else {
            return calls;
        };
        if queues.is_empty() {
            return calls;
        }
        let q = format!(
            "{{ to = \"{}{}\" }}",
            kind_name(5),
            queues[sel % queues.len()]
        );
        match calls.strip_suffix(']') {
            Some("[") => format!("[{q}]"),
            Some(head) => format!("{head}, {q}]"),
            None => calls,
        }
    }

    /// The live commands, with their instants, earliest first. Each one
    /// targets a node of the kind it applies to when there is one (else
    /// any node: the engine must refuse it cleanly).
    pub fn timed_commands(&self, m: &Model) -> Vec<(SimTime, Command)> {
        let d = self.duration();
        let mut out: Vec<(SimTime, Command)> = self
            .commands
            .iter()
            .filter(|c| !c.scheduled)
            .map(|c| {
                let at = SimTime::from_secs_f64(d.as_secs_f64() * c.at);
                (at, resolve_command(c, m))
            })
            .collect();
        out.sort_by_key(|(t, _)| *t);
        out
    }
}

fn pick_node(m: &Model, sel: usize, ok: impl Fn(&NodeKind) -> bool) -> usize {
    let fit: Vec<usize> = (0..m.nodes.len())
        .filter(|&i| ok(&m.nodes[i].kind))
        .collect();
    if fit.is_empty() {
        sel % m.nodes.len()
    } else {
        fit[sel % fit.len()]
    }
}

fn resolve_command(c: &CommandPlan, m: &Model) -> Command {
    let is_service = |k: &NodeKind| matches!(k, NodeKind::Service(_));
    let is_station = |k: &NodeKind| {
        matches!(
            k,
            NodeKind::Service(_) | NodeKind::Database(_) | NodeKind::Queue(_)
        )
    };
    let is_cache = |k: &NodeKind| matches!(k, NodeKind::Cache(_));
    let is_db = |k: &NodeKind| matches!(k, NodeKind::Database(_));
    let is_lb = |k: &NodeKind| matches!(k, NodeKind::LoadBalancer(_));
    let is_limiter = |k: &NodeKind| matches!(k, NodeKind::RateLimiter(_));
    let workload = c.sel % m.workloads.len();
    let small = c.n.max(1);
    match c.which {
        0 => Command::SetReplicas {
            node: pick_node(m, c.sel, is_service),
            replicas: small,
        },
        1 => Command::SetWorkers {
            node: pick_node(m, c.sel, is_station),
            workers: small,
        },
        2 => Command::SetQueueCapacity {
            node: pick_node(m, c.sel, is_station),
            capacity: c.on.then_some(c.n),
        },
        3 => Command::SetServiceTime {
            node: pick_node(m, c.sel, |k| !is_lb(k)),
            dist: c.dist,
        },
        4 => Command::SetTimeout {
            node: pick_node(m, c.sel, is_station),
            timeout: c.on.then(|| SimTime::from_micros_f(c.frac * 50_000.0)),
        },
        5 => Command::SetLbAlgorithm {
            node: pick_node(m, c.sel, is_lb),
            algorithm: LbAlgorithm::ALL[c.n as usize % LbAlgorithm::ALL.len()],
        },
        6 => Command::SetCacheCapacity {
            node: pick_node(m, c.sel, is_cache),
            capacity: u64::from(c.n) * 20,
        },
        7 => Command::SetCachePolicy {
            node: pick_node(m, c.sel, is_cache),
            policy: CachePolicy::ALL[c.n as usize % CachePolicy::ALL.len()],
        },
        8 => Command::SetCacheTtl {
            node: pick_node(m, c.sel, is_cache),
            ttl: c.on.then(|| SimTime::from_micros_f(c.frac * 100_000.0)),
        },
        9 => Command::SetReadReplicas {
            node: pick_node(m, c.sel, is_db),
            replicas: c.n % 4,
        },
        10 => Command::SetWorkloadRate {
            workload,
            rate: c.frac * 800.0,
        },
        11 => Command::SetReadFraction {
            workload,
            read_fraction: c.frac,
        },
        12 => Command::FlushCache {
            node: pick_node(m, c.sel, is_cache),
        },
        13 => Command::SetRateFactor {
            workload,
            factor: c.frac * 3.0,
        },
        14 => Command::Crash {
            node: c.sel % m.nodes.len(),
            replica: c.on.then_some(c.n % 3),
        },
        15 => Command::Recover {
            node: c.sel % m.nodes.len(),
            replica: c.on.then_some(c.n % 3),
        },
        16 => Command::SlowDown {
            node: c.sel % m.nodes.len(),
            factor: 0.2 + c.frac * 9.8,
        },
        17 => Command::Partition {
            from: c.sel % m.nodes.len(),
            to: (c.sel / 7 + c.n as usize) % m.nodes.len(),
            hang: c.on && c.frac < 0.3,
        },
        18 => Command::Heal {
            from: c.sel % m.nodes.len(),
            to: (c.sel / 7 + c.n as usize) % m.nodes.len(),
        },
        // A rate that a window limiter refuses, or a limit that a bucket
        // refuses, half of the time: the refusal must leave all unchanged.
        19 => Command::SetLimiterRate {
            node: pick_node(m, c.sel, is_limiter),
            rate: 1.0 + c.frac * 999.0,
        },
        _ => Command::SetLimiterLimit {
            node: pick_node(m, c.sel, is_limiter),
            limit: c.n.max(1) * 5,
        },
    }
}

/// Microseconds (fractional) as a `SimTime`, at least 1 µs.
trait FromMicros {
    fn from_micros_f(us: f64) -> SimTime;
}

impl FromMicros for SimTime {
    fn from_micros_f(us: f64) -> SimTime {
        SimTime::from_secs_f64(us.max(1.0) / 1e6)
    }
}

/// Stops open-loop traffic, recovers, restores and heals everything, then
/// runs on until no request, visit or message is left anywhere. Returns
/// false if some are still there after `limit` of simulated time.
pub fn drain(sim: &mut Simulation, limit: SimTime) -> bool {
    let m = sim.model().clone();
    for workload in 0..m.workloads.len() {
        let _ = sim.apply(Command::SetWorkloadRate {
            workload,
            rate: 0.0,
        });
    }
    for node in 0..m.nodes.len() {
        let _ = sim.apply(Command::Recover {
            node,
            replica: None,
        });
        let _ = sim.apply(Command::SlowDown { node, factor: 1.0 });
    }
    for (from, to, _) in sim.snapshot().partitions {
        let _ = sim.apply(Command::Heal { from, to });
    }
    let start = sim.now();
    let mut step = SimTime::from_millis(100);
    loop {
        let snap = sim.snapshot();
        if snap.in_flight == 0
            && snap.nodes.iter().all(|n| n.present == 0)
            && sim.live_visits() == 0
        {
            return true;
        }
        if sim.now().saturating_sub(start) >= limit {
            return false;
        }
        let t = sim
            .now()
            .saturating_add(step)
            .min(start.saturating_add(limit));
        run_to(sim, t);
        step = SimTime(step.0.saturating_mul(2));
    }
}

fn heavy(d: &Dist) -> bool {
    matches!(*d, Dist::Pareto { shape, .. } if shape < 2.2)
}

impl ScenarioPlan {
    /// Whether everything must be gone once traffic stops: no closed-loop
    /// users (they never stop), no request lost on the wire by a hanging
    /// partition, and no Pareto tail heavy enough (shape < 2.2) for a
    /// single service time to outlast a long drain.
    pub fn drains(&self) -> bool {
        let m = self.build();
        let closed = self.workloads.iter().any(|w| w.arrival == 2);
        let hangs = self.commands.iter().any(|c| {
            matches!(
                resolve_command(c, &m),
                Command::Partition { hang: true, .. }
            )
        });
        let tails = self.nodes.iter().any(|n| {
            heavy(&n.service_time)
                || n.write_time.as_ref().is_some_and(heavy)
                || n.extras.miss_penalty.as_ref().is_some_and(heavy)
                || (n.extras.policies.iter()).any(|p| p.latency.as_ref().is_some_and(heavy))
                || n.extras.forward_latency.as_ref().is_some_and(heavy)
        }) || self.commands.iter().any(|c| c.which == 3 && heavy(&c.dist));
        !(closed || hangs || tails)
    }
}

/// Every `.toml` file below `dir`, recursively (unsorted).
pub fn toml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

// ---- runs against theory -------------------------------------------------

/// Runs `text` to its end (no drain: the figures are the run's own), the
/// books checked at each quarter.
pub fn run_in_quarters(text: &str, seed: u64) -> loadlab::sim::Summary {
    quarters(text, seed).0.summary()
}

/// The mean of `xs` and its standard error.
pub fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Each figure's runs `xs` agree with its theory: a standard error under
/// `max_rel_se` of the expected value (enough runs), the mean within 4.5
/// standard errors of it.
pub fn agree_with_theory(want: &[(&str, f64)], runs: &[Vec<f64>], max_rel_se: f64) {
    for ((name, expected), xs) in want.iter().zip(runs) {
        let (mean, se) = mean_se(xs);
        println!("{name:<14} simulated {mean:.5} ± {se:.5} (SE)  theory {expected:.5}");
        assert!(se < max_rel_se * expected, "{name}: SE {se} too wide");
        assert!(
            (mean - expected).abs() < 4.5 * se,
            "{name}: simulated {mean} vs theory {expected} ({:.1} SE off)",
            (mean - expected) / se
        );
    }
}
