//! Request classes: drawn by their shares, routed by `when = "<class>"`, each a read or a write underneath, with figures of their own (summary, summary.json, terminal table) that add up to the totals.

mod common;

use common::load;
use loadlab::report::{RunInfo, summary_json, table};
use loadlab::sim::metrics::GroupSummary;
use loadlab::sim::{Command, SimTime, Simulation, Summary};

/// A URL shortener: `redirect` (a read) looks the key up in the cache,
/// `create` (a write) goes to the database; a second workload sends plain
/// reads, which no class condition matches. Every time is constant and no
/// one ever waits (one request every 2 ms per workload, offset), so each
/// latency is exact: a redirect 1 + 3 = 4 ms, a create 1 + 5 = 6 ms, a
/// plain read 1 ms. Traffic stops a second before the end: every request
/// finishes.
const SHORTENER: &str = r#"
[scenario]
name = "shortener"
duration = "20s"
seed = 3

[[class]]
name = "redirect"
op = "read"

[[class]]
name = "create"
op = "write"

[[workload]]
name = "users"
to = "api"
arrival = "constant"
rate = 500
classes = { redirect = 0.9, create = 0.1 }
phases = [ { at = "19s", rate = 0 } ]

[[workload]]
name = "probe"
to = "api"
arrival = "constant"
rate = 20
phases = [ { at = "19s", rate = 0 } ]

[[node]]
id = "api"
kind = "service"
workers = 64
service_time = "1ms"
calls = [ { to = "cache", when = "redirect" }, { to = "db", when = "create" } ]

[[node]]
id = "cache"
kind = "cache"
capacity = 0
hit_time = "3ms"

[[node]]
id = "db"
kind = "database"
workers = 64
service_time = "5ms"
"#;

fn run(text: &str, seed: u64) -> (Summary, Simulation) {
    let model = load(text);
    let end = model.duration;
    let mut sim = Simulation::new(model, seed);
    sim.run_until(end);
    (sim.summary(), sim)
}

fn group<'a>(list: &'a [GroupSummary], name: &str) -> &'a GroupSummary {
    list.iter().find(|g| g.name == name).expect("group exists")
}

fn node_arrived(s: &Summary, id: &str) -> u64 {
    s.nodes
        .iter()
        .find(|n| n.id == id)
        .expect("node")
        .counts
        .arrived
}

#[test]
fn each_class_takes_its_own_route_and_has_its_own_exact_latency() {
    let (s, _) = run(SHORTENER, 3);
    let redirect = group(&s.classes, "redirect");
    let create = group(&s.classes, "create");
    // Only redirects reach the cache, only creates the database.
    assert_eq!(node_arrived(&s, "cache"), redirect.counts.arrived);
    assert_eq!(node_arrived(&s, "db"), create.counts.arrived);
    // A database sees a create as a write: the primary, no read replica.
    for (g, ms) in [(redirect, 4.0), (create, 6.0)] {
        let l = &g.latency;
        assert!(g.counts.completed > 0, "{g:?}");
        for v in [l.mean_ms, l.p50_ms, l.p99_ms, l.max_ms] {
            // HdrHistogram's bucket at 3 figures: within 0.1 %.
            let v = v.expect("measured");
            assert!((v / ms - 1.0).abs() < 1e-3, "{}: {v} ms, not {ms}", g.name);
        }
        assert_eq!(l.mean_ms, Some(ms), "{}: the mean is exact", g.name);
    }
    let probe = group(&s.workloads, "probe");
    assert_eq!(probe.latency.mean_ms, Some(1.0));
    assert_eq!(
        s.classes
            .iter()
            .map(|g| g.op.map(|o| o.name()))
            .collect::<Vec<_>>(),
        [Some("read"), Some("write")]
    );
}

/// Each request is a class with its share's probability: over n requests
/// the redirects are binomial (n, 0.9), within 4 standard deviations.
#[test]
fn classes_are_drawn_by_their_shares() {
    let (s, _) = run(SHORTENER, 11);
    let users = group(&s.workloads, "users");
    let n = users.counts.arrived as f64;
    let redirects = group(&s.classes, "redirect").counts.arrived as f64;
    let sd = (n * 0.9 * 0.1).sqrt();
    assert!(
        (redirects - 0.9 * n).abs() < 4.0 * sd,
        "{redirects} redirects of {n}, expected {} ± {}",
        0.9 * n,
        4.0 * sd
    );
    assert_eq!(
        group(&s.classes, "create").counts.arrived + redirects as u64,
        users.counts.arrived
    );
}

#[test]
fn workloads_add_up_to_the_totals_and_classes_to_their_workloads() {
    let (s, mut sim) = run(SHORTENER, 5);
    let sum = |list: &[GroupSummary], f: fn(&GroupSummary) -> u64| list.iter().map(f).sum::<u64>();
    assert_eq!(sum(&s.workloads, |g| g.counts.arrived), s.counts.arrived);
    assert_eq!(
        sum(&s.workloads, |g| g.counts.completed),
        s.counts.completed
    );
    assert_eq!(
        sum(&s.classes, |g| g.counts.completed),
        group(&s.workloads, "users").counts.completed
    );
    assert_eq!(sum(&s.workloads, |g| g.latency.count), s.latency.count);
    let mut windows = Vec::new();
    loadlab::fuzzing::check_books(&mut sim, &mut windows);
}

/// `when = "read"` matches every read, classes whose op is a read
/// included; a class condition matches that class only.
#[test]
fn a_type_condition_matches_the_classes_of_that_type() {
    let text = SHORTENER.replace(
        r#"calls = [ { to = "cache", when = "redirect" }, { to = "db", when = "create" } ]"#,
        r#"calls = [ { to = "cache", when = "read" }, { to = "db", when = "write" } ]"#,
    );
    let (s, _) = run(&text, 3);
    let reads =
        group(&s.classes, "redirect").counts.arrived + group(&s.workloads, "probe").counts.arrived;
    assert_eq!(node_arrived(&s, "cache"), reads);
    assert_eq!(
        node_arrived(&s, "db"),
        group(&s.classes, "create").counts.arrived
    );
}

fn info() -> RunInfo {
    RunInfo {
        scenario: "shortener".into(),
        scenario_file: "shortener.toml".into(),
        seed: 3,
        duration: SimTime::from_secs(20),
        overrides: Vec::new(),
    }
}

#[test]
fn summary_json_and_the_table_show_each_class_and_workload() {
    let (s, _) = run(SHORTENER, 3);
    let json: serde_json::Value =
        serde_json::from_str(&summary_json::to_string(&info(), &s, &[])).unwrap();
    let create = &json["classes"]["create"];
    assert_eq!(create["op"], "write");
    assert_eq!(create["completed"], s.classes[1].counts.completed);
    assert_eq!(create["latency_ms"]["mean"], 6.0);
    assert_eq!(
        json["workloads"]["probe"]["latency_ms"]["p99"]
            .as_f64()
            .map(|v| (v - 1.0).abs() < 1e-3),
        Some(true)
    );
    let text = table::render(&info(), &s, &[]);
    assert!(text.contains("by class"), "{text}");
    assert!(text.contains("  create (write)"), "{text}");
    assert!(text.contains("by workload"), "{text}");
    // One workload and no class: no breakdown, the file as before.
    let plain = load(
        "[scenario]\nname = \"p\"\nduration = \"1s\"\n[[workload]]\nto = \"s\"\nrate = 10\n\
         [[node]]\nid = \"s\"\nkind = \"service\"\nservice_time = \"1ms\"\n",
    );
    let mut sim = Simulation::new(plain, 1);
    sim.run_until(SimTime::from_secs(1));
    let s = sim.summary();
    assert!(s.classes.is_empty() && s.workloads.is_empty());
    let json = summary_json::to_string(&info(), &s, &[]);
    assert!(!json.contains("\"classes\"") && !json.contains("\"workloads\""));
}

#[test]
fn same_seed_same_class_figures_and_another_seed_differs() {
    let text = SHORTENER.replace("arrival = \"constant\"\nrate = 500", "rate = 500");
    let a = summary_json::to_string(&info(), &run(&text, 7).0, &[]);
    let b = summary_json::to_string(&info(), &run(&text, 7).0, &[]);
    let c = summary_json::to_string(&info(), &run(&text, 8).0, &[]);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn a_workload_with_classes_refuses_a_live_read_fraction() {
    let model = load(SHORTENER);
    let mut sim = Simulation::new(model, 1);
    let refused = sim.apply(Command::SetReadFraction {
        workload: 0,
        read_fraction: 0.5,
    });
    assert!(refused.is_err());
    assert!(
        sim.apply(Command::SetReadFraction {
            workload: 1,
            read_fraction: 0.5
        })
        .is_ok()
    );
}

#[test]
fn check_shows_the_classes_and_the_load_each_node_gets() {
    let text = loadlab::report::topology::describe(&load(SHORTENER));
    assert!(
        text.contains("users -> api: constant 500 req/s; redirect 90% (read), create 10% (write)"),
        "{text}"
    );
    assert!(text.contains("api --calls--> cache (redirect)"), "{text}");
    // The cache is offered the redirects only, the database the creates.
    assert!(
        text.contains("offered ~450 req/s (450 reads, 0 writes)"),
        "{text}"
    );
    assert!(
        text.contains("offered ~50 req/s (0 reads, 50 writes)"),
        "{text}"
    );
}

/// Classes and the newer features: a call's `op` wins over the class's
/// (a `post`, a write, reads the database: 1 + 2 ms, never the 7 ms of a
/// write), `when = "<class>"` on routes with shares (half the posts go on
/// to a topic, no view does), and a topic's messages keep their class (the
/// consumer's `when = "post"` call is made for every message, its
/// `when = "view"` call never).
#[test]
fn a_calls_op_routes_with_shares_and_topics_keep_the_class() {
    let text = r#"
[scenario]
name = "feed"
duration = "20s"

[[class]]
name = "post"
op = "write"

[[class]]
name = "view"
op = "read"

[[workload]]
name = "users"
to = "api"
arrival = "constant"
rate = 500
classes = { post = 0.5, view = 0.5 }
phases = [ { at = "19s", rate = 0 } ]

[[node]]
id = "api"
kind = "service"
workers = 64
service_time = "1ms"
calls = [ { to = "db", when = "post", op = "read" }, { to = "db", when = "view" } ]
to = [ { to = "feed", when = "post", p = 0.5 } ]

[[node]]
id = "db"
kind = "database"
workers = 64
service_time = "2ms"
write_service_time = "7ms"

[[node]]
id = "feed"
kind = "topic"
subscribers = ["fanout"]

[[node]]
id = "fanout"
kind = "queue"
consumers = 8
service_time = "1ms"
calls = [ { to = "notify", when = "post" }, { to = "never", when = "view" } ]

[[node]]
id = "notify"
kind = "service"
service_time = "1ms"

[[node]]
id = "never"
kind = "service"
service_time = "1ms"
"#;
    let (s, _) = run(text, 7);
    let posts = group(&s.classes, "post");
    assert_eq!(posts.latency.mean_ms, Some(3.0), "{posts:?}");
    assert_eq!(group(&s.classes, "view").latency.mean_ms, Some(3.0));
    let n = posts.counts.arrived as f64;
    let published = node_arrived(&s, "feed") as f64;
    let sd = (n * 0.25).sqrt();
    assert!(
        (published - 0.5 * n).abs() < 4.0 * sd,
        "{published} of {n} posts published, expected {} ± {}",
        0.5 * n,
        4.0 * sd
    );
    assert_eq!(node_arrived(&s, "fanout") as f64, published);
    assert_eq!(node_arrived(&s, "notify") as f64, published);
    assert_eq!(node_arrived(&s, "never"), 0);
}
