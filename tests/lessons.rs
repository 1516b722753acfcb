//! The lessons in `scenarios/lessons/`: each run asserts the outcome its comment promises, from simulated numbers.

use std::path::Path;

use loadlab::scenario;
use loadlab::sim::{Simulation, Summary, Window};

fn run(file: &str, overrides: &[&str]) -> (Summary, Vec<Window>, Simulation) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let model = scenario::load_file(&path, &overrides)
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let (end, seed) = (model.duration, model.seed);
    let mut sim = Simulation::new(model, seed);
    sim.run_until(end);
    let windows = sim.take_windows();
    let s = sim.summary();
    (s, windows, sim)
}

fn node(s: &Summary, id: &str) -> usize {
    s.nodes
        .iter()
        .position(|n| n.id == id)
        .expect("node exists")
}

/// Mean of `f` over windows starting in [from, to) seconds.
fn mean_over(ws: &[Window], from: f64, to: f64, f: impl Fn(&Window) -> f64) -> f64 {
    let xs: Vec<f64> = ws
        .iter()
        .filter(|w| (from..to).contains(&w.start.as_secs_f64()))
        .map(f)
        .collect();
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

const RETRY_BUDGET: &str = r#"api.calls=[{to="backend", timeout="100ms", retry={attempts=4, backoff="10ms", budget=0.1}}]"#;
const RETRY_BREAKER: &str = r#"api.calls=[{to="backend", timeout="100ms", retry={attempts=4, backoff="10ms"}, breaker={failure_rate=0.5, window=50, open_for="2s", probes=5}}]"#;

#[test]
fn retry_storm_naive_retries_stay_collapsed_while_budget_and_breaker_recover() {
    let offered = 600.0;
    let goodput = |w: &Window| w.throughput_rps;
    // Before the fault every variant serves the offered load.
    let (_, naive, _) = run("scenarios/lessons/retry-storm.toml", &[]);
    assert!(mean_over(&naive, 15.0, 30.0, goodput) > 0.95 * offered);
    // Naive retries: long after the slow-down ended (at 40 s), goodput is
    // still collapsed — a metastable failure.
    let late = mean_over(&naive, 60.0, 90.0, goodput);
    println!("naive: goodput 60–90 s = {late:.0}/s");
    assert!(late < 0.1 * offered, "naive retries recovered: {late}");
    for (name, o) in [("budget", RETRY_BUDGET), ("breaker", RETRY_BREAKER)] {
        let (_, ws, _) = run("scenarios/lessons/retry-storm.toml", &[o]);
        let back = ws
            .iter()
            .find(|w| w.start.as_secs_f64() >= 40.0 && w.throughput_rps > 0.9 * offered)
            .map(|w| w.start.as_secs_f64() - 40.0);
        let late = mean_over(&ws, 60.0, 90.0, goodput);
        println!("{name}: back {back:?} s after the fault, goodput 60–90 s = {late:.0}/s");
        let back = back.unwrap_or_else(|| panic!("{name} never recovered"));
        assert!(back <= 15.0, "{name} took {back} s to recover");
        assert!(late > 0.9 * offered, "{name}: {late}");
    }
}

#[test]
fn cache_stampede_floods_the_database_and_coalescing_prevents_it() {
    let db_queue = |w: &Window| w.nodes[1].mean_queue_len.unwrap_or(0.0);
    let db_visits = |w: &Window| w.nodes[1].counts.arrived as f64;
    let after = |ws: &[Window], f: &dyn Fn(&Window) -> f64| -> (f64, f64) {
        let span: Vec<&Window> = ws
            .iter()
            .filter(|w| (40.0..45.0).contains(&w.start.as_secs_f64()))
            .collect();
        let peak = span.iter().map(|w| f(w)).fold(0.0, f64::max);
        let total = span.iter().map(|w| db_visits(w)).sum();
        (peak, total)
    };
    let (_, ws, _) = run("scenarios/lessons/cache-stampede.toml", &[]);
    let before = mean_over(&ws, 30.0, 40.0, db_queue);
    let (naive_peak, naive_fetches) = after(&ws, &db_queue);
    let (s, cws, _) = run(
        "scenarios/lessons/cache-stampede.toml",
        &["cache.coalesce=true"],
    );
    let (peak, fetches) = after(&cws, &db_queue);
    println!(
        "db queue: before {before:.2}, after flush {naive_peak:.1} ({naive_fetches} fetches), \
         with coalescing {peak:.1} ({fetches} fetches)"
    );
    // An order of magnitude: the line goes from empty to hundreds.
    assert!(
        naive_peak > 10.0 * (before + 1.0),
        "no stampede: {before} → {naive_peak}"
    );
    // With single flight each of the 1000 keys is fetched at most once
    // at a time: the flush costs about one fetch per key.
    assert!(fetches <= 1100.0, "coalesced fetches {fetches}");
    assert!(
        naive_fetches > fetches,
        "naive {naive_fetches} vs {fetches}"
    );
    assert!(peak < naive_peak / 5.0, "coalescing did not help: {peak}");
    assert!(s.nodes[0].counts.coalesced > 0);
}

#[test]
fn a_queue_absorbs_a_spike_that_a_direct_call_rejects() {
    let (s, _, _) = run("scenarios/lessons/queue-absorbs-spike.toml", &[]);
    let q = &s.nodes[node(&s, "jobs")];
    println!(
        "queue: failed {}, processed {}, backlog {:?}, processing p99 {:?} ms",
        s.counts.failed(),
        q.counts.processed,
        q.backlog,
        q.processing.and_then(|p| p.p99_ms)
    );
    assert_eq!(s.counts.failed(), 0, "the queue lost requests");
    // Worked off: what is left at the end is ordinary traffic in hand
    // (at most a couple of messages per consumer).
    let backlog = q.backlog.unwrap_or(u64::MAX);
    assert!(
        backlog <= 20,
        "the spike was not worked off: {backlog} left"
    );
    let p99 = q.processing.and_then(|p| p.p99_ms).unwrap_or(0.0);
    assert!(p99 > 1000.0, "the spike should finish late (p99 {p99} ms)");

    let (s, _, _) = run(
        "scenarios/lessons/queue-absorbs-spike.toml",
        &[r#"api.calls=["worker"]"#],
    );
    println!("direct: rejected {}", s.counts.rejected);
    // The spike offers ~2000/s for 10 s to 1000/s of workers with a line of
    // 100: about 10 000 requests cannot be taken.
    assert!(
        s.counts.rejected > 5000,
        "rejected only {}",
        s.counts.rejected
    );
}

#[test]
fn autoscaling_lags_a_step_by_about_the_cold_start() {
    let (s, ws, _) = run("scenarios/lessons/autoscale-cold-start.toml", &[]);
    let serving = |w: &Window| f64::from(w.nodes[0].workers.unwrap_or(0));
    let before = mean_over(&ws, 40.0, 60.0, serving);
    let grown = ws
        .iter()
        .find(|w| w.start.as_secs_f64() >= 60.0 && serving(w) > before)
        .map(|w| w.end.as_secs_f64() - 60.0)
        .expect("the autoscaler added capacity");
    println!(
        "serving workers before {before}, more capacity {grown:.0} s after the step; events {:?}",
        s.scale_events
    );
    // Cold start 30 s; the decision comes within one 5 s interval.
    assert!(
        (30.0..=42.0).contains(&grown),
        "capacity came {grown} s after the step"
    );
    assert!(s.scale_events.iter().any(|e| e.to > e.from));
    let p99 = |w: &Window| w.latency.p99_ms.unwrap_or(0.0);
    let waiting = mean_over(&ws, 70.0, 88.0, p99);
    let after = mean_over(&ws, 120.0, 150.0, p99);
    assert!(
        waiting > 10.0 * after,
        "p99 while warming {waiting} vs after {after}"
    );
}

#[test]
fn stale_reads_grow_in_proportion_to_replication_lag() {
    // Uniform keys over 2000, 400 writes/s: each key is written at w = 0.2/s.
    // A replica read is stale if the key was written within the lag L:
    // P = 1 − exp(−w L) (writes are a Poisson stream per key).
    let w = 400.0 / 2000.0;
    let mut seen = Vec::new();
    for lag_ms in [10.0, 80.0] {
        let lag = format!("db.replication_lag={lag_ms}ms");
        let (s, _, _) = run(
            "scenarios/lessons/replication-lag.toml",
            &[
                &lag,
                "workload.users.keys={count=2000, popularity=\"uniform\"}",
            ],
        );
        let db = &s.nodes[0];
        let reads = db.counts.arrived as f64 * 0.8;
        let expected = reads * (1.0 - (-w * lag_ms / 1000.0_f64).exp());
        let got = db.counts.stale_reads as f64;
        println!("lag {lag_ms} ms: stale {got} expected {expected:.0}");
        assert!(
            (got - expected).abs() < 4.0 * expected.sqrt() + 0.02 * expected,
            "lag {lag_ms}: {got} vs {expected}"
        );
        seen.push(got);
    }
    assert!(seen[1] > 5.0 * seen[0]);
}

#[test]
fn zipf_keys_make_one_shard_hot() {
    let (s, _, _) = run("scenarios/lessons/hot-shard.toml", &[]);
    let mut u: Vec<f64> = s.nodes[0]
        .replica_utilisation
        .iter()
        .map(|x| x.unwrap_or(0.0))
        .collect();
    println!("shard utilisation {u:?}");
    assert_eq!(u.len(), 4);
    u.sort_by(f64::total_cmp);
    let others = (u[0] + u[1] + u[2]) / 3.0;
    assert!(
        u[3] > 1.5 * others,
        "hottest {} vs the others' mean {others}",
        u[3]
    );
    let (s, _, _) = run(
        "scenarios/lessons/hot-shard.toml",
        &["workload.users.keys={count=1000, popularity=\"uniform\"}"],
    );
    let u: Vec<f64> = s.nodes[0]
        .replica_utilisation
        .iter()
        .map(|x| x.unwrap_or(0.0))
        .collect();
    let (lo, hi) = (
        u.iter().copied().fold(1.0, f64::min),
        u.iter().copied().fold(0.0, f64::max),
    );
    assert!(hi < 1.5 * lo, "uniform keys should spread: {u:?}");
}

#[test]
fn token_bucket_admits_its_rate_plus_its_burst() {
    let (s, _, _) = run("scenarios/lessons/rate-limiter.toml", &[]);
    let l = &s.nodes[0];
    // Offered 300/s ≫ 100/s: the bucket is always empty after the first
    // burst, so over 30 s it admits burst + rate × 30 = 3050.
    println!(
        "admitted {} rejected {}",
        l.counts.completed, l.counts.rejected
    );
    assert!(
        l.counts.completed.abs_diff(3050) <= 3,
        "admitted {}",
        l.counts.completed
    );
    assert_eq!(l.counts.completed + l.counts.rejected, l.counts.arrived);
    assert_eq!(s.counts.rejected, l.counts.rejected);
}

/// Every lesson with objectives starts in trouble and its cure, one the
/// window's inspector offers, meets them (the run's own figures printed).
#[test]
fn lessons_with_objectives_start_failing_and_their_cure_passes() {
    // (lesson, its cure, money alone: four times the bottleneck's workers)
    let cases: [(&str, &str, &str); 3] = [
        (
            "scenarios/lessons/retry-storm.toml",
            RETRY_BUDGET,
            "backend.workers=40",
        ),
        (
            "scenarios/lessons/cache-stampede.toml",
            "cache.coalesce=true",
            "db.workers=160",
        ),
        (
            "scenarios/lessons/autoscale-cold-start.toml",
            "web.autoscale.cold_start=5s",
            "web.workers=16",
        ),
    ];
    for (file, cure, money) in cases {
        let judge = |overrides: &[&str]| {
            let (s, _, sim) = run(file, overrides);
            let results = loadlab::report::objectives::evaluate(&sim.model().objectives, &s);
            assert!(!results.is_empty(), "{file} has objectives");
            for r in &results {
                println!(
                    "{file} {overrides:?}: {:?} {:?} pass={}",
                    r.metric, r.value, r.pass
                );
            }
            results.iter().all(|r| r.pass)
        };
        assert!(!judge(&[]), "{file} must start failing an objective");
        assert!(judge(&[cure]), "{file}: the cure `{cure}` must pass");
        assert!(
            !judge(&[money]),
            "{file}: money alone (`{money}`) must not pass"
        );
    }
}
