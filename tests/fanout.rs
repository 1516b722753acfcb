//! Fan-out on calls: `repeat` one after another (the N+1 query) or drawn per request, parallel sub-calls waiting for all, a quorum or the first, hedges; timeouts, retries and pools per sub-call; late answers dropped, the books balanced, nothing left behind, and the same results in one go or sliced.

mod common;

use common::{check_books, drain, load, run_to};
use loadlab::sim::{SimTime, Simulation, Summary};

/// An `api` (many workers, no work of its own) calling `backend` with
/// `call` (the fields after `to`); `backend` is a service with `backend`
/// (its fields). One request a second unless `rate` says.
fn scenario(call: &str, backend: &str, rate: f64, duration: &str) -> String {
    format!(
        r#"
[scenario]
name = "fan-out"
duration = "{duration}"

[[workload]]
to = "api"
arrival = "constant"
rate = {rate:?}

[[node]]
id = "api"
kind = "service"
workers = 100_000
service_time = "0s"
calls = [ {{ to = "backend"{call} }} ]

[[node]]
id = "backend"
kind = "service"
{backend}
"#
    )
}

/// Runs `text` to its end, checking the books every 100 ms, then drains
/// (nothing may be left: no visit, no sub-call); the summary after.
fn run_checked(text: &str) -> Summary {
    let model = load(text);
    let end = model.duration;
    let mut sim = Simulation::new(model, 1);
    let mut windows = Vec::new();
    let mut t = SimTime::ZERO;
    while t < end {
        t = t.saturating_add(SimTime::from_millis(100)).min(end);
        run_to(&mut sim, t);
        check_books(&mut sim, &mut windows);
    }
    assert!(drain(&mut sim, SimTime::from_secs(60)), "drains");
    assert_eq!(sim.live_visits(), 0, "sub-calls left behind");
    check_books(&mut sim, &mut windows);
    sim.summary()
}

fn node<'a>(s: &'a Summary, id: &str) -> &'a loadlab::sim::metrics::NodeSummary {
    s.nodes.iter().find(|n| n.id == id).expect("node")
}

const CONSTANT_1MS: &str = "workers = 100_000\nservice_time = \"1ms\"";

#[test]
fn the_n_plus_one_query_makes_fifty_calls_one_after_another() {
    let s = run_checked(&scenario(", repeat = 50", CONSTANT_1MS, 10.0, "10s"));
    assert_eq!(s.counts.failed(), 0);
    let requests = s.counts.completed;
    assert_eq!(node(&s, "backend").counts.arrived, 50 * requests);
    // One after another: 50 × 1 ms, exactly.
    assert!((s.latency.mean_ms.unwrap() - 50.0).abs() < 1e-9);
    // The caller's worker is held the whole time, once per request.
    assert_eq!(node(&s, "api").counts.completed, requests);
}

#[test]
fn a_drawn_repeat_makes_its_mean_number_of_calls() {
    for (repeat, mean) in [
        ("{ dist = \"poisson\", mean = 20 }", 20.0),
        ("{ dist = \"uniform\", min = 0, max = 10 }", 5.0),
        ("{ dist = \"constant\", value = 3 }", 3.0),
    ] {
        let call = format!(", repeat = {repeat}, parallel = true");
        let s = run_checked(&scenario(&call, CONSTANT_1MS, 1000.0, "20s"));
        let requests = s.counts.completed as f64;
        let calls = node(&s, "backend").counts.arrived as f64;
        // 20 000 requests; the per-request count has variance ≤ 20, so
        // the mean's standard error is ≤ 0.032: 5 σ.
        let per = calls / requests;
        println!("{repeat}: {per:.4} calls per request");
        assert!((per - mean).abs() < 0.16, "{repeat}: {per}");
        assert_eq!(s.counts.failed(), 0);
    }
}

/// `backend` has one worker and no waiting line: of two sub-calls sent at
/// once the first is served (1 ms) and the second turned away.
const ONE_SLOT: &str = "workers = 1\nqueue = 0\nservice_time = \"1ms\"";

#[test]
fn parallel_calls_wait_for_all_a_quorum_or_the_first() {
    let all = run_checked(&scenario(
        ", repeat = 2, parallel = true",
        ONE_SLOT,
        10.0,
        "10s",
    ));
    assert_eq!(all.counts.completed, 0);
    assert_eq!(all.counts.rejected, 100, "{:?}", all.counts);
    assert_eq!(node(&all, "api").counts.failed_downstream, 100);
    let quorum = scenario(
        ", repeat = 2, parallel = true, wait = { quorum = 2 }",
        ONE_SLOT,
        10.0,
        "10s",
    );
    assert_eq!(run_checked(&quorum).counts.completed, 0);
    let first = run_checked(&scenario(
        ", repeat = 2, parallel = true, wait = \"first\"",
        ONE_SLOT,
        10.0,
        "10s",
    ));
    assert_eq!((first.counts.completed, first.counts.failed()), (100, 0));
    assert!((first.latency.mean_ms.unwrap() - 1.0).abs() < 1e-9);
    let one_of_three = run_checked(&scenario(
        ", repeat = 3, parallel = true, wait = { quorum = 1 }",
        ONE_SLOT,
        10.0,
        "10s",
    ));
    assert_eq!(one_of_three.counts.completed, 100);
}

#[test]
fn each_sub_call_retries_on_its_own() {
    // The turned-away sub-call retries after 2 ms, when the worker is
    // free again: 2 + 1 ms, one retry per request.
    let call = ", repeat = 2, parallel = true, retry = { attempts = 3, backoff = \"2ms\", jitter = \"none\" }";
    let s = run_checked(&scenario(call, ONE_SLOT, 10.0, "10s"));
    assert_eq!((s.counts.completed, s.counts.failed()), (100, 0));
    assert!((s.latency.mean_ms.unwrap() - 3.0).abs() < 1e-9);
    assert_eq!(node(&s, "api").counts.retries, 100);
}

#[test]
fn each_sub_call_has_its_own_timeout() {
    // Three sub-calls to a 10 ms backend with a 5 ms timeout each: all
    // three time out, the request fails once.
    let call = ", repeat = 3, parallel = true, wait = \"first\", timeout = \"5ms\"";
    let backend = "workers = 100\nservice_time = \"10ms\"";
    let s = run_checked(&scenario(call, backend, 10.0, "10s"));
    let api = node(&s, "api");
    assert_eq!((s.counts.completed, s.counts.timed_out), (0, 100));
    assert_eq!(api.counts.call_timeouts, 300);
    assert_eq!(api.counts.failed_downstream, 100);
    assert!((s.latency.mean_ms.is_none()));
}

#[test]
fn a_pool_is_shared_by_the_sub_calls() {
    // Four sub-calls, two connections: two wait 1 ms for a connection.
    let call = ", repeat = 4, parallel = true, pool = { size = 2, acquire_timeout = \"1s\" }";
    let s = run_checked(&scenario(call, CONSTANT_1MS, 10.0, "10s"));
    assert_eq!(s.counts.completed, 100);
    assert!((s.latency.mean_ms.unwrap() - 2.0).abs() < 1e-9);
}

#[test]
fn a_hedge_goes_out_when_the_first_copy_is_slow_and_the_first_answer_wins() {
    // A 10 ms backend, hedged after 4 ms: the hedge always goes out, the
    // first copy answers first (10 ms), the hedge's answer (14 ms) is
    // dropped.
    let backend = "workers = 100\nservice_time = \"10ms\"";
    let s = run_checked(&scenario(", hedge = \"4ms\"", backend, 10.0, "10s"));
    assert_eq!((s.counts.completed, s.counts.failed()), (100, 0));
    assert!((s.latency.mean_ms.unwrap() - 10.0).abs() < 1e-9);
    assert_eq!(node(&s, "backend").counts.arrived, 200);
    assert_eq!(node(&s, "api").counts.completed, 100);
    // A fast backend answers before the hedge is due: no hedge.
    let s = run_checked(&scenario(", hedge = \"4ms\"", CONSTANT_1MS, 10.0, "10s"));
    assert_eq!(node(&s, "backend").counts.arrived, 100);
}

#[test]
fn a_hedge_goes_out_at_once_when_the_first_copy_fails() {
    // One slot of 3 ms, a request every 2 ms: every other request finds
    // the slot taken.
    let backend = "workers = 1\nqueue = 0\nservice_time = \"3ms\"";
    let text = scenario(", hedge = \"100ms\"", backend, 500.0, "2s");
    let s = run_checked(&text);
    // Its copy is turned away, the hedge goes at once (not after 100 ms)
    // and is turned away too: the request fails at once. The others are
    // served in 3 ms.
    let b = node(&s, "backend");
    assert_eq!((s.counts.completed, s.counts.rejected), (500, 500));
    assert_eq!(b.counts.arrived, 500 + 2 * 500);
    assert!((s.latency.max_ms.unwrap() - 3.0).abs() < 0.01);
}

#[test]
fn a_node_timeout_during_a_fan_out_answers_once_and_leaves_nothing() {
    let text = r#"
[scenario]
name = "timeout during fan-out"
duration = "5s"

[[workload]]
to = "api"
arrival = "constant"
rate = 20

[[node]]
id = "api"
kind = "service"
workers = 100
service_time = "0s"
timeout = "5ms"
calls = [ { to = "backend", repeat = 5, parallel = true } ]

[[node]]
id = "backend"
kind = "service"
workers = 100
service_time = { dist = "uniform", min = "1ms", max = "20ms" }
"#;
    let s = run_checked(text);
    assert_eq!(s.counts.completed + s.counts.failed(), 100);
    assert!(s.counts.timed_out > 90, "{:?}", s.counts);
}

#[test]
fn a_crash_of_the_caller_during_a_fan_out_leaves_nothing() {
    let text = r#"
[scenario]
name = "crash during fan-out"
duration = "3s"

[[workload]]
to = "api"
rate = 200

[[node]]
id = "api"
kind = "service"
workers = 100
service_time = "0s"
calls = [ { to = "backend", repeat = { dist = "poisson", mean = 4 }, parallel = true, wait = { quorum = 2 }, retry = { attempts = 2 } } ]

[[node]]
id = "backend"
kind = "service"
workers = 4
service_time = { dist = "exponential", mean = "5ms" }

[[event]]
at = "1s"
action = "crash"
node = "api"
for = "500ms"
"#;
    let s = run_checked(text);
    assert!(s.counts.errored > 0, "{:?}", s.counts);
}

#[test]
fn a_queue_consumer_fans_out_on_write() {
    // Each post is stored, then a consumer writes it to every follower's
    // timeline (derived keys, Poisson(8) followers).
    let text = r#"
[scenario]
name = "fan-out on write"
duration = "5s"

[[workload]]
to = "posts"
rate = 100
mix = { write = 1 }

[[node]]
id = "posts"
kind = "queue"
consumers = 4
service_time = "1ms"
calls = [ { to = "timelines", op = "write", key = "derived", keys = { count = 100_000 }, repeat = { dist = "poisson", mean = 8 }, parallel = true } ]

[[node]]
id = "timelines"
kind = "cache"
capacity = 100_000
write_policy = "write_through"
"#;
    let s = run_checked(text);
    let posts = node(&s, "posts");
    let writes = node(&s, "timelines").counts.arrived as f64 / posts.counts.processed as f64;
    println!(
        "{} posts, {writes:.3} timeline writes each",
        posts.counts.processed
    );
    assert!((writes - 8.0).abs() < 0.5, "{writes}");
}

#[test]
fn one_go_and_sliced_give_the_same_results() {
    let text = scenario(
        ", repeat = { dist = \"poisson\", mean = 3 }, parallel = true, wait = { quorum = 2 }, timeout = \"8ms\", retry = { attempts = 2 }, key = \"random\", keys = { count = 50 }",
        "workers = 2\nqueue = 20\nservice_time = { dist = \"exponential\", mean = \"1ms\" }",
        300.0,
        "3s",
    );
    let hedged = scenario(
        ", hedge = \"1ms\", latency = { dist = \"exponential\", mean = \"0.2ms\" }",
        "workers = 2\nservice_time = { dist = \"exponential\", mean = \"1ms\" }",
        500.0,
        "3s",
    );
    for text in [text, hedged] {
        let model = load(&text);
        let end = model.duration;
        let mut one = Simulation::new(model.clone(), 9);
        run_to(&mut one, end);
        let mut sliced = Simulation::new(model, 9);
        let mut t = SimTime::ZERO;
        while t < end {
            t = t.saturating_add(SimTime::from_nanos(700_000)).min(end);
            run_to(&mut sliced, t);
        }
        assert_eq!(
            format!("{:?}", one.summary()),
            format!("{:?}", sliced.summary())
        );
    }
}

/// A queue consumer fanning out to a dead callee behind a breaker: a
/// delivery whose sub-calls an open breaker all refused before anything
/// went out is not charged (it waits for the breaker), but one where a
/// sub-call reached the callee is, so messages are dead-lettered after
/// `max_attempts` instead of going round for ever.
#[test]
fn a_fan_out_refused_by_a_breaker_is_charged_once_something_went_out() {
    let text = r#"
[scenario]
name = "fan-out behind a breaker"
duration = "20s"

[[workload]]
to = "jobs"
arrival = "constant"
rate = 5
phases = [ { at = "1s", rate = 0 } ]

[[node]]
id = "jobs"
kind = "queue"
consumers = 2
service_time = "1ms"
max_attempts = 3
redelivery_backoff = "10ms"
max_redelivery_backoff = "10ms"
calls = [ { to = "dead", repeat = 3, parallel = true, breaker = { consecutive_failures = 1, open_for = "200ms" } } ]

[[node]]
id = "dead"
kind = "service"
service_time = "1ms"

[[event]]
at = "0s"
action = "crash"
node = "dead"
"#;
    let model = load(text);
    let end = model.duration;
    let mut sim = Simulation::new(model, 1);
    let mut windows = Vec::new();
    let mut t = SimTime::ZERO;
    while t < end {
        t = t.saturating_add(SimTime::from_secs(1)).min(end);
        run_to(&mut sim, t);
        check_books(&mut sim, &mut windows);
    }
    let s = sim.summary();
    let jobs = node(&s, "jobs");
    println!("{:?}", jobs.counts);
    // Five messages. In each 200 ms breaker cycle one delivery's sub-call
    // is the probe that reaches the dead callee: that delivery is charged,
    // the others (refused outright) wait for the next cycle. Fifteen
    // charges, about 3 s: every message is dead-lettered well before 20 s.
    assert_eq!(jobs.counts.completed, 5);
    assert_eq!(jobs.counts.dead_lettered, 5, "{:?}", jobs.counts);
    assert_eq!(jobs.counts.processed, 0);
}
