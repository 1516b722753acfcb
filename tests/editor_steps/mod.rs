//! The URL shortener as a learner builds it in the editor, edit by edit (shared by the editor tests with and without a window).
#![allow(dead_code)] // each test file uses its own share

use std::path::Path;

use loadlab::scenario::edit::{EdgeKind, Edit, Part};
use toml::Value;

pub fn s(x: &str) -> Value {
    Value::String(x.into())
}

pub fn set(part: Part, path: &str, value: Value) -> Edit {
    Edit::SetField {
        part,
        path: path.into(),
        value: Some(value),
    }
}

pub fn node(id: &str, path: &str, value: Value) -> Edit {
    set(Part::Node(id.into()), path, value)
}

pub fn dist(text: &str) -> Value {
    Value::Table(text.parse::<toml::Table>().expect("a distribution table"))
}

pub fn add(kind: &str, id: &str) -> Edit {
    Edit::AddNode {
        kind: kind.into(),
        id: Some(id.into()),
        pos: None,
    }
}

pub fn connect(from: &str, to: &str, kind: EdgeKind, when: Option<&str>) -> Edit {
    Edit::Connect {
        from: from.into(),
        to: to.into(),
        kind,
        when: when.map(str::to_string),
    }
}

/// scenarios/url-shortener.toml, as a learner builds it in the editor:
/// palette, wiring, then the inspector's fields.
pub fn url_shortener_edits() -> Vec<Edit> {
    let sc = |path: &str, v: Value| set(Part::Scenario, path, v);
    let src = |path: &str, v: Value| set(Part::Source("users".into()), path, v);
    let story = "A million short links, 90 % of requests are redirects (reads) and a few links\n\
                 are very popular. Hold 5 000 requests per second with p99 under 100 ms,\n\
                 for under $4 an hour.";
    vec![
        sc("name", s("URL shortener")),
        sc("story", s(story)),
        sc("seed", Value::Integer(42)),
        add("load_balancer", "lb"),
        add("service", "api"),
        add("cache", "cache"),
        add("database", "db"),
        Edit::AddSource {
            name: Some("users".into()),
            to: None,
            rate: 5000.0,
        },
        connect("users", "lb", EdgeKind::Entry, None),
        connect("lb", "api", EdgeKind::Balance, None),
        connect("api", "cache", EdgeKind::Call, Some("read")),
        connect("api", "db", EdgeKind::Call, Some("write")),
        connect("cache", "db", EdgeKind::Miss, None),
        src("arrival", s("poisson")),
        src("mix", dist("read = 0.9\nwrite = 0.1")),
        src(
            "keys",
            dist("count = 1_000_000\npopularity = \"zipf\"\ns = 1.0\nwrites = \"new\""),
        ),
        node("lb", "algorithm", s("least_connections")),
        node("lb", "cost_per_hour", Value::Float(0.05)),
        node("api", "replicas", Value::Integer(3)),
        node("api", "workers", Value::Integer(16)),
        node("api", "queue", Value::Integer(200)),
        node(
            "api",
            "service_time",
            dist("dist = \"exponential\"\nmean = \"2ms\""),
        ),
        node("api", "timeout", s("1s")),
        node("api", "cost_per_hour", Value::Float(0.20)),
        node("cache", "capacity", Value::Integer(100_000)),
        node("cache", "policy", s("lru")),
        node("cache", "ttl", s("10m")),
        node("cache", "cost_per_hour", Value::Float(0.50)),
        node("db", "read_replicas", Value::Integer(2)),
        node("db", "workers", Value::Integer(16)),
        node("db", "queue", Value::Integer(500)),
        node(
            "db",
            "service_time",
            dist("dist = \"lognormal\"\nmean = \"8ms\"\np99 = \"40ms\""),
        ),
        node(
            "db",
            "write_service_time",
            dist("dist = \"lognormal\"\nmean = \"12ms\"\np99 = \"60ms\""),
        ),
        node("db", "cost_per_hour", Value::Float(0.80)),
        Edit::AddObjective {
            metric: "p99".into(),
            below: true,
            bound: s("100ms"),
        },
        Edit::AddObjective {
            metric: "cost_per_hour".into(),
            below: true,
            bound: Value::Float(4.0),
        },
        Edit::AddObjective {
            metric: "error_rate".into(),
            below: true,
            bound: Value::Float(0.001),
        },
    ]
}

/// `loadlab run FILE --duration 10s --json --out OUT`: the summary, with
/// the file's name taken out (the one thing two files of one design differ in).
pub fn summary_10s(file: &Path, out: &Path) -> serde_json::Value {
    let (code, json, err) = crate::cli::loadlab(&[
        "run".to_string(),
        file.display().to_string(),
        "--duration".into(),
        "10s".into(),
        "--json".into(),
        "--out".into(),
        out.display().to_string(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let mut v: serde_json::Value = serde_json::from_str(&json).expect("json");
    v["scenario_file"] = serde_json::Value::Null;
    v
}
