//! External services: error answers at their rate, a rate limit that caps what gets through, outages and slow-downs as events, a live change of latency, and balanced books.

mod common;

use common::run_checked;
use loadlab::sim::Summary;

/// A checkout service calling `payments` (an external service with
/// `fields`) at `rate` per second for 20 s, plus `events`.
fn checkout(rate: u32, fields: &str, events: &str) -> String {
    format!(
        r#"[scenario]
name = "checkout"
duration = "20s"
seed = 21

[[workload]]
name = "buyers"
to = "checkout"
rate = {rate}

[[node]]
id = "checkout"
kind = "service"
workers = 1000
service_time = "1ms"
calls = "payments"

[[node]]
id = "payments"
kind = "external"
{fields}
{events}"#
    )
}

fn run(text: &str) -> Summary {
    run_checked(text, 21)
}

#[test]
fn errors_come_at_the_error_rate_and_fail_the_caller() {
    let s = run(&checkout(500, "latency = \"50ms\"\nerror_rate = 0.02", ""));
    let p = &s.nodes[1].counts;
    let n = p.arrived as f64;
    let share = p.error_responses as f64 / n;
    // Binomial: 10 000 calls, standard error sqrt(0.02·0.98/n) ≈ 0.0014;
    // four of them allowed.
    let se = (0.02f64 * 0.98 / n).sqrt();
    assert!((share - 0.02).abs() < 4.0 * se, "share {share}, se {se}");
    assert_eq!(p.errors, p.error_responses);
    assert_eq!(p.completed + p.error_responses, p.arrived);
    // Each error fails the checkout (it has no retry) as an error.
    assert_eq!(s.counts.errored, p.error_responses);
    assert_eq!(s.nodes[0].counts.failed_downstream, p.error_responses);
}

#[test]
fn a_rate_limit_lets_through_its_rate_and_refuses_the_rest() {
    // 200 calls/s offered, 50 accepted: over 20 s at most burst + 50 × 20
    // = 1010 get through, and the bucket never idles (at least 1000).
    let s = run(&checkout(
        200,
        "latency = \"20ms\"\nrate_limit = 50\nburst = 10",
        "",
    ));
    let p = &s.nodes[1].counts;
    assert!((1000..=1010).contains(&p.completed), "{p:?}");
    assert_eq!(p.throttled, p.rejected);
    assert_eq!(p.completed + p.rejected, p.arrived);
    assert_eq!(s.counts.rejected, p.throttled);
}

#[test]
fn an_outage_fails_calls_and_a_slow_down_stretches_them() {
    let events = r#"
[[event]]
at = "5s"
action = "crash"
node = "payments"
for = "2s"

[[event]]
at = "10s"
action = "slow"
node = "payments"
factor = 3
for = "5s"
"#;
    let s = run(&checkout(100, "latency = \"100ms\"", events));
    let p = &s.nodes[1];
    // 2 s of 100/s refused, plus the ~10 calls out when it crashed.
    let e = p.counts.errors;
    assert!((170..=240).contains(&e), "errors {e}");
    assert_eq!(p.counts.error_responses, 0);
    // 5 of the other 18 s at 300 ms, the rest at 100 ms: the mean is
    // (5·300 + 13·100) / 18 ≈ 155.6 ms (Poisson counts per stretch make
    // it move by a few ms).
    let mean = p.sojourn.mean_ms.unwrap();
    assert!((145.0..166.0).contains(&mean), "mean {mean} ms");
    assert_eq!(p.sojourn.max_ms.map(|m| m < 301.0), Some(true));
}

#[test]
fn a_set_event_changes_the_latency() {
    let events = r#"
[[event]]
at = "10s"
action = "set"
target = "payments.latency"
value = "40ms"
"#;
    let s = run(&checkout(50, "latency = \"10ms\"", events));
    let mean = s.nodes[1].sojourn.mean_ms.unwrap();
    // Half the run at 10 ms, half at 40 ms.
    assert!((22.0..28.0).contains(&mean), "mean {mean} ms");
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let text = checkout(
        300,
        "latency = { dist = \"exponential\", mean = \"30ms\" }\nerror_rate = 0.1\nrate_limit = 250\nconcurrency = 8",
        "",
    );
    let a = format!("{:?}", run(&text));
    assert_eq!(a, format!("{:?}", run(&text)));
}
