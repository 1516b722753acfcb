//! A cache's own throughput limit (`workers`, `queue`): a lookup holds a worker for its `hit_time` only (a miss's fetch holds none), a full line rejects, utilisation is reported, and `set` events and crashes reach the cache's workers.

mod common;

use common::{load, run_checked, run_to};
use loadlab::sim::{Simulation, Summary};

/// The summary of `text` at its end (not drained: the utilisation is
/// over the run's duration), after checking its books on a drained run.
fn run(text: &str) -> Summary {
    run_checked(text, 1);
    let model = load(text);
    let end = model.duration;
    let mut sim = Simulation::new(model, 1);
    run_to(&mut sim, end);
    sim.summary()
}

/// Constant arrivals at `rate` to a cache of `workers` (constant
/// `hit_time`) with `extra` fields, in front of a database answering in
/// `db_time`.
fn model(rate: u32, hit_time: &str, extra: &str, db_time: &str, events: &str) -> String {
    format!(
        r#"
[scenario]
name = "cache workers"
duration = "10s"
seed = 3

[[workload]]
to = "cache"
arrival = "constant"
rate = {rate}
mix = {{ read = 1 }}
keys = {{ count = 1_000_000_000 }}

[[node]]
id = "cache"
kind = "cache"
capacity = 1000
hit_time = "{hit_time}"
on_miss = "db"
{extra}

[[node]]
id = "db"
kind = "database"
workers = 10_000
service_time = "{db_time}"
{events}
"#
    )
}

#[test]
fn a_miss_holds_no_worker_of_the_cache() {
    // 500 lookups/s, 1 ms each, one worker: ρ = 0.5 and, arrivals being
    // 2 ms apart, no lookup ever waits, although every lookup misses and
    // the visit stays 1 + 100 ms (the fetch holds no worker).
    let s = run(&model(500, "1ms", "workers = 1\nqueue = 0", "100ms", ""));
    let c = &s.nodes[0];
    assert_eq!(c.counts.rejected, 0);
    assert_eq!(c.counts.hits, 0);
    let u = c.utilisation.expect("utilisation of a cache with workers");
    assert!((u - 0.5).abs() < 1e-3, "utilisation {u}");
    assert_eq!(c.mean_wait_ms, Some(0.0));
    let sojourn = c.sojourn.mean_ms.unwrap();
    assert!((sojourn - 101.0).abs() < 1e-6, "sojourn {sojourn}");
    assert_eq!((c.workers, c.replicas), (Some(1), Some(1)));
}

#[test]
fn a_saturated_cache_without_a_line_rejects_what_finds_its_worker_busy() {
    // One lookup every 1 ms taking 1.5 ms, no line: each lookup finds the
    // worker busy with the one before, so every other one is rejected and
    // the worker is busy 1.5 ms of every 2.
    let s = run(&model(1000, "1.5ms", "workers = 1\nqueue = 0", "1ms", ""));
    let c = &s.nodes[0];
    assert!(
        c.counts.rejected.abs_diff(c.counts.arrived / 2) <= 1,
        "{:?}",
        c.counts
    );
    let u = c.utilisation.unwrap();
    assert!((u - 0.75).abs() < 1e-3, "utilisation {u}");
    // Without workers the same cache never rejects.
    let s = run(&model(1000, "1.5ms", "", "1ms", ""));
    assert_eq!(s.nodes[0].counts.rejected, 0);
    assert_eq!(s.nodes[0].utilisation, None);
}

#[test]
fn set_events_and_crashes_reach_the_caches_workers() {
    // Two workers halve the rejections' cause: from 5 s on, 2 workers
    // serve 1.5 ms lookups arriving every 1 ms without a line.
    let events = r#"
[[event]]
at = "5s"
action = "set"
target = "cache.workers"
value = 2

[[event]]
at = "7s"
action = "crash"
node = "cache"

[[event]]
at = "8s"
action = "recover"
node = "cache"
"#;
    let text = model(1000, "1.5ms", "workers = 1\nqueue = 0", "1ms", events);
    let m = load(&text);
    assert_eq!(m.events.len(), 3);
    let s = run_checked(&text, 1);
    let c = &s.nodes[0];
    // 0–5 s: every other one of 5 000 rejected; 5–7 s and 8–10 s none;
    // 7–8 s: the crashed cache refuses 1 000 with an error (and fails
    // the lookups it held).
    assert!(c.counts.rejected.abs_diff(2500) <= 2, "{:?}", c.counts);
    assert!((998..=1003).contains(&c.counts.errors), "{:?}", c.counts);
    assert_eq!(c.workers, Some(2));
    // A cache without workers has none to set.
    let refused = loadlab::scenario::load_str(
        &model(
            1000,
            "1.5ms",
            "",
            "1ms",
            &events[..events.find("[[event]]\nat = \"7s\"").unwrap()],
        ),
        "t.toml",
        &[],
    );
    let text = loadlab::scenario::render(&refused.expect_err("no workers to set"));
    assert!(text.contains("cannot be set during a run"), "{text}");
}
