//! Extreme parameters: absurd rates, zero and huge capacities, thousands of nodes, endless durations — no panic, bounded memory, a clear explanation.

use loadlab::scenario::{self, Diagnostic};
use loadlab::sim::{Model, SimTime, Simulation};

fn load(text: &str, overrides: &[&str]) -> Result<Model, Vec<Diagnostic>> {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    scenario::load_str(text, "extreme.toml", &o)
}

fn one_service(rate: &str, extra: &str) -> String {
    format!(
        r#"[scenario]
name = "extreme"
duration = "10s"

[[workload]]
to = "api"
rate = {rate}

[[node]]
id = "api"
kind = "service"
service_time = "1ms"
{extra}
"#
    )
}

#[test]
fn a_billion_requests_per_second_stops_at_the_event_cap_with_an_explanation() {
    let model = load(
        &one_service("1e9", "queue = 0"),
        &["scenario.max_events=2000000"],
    )
    .unwrap();
    let mut sim = Simulation::new(model, 1);
    sim.run_until(SimTime::from_secs(10));
    let why = sim.stopped().expect("the cap stops the run").to_string();
    assert!(why.contains("max_events"), "{why}");
    assert_eq!(sim.events_processed(), 2_000_000);
    assert!(sim.now() < SimTime::from_secs(10));
    // Memory: a full queue of size 0 holds one visit at most.
    assert!(sim.live_visits() <= 1);
    let s = sim.summary();
    assert_eq!(
        s.counts.arrived,
        s.counts.completed + s.counts.failed() + s.in_flight
    );
    assert_eq!(s.stopped.as_deref(), Some(why.as_str()));
    // The terminal's header says how far it got, not the declared 10 s.
    let info = loadlab::report::RunInfo {
        scenario: "cap".into(),
        scenario_file: "cap.toml".into(),
        seed: 1,
        duration: SimTime::from_secs(10),
        overrides: Vec::new(),
    };
    let head = loadlab::report::table::render(&info, &s, &[]);
    let head = head.lines().next().unwrap_or_default();
    assert!(
        head.contains(&format!("{} of 10s simulated", s.now)),
        "{head}"
    );
}

#[test]
fn the_in_flight_cap_bounds_memory_under_overload() {
    // 10 000 req/s into 1 worker × 1 ms with an unbounded line: without a
    // cap the line would grow by ~9 000 a second.
    let model = load(&one_service("10000", ""), &["scenario.max_in_flight=500"]).unwrap();
    let mut sim = Simulation::new(model, 1);
    sim.run_until(SimTime::from_secs(10));
    let s = sim.summary();
    assert!(s.in_flight <= 500);
    assert!(sim.live_visits() <= 500);
    assert!(s.counts.dropped > 50_000, "{:?}", s.counts);
    assert_eq!(
        s.counts.arrived,
        s.counts.completed + s.counts.failed() + s.in_flight
    );
}

#[test]
fn zero_and_huge_capacities_run() {
    for extra in [
        "queue = 0",
        "queue = 4000000000",
        "workers = 100000",
        "replicas = 10000",
    ] {
        let model = load(&one_service("2000", extra), &[])
            .unwrap_or_else(|d| panic!("{extra}: {}", scenario::render(&d)));
        let mut sim = Simulation::new(model, 3);
        sim.run_until(SimTime::from_secs(10));
        let s = sim.summary();
        assert!(s.counts.completed > 0, "{extra}");
        assert_eq!(
            s.counts.arrived,
            s.counts.completed + s.counts.failed() + s.in_flight,
            "{extra}"
        );
    }
    // A trillion keys: a cache that keeps none (every lookup misses on to
    // the next) in front of one that may keep a billion, filled from a
    // service. Memory is bounded
    // by the keys actually seen, not by the capacity or the key space; a
    // uniform draw from 1e12 keys repeats with probability ~n²/2e12
    // (~3e-4 for n = 25 000), so (almost) every lookup misses.
    let cache = r#"[scenario]
name = "huge cache"
duration = "5s"
[[workload]]
to = "cache"
rate = 5000
keys = { count = 1_000_000_000_000, popularity = "uniform" }
[[node]]
id = "cache"
kind = "cache"
capacity = 0
on_miss = "cache2"
[[node]]
id = "cache2"
kind = "cache"
capacity = 1_000_000_000
on_miss = "db"
[[node]]
id = "db"
kind = "service"
workers = 64
service_time = "0.1ms"
"#;
    let model = load(cache, &[]).unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let mut sim = Simulation::new(model, 3);
    sim.run_until(SimTime::from_secs(5));
    let s = sim.summary();
    let snap = sim.snapshot();
    let (front, back) = (&s.nodes[0], &s.nodes[1]);
    assert_eq!(front.hit_ratio, Some(0.0));
    assert_eq!(snap.nodes[0].cache_keys, Some(0));
    // 5000/s for 5 s: about 25 000 ± 5·158 requests, each passed on.
    assert!(
        (24_000..=26_000).contains(&front.counts.arrived),
        "{:?}",
        front.counts
    );
    assert_eq!(back.counts.arrived, front.counts.misses);
    assert!(back.counts.hits <= 1, "{:?}", back.counts);
    // Each miss is filled: the big cache holds one key per distinct key
    // seen (the lookups still out at the end are not filled yet).
    let keys = snap.nodes[1].cache_keys.unwrap();
    assert!(
        keys <= back.counts.misses && keys + snap.nodes[1].present >= back.counts.misses,
        "{keys} keys, {:?}",
        back.counts
    );
    assert_eq!(s.nodes[2].counts.arrived, back.counts.misses);
    assert_eq!(
        s.counts.arrived,
        s.counts.completed + s.counts.failed() + s.in_flight
    );
}

#[test]
fn ten_thousand_nodes_run() {
    let mut text = String::from(
        "[scenario]\nname = \"many\"\nduration = \"200ms\"\n[[workload]]\nto = \"n0\"\nrate = 1000\n",
    );
    let n = 10_000;
    for i in 0..n {
        text.push_str(&format!(
            "[[node]]\nid = \"n{i}\"\nkind = \"service\"\nworkers = 2\nservice_time = \"1us\"\n"
        ));
        if i + 1 < n {
            text.push_str(&format!("to = \"n{}\"\n", i + 1));
        }
    }
    let model = load(&text, &[]).unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let mut sim = Simulation::new(model, 1);
    sim.run_until(SimTime::from_millis(200));
    let s = sim.summary();
    assert_eq!(s.nodes.len(), n);
    assert!(s.counts.completed > 100, "{:?}", s.counts);
}

#[test]
fn endless_durations_and_zero_timeouts_are_clear_errors() {
    let long = one_service("10", "").replace("duration = \"10s\"", "duration = \"1000000000000s\"");
    let err = scenario::render(&load(&long, &[]).unwrap_err());
    // One diagnostic each, at the offending line.
    assert!(
        err.starts_with("extreme.toml:3:")
            && err.contains("too large")
            && err.ends_with("1 error\n"),
        "{err}"
    );
    let zero = one_service("10", "timeout = \"0s\"");
    let err = scenario::render(&load(&zero, &[]).unwrap_err());
    assert!(
        err.starts_with("extreme.toml:13:")
            && err.contains("at node `api` (node[0]).timeout")
            && err.contains("greater than 0")
            && err.ends_with("1 error\n"),
        "{err}"
    );
    // Not-a-number and infinite rates: refused at the rate's own line.
    for bad in ["nan", "inf", "-inf", "1e400"] {
        let err = scenario::render(&load(&one_service(bad, ""), &[]).unwrap_err());
        assert!(
            err.contains("extreme.toml:7:")
                && err.contains("finite number")
                && err.contains("workload[0].rate"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn live_read_replica_changes_reuse_retired_instances_and_respect_the_limit() {
    use loadlab::sim::Command;
    let text = r#"[scenario]
name = "db"
duration = "60s"
[[workload]]
to = "db"
rate = 2000
mix = { read = 0.9, write = 0.1 }
[[node]]
id = "db"
kind = "database"
service_time = "1ms"
workers = 4
shards = 4
read_replicas = 2
"#;
    let model = load(text, &[]).unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let mut sim = Simulation::new(model, 5);
    let instances = |sim: &Simulation| sim.snapshot().nodes[0].replicas.len();
    assert_eq!(instances(&sim), 12);
    // Up and down again and again: the table grows to the largest size
    // asked for, not by every change.
    let mut windows = Vec::new();
    for (k, replicas) in [0u32, 5, 1, 5, 0, 5, 2, 5]
        .into_iter()
        .cycle()
        .take(40)
        .enumerate()
    {
        sim.apply(Command::SetReadReplicas { node: 0, replicas })
            .unwrap_or_else(|e| panic!("{e:?}"));
        sim.run_until(SimTime::from_millis(200 * (k as u64 + 1)));
        let snap = sim.snapshot();
        let active = snap.nodes[0].replicas.iter().filter(|r| r.active).count();
        assert_eq!(active, 4 * (1 + replicas as usize), "after {replicas}");
        assert!(instances(&sim) <= 4 * 6, "{} instances", instances(&sim));
        // Requests conserved, figures sane, windows adding up, after each change.
        loadlab::fuzzing::check_books(&mut sim, &mut windows);
    }
    let s = sim.summary();
    assert!(s.counts.completed > 10_000, "{:?}", s.counts);
    // 4 shards × (1 + 1000) is fine; a 100 000-instance cap guards the rest.
    sim.apply(Command::SetReadReplicas {
        node: 0,
        replicas: 1000,
    })
    .unwrap_or_else(|e| panic!("{e:?}"));
    let snap = sim.snapshot();
    let active = snap.nodes[0].replicas.iter().filter(|r| r.active).count();
    assert_eq!(active, 4 * 1001);
    let big = text.replace("shards = 4", "shards = 1000");
    let model = load(&big, &[]).unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let mut sim = Simulation::new(model, 5);
    let e = sim
        .apply(Command::SetReadReplicas {
            node: 0,
            replicas: 1000,
        })
        .unwrap_err();
    assert!(
        format!("{e:?}").contains("at most 100000 instances"),
        "{e:?}"
    );
}

/// A timer that fires all run long at 1 ns (an autoscaler's look, a
/// write-back flush, a time-series window) made a 75 s run 75 billion
/// events: it never finished. Each is refused below 1 ms, in a file or
/// from `--set` alike, at the value, with the bound in the message.
#[test]
fn a_periodic_timer_under_a_millisecond_is_refused_at_its_value() {
    let cache = r#"
[[node]]
id = "cache"
kind = "cache"
capacity = 10
on_miss = "api"
write_policy = "write_back"
"#;
    let text = one_service("100", "autoscale = { target = 0.5, max = 4 }") + cache;
    let cases = [
        (
            "api.autoscale.interval=\"1ns\"",
            "node `api` (node[0]).autoscale.interval",
            "\"1ns\"",
        ),
        (
            "cache.flush_interval=\"999us\"",
            "node `cache` (node[1]).flush_interval",
            "\"999us\"",
        ),
        ("scenario.window=\"500us\"", "scenario.window", "\"500us\""),
    ];
    for (set, path, got) in cases {
        let errs = load(&text, &[set]).expect_err(set);
        assert_eq!(errs.len(), 1, "{set}: {errs:?}");
        let e = &errs[0];
        assert_eq!(e.path, path, "{set}");
        assert_eq!(
            e.message,
            format!("must be at least 1ms, got {got}"),
            "{set}"
        );
        assert!(e.hint.as_deref().is_some_and(|h| !h.is_empty()), "{set}");
    }
    for set in [
        "api.autoscale.interval=\"1ms\"",
        "cache.flush_interval=\"1ms\"",
        "scenario.window=\"1ms\"",
    ] {
        assert!(load(&text, &[set]).is_ok(), "{set}");
    }
}
