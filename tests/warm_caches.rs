//! Caches that start warm (`warm`): with uniform keys a warm LRU cache hits as often in its first second as in its steady state while a cold one starts lower; with Zipf keys a cache filled with the top k keys hits with the Zipf mass of those k keys, binomial tolerances throughout.

mod common;

use common::{load, run_to};
use loadlab::sim::{SimTime, Simulation, Window};

/// z for a two-sided test at 1e-4: tests of this file fail by chance
/// about once in ten thousand runs each.
const Z: f64 = 3.9;

/// Reads only, keys over `keys` (`popularity` a workload's `keys` fields),
/// a cache of `capacity` keys with `extra` fields, in front of a fast
/// database (`db = false`: no store behind it, so a miss fills nothing).
#[allow(clippy::too_many_arguments)]
fn cached(
    arrival: &str,
    rate: u32,
    keys: &str,
    capacity: u64,
    extra: &str,
    db: bool,
    duration: &str,
    window: &str,
) -> String {
    let on_miss = if db { "on_miss = \"db\"" } else { "" };
    format!(
        r#"
[scenario]
name = "warm cache"
duration = "{duration}"
window = "{window}"
seed = 1

[[workload]]
to = "cache"
arrival = "{arrival}"
rate = {rate}
mix = {{ read = 1 }}
keys = {keys}

[[node]]
id = "cache"
kind = "cache"
capacity = {capacity}
{on_miss}
{extra}

[[node]]
id = "db"
kind = "database"
workers = 1000
service_time = "1ms"
"#
    )
}

/// The windows of a run of `text` with `seed` to its end.
fn windows(text: &str, seed: u64) -> Vec<Window> {
    let model = load(text);
    let end = model.duration;
    let mut sim = Simulation::new(model, seed);
    run_to(&mut sim, end);
    sim.flush_window();
    sim.take_windows()
}

/// (hits, lookups) of the cache (node 0) over `windows`.
fn hits(windows: &[Window]) -> (u64, u64) {
    windows.iter().fold((0, 0), |(h, n), w| {
        let c = &w.nodes[0].counts;
        (h + c.hits, n + c.hits + c.misses)
    })
}

/// `hits` out of `n` is a Binomial(n, p) draw: within Z standard errors.
fn assert_binomial(what: &str, (hits, n): (u64, u64), p: f64) {
    assert!(n > 1000, "{what}: only {n} lookups");
    let observed = hits as f64 / n as f64;
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!(
        (observed - p).abs() <= Z * se,
        "{what}: hit ratio {observed:.4} over {n} lookups, expected {p:.4} ± {:.4}",
        Z * se
    );
}

/// Σ_{i=1}^{k} i^-s: the Zipf mass of the k most popular keys is
/// `harmonic(k, s) / harmonic(count, s)`.
fn harmonic(k: u64, s: f64) -> f64 {
    (1..=k).map(|i| (i as f64).powf(-s)).sum()
}

#[test]
fn a_warm_lru_cache_hits_from_the_first_second_as_in_its_steady_state() {
    // Uniform keys over N = 10 000, capacity C = 2 500: once the cache is
    // full, every lookup hits with probability C / N = 0.25 whatever keys
    // it holds (independent reference model), so the hits of any stretch
    // of a full cache are Binomial(lookups, 0.25) exactly.
    let keys = "{ count = 10_000 }";
    let p = 2500.0 / 10_000.0;
    let (mut first_warm, mut first_cold, mut steady) = ((0, 0), (0, 0), (0, 0));
    for seed in 1..=10 {
        let warm = windows(
            &cached(
                "poisson",
                2000,
                keys,
                2500,
                "warm = true",
                true,
                "30s",
                "1s",
            ),
            seed,
        );
        let cold = windows(
            &cached("poisson", 2000, keys, 2500, "", true, "30s", "1s"),
            seed,
        );
        let add = |a: (u64, u64), b: (u64, u64)| (a.0 + b.0, a.1 + b.1);
        first_warm = add(first_warm, hits(&warm[..1]));
        first_cold = add(first_cold, hits(&cold[..1]));
        // From 10 s on, the cold cache has long been full (it fills after
        // about N·ln(N/(N−C)) ≈ 2 900 lookups, 1.5 s).
        steady = add(steady, hits(&cold[10..]));
    }
    assert_binomial("warm, first second", first_warm, p);
    assert_binomial("cold, seconds 10-30", steady, p);
    // Two proportions: the warm start equals the steady state.
    let ratio = |(h, n): (u64, u64)| h as f64 / n as f64;
    let se = (p * (1.0 - p) * (1.0 / first_warm.1 as f64 + 1.0 / steady.1 as f64)).sqrt();
    assert!(
        (ratio(first_warm) - ratio(steady)).abs() <= Z * se,
        "warm start {:.4} vs steady {:.4} (± {:.4})",
        ratio(first_warm),
        ratio(steady),
        Z * se
    );
    // A cold cache holds only the keys seen so far: in its first second
    // (2 000 lookups) about 1 − N(1 − e^(−2000/N))/2000 ≈ 0.094 hit.
    let cold = ratio(first_cold);
    assert!(
        cold < p - 10.0 * (p * (1.0 - p) / first_cold.1 as f64).sqrt(),
        "cold first second {cold:.4} is not below the steady state {p}"
    );
}

#[test]
fn a_cache_holding_the_top_keys_hits_with_their_zipf_mass() {
    // No store behind the cache: a miss fills nothing, so the keys it
    // starts with stay (reads only): every lookup hits with the Zipf mass
    // of the keys held, Binomial over 200 000 lookups, for every policy.
    let (count, s) = (1000, 0.9);
    let keys = format!("{{ count = {count}, popularity = \"zipf\", s = {s} }}");
    for policy in ["lru", "lfu", "fifo"] {
        for (warm, k) in [("true", 100), ("0.5", 50)] {
            let extra = format!("policy = \"{policy}\"\nwarm = {warm}");
            let w = windows(
                &cached("poisson", 20_000, &keys, 100, &extra, false, "10s", "1s"),
                3,
            );
            let mass = harmonic(k, s) / harmonic(count, s);
            assert_binomial(&format!("{policy}, warm = {warm}"), hits(&w), mass);
        }
    }
}

#[test]
fn with_a_store_behind_it_a_warm_cache_starts_at_the_zipf_mass() {
    // At t ≈ 0 with a database behind it: the first five lookups (one per
    // millisecond, a 5 ms window) of 600 runs. A miss fills a key and
    // evicts the least popular of the top 100 (mass 1/(100^s·H) ≈ 0.0018
    // each), so the hit ratio drifts by less than 0.01 in five lookups,
    // against a standard error of 0.009 over 3 000 lookups; a cold cache
    // hits only what it fetched a moment before.
    let (count, s) = (1000, 0.9);
    let keys = format!("{{ count = {count}, popularity = \"zipf\", s = {s} }}");
    let mass = harmonic(100, s) / harmonic(count, s);
    for policy in ["lru", "lfu"] {
        let warm = format!("policy = \"{policy}\"\nwarm = true");
        let cold = format!("policy = \"{policy}\"");
        let (mut h_warm, mut h_cold) = ((0, 0), (0, 0));
        for seed in 1..=600 {
            for (extra, total) in [(&warm, &mut h_warm), (&cold, &mut h_cold)] {
                let text = cached("constant", 1000, &keys, 100, extra, true, "5ms", "5ms");
                let (h, n) = hits(&windows(&text, seed));
                *total = (total.0 + h, total.1 + n);
            }
        }
        assert_binomial(&format!("{policy}: first lookups, warm"), h_warm, mass);
        // A cold cache hits only keys fetched a moment before.
        let cold = h_cold.0 as f64 / h_cold.1 as f64;
        let se = (mass * (1.0 - mass) / h_cold.1 as f64).sqrt();
        assert!(
            cold < mass - 10.0 * se,
            "{policy}: cold {cold:.4} is not below {mass:.4}"
        );
    }
}

#[test]
fn a_warm_cache_is_filled_up_to_the_key_space_and_capacity() {
    // 10 keys, capacity 50, warm: the 10 keys (there are no others), so
    // every lookup hits; capacity 4: the 4 most popular.
    let keys = "{ count = 10 }";
    let w = windows(
        &cached("poisson", 1000, keys, 50, "warm = true", false, "2s", "1s"),
        5,
    );
    let (h, n) = hits(&w);
    assert!(n > 1000);
    assert_eq!(h, n, "every key is in the cache");
    let model = load(&cached(
        "poisson", 1000, keys, 4, "warm = 1", false, "2s", "1s",
    ));
    let loadlab::sim::model::NodeKind::Cache(c) = &model.nodes[0].kind else {
        panic!("a cache");
    };
    assert_eq!(model.warm_keys(c), 4);
    assert_eq!(SimTime::ZERO, model.warmup);
}
