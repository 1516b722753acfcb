//! Payloads and bandwidth: a transfer alone adds exactly size / bandwidth, transfers over one zone link share it, failed answers carry nothing and every attempt sends its request, and the egress bill is the billed bytes times their price.

mod common;

use common::{drain, load, run_to};
use loadlab::sim::{SimTime, Simulation, Summary};

/// Runs `text` to its end, then lets every request finish.
fn run_drained(text: &str) -> Summary {
    let model = load(text);
    let end = model.duration;
    let mut sim = Simulation::new(model, 3);
    run_to(&mut sim, end);
    assert!(drain(&mut sim, SimTime::from_secs(60)), "drains");
    sim.summary()
}

/// Requests every 10 ms (constant arrivals) to a front that calls a
/// 1 ms store with `payload` on the call.
fn spaced(payload: &str) -> String {
    format!(
        r#"
[scenario]
name = "spaced"
duration = "20s"
warmup = "0s"

[[workload]]
to = "front"
arrival = "constant"
rate = 100

[[node]]
id = "front"
kind = "service"
workers = 10
service_time = "0.5ms"
calls = [ {{ to = "store"{payload} }} ]

[[node]]
id = "store"
kind = "service"
workers = 10
service_time = "1ms"
"#
    )
}

#[test]
fn a_transfer_alone_adds_exactly_size_over_bandwidth() {
    let base = run_drained(&spaced(""));
    // 1 MB out and 500 kB back at 1 GB/s: 1 ms + 0.5 ms, never queued
    // (one request each 10 ms).
    let sized = run_drained(&spaced(
        ", request_bytes = \"1MB\", response_bytes = \"500KB\", bandwidth = \"8Gbps\"",
    ));
    assert_eq!(base.counts.completed, sized.counts.completed);
    let (b, s) = (base.latency, sized.latency);
    let extra = s.mean_ms.unwrap() - b.mean_ms.unwrap();
    assert!((extra - 1.5).abs() < 1e-9, "{extra}");
    let max_extra = s.max_ms.unwrap() - b.max_ms.unwrap();
    assert!((max_extra - 1.5).abs() < 0.01, "{max_extra}");
    let t = sized.transfer.expect("bytes reported");
    assert_eq!(t.link_bytes, sized.counts.completed * 1_500_000);
    assert_eq!((t.egress_bytes, t.egress_cost), (0, 0.0));
    assert!(base.transfer.is_none(), "no payload: no transfer figures");
}

/// Two callers in zone `a`, each sending 400 requests a second of 1 MB to
/// a store in zone `b`; `link` is the zone link's extra fields, `own` the
/// calls'.
fn two_callers(link: &str, own: &str) -> String {
    let caller = |id: &str| {
        format!(
            r#"
[[workload]]
to = "{id}"
rate = 400

[[node]]
id = "{id}"
kind = "service"
zone = "a"
workers = 10000
service_time = "0s"
calls = [ {{ to = "store", request_bytes = "1MB"{own} }} ]
"#
        )
    };
    format!(
        r#"
[scenario]
name = "shared link"
duration = "120s"
warmup = "10s"
seed = 4
{}{}
[[node]]
id = "store"
kind = "external"
zone = "b"
latency = "0s"

[[zone_link]]
between = ["b", "a"]
latency = "0s"
{link}
"#,
        caller("left"),
        caller("right")
    )
}

#[test]
fn transfers_over_one_zone_link_share_its_bandwidth() {
    // 1 GB/s each way: shared, the link is an M/D/1 at ρ = 0.8 (3 ms in
    // all); each call on a link of its own is one at ρ = 0.4 (1.33 ms).
    let shared = run_drained(&two_callers("bandwidth = \"8Gbps\"", ""));
    let own = run_drained(&two_callers("", ", bandwidth = \"8Gbps\""));
    let (s, o) = (
        shared.latency.mean_ms.unwrap(),
        own.latency.mean_ms.unwrap(),
    );
    assert!(s > 2.5 && s < 3.6, "shared {s}");
    assert!(o > 1.2 && o < 1.5, "own links {o}");
}

#[test]
fn egress_is_the_billed_bytes_times_their_price() {
    // Users get 2 MB per answer from `left` at $0.05/GB; calls cross the
    // zones' link, priced $0.02/GB, with 1 MB each.
    let text = two_callers("egress_per_gb = 0.02", "").replace(
        "zone = \"a\"\nworkers = 10000",
        "zone = \"a\"\negress_per_gb = 0.05\nworkers = 10000",
    );
    let text = format!(
        "[[class]]\nname = \"get\"\nop = \"read\"\nresponse_bytes = \"2MB\"\nrequest_bytes = \"1KB\"\n{}",
        text.replace("rate = 400", "rate = 400\nclasses = { get = 1.0 }")
    );
    let s = run_drained(&text);
    let t = s.transfer.expect("bytes reported");
    let completed = s.counts.completed;
    assert_eq!(t.bytes_to_users, completed * 2_000_000);
    assert_eq!(t.bytes_from_users, s.counts.arrived * 1_000);
    assert_eq!(t.link_bytes, s.counts.arrived * 1_000_000);
    assert_eq!(t.egress_bytes, t.bytes_to_users + t.link_bytes);
    let want = t.bytes_to_users as f64 * 0.05e-9 + t.link_bytes as f64 * 0.02e-9;
    assert!(
        (t.egress_cost / want - 1.0).abs() < 1e-9,
        "{} vs {want}",
        t.egress_cost
    );
    let hours = s.measured.as_secs_f64() / 3600.0;
    assert!((t.egress_cost_per_hour * hours / t.egress_cost - 1.0).abs() < 1e-12);
}

#[test]
fn every_attempt_sends_its_request_and_only_successes_answer_with_bytes() {
    let text = r#"
[scenario]
name = "retried payloads"
duration = "30s"
warmup = "0s"

[[workload]]
to = "front"
rate = 200

[[node]]
id = "front"
kind = "service"
workers = 1000
service_time = "0s"
calls = [ { to = "flaky", request_bytes = "1KB", response_bytes = "1MB", retry = { attempts = 2, backoff = "1ms" } } ]

[[node]]
id = "flaky"
kind = "external"
latency = "1ms"
error_rate = 0.3
"#;
    let s = run_drained(text);
    let t = s.transfer.expect("bytes reported");
    let flaky = &s.nodes[1];
    let attempts = flaky.counts.arrived;
    let answered = s.counts.completed;
    assert!(attempts > s.counts.arrived, "some retries");
    assert_eq!(t.link_bytes, attempts * 1_000 + answered * 1_000_000);
}

#[test]
fn check_describes_sizes_bandwidths_and_prices() {
    let text = two_callers(
        "bandwidth = \"8Gbps\"\negress_per_gb = 0.02",
        ", response_bytes = { dist = \"exponential\", mean = \"2MB\" }",
    );
    let check = loadlab::report::topology::describe(&load(&text));
    assert!(
        check.contains("left --calls--> store link constant 0ns (zones), request 1MB, answer exponential, mean 2MB, 8Gbps shared (zones), egress $0.02/GB (zones)"),
        "{check}"
    );
}
