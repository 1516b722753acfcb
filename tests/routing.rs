//! Routing by probability (`p` on the routes of `to`) and loops through a queue bounded by `max_hops`: shares within the binomial spread, the remainder answered, a crawler's frontier that stops at its bound, and balanced books.

mod common;

use common::{check_books, drain, load, run_to};
use loadlab::sim::{SimTime, Simulation, Summary};

/// Runs `text` to its end with the books checked at each quarter, then
/// drains it.
fn run(text: &str) -> Summary {
    let model = load(text);
    let (end, seed) = (model.duration, model.seed);
    let mut sim = Simulation::new(model, seed);
    let mut windows = Vec::new();
    for k in 1..=4 {
        run_to(&mut sim, SimTime(end.0 / 4 * k));
        check_books(&mut sim, &mut windows);
    }
    assert!(drain(&mut sim, SimTime::from_secs(600)));
    check_books(&mut sim, &mut windows);
    sim.summary()
}

/// Within four binomial standard errors of `p` out of `n`.
fn near(count: u64, n: u64, p: f64) -> bool {
    let se = (p * (1.0 - p) / n as f64).sqrt();
    (count as f64 / n as f64 - p).abs() < 4.0 * se
}

#[test]
fn routes_split_requests_by_their_shares_and_the_rest_is_answered() {
    let s = run(r#"[scenario]
name = "shares"
duration = "20s"
seed = 8

[[workload]]
to = "front"
rate = 1000
mix = { read = 0.5 }

[[node]]
id = "front"
kind = "service"
workers = 100
service_time = "1ms"
to = [ { to = "a", p = 0.3 }, { to = "b", p = 0.6 }, { to = "c", when = "write", p = 0.1 } ]

[[node]]
id = "a"
kind = "service"
workers = 100
service_time = "1ms"

[[node]]
id = "b"
kind = "service"
workers = 100
service_time = "1ms"

[[node]]
id = "c"
kind = "service"
workers = 100
service_time = "1ms"
"#);
    let n = s.nodes[0].counts.arrived;
    let arrived = |i: usize| s.nodes[i].counts.arrived;
    assert!(near(arrived(1), n, 0.3), "a {} of {n}", arrived(1));
    assert!(near(arrived(2), n, 0.6), "b {} of {n}", arrived(2));
    // Only writes (half) may go to c, one in ten of them.
    assert!(near(arrived(3), n, 0.05), "c {} of {n}", arrived(3));
    // Every request is answered, here or downstream.
    assert_eq!(s.counts.completed, n);
}

/// A crawler: each page fetched is parsed and yields two new links into
/// the frontier; `max_hops = 3` stops the third generation's links. Per
/// seed: 1 + 2 + 4 pages fetched, 8 links dropped at the bound.
#[test]
fn a_loop_through_a_queue_stops_at_max_hops() {
    let s = run(r#"[scenario]
name = "crawler"
duration = "10s"
seed = 2

[[workload]]
name = "seeds"
to = "frontier"
arrival = "constant"
rate = 10

[[node]]
id = "frontier"
kind = "queue"
consumers = 8
service_time = "1ms"
calls = ["fetcher"]
max_hops = 3

[[node]]
id = "fetcher"
kind = "service"
workers = 16
service_time = { dist = "exponential", mean = "50ms" }
to = "parser"

[[node]]
id = "parser"
kind = "service"
workers = 4
service_time = "5ms"
calls = ["frontier", "frontier"]
"#);
    let seeds = s.counts.arrived;
    assert_eq!(seeds, 100);
    let q = &s.nodes[0];
    assert_eq!(q.counts.processed, 7 * seeds, "{:?}", q.counts);
    assert_eq!(q.hops_exceeded, Some(8 * seeds));
    assert_eq!(q.counts.completed, 15 * seeds);
    assert_eq!(s.nodes[1].counts.completed, 7 * seeds);
}

/// A consumer may store a follow-up message in its own queue when the
/// queue has `max_hops`: each seed is processed three times, then its
/// fourth follow-up is dropped.
#[test]
fn a_queue_with_max_hops_may_feed_itself() {
    let s = run(r#"[scenario]
name = "follow-ups"
duration = "10s"

[[workload]]
to = "jobs"
arrival = "constant"
rate = 20

[[node]]
id = "jobs"
kind = "queue"
consumers = 2
service_time = "2ms"
calls = ["jobs"]
max_hops = 3
"#);
    let q = &s.nodes[0];
    assert_eq!(s.counts.arrived, 200);
    assert_eq!(q.counts.processed, 600, "{:?}", q.counts);
    assert_eq!(q.hops_exceeded, Some(200));
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let text = r#"[scenario]
name = "loop"
duration = "5s"

[[workload]]
to = "q"
rate = 200

[[node]]
id = "q"
kind = "queue"
consumers = 2
service_time = { dist = "exponential", mean = "2ms" }
calls = ["s"]
max_hops = 50

[[node]]
id = "s"
kind = "service"
workers = 8
service_time = "1ms"
to = [ { to = "q", p = 0.4 }, { to = "t", p = 0.3 } ]

[[node]]
id = "t"
kind = "database"
service_time = "1ms"
"#;
    let a = format!("{:?}", run(text));
    assert_eq!(a, format!("{:?}", run(text)));
}
