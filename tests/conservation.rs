//! Conservation of requests on random topologies: `arrived = completed + failed + in_flight` at every instant we look, no NaN, infinity or out-of-range fraction anywhere, and nothing left behind once traffic stops.
//!
//! Each case builds a random valid model: 1–6 nodes of every kind (load
//! balancers, services, caches and CDNs, databases with replicas and
//! shards, rate limiters, queues) wired acyclically by `calls`, `to`, load
//! balancers, cache `on_miss` and limiters; random replicas, workers,
//! queues from 0 up, timeouts down to 1 µs, every distribution, LB
//! algorithm, cache policy and write policy, call timeouts, retries,
//! breakers and pools, autoscalers; open and closed workloads with
//! phases, warm-up or not, sometimes a tiny in-flight cap. A few random
//! commands (live changes and faults: crash, recover, slow-down,
//! partition, heal, spike) are applied mid-run or scheduled in the model.
//! The books are checked at several instants: end to end (measured period
//! and, through the time-series windows, every request including
//! warm-up), per node, per replica and per queue; and, where the model
//! can drain, that stopping the traffic leaves no request, visit or
//! message behind. Engine bugs found this way are pinned by the
//! regression tests at the end.

mod common;

use common::*;
use loadlab::scenario;
use loadlab::sim::model::NodeKind;
use loadlab::sim::{Command, SimTime, Simulation, Window};
use proptest::prelude::*;

/// Everything that must hold at one instant (`loadlab::fuzzing::check_books`,
/// shared with the fuzz targets), and no drops without an in-flight cap.
fn check_plan_books(sim: &mut Simulation, plan: &ScenarioPlan, windows: &mut Vec<Window>) {
    if plan.max_in_flight.is_none() {
        assert_eq!(sim.summary().counts.dropped, 0);
    }
    check_books(sim, windows);
}

/// Runs `plan`, applying its commands at their instants and checking the
/// books at quarter points, around the end of warm-up and after each command.
fn run_plan(plan: &ScenarioPlan) {
    let model = plan.build();
    let commands = plan.timed_commands(&model);
    let warmup = model.warmup;
    let d = plan.duration();
    let mut sim = Simulation::new(model, plan.seed);
    let mut stops: Vec<SimTime> = (1..=4).map(|k| SimTime(d.0 / 4 * k)).collect();
    stops.push(d);
    if warmup > SimTime::ZERO {
        stops.push(SimTime(warmup.0 - 1));
        stops.push(warmup);
    }
    stops.extend(commands.iter().map(|(t, _)| *t));
    stops.sort();
    stops.dedup();
    let mut windows = Vec::new();
    let mut next = 0;
    for t in stops {
        run_to(&mut sim, t);
        while next < commands.len() && commands[next].0 <= t {
            // Refusals are fine (a command aimed at the wrong kind of
            // node); either way the books must still balance.
            let _ = sim.apply(commands[next].1.clone());
            next += 1;
        }
        check_plan_books(&mut sim, plan, &mut windows);
    }
    // Nothing leaks: with traffic stopped and faults cleared, every
    // request, visit and message finishes. A day is far beyond any
    // service time these plans can draw, and beyond the slowest drain
    // seen: queue messages refused by a breaker that keeps failing its
    // probe come back together after their longest redelivery backoff
    // (1 min), one probes and is dead-lettered, the rest wait again, so
    // n of them take n minutes (258 took 56 min).
    if plan.drains() {
        let left = |sim: &Simulation| {
            let snap = sim.snapshot();
            let present: Vec<(String, u64)> = snap
                .nodes
                .iter()
                .filter(|n| n.present > 0)
                .map(|n| (n.id.clone(), n.present))
                .collect();
            (snap.in_flight, present, sim.live_visits())
        };
        assert!(
            drain(&mut sim, SimTime::from_secs(86_400)),
            "still there after draining (in flight, present, visits): {:?}",
            left(&sim)
        );
        check_plan_books(&mut sim, plan, &mut windows);
    }
}

proptest! {
    // 1000 cases run in about 6 s in the dev profile (opt-level 2).
    #![proptest_config(ProptestConfig {
        cases: 1000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn requests_are_conserved_on_random_topologies(plan in scenario_strategy()) {
        run_plan(&plan);
    }
}

/// The url-shortener scenario as shipped, checked the same way.
#[test]
fn requests_are_conserved_in_the_url_shortener() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/url-shortener.toml");
    let model = scenario::load_file(&path, &["scenario.duration=8s".into()])
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let mut sim = Simulation::new(model, 7);
    for k in 1..=16 {
        run_to(&mut sim, SimTime::from_millis(500 * k));
        let s = sim.summary();
        assert_eq!(
            s.counts.arrived,
            s.counts.completed + s.counts.failed() + s.in_flight
        );
        assert_summary_sane(&s);
    }
    assert!(sim.summary().counts.completed > 10_000);
}

/// A closed-loop user whose request is turned away at once (a full
/// queue; likewise a node down, a limiter, an open breaker) and who does
/// not think sends again at the same instant, for ever: the clock must
/// still move. `think` defaults to zero in scenario files, so this is a
/// valid, ordinary model. (Only drops by the in-flight cap wait 1 ms.)
#[test]
fn closed_loop_user_turned_away_at_once_does_not_stall_the_clock() {
    let text = r#"
[scenario]
name = "stall"
duration = "1s"

[[workload]]
to = "api"
arrival = "closed"
users = 2

[[node]]
id = "api"
kind = "service"
workers = 1
queue = 0
service_time = { dist = "constant", value = "10ms" }
"#;
    let model = scenario::load_str(text, "stall.toml", &[])
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let mut sim = Simulation::new(model, 1);
    assert!(
        sim.run_until_budget(SimTime::from_millis(100), 1_000_000),
        "stuck at {} after {} events",
        sim.now(),
        sim.events_processed()
    );
}

/// Lowering the workers of a busy station must not report more busy
/// worker-time than worker-time available.
#[test]
fn utilisation_stays_at_most_one_after_workers_are_lowered() {
    // Four workers, all busy for a second each; at 100 ms the workers
    // drop to one while the four jobs still run.
    let model = load(
        r#"
[scenario]
name = "fewer workers"
duration = "3s"
window = "100ms"

[[workload]]
to = "api"
rate = 200

[[node]]
id = "api"
kind = "service"
workers = 4
service_time = "1s"
"#,
    );
    let mut sim = Simulation::new(model, 3);
    run_to(&mut sim, SimTime::from_millis(100));
    sim.apply(Command::SetWorkers {
        node: 0,
        workers: 1,
    })
    .unwrap();
    run_to(&mut sim, SimTime::from_millis(500));
    let u = sim.summary().nodes[0].utilisation.unwrap();
    assert!(u <= 1.0 + 1e-9, "utilisation {u}");
}

/// A queue message whose consumer's call fails is delivered at most
/// `max_attempts` times, then dead-lettered.
#[test]
fn queue_redelivery_stops_after_max_attempts() {
    // The consumer of `jobs` calls `sink`, which is down; failed messages
    // are redelivered at once (no backoff).
    let model = load(
        r#"
[scenario]
name = "redelivery"
duration = "1s"

[[workload]]
to = "jobs"
rate = 20

[[node]]
id = "jobs"
kind = "queue"
service_time = "1ms"
calls = "sink"
max_attempts = 2
redelivery_backoff = "0s"

[[node]]
id = "sink"
kind = "service"
service_time = "1ms"
"#,
    );
    let mut sim = Simulation::new(model, 5);
    sim.apply(Command::Crash {
        node: 1,
        replica: None,
    })
    .unwrap();
    run_to(&mut sim, SimTime::from_secs(1));
    // Stop the traffic and let every message run out of attempts.
    sim.apply(Command::SetWorkloadRate {
        workload: 0,
        rate: 0.0,
    })
    .unwrap();
    run_to(&mut sim, SimTime::from_secs(5));
    let NodeKind::Queue(q) = &sim.model().nodes[0].kind else {
        unreachable!()
    };
    let attempts = u64::from(q.max_attempts);
    let k = sim.summary().nodes[0].counts;
    assert!(k.completed > 10, "{k:?}");
    // Every message fails each of its `attempts` deliveries: it is
    // redelivered `attempts - 1` times, then dead-lettered; none is lost
    // or processed.
    assert_eq!(k.processed, 0, "{k:?}");
    assert_eq!(k.dead_lettered, k.completed, "{k:?}");
    assert_eq!(k.redelivered, (attempts - 1) * k.dead_lettered, "{k:?}");
    assert_eq!(sim.snapshot().nodes[0].present, 0);
}

/// A delivery whose first attempt reached the callee (and timed out,
/// tripping the breaker) and whose retry the open breaker then refused
/// is charged to `max_attempts`: only a delivery refused before anything
/// went out is not. (Found by the conservation property: the message was
/// redelivered forever and never drained.)
#[test]
fn a_retry_refused_by_the_breaker_its_attempt_tripped_still_charges_the_delivery() {
    let model = load(
        r#"
[scenario]
name = "retry into an open breaker"
duration = "300ms"

[[workload]]
to = "jobs"
arrival = "constant"
rate = 10

[[node]]
id = "jobs"
kind = "queue"
service_time = "0ns"
max_attempts = 1
calls = [ { to = "slow", timeout = "1us", retry = { attempts = 2, backoff = "1us" }, breaker = { consecutive_failures = 1, open_for = "2ms" } } ]

[[node]]
id = "slow"
kind = "service"
service_time = "100us"
"#,
    );
    let mut sim = Simulation::new(model, 3);
    run_to(&mut sim, SimTime::from_millis(300));
    assert!(drain(&mut sim, SimTime::from_secs(60)));
    let k = sim.summary().nodes[0].counts;
    assert!(k.completed >= 3, "{k:?}");
    assert_eq!(k.dead_lettered, k.completed, "{k:?}");
}

/// A single-flight cache answers every waiter when the one fetch fails;
/// each such visit must count as failed at the cache, so that the node's
/// outcomes add up to its arrivals.
#[test]
fn cache_counts_coalesced_waiters_that_fail() {
    let model = load(
        r#"
[scenario]
name = "single flight"
duration = "1s"

[[workload]]
to = "cache"
rate = 1000
keys = { count = 1 }

[[node]]
id = "cache"
kind = "cache"
capacity = 0
hit_time = "0.1ms"
on_miss = "db"
coalesce = true

[[node]]
id = "db"
kind = "database"
workers = 4
service_time = "10ms"
timeout = "5ms"
"#,
    );
    let mut sim = Simulation::new(model, 5);
    run_to(&mut sim, SimTime::from_secs(1));
    let n = &sim.snapshot().nodes[0];
    let k = n.counts;
    assert!(k.coalesced > 0 && k.failed_downstream > 0, "{k:?}");
    // Each arrival is answered once, as a success or a failure, or is
    // still there: none is answered twice or lost.
    assert_eq!(
        k.arrived,
        k.completed + k.failed_downstream + n.present,
        "{k:?}, present {}",
        n.present
    );
}

/// Crashing a station fails what it holds; visits that had already timed
/// out while waiting in line must leave too, not stay present for ever.
#[test]
fn crash_releases_timed_out_visits_waiting_in_line() {
    let model = load(
        r#"
[scenario]
name = "crash"
duration = "10s"

[[workload]]
to = "api"
rate = 500

[[node]]
id = "api"
kind = "service"
workers = 1
timeout = "1ms"
service_time = "10ms"
"#,
    );
    let mut sim = Simulation::new(model, 3);
    run_to(&mut sim, SimTime::from_millis(100));
    sim.apply(Command::Crash {
        node: 0,
        replica: None,
    })
    .unwrap();
    let n = sim.snapshot().nodes[0].clone();
    let held: u64 = n
        .replicas
        .iter()
        .map(|r| u64::from(r.busy) + u64::from(r.queued))
        .sum();
    assert_eq!(n.present, held, "{:?}", n.replicas);
    assert!(drain(&mut sim, SimTime::from_secs(60)));
}

/// Crashing a single-flight cache fails the misses waiting on a fetch;
/// they must leave the cache.
#[test]
fn cache_crash_releases_coalesced_waiters() {
    let model = load(
        r#"
[scenario]
name = "crash"
duration = "10s"

[[workload]]
to = "cache"
rate = 1000
keys = { count = 1 }

[[node]]
id = "cache"
kind = "cache"
capacity = 0
hit_time = "0.1ms"
on_miss = "db"
coalesce = true

[[node]]
id = "db"
kind = "database"
workers = 4
service_time = "10ms"
"#,
    );
    let mut sim = Simulation::new(model, 3);
    run_to(&mut sim, SimTime::from_millis(105));
    sim.apply(Command::Crash {
        node: 0,
        replica: None,
    })
    .unwrap();
    assert!(
        drain(&mut sim, SimTime::from_secs(60)),
        "present {:?}, visits {}",
        sim.snapshot()
            .nodes
            .iter()
            .map(|n| n.present)
            .collect::<Vec<_>>(),
        sim.live_visits()
    );
}

/// A consistent-hash load balancer whose service has no replica up turns
/// requests away (as the other algorithms do) instead of panicking.
#[test]
fn consistent_hash_with_every_replica_down_refuses_instead_of_panicking() {
    let model = load(
        r#"
[scenario]
name = "hash"
duration = "1s"

[[workload]]
to = "lb"
rate = 100

[[node]]
id = "lb"
kind = "load_balancer"
algorithm = "consistent_hash"
to = "api"

[[node]]
id = "api"
kind = "service"
replicas = 2
service_time = "1ms"
"#,
    );
    let mut sim = Simulation::new(model, 1);
    run_to(&mut sim, SimTime::from_millis(100));
    sim.apply(Command::Crash {
        node: 1,
        replica: None,
    })
    .unwrap();
    run_to(&mut sim, SimTime::from_millis(200));
    let s = sim.summary();
    assert!(s.counts.errored > 0, "{:?}", s.counts);
}
