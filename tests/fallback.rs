//! Fallbacks: a call that fails for good (after its retries, refused by its open breaker, a failed fan-out) is answered by its fallback, with exact latencies and counts.

mod common;

use common::run_checked;
use loadlab::sim::Summary;

/// A checkout (1 ms, constant) calling `payments` (an external service
/// with `fields`) with `call` extras, falling back on `stale` (3 ms,
/// constant), 100 requests/s evenly spaced for 20 s, plus `tail`.
fn checkout(fields: &str, call: &str, tail: &str) -> String {
    format!(
        r#"[scenario]
name = "fallback"
duration = "20s"
seed = 5

[[workload]]
name = "buyers"
to = "checkout"
arrival = "constant"
rate = 100

[[node]]
id = "checkout"
kind = "service"
workers = 1000
service_time = "1ms"
calls = [ {{ to = "payments", fallback = "stale"{call} }} ]

[[node]]
id = "payments"
kind = "external"
{fields}

[[node]]
id = "stale"
kind = "service"
workers = 1000
service_time = "3ms"
{tail}"#
    )
}

fn run(text: &str) -> Summary {
    run_checked(text, 5)
}

/// `(checkout, payments, stale)` of a summary.
fn nodes(s: &Summary) -> [&loadlab::sim::metrics::NodeSummary; 3] {
    [&s.nodes[0], &s.nodes[1], &s.nodes[2]]
}

#[test]
fn a_callee_that_always_fails_is_answered_by_the_fallback() {
    let s = run(&checkout("latency = \"50ms\"\nerror_rate = 1.0", "", ""));
    let [c, p, stale] = nodes(&s);
    // 2000 requests, every one answered: 1 ms + 50 ms (the error) + 3 ms.
    assert_eq!(s.counts.arrived, 2000);
    assert_eq!(s.counts.completed, 2000);
    assert_eq!(s.counts.failed(), 0);
    assert_eq!(p.counts.error_responses, 2000);
    assert_eq!(stale.counts.completed, 2000);
    assert_eq!(c.fallbacks, Some((2000, 0)));
    assert_eq!(c.counts.completed, 2000);
    assert_eq!(c.counts.failed_downstream, 0);
    for l in [s.latency.p50_ms, s.latency.max_ms] {
        let l = l.unwrap();
        assert!((l - 54.0).abs() < 0.6, "latency {l} ms, expected 54");
    }
    assert!((s.latency.mean_ms.unwrap() - 54.0).abs() < 1e-6);
    // Nodes without a fallback show no figure.
    assert_eq!(p.fallbacks, None);
    assert_eq!(stale.fallbacks, None);
}

#[test]
fn the_fallback_comes_after_the_last_retry() {
    // Three attempts, 10 ms then 20 ms between them (no jitter): 1 + 50 +
    // 10 + 50 + 20 + 50 + 3 = 184 ms.
    let s = run(&checkout(
        "latency = \"50ms\"\nerror_rate = 1.0",
        ", retry = { attempts = 3, backoff = \"10ms\", jitter = \"none\" }",
        "",
    ));
    let [c, p, stale] = nodes(&s);
    assert_eq!(s.counts.completed, 2000);
    assert_eq!(p.counts.arrived, 6000);
    assert_eq!(c.counts.retries, 4000);
    assert_eq!(stale.counts.arrived, 2000);
    assert_eq!(c.fallbacks, Some((2000, 0)));
    assert!((s.latency.mean_ms.unwrap() - 184.0).abs() < 1e-6);
}

#[test]
fn an_open_breaker_sends_straight_to_the_fallback() {
    // Payments is down from 5 s to 10 s: the first five calls then fail
    // (an error, at once), the breaker opens and refuses for 1 s, a probe
    // fails and it opens again... Every request is still answered, each
    // call not answered by payments by the fallback: 1 + 3 = 4 ms.
    let s = run(&checkout(
        "latency = \"20ms\"",
        ", breaker = { consecutive_failures = 5, open_for = \"1s\" }",
        r#"
[[event]]
at = "5s"
action = "crash"
node = "payments"
for = "5s""#,
    ));
    let [c, p, stale] = nodes(&s);
    assert_eq!(s.counts.arrived, 2000);
    assert_eq!(s.counts.completed, 2000);
    assert_eq!(s.counts.failed(), 0);
    let (taken, failed) = c.fallbacks.unwrap();
    assert_eq!(failed, 0);
    // Calls that failed at payments (down) plus calls the breaker refused.
    assert_eq!(taken, p.counts.errors + c.counts.short_circuited);
    assert_eq!(taken + p.counts.completed, 2000);
    assert_eq!(stale.counts.completed, taken);
    // Five failures, then 1 s open (100 refused); each probe a second
    // later fails and opens it again, five times: 5 + 4 probes failed and
    // nearly all of the 500 requests refused.
    let trips = c.breakers[0].2;
    assert!((4..=6).contains(&trips), "trips {trips}");
    assert!(c.counts.short_circuited >= 480, "{:?}", c.counts);
    assert!(taken <= 515, "taken {taken}");
    // Refused at once: 4 ms; the rest at 21 ms (payments' 20 ms + 1 ms),
    // but for the two calls out at the crash (one sent every 10 ms, each
    // out for 20 ms), failed when it came: between 4 and 21 ms each, which
    // moves the mean by at most 2 × 17 / 2000 ms.
    assert!((s.latency.p50_ms.unwrap() - 21.0).abs() < 0.6);
    let expected = (taken as f64 * 4.0 + (2000 - taken) as f64 * 21.0) / 2000.0;
    let mean = s.latency.mean_ms.unwrap();
    assert!(
        (mean - expected).abs() <= 0.017 + 1e-9,
        "mean {mean}, expected {expected}"
    );
}

#[test]
fn a_failing_fallback_fails_the_call() {
    let text = checkout(
        "latency = \"50ms\"\nerror_rate = 1.0",
        ", timeout = \"100ms\"",
        "",
    )
    .replace(
        "id = \"stale\"\nkind = \"service\"\nworkers = 1000\nservice_time = \"3ms\"",
        "id = \"stale\"\nkind = \"external\"\nlatency = \"200ms\"",
    );
    let s = run(&text);
    let [c, _, stale] = nodes(&s);
    // The fallback's answer would come after 200 ms: the call's timeout
    // (100 ms) ends it, and the request fails as timed out at 151 ms.
    assert_eq!(s.counts.timed_out, 2000);
    assert_eq!(s.counts.completed, 0);
    assert_eq!(stale.counts.arrived, 2000);
    assert_eq!(c.fallbacks, Some((2000, 2000)));
    assert_eq!(c.counts.failed_downstream, 2000);
    assert!((s.latency.max_ms.unwrap_or(151.0) - 151.0).abs() < 0.6);
}

#[test]
fn a_failed_fan_out_asks_the_fallback_once() {
    let s = run(&checkout(
        "latency = \"50ms\"\nerror_rate = 1.0",
        ", repeat = 3, parallel = true",
        "",
    ));
    let [c, p, stale] = nodes(&s);
    assert_eq!(s.counts.completed, 2000);
    assert_eq!(p.counts.arrived, 6000);
    assert_eq!(stale.counts.arrived, 2000);
    assert_eq!(c.fallbacks, Some((2000, 0)));
    assert!((s.latency.mean_ms.unwrap() - 54.0).abs() < 1e-6);
}

#[test]
fn a_queue_consumer_answered_by_its_fallback_processes_the_message() {
    let text = checkout("latency = \"50ms\"\nerror_rate = 1.0", "", "")
        .replace(
            "calls = [ { to = \"payments\", fallback = \"stale\" } ]",
            "calls = \"jobs\"",
        )
        .replace(
            "[[node]]\nid = \"payments\"",
            "[[node]]\nid = \"jobs\"\nkind = \"queue\"\nconsumers = 20\nservice_time = \"1ms\"\nmax_attempts = 2\ncalls = [ { to = \"payments\", fallback = \"stale\" } ]\n\n[[node]]\nid = \"payments\"",
        );
    let s = run(&text);
    let q = &s.nodes[1];
    assert_eq!(q.counts.processed, 2000);
    assert_eq!(q.counts.dead_lettered, 0);
    assert_eq!(q.counts.redelivered, 0);
    assert_eq!(q.fallbacks, Some((2000, 0)));
    assert_eq!(s.nodes[3].counts.completed, 2000);
}
