//! Network links (`latency`) on calls and forwards: a constant link on a call adds exactly its round trip (2 × latency) to every request of a Jackson tandem, on a forward exactly its one-way time; an exponential one its mean twice within the runs' own confidence intervals; a call's timeout counts the link time.

mod common;

use common::{drain, load, run_to};
use loadlab::scenario;
use loadlab::sim::{SimTime, Simulation, Summary};

const BATCHES: usize = 20;
/// Student t, 0.975 quantile, 19 degrees of freedom.
const T_19: f64 = 2.093;

/// The Jackson tandem of `scenarios/theory/tandem.toml` (λ = 800/s, three
/// M/M/c stations at ρ = 0.8), called by a front service whose workers
/// never queue (`front` has 1 000 workers, a constant 0.1 ms of work):
/// `latency` is the call's link, `""` none.
fn tandem(latency: &str, rate: u32, duration: &str, warmup: &str) -> String {
    let call = if latency.is_empty() {
        "calls = [ { to = \"parse\" } ]".to_string()
    } else {
        format!("calls = [ {{ to = \"parse\", latency = {latency} }} ]")
    };
    format!(
        r#"
[scenario]
name = "linked tandem"
duration = "{duration}"
warmup = "{warmup}"
seed = 7

[[workload]]
to = "front"
arrival = "poisson"
rate = {rate}

[[node]]
id = "front"
kind = "service"
workers = 1000
service_time = "0.1ms"
{call}

[[node]]
id = "parse"
kind = "service"
workers = 1
service_time = {{ dist = "exponential", mean = "1ms" }}
to = "render"

[[node]]
id = "render"
kind = "service"
workers = 2
service_time = {{ dist = "exponential", mean = "2ms" }}
to = "store"

[[node]]
id = "store"
kind = "service"
workers = 3
service_time = {{ dist = "exponential", mean = "3ms" }}
"#
    )
}

/// Runs the whole scenario, then lets every request finish: the same
/// requests are measured with and without the link.
fn run_drained(text: &str) -> Summary {
    let model = load(text);
    let end = model.duration;
    let mut sim = Simulation::new(model, 7);
    run_to(&mut sim, end);
    assert!(drain(&mut sim, SimTime::from_secs(60)), "drains");
    sim.summary()
}

#[test]
fn a_constant_link_adds_exactly_its_round_trip_to_every_request() {
    let base = run_drained(&tandem("", 800, "60s", "0s"));
    let linked = run_drained(&tandem("\"2ms\"", 800, "60s", "0s"));
    let (b, l) = (&base.latency, &linked.latency);
    assert!(b.count > 40_000, "{} requests", b.count);
    assert_eq!(b.count, l.count, "the same requests are measured");
    assert_eq!(base.counts.failed(), 0);
    assert_eq!(linked.counts.failed(), 0);
    // The front never queues, so the tandem sees the same arrivals 2 ms
    // later and serves them exactly as before: each request takes 4 ms
    // more. The mean is kept exactly (integer nanoseconds), so it moves by
    // 4 ms to rounding; percentiles come from HdrHistogram buckets (3
    // figures: a bucket is at most 1/1024 of its value wide), so each moves
    // by 4 ms to within one bucket of the shifted value.
    let mean = l.mean_ms.unwrap() - b.mean_ms.unwrap();
    println!(
        "mean {:.6} ms → {:.6} ms (+{mean:.9} ms)",
        b.mean_ms.unwrap(),
        l.mean_ms.unwrap()
    );
    assert!(
        (mean - 4.0).abs() < 1e-9,
        "mean moved by {mean} ms, not 4 ms"
    );
    for (name, pb, pl) in [
        ("p50", b.p50_ms, l.p50_ms),
        ("p95", b.p95_ms, l.p95_ms),
        ("p99", b.p99_ms, l.p99_ms),
        ("p999", b.p999_ms, l.p999_ms),
        ("max", b.max_ms, l.max_ms),
    ] {
        let (pb, pl) = (pb.unwrap(), pl.unwrap());
        let bucket = pl / 1024.0;
        println!(
            "{name}: {pb:.4} ms → {pl:.4} ms (+{:.4} ms, bucket {bucket:.4} ms)",
            pl - pb
        );
        assert!(
            (pl - pb - 4.0).abs() <= bucket + 1e-9,
            "{name} moved by {} ms, not 4 ms (bucket {bucket} ms)",
            pl - pb
        );
    }
    // The tandem's own figures do not move at all.
    for (nb, nl) in base.nodes.iter().zip(&linked.nodes).skip(1) {
        assert_eq!(nb.mean_wait_ms, nl.mean_wait_ms, "{}", nb.id);
        assert_eq!(nb.counts.completed, nl.counts.completed, "{}", nb.id);
    }
    // The front holds its worker for the round trip: 4 ms more per visit.
    assert_eq!(base.nodes[0].mean_wait_ms, Some(0.0));
    assert_eq!(linked.nodes[0].mean_wait_ms, Some(0.0));
}

/// (mean, 95 % half-width) of the end-to-end latency, from batch means
/// over 20 batches after the warm-up.
fn batched_mean(text: &str) -> (f64, f64) {
    let model = load(text);
    let (warmup, end) = (model.warmup, model.duration);
    let mut sim = Simulation::new(model, 7);
    run_to(&mut sim, warmup);
    let span = (end.0 - warmup.0) / BATCHES as u64;
    let mut last = (0u64, 0.0f64);
    let mut means = Vec::new();
    for k in 1..=BATCHES as u64 {
        run_to(&mut sim, SimTime(warmup.0 + k * span));
        let s = sim.summary();
        let (c, m) = (s.latency.count, s.latency.mean_ms.unwrap_or(0.0));
        means.push((m * c as f64 - last.1 * last.0 as f64) / (c - last.0) as f64);
        last = (c, m);
    }
    let n = means.len() as f64;
    let m = means.iter().sum::<f64>() / n;
    let var = means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (last.1, T_19 * (var / n).sqrt())
}

#[test]
fn an_exponential_link_adds_twice_its_mean_within_the_confidence_interval() {
    // A lighter load keeps the intervals narrow: λ = 400/s (ρ = 0.4).
    let (base, hb) = batched_mean(&tandem("", 400, "300s", "10s"));
    let (linked, hl) = batched_mean(&tandem(
        "{ dist = \"exponential\", mean = \"5ms\" }",
        400,
        "300s",
        "10s",
    ));
    let added = linked - base;
    // The two estimates' 95 % intervals together (the sum of the
    // half-widths bounds the interval of the difference).
    let tolerance = hb + hl;
    println!(
        "base {base:.4} ± {hb:.4} ms, linked {linked:.4} ± {hl:.4} ms: added {added:.4} ms (10 ± {tolerance:.4})"
    );
    assert!(
        tolerance < 0.2,
        "intervals too wide to tell: ± {tolerance} ms"
    );
    assert!(
        (added - 10.0).abs() <= tolerance,
        "the link added {added} ms, expected 10 ± {tolerance} ms"
    );
}

#[test]
fn a_call_timeout_counts_the_link_time() {
    let text = |latency: &str| {
        format!(
            r#"
[scenario]
name = "slow link"
duration = "10s"
seed = 1

[[workload]]
to = "api"
rate = 100

[[node]]
id = "api"
kind = "service"
workers = 100
service_time = "0.1ms"
calls = [ {{ to = "db", timeout = "3ms", latency = "{latency}" }} ]

[[node]]
id = "db"
kind = "service"
workers = 100
service_time = "0.5ms"
"#
        )
    };
    // 1 ms each way + 0.5 ms fits in 3 ms; 2 ms each way + 0.5 ms does not,
    // although each leg alone does (no one waits in line: 100 workers).
    let fast = run_drained(&text("1ms"));
    assert!(fast.latency.count > 900);
    assert_eq!(fast.counts.failed(), 0);
    assert_eq!(fast.nodes[0].counts.call_timeouts, 0);
    let slow = run_drained(&text("2ms"));
    assert_eq!(slow.latency.count, 0, "no call answered within 3 ms");
    assert!(slow.counts.failed() > 900);
    assert_eq!(slow.nodes[0].counts.call_timeouts, slow.counts.failed());
    // The requests still reach the database (its work goes on).
    assert_eq!(slow.nodes[1].counts.completed, slow.counts.failed());
}

#[test]
fn link_latency_survives_the_round_trip_and_bad_values_are_located() {
    let text = tandem(
        "{ dist = \"uniform\", min = \"1ms\", max = \"3ms\" }",
        800,
        "1s",
        "0s",
    );
    let model = load(&text);
    let back = load(&scenario::to_toml(&model));
    let calls = |m: &loadlab::sim::Model| format!("{:?}", m.nodes[0]);
    assert_eq!(calls(&model), calls(&back));
    assert!(scenario::to_toml(&model).contains("latency = "));

    let bad = tandem("\"-2ms\"", 800, "1s", "0s");
    let err = scenario::render(&scenario::load_str(&bad, "bad.toml", &[]).unwrap_err());
    assert!(err.contains("bad.toml:18:"), "{err}");

    let forward = forwarded("{ dist = \"exponential\", mean = \"1ms\" }", "1s");
    let model = load(&forward);
    let written = scenario::to_toml(&model);
    assert!(
        written.contains("to = [ { to = \"render\", latency = "),
        "{written}"
    );
    assert_eq!(
        format!("{:?}", model.nodes),
        format!("{:?}", load(&written).nodes)
    );
}

/// The tandem with `latency` on the forward from `parse` to `render`.
fn forwarded(latency: &str, duration: &str) -> String {
    tandem("", 800, duration, "0s").replace(
        "to = \"render\"",
        &format!("to = [ {{ to = \"render\", latency = {latency} }} ]"),
    )
}

/// A link on a forward is crossed once, by the request (the last stage
/// answers the original caller directly): a constant 2 ms adds exactly
/// 2 ms to every request, and the stages serve exactly as before.
#[test]
fn a_constant_link_on_a_forward_adds_exactly_its_one_way_time() {
    let base = run_drained(&tandem("", 800, "60s", "0s"));
    let linked = run_drained(&forwarded("\"2ms\"", "60s"));
    let (b, l) = (&base.latency, &linked.latency);
    assert_eq!(b.count, l.count, "the same requests are measured");
    assert_eq!(linked.counts.failed(), 0);
    let mean = l.mean_ms.unwrap() - b.mean_ms.unwrap();
    assert!(
        (mean - 2.0).abs() < 1e-9,
        "mean moved by {mean} ms, not 2 ms"
    );
    for (pb, pl) in [
        (b.p50_ms, l.p50_ms),
        (b.p99_ms, l.p99_ms),
        (b.max_ms, l.max_ms),
    ] {
        let (pb, pl) = (pb.unwrap(), pl.unwrap());
        assert!((pl - pb - 2.0).abs() <= pl / 1024.0 + 1e-9, "{pb} -> {pl}");
    }
    for (nb, nl) in base.nodes.iter().zip(&linked.nodes) {
        assert_eq!(nb.mean_wait_ms, nl.mean_wait_ms, "{}", nb.id);
        assert_eq!(nb.counts, nl.counts, "{}", nb.id);
    }
    // Nothing is left on the link.
    let model = load(&forwarded("\"2ms\"", "2s"));
    let mut sim = Simulation::new(model, 7);
    run_to(&mut sim, SimTime::from_secs(2));
    assert!(drain(&mut sim, SimTime::from_secs(60)));
    assert_eq!(sim.live_visits(), 0);
}

#[test]
fn a_linked_run_is_the_same_in_one_go_and_in_slices() {
    let text = tandem(
        "{ dist = \"exponential\", mean = \"5ms\" }",
        800,
        "5s",
        "1s",
    )
    .replace(
        "to = \"parse\", latency",
        "to = \"parse\", timeout = \"30ms\", retry = { attempts = 2 }, latency",
    )
    .replace(
        "to = \"render\"",
        "to = [ { to = \"render\", latency = { dist = \"exponential\", mean = \"1ms\" } } ]",
    );
    let model = load(&text);
    let end = model.duration;
    let mut whole = Simulation::new(model.clone(), 3);
    run_to(&mut whole, end);
    let mut sliced = Simulation::new(model, 3);
    let step = SimTime(end.0 / 997);
    while sliced.now() < end {
        let t = SimTime((sliced.now().0 + step.0).min(end.0));
        run_to(&mut sliced, t);
    }
    let (a, b) = (whole.summary(), sliced.summary());
    assert!(
        a.nodes[0].counts.call_timeouts > 0,
        "the timeouts are exercised"
    );
    assert!(a.nodes[0].counts.retries > 0, "the retries are exercised");
    assert_eq!(a, b);
}

/// The tandem with `front` in zone `a`, the three stages in zone `b`, and
/// the `[[zone_link]]` tables `links`.
fn zoned(call_latency: &str, links: &str) -> String {
    let mut text = tandem(call_latency, 800, "60s", "0s");
    text = text.replace("id = \"front\"", "id = \"front\"\nzone = \"a\"");
    for id in ["parse", "render", "store"] {
        text = text.replace(
            &format!("id = \"{id}\""),
            &format!("id = \"{id}\"\nzone = \"b\""),
        );
    }
    format!("{text}\n{links}")
}

fn mean_added(text: &str, base: &Summary) -> f64 {
    let s = run_drained(text);
    assert_eq!(s.latency.count, base.latency.count);
    s.latency.mean_ms.unwrap() - base.latency.mean_ms.unwrap()
}

/// Zones: a call between two zones crosses their link both ways, a
/// forward once; calls and forwards within a zone cross nothing unless a
/// link names that zone twice; a link within a zone applies between its nodes; a call's
/// own `latency` wins over its zones'. Constant links move the mean by
/// exactly their sum (integer nanoseconds), as in the tests above.
#[test]
fn zone_links_apply_to_calls_and_forwards_that_cross_them() {
    let base = run_drained(&tandem("", 800, "60s", "0s"));
    let between = "[[zone_link]]\nbetween = [\"a\", \"b\"]\nlatency = \"2ms\"\n";
    let within = "[[zone_link]]\nbetween = [\"b\", \"b\"]\nlatency = \"1ms\"\n";
    let cases = [
        // The forwards parse -> render -> store stay in zone b: +0.
        (
            "the call crosses a-b, the forwards nothing",
            zoned("", between),
            4.0,
        ),
        (
            "and both forwards cross b-b",
            zoned("", &format!("{between}{within}")),
            6.0,
        ),
        ("the call's own 1 ms wins", zoned("\"1ms\"", between), 2.0),
        ("no link between the zones", zoned("", within), 2.0),
    ];
    for (name, text, want) in cases {
        let added = mean_added(&text, &base);
        println!("{name}: +{added:.9} ms");
        assert!(
            (added - want).abs() < 1e-9,
            "{name}: +{added} ms, not {want}"
        );
    }
    let model = load(&zoned("", &format!("{between}{within}")));
    let written = scenario::to_toml(&model);
    assert!(written.contains("[[zone_link]]") && written.contains("zone = \"b\""));
    assert_eq!(format!("{model:?}"), format!("{:?}", load(&written)));
    let check = loadlab::report::topology::describe(&model);
    assert!(
        check.contains("front --calls--> parse link constant 2ms (zones)"),
        "{check}"
    );
}

/// A cache in zone `a` in front of a database in zone `b` (every read
/// misses: capacity 0), written `write_policy` through it; `links` the
/// `[[zone_link]]` tables.
fn zoned_cache(write_policy: &str, links: &str) -> String {
    format!(
        r#"
[scenario]
name = "zoned cache"
duration = "20s"
seed = 3

[[workload]]
name = "reads"
to = "api"
rate = 160
mix = {{ read = 1.0 }}

[[workload]]
name = "writes"
to = "api"
rate = 40
mix = {{ write = 1.0 }}

[[node]]
id = "api"
kind = "service"
zone = "a"
workers = 1000
service_time = "0.1ms"
calls = [ "cache" ]

[[node]]
id = "cache"
kind = "cache"
zone = "a"
capacity = 0
hit_time = "0.5ms"
on_miss = "db"
write_policy = "{write_policy}"

[[node]]
id = "db"
kind = "database"
zone = "b"
workers = 1000
service_time = "1ms"
{links}"#
    )
}

/// A cache's miss (and a write passed through it) to an `on_miss` in
/// another zone crosses the zones' link out and back as a call does: a
/// constant 40 ms link adds exactly 80 ms to every request that reaches
/// the database through it (the p50 as the mean); a write-back write is
/// answered at once (+0), its flush crossing on its own.
#[test]
fn a_cache_miss_across_zones_crosses_their_link_both_ways() {
    let link = "[[zone_link]]\nbetween = [\"a\", \"b\"]\nlatency = \"40ms\"\n";
    for (policy, reads, writes) in [
        ("invalidate", 80.0, 80.0),
        ("write_through", 80.0, 80.0),
        ("write_back", 80.0, 0.0),
    ] {
        let base = run_drained(&zoned_cache(policy, ""));
        let s = run_drained(&zoned_cache(policy, link));
        assert_eq!(s.latency.count, base.latency.count);
        let by_kind = |s: &Summary, k: usize| s.workloads[k].latency.mean_ms.unwrap();
        let added = [
            by_kind(&s, 0) - by_kind(&base, 0),
            by_kind(&s, 1) - by_kind(&base, 1),
        ];
        println!("{policy}: reads +{} ms, writes +{} ms", added[0], added[1]);
        assert!((added[0] - reads).abs() < 1e-9, "{policy} reads {added:?}");
        assert!(
            (added[1] - writes).abs() < 1e-9,
            "{policy} writes {added:?}"
        );
        let p50 = s.latency.p50_ms.unwrap() - base.latency.p50_ms.unwrap();
        assert!((p50 - 80.0).abs() < 1.0, "{policy} p50 +{p50}");
        if policy == "write_back" {
            let db = |s: &Summary| {
                s.nodes
                    .iter()
                    .find(|n| n.id == "db")
                    .unwrap()
                    .counts
                    .arrived
            };
            assert!(db(&s) > 3000 && db(&s) <= db(&base), "flushes still arrive");
        }
    }
    let model = load(&zoned_cache("invalidate", link));
    let check = loadlab::report::topology::describe(&model);
    assert!(
        check.contains("cache --on_miss--> db link constant 40ms (zones)"),
        "{check}"
    );
}
