//! The fuzz corpus and crash reproducers (`fuzz/corpus/`, `fuzz/regressions/`) replayed through the fuzz targets' own harness (`loadlab::fuzzing`) on stable: no panic, every invariant holds.

use std::fs;
use std::path::{Path, PathBuf};

use loadlab::fuzzing::{load_scenario, run_scenario, scenario_text};

/// Every file in `fuzz/<dir>/<target>/`, sorted (none if it is absent).
fn inputs(dir: &str, target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(dir)
        .join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&root)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Feeds every input to `harness`, naming the file if it panics; returns
/// (inputs, inputs the loader took).
fn replay(files: &[PathBuf], harness: fn(&[u8]) -> bool) -> (usize, usize) {
    let mut accepted = 0;
    for f in files {
        let data = fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let ok = std::panic::catch_unwind(|| harness(&data))
            .unwrap_or_else(|_| panic!("the fuzz harness panicked on {}", f.display()));
        accepted += usize::from(ok);
    }
    (files.len(), accepted)
}

#[test]
fn the_loader_corpus_loads_or_is_refused_cleanly_and_round_trips() {
    let (n, accepted) = replay(&inputs("corpus", "load_scenario"), load_scenario);
    // The corpus starts from the example scenarios and the malformed files.
    assert!(n >= 50, "only {n} corpus files");
    assert!(accepted > 0 && accepted < n, "{accepted} of {n} loaded");
}

#[test]
fn the_run_corpus_runs_with_balanced_books() {
    let (n, accepted) = replay(&inputs("corpus", "run_scenario"), run_scenario);
    assert!(n >= 50, "only {n} corpus files");
    // Most generated scenarios must be valid, or the engine is not fuzzed.
    assert!(
        accepted * 2 > n,
        "only {accepted} of {n} generated scenarios load"
    );
}

#[test]
fn the_loader_crash_reproducers_no_longer_crash() {
    replay(&inputs("regressions", "load_scenario"), load_scenario);
}

#[test]
fn the_run_crash_reproducers_no_longer_crash() {
    replay(&inputs("regressions", "run_scenario"), run_scenario);
}

#[test]
fn generated_scenarios_use_every_node_kind() {
    let texts: Vec<String> = inputs("corpus", "run_scenario")
        .iter()
        .map(|f| scenario_text(&fs::read(f).unwrap_or_default()))
        .collect();
    for kind in [
        "service",
        "load_balancer",
        "cache",
        "cdn",
        "database",
        "queue",
        "rate_limiter",
    ] {
        let needle = format!("kind = \"{kind}\"");
        assert!(
            texts.iter().any(|t| t.contains(&needle)),
            "no {kind} in the corpus"
        );
    }
}

/// Found by `run_scenario` (`fuzz/regressions/run_scenario/warmup-*`): a
/// request whose arrival falls exactly on the end of the warm-up is counted
/// (it arrives at `now >= warmup`), but its first arrival used to be
/// scheduled before the `WarmupEnd` event (in `Simulation::new`), so it was
/// handled first and `end_warmup` then cleared the latency histogram it
/// was recorded in: `completed` 1, `latency.count` 0. Fixed by scheduling
/// `WarmupEnd` first.
#[test]
fn a_request_arriving_as_the_warm_up_ends_keeps_its_latency() {
    let model = loadlab::scenario::load_str(
        r#"
[scenario]
name = "warm-up boundary"
duration = "10s"
warmup = "2s"

[[workload]]
to = "q"
arrival = "constant"
rate = 0.5

[[node]]
id = "q"
kind = "queue"
service_time = "1ms"
"#,
        "warmup-boundary.toml",
        &[],
    )
    .unwrap_or_else(|d| panic!("{}", loadlab::scenario::render(&d)));
    let mut sim = loadlab::sim::Simulation::new(model, 1);
    sim.run_until(loadlab::sim::SimTime::from_millis(2500));
    let s = sim.summary();
    assert_eq!(s.counts.completed, 1, "{:?}", s.counts);
    assert_eq!(s.latency.count, s.counts.completed, "{:?}", s.latency);
}
