//! `loadlab run --traces`: traces.json follows the trace-event format (fields, units, nesting), each request's hop times add up to its latency to the nanosecond, and the results do not change.

mod cli;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cli::TempDir;
use serde_json::Value;

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// Runs `loadlab run FILE --out DIR extra...`; the results folder.
fn run(dir: &TempDir, name: &str, file: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.0.join(name);
    let (code, stdout, err) = cli::run_to(file, &out, extra);
    assert_eq!(code, Some(0), "{err}");
    if extra.contains(&"--traces") {
        assert!(stdout.contains("where the p99 goes"), "{stdout}");
    }
    out
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Trace-event microseconds back to integer nanoseconds (exact: the
/// writer prints ns / 1000).
fn ns(v: &Value) -> u64 {
    let x = v.as_f64().expect("a number");
    assert!(x >= 0.0 && x.is_finite(), "{v}");
    let n = (x * 1000.0).round();
    assert_eq!(n / 1000.0, x, "{v} is not a whole number of ns");
    n as u64
}

/// Every event has the fields the trace-event format documents, with
/// their types; returns the "X" events.
fn check_fields(trace: &Value) -> Vec<&Value> {
    let top = trace.as_object().expect("an object");
    assert_eq!(top["displayTimeUnit"], "ms");
    let events = top["traceEvents"].as_array().expect("traceEvents");
    assert!(!events.is_empty());
    let mut xs = Vec::new();
    for e in events {
        assert!(e["name"].is_string(), "{e}");
        assert!(e["pid"].is_u64() && e["tid"].is_u64(), "{e}");
        assert!(e["args"].is_object(), "{e}");
        match e["ph"].as_str() {
            Some("M") => assert!(e["args"].as_object().is_some_and(|a| !a.is_empty()), "{e}"),
            Some("X") => {
                assert!(e["cat"].is_string(), "{e}");
                ns(&e["ts"]);
                ns(&e["dur"]);
                assert!(e["args"]["request"].is_u64(), "{e}");
                assert!(e["args"]["type"].is_string(), "{e}");
                assert!(e["args"]["outcome"].is_string(), "{e}");
                xs.push(e);
            }
            other => panic!("unexpected ph {other:?}: {e}"),
        }
    }
    xs
}

/// On each (pid, tid), complete events nest: each lies inside the one
/// open before it, or starts after it ends.
fn check_nesting(xs: &[&Value]) {
    let mut lanes: BTreeMap<(u64, u64), Vec<(u64, u64)>> = BTreeMap::new();
    for e in xs {
        let (t, d) = (ns(&e["ts"]), ns(&e["dur"]));
        let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        lanes.entry(key).or_default().push((t, t + d));
    }
    for (lane, mut ivs) in lanes {
        ivs.sort_by_key(|&(a, b)| (a, std::cmp::Reverse(b)));
        let mut stack: Vec<(u64, u64)> = Vec::new();
        for (a, b) in ivs {
            while stack
                .last()
                .is_some_and(|&(_, e)| e <= a && !(e == a && b == a))
            {
                stack.pop();
            }
            if let Some(&(pa, pb)) = stack.last() {
                assert!(
                    pa <= a && b <= pb,
                    "{lane:?}: [{a}, {b}) crosses [{pa}, {pb})"
                );
            }
            stack.push((a, b));
        }
    }
}

/// Per request: its latency = the sum of its hops' own phase times plus
/// `other_us`, to the nanosecond; returns (phase → ns) over all requests.
fn check_sums(xs: &[&Value]) -> BTreeMap<String, u64> {
    let mut latency: BTreeMap<u64, u64> = BTreeMap::new();
    let mut parts: BTreeMap<u64, u64> = BTreeMap::new();
    let mut phases: BTreeMap<String, u64> = BTreeMap::new();
    for e in xs {
        let id = e["args"]["request"].as_u64().unwrap();
        match e["cat"].as_str().unwrap() {
            "request" => {
                assert!(latency.insert(id, ns(&e["dur"])).is_none(), "twice: {id}");
                *parts.entry(id).or_default() += ns(&e["args"]["other_us"]);
                *phases.entry("other".into()).or_default() += ns(&e["args"]["other_us"]);
            }
            "hop" => {
                for (p, v) in e["args"]["self_us"].as_object().expect("self_us") {
                    *parts.entry(id).or_default() += ns(v);
                    *phases.entry(p.clone()).or_default() += ns(v);
                }
            }
            _ => {}
        }
    }
    assert!(!latency.is_empty());
    assert_eq!(latency, parts, "hop times must add up to each latency");
    phases
}

#[test]
fn traces_follow_the_format_and_add_up() {
    let dir = TempDir::new("traces-shortener");
    let short = ["--duration", "6s", "--set", "scenario.warmup=1s"];
    let mut with = short.to_vec();
    with.extend(["--traces", "--trace-every", "5"]);
    let out = run(&dir, "with", &scenario("url-shortener.toml"), &with);
    let trace = read_json(&out.join("traces.json"));
    let xs = check_fields(&trace);
    check_nesting(&xs);
    let phases = check_sums(&xs);
    assert_eq!(phases.get("other").copied().unwrap_or(0), 0, "{phases:?}");
    assert!(phases["queue"] > 0 && phases["service"] > 0, "{phases:?}");

    // The summary's table: the slowest 1 % of 5 000 sampled requests
    // (25 000 after warm-up, 1 in 5), and its parts add up to their mean.
    let s = read_json(&out.join("summary.json"));
    let t = &s["p99_by_hop"];
    assert_eq!(t["one_in"], 5);
    let sampled = t["sampled"].as_u64().unwrap();
    assert!((4500..=5500).contains(&sampled), "{t}");
    assert_eq!(t["requests"].as_u64().unwrap(), sampled.div_ceil(100));
    let total: f64 = t["nodes"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n["total"].as_f64().unwrap())
        .sum::<f64>()
        + t["other_ms"].as_f64().unwrap();
    let mean = t["mean_latency_ms"].as_f64().unwrap();
    assert!((total - mean).abs() < 1e-9 * mean, "{total} vs {mean}");
    assert!(
        t["latency_from_ms"].as_f64().unwrap() >= s["latency_ms"]["p99"].as_f64().unwrap() * 0.5
    );

    // Results byte-identical without the flag (summary.json but its new key).
    let plain = run(&dir, "without", &scenario("url-shortener.toml"), &short);
    for f in ["timeseries.csv", "nodes.csv"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(plain.join(f)).unwrap(),
            "{f}"
        );
    }
    let mut s = s;
    s.as_object_mut().unwrap().remove("p99_by_hop");
    assert_eq!(s, read_json(&plain.join("summary.json")));
    assert!(!plain.join("traces.json").exists());
}

/// The retry storm: the slowest requests wait out timed-out attempts and
/// backoffs at the API, and those phases are in the file.
#[test]
fn the_retry_storm_tail_is_timeouts_and_backoffs() {
    let dir = TempDir::new("traces-storm");
    let out = run(
        &dir,
        "storm",
        &scenario("lessons/retry-storm.toml"),
        &[
            "--duration",
            "45s",
            "--set",
            "scenario.warmup=25s",
            "--traces",
        ],
    );
    let trace = read_json(&out.join("traces.json"));
    let xs = check_fields(&trace);
    check_nesting(&xs);
    let phases = check_sums(&xs);
    assert_eq!(phases.get("other").copied().unwrap_or(0), 0, "{phases:?}");
    let api = &read_json(&out.join("summary.json"))["p99_by_hop"]["nodes"]["api"];
    assert!(api["timeout"].as_f64().unwrap() > 0.0, "{api}");
    assert!(api["backoff"].as_f64().unwrap() > 0.0, "{api}");
    assert!(xs.iter().any(|e| e["cat"] == "timeout"));
    assert!(xs.iter().any(|e| e["args"]["abandoned"] == true));
}

/// The window follows every request it draws as a dot (`also_one_in`) and
/// takes the finished ones each frame: only those are handed over, at most
/// `recent` at a time, each whole; following them changes no result.
#[test]
fn requests_followed_for_the_dots_are_handed_over_whole_and_change_nothing() {
    use loadlab::sim::spans::SpanConfig;
    use loadlab::sim::{SimTime, Simulation};
    let model = loadlab::scenario::load_file(&scenario("url-shortener.toml"), &[]).unwrap();
    let mut plain = Simulation::new(model.clone(), 7);
    let mut followed = Simulation::new(model, 7);
    followed.set_spans(Some(SpanConfig {
        also_one_in: 7,
        recent: 50,
        ..SpanConfig::slowest(20, 5)
    }));
    let mut handed = 0;
    for k in 1..=20 {
        let t = SimTime::from_secs_f64(k as f64 * 0.05);
        plain.run_until(t);
        followed.run_until(t);
        let done = followed.take_finished_spans();
        assert!(done.len() <= 50);
        for r in &done {
            assert_eq!(r.id % 7, 0, "only the dots' requests");
            assert!(r.end >= r.created && !r.hops.is_empty());
            assert!(r.hops.iter().all(|h| h.end <= r.end));
        }
        handed += done.len();
    }
    // 5 000 req/s for a second, one in 7 followed: the last 50 of each
    // 50 ms (about 36 finish in each) are handed over.
    assert!(handed > 500, "{handed}");
    assert_eq!(plain.summary(), followed.summary());
}

/// An external service has no line: its latency is its own work, in the
/// `service` phase (it was filed under `queue`, pointing at queueing that
/// does not exist).
#[test]
fn an_external_s_latency_is_its_service_time() {
    let dir = TempDir::new("traces-external");
    let file = dir.0.join("ext.toml");
    std::fs::create_dir_all(&dir.0).expect("dir");
    std::fs::write(
        &file,
        "[scenario]\nname = \"ext\"\nduration = \"5s\"\n\n\
         [[workload]]\nto = \"api\"\nrate = 200\n\n\
         [[node]]\nid = \"api\"\nkind = \"service\"\nworkers = 64\nservice_time = \"1ms\"\ncalls = [\"psp\"]\n\n\
         [[node]]\nid = \"psp\"\nkind = \"external\"\nlatency = \"10ms\"\n",
    )
    .expect("write");
    let out = run(&dir, "out", &file, &["--traces"]);
    let s = read_json(&out.join("summary.json"));
    let psp = &s["p99_by_hop"]["nodes"]["psp"];
    println!("{psp}");
    assert_eq!(psp["queue"].as_f64().unwrap_or(0.0), 0.0, "{psp}");
    assert!(
        (psp["service"].as_f64().unwrap() - 10.0).abs() < 1e-6,
        "{psp}"
    );
}
