//! Publish/subscribe: a topic stores a copy of each message in every subscriber queue; a slow or full subscriber shows in its own figures, a refused copy fails the publish, and the books balance.

mod common;

use common::{check_books, drain, load, run_to};
use loadlab::sim::{SimTime, Simulation};

/// A topic at 200 messages/s with a fast subscriber (`fast`, about 40 %
/// busy) and a slow one (`slow`, one consumer at 8 ms: 1.6 times
/// overloaded), plus `extra` lines for the slow one.
fn two_groups(extra: &str, events: &str) -> String {
    format!(
        r#"[scenario]
name = "two groups"
duration = "20s"
seed = 11

[[workload]]
name = "orders"
to = "events"
rate = 200

[[node]]
id = "events"
kind = "topic"
subscribers = ["fast", "slow"]

[[node]]
id = "fast"
kind = "queue"
consumers = 2
service_time = {{ dist = "exponential", mean = "4ms" }}

[[node]]
id = "slow"
kind = "queue"
consumers = 1
service_time = {{ dist = "exponential", mean = "8ms" }}
{extra}
{events}"#
    )
}

fn run(text: &str) -> (Simulation, Vec<loadlab::sim::Window>) {
    let model = load(text);
    let end = model.duration;
    let mut sim = Simulation::new(model, 11);
    let mut windows = Vec::new();
    for k in 1..=4 {
        run_to(&mut sim, SimTime(end.0 / 4 * k));
        check_books(&mut sim, &mut windows);
    }
    (sim, windows)
}

#[test]
fn every_subscriber_gets_every_message_and_a_slow_one_backs_up_alone() {
    let (mut sim, _) = run(&two_groups("", ""));
    let s = sim.summary();
    let (topic, fast, slow) = (&s.nodes[0], &s.nodes[1], &s.nodes[2]);
    assert_eq!(topic.counts.completed, topic.counts.arrived);
    assert_eq!(fast.counts.completed, topic.counts.completed);
    assert_eq!(slow.counts.completed, topic.counts.completed);
    assert_eq!(s.counts.failed(), 0);
    // The slow group serves at most 125/s of the 200/s: 75/s pile up,
    // about 1500 in 20 s (arrivals and departures, Poisson-like counts of
    // 4000 and 2500, give a spread of about 80: ±4 of it allowed); the
    // fast one keeps up.
    let backlog = slow.backlog.unwrap();
    assert!((1180..1820).contains(&backlog), "slow backlog {backlog}");
    assert!(fast.backlog.unwrap() < 20, "{:?}", fast.backlog);
    let p99 = fast.processing.unwrap().p99_ms.unwrap();
    assert!(
        p99 < 50.0,
        "the fast group waits on the slow one: p99 {p99} ms"
    );
}

#[test]
fn a_full_subscriber_fails_the_publish_and_the_other_copy_stays() {
    let (mut sim, _) = run(&two_groups("capacity = 20", ""));
    let s = sim.summary();
    let (topic, fast, slow) = (&s.nodes[0], &s.nodes[1], &s.nodes[2]);
    assert!(slow.counts.rejected > 500, "{:?}", slow.counts);
    // Each publish the slow group refused failed as rejected, end to end.
    assert_eq!(topic.counts.rejected, slow.counts.rejected);
    assert_eq!(s.counts.rejected, slow.counts.rejected);
    assert_eq!(topic.counts.completed, slow.counts.completed);
    // The fast group stored every copy, refused publishes included.
    assert_eq!(fast.counts.completed, topic.counts.arrived);
}

#[test]
fn a_crashed_or_cut_off_subscriber_fails_publishes_as_errors() {
    let events = r#"
[[event]]
at = "5s"
action = "crash"
node = "slow"
for = "2s"

[[event]]
at = "10s"
action = "partition"
from = "events"
to = "fast"
mode = "hang"
for = "1s"
"#;
    let (mut sim, _) = run(&two_groups("", events));
    let s = sim.summary();
    let topic = &s.nodes[0];
    // About 2 s + 1 s of the 200/s fail: ~600 publishes.
    assert!(
        (450..750).contains(&topic.counts.errors),
        "{:?}",
        topic.counts
    );
    assert_eq!(s.counts.errored, topic.counts.errors);
    assert_eq!(
        topic.counts.arrived,
        topic.counts.completed + topic.counts.errors
    );
}

#[test]
fn everything_published_is_processed_once_the_traffic_stops() {
    let (mut sim, mut windows) = run(&two_groups("", ""));
    assert!(drain(&mut sim, SimTime::from_secs(600)));
    check_books(&mut sim, &mut windows);
    let s = sim.summary();
    for q in &s.nodes[1..] {
        assert_eq!(q.counts.processed, s.nodes[0].counts.completed, "{}", q.id);
    }
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let summary = || format!("{:?}", run(&two_groups("capacity = 50", "")).0.summary());
    assert_eq!(summary(), summary());
}
