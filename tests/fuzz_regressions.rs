//! The fuzz corpus and crash reproducers (`fuzz/corpus/`, `fuzz/regressions/`) replayed through the fuzz targets' own harness (`loadlab::fuzzing`) on stable: no panic, every invariant holds.

use std::fs;
use std::path::{Path, PathBuf};

use loadlab::fuzzing::{load_scenario, run_scenario, scenario_text};

/// The reproducers committed under `fuzz/regressions/<target>/`, by name.
/// The replay below reads what is on disk and first checks it against this
/// list, so a renamed or deleted folder (or file) fails instead of leaving
/// a loop that runs over nothing. The loader's fuzz runs found no crash
/// (docs/fuzzing.md), so it has no folder: git keeps no empty ones.
const REPRODUCERS: [(&str, &[&str]); 2] = [
    ("load_scenario", &[]),
    (
        "run_scenario",
        &[
            "timeout-million-database-instances",
            "warmup-boundary-latency-reset-1",
            "warmup-boundary-latency-reset-2",
            "warmup-boundary-latency-reset-closed-users",
        ],
    ),
];

/// Corpus sizes as committed (after minimising): a corpus shrunk to a
/// fraction of this was lost, not minimised.
const CORPUS_AT_LEAST: [(&str, usize); 2] = [("load_scenario", 1000), ("run_scenario", 400)];

fn fuzz_dir(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir)
}

/// Every file in `fuzz/<dir>/<target>/`, sorted; `None` if there is no
/// such folder.
fn files_in(dir: &str, target: &str) -> Option<Vec<PathBuf>> {
    let d = fs::read_dir(fuzz_dir(dir).join(target)).ok()?;
    let mut files: Vec<PathBuf> = d
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Some(files)
}

/// The corpus of `target`, which must be there and not have shrunk.
fn corpus(target: &str) -> Vec<PathBuf> {
    let files =
        files_in("corpus", target).unwrap_or_else(|| panic!("no folder fuzz/corpus/{target}/"));
    let (_, least) = CORPUS_AT_LEAST
        .iter()
        .find(|(t, _)| *t == target)
        .expect("a known target");
    assert!(
        files.len() >= *least,
        "fuzz/corpus/{target}/ holds {} files, expected at least {least}",
        files.len()
    );
    files
}

/// The reproducers of `target` found on disk, checked against `REPRODUCERS`.
fn reproducers(target: &str) -> Vec<PathBuf> {
    let (_, names) = REPRODUCERS
        .iter()
        .find(|(t, _)| *t == target)
        .expect("a known target");
    let files = files_in("regressions", target).unwrap_or_default();
    let found: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        found, *names,
        "fuzz/regressions/{target}/ does not hold the reproducers this test names"
    );
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
    let (n, accepted) = replay(&corpus("load_scenario"), load_scenario);
    // The corpus starts from the example scenarios and the malformed files.
    assert!(accepted > 0 && accepted < n, "{accepted} of {n} loaded");
}

#[test]
fn the_run_corpus_runs_with_balanced_books() {
    let (n, accepted) = replay(&corpus("run_scenario"), run_scenario);
    // Most generated scenarios must be valid, or the engine is not fuzzed.
    assert!(
        accepted * 2 > n,
        "only {accepted} of {n} generated scenarios load"
    );
}

/// Every folder under `fuzz/regressions/` is a target named above (or
/// `known/`, for reproducers of bugs not fixed yet), so none is skipped.
#[test]
fn every_reproducer_folder_is_replayed() {
    let mut dirs: Vec<String> = fs::read_dir(fuzz_dir("regressions"))
        .expect("fuzz/regressions/")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|d| d != "known")
        .collect();
    dirs.sort();
    let named: Vec<&str> = REPRODUCERS
        .iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(dirs, named);
}

#[test]
fn the_loader_crash_reproducers_no_longer_crash() {
    let files = reproducers("load_scenario");
    assert_eq!(replay(&files, load_scenario).0, files.len());
}

#[test]
fn the_run_crash_reproducers_no_longer_crash() {
    let files = reproducers("run_scenario");
    assert_eq!(replay(&files, run_scenario).0, 4);
}

#[test]
fn generated_scenarios_use_every_node_kind() {
    let texts: Vec<String> = corpus("run_scenario")
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
        "topic",
        "external",
    ] {
        let needle = format!("kind = \"{kind}\"");
        assert!(
            texts.iter().any(|t| t.contains(&needle)),
            "no {kind} in the corpus"
        );
    }
    // The fields of a call beyond its policies: link, type, key, fan-out.
    for field in [
        "latency = ",
        "op = ",
        "key = \"derived\"",
        "key = \"random\"",
        "keys = ",
        "repeat = {",
        "parallel = true",
        "wait = ",
        "hedge = ",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(field)),
            "no call with `{field}` in the corpus"
        );
    }
    assert!(
        texts.iter().any(|t| t
            .lines()
            .any(|l| l.starts_with("to = [ {") && l.contains("latency = "))),
        "no forward with a link in the corpus"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("[[zone_link]]") && t.contains("zone = \"")),
        "no zones in the corpus"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.split("[[node.calls]]").skip(1).any(|call| call
                .split("\n[")
                .next()
                .unwrap_or("")
                .contains("\nservice_time = "))),
        "no call with its own service_time in the corpus"
    );
    // Payloads: sizes on calls and classes, bandwidth and prices.
    for field in [
        "request_bytes = {",
        "response_bytes = \"",
        "bandwidth = ",
        "egress_per_gb = ",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(field)),
            "no `{field}` in the corpus"
        );
    }
    // `set` events on a node's live tunables, the rate limiter's included.
    for field in ["replicas", "workers", "service_time", "rate", "limit"] {
        let end = format!(".{field}\"");
        assert!(
            texts.iter().any(|t| t
                .lines()
                .any(|l| l.starts_with("target = \"n") && l.ends_with(&end))),
            "no `set` of a node's {field} in the corpus"
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

/// Byte strings from a fixed linear congruential generator (no corpus
/// file needed): inputs long enough to reach the choices made last.
fn pseudo_random_inputs(count: usize, len: usize) -> Vec<Vec<u8>> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..count)
        .map(|_| {
            (0..len)
                .map(|_| {
                    x = x
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    (x >> 56) as u8
                })
                .collect()
        })
        .collect()
}

/// The run generator declares request classes, gives workloads class
/// shares and calls class conditions, and such scenarios load and run
/// with balanced books.
#[test]
fn generated_scenarios_use_request_classes() {
    let inputs = pseudo_random_inputs(2000, 400);
    let texts: Vec<String> = inputs.iter().map(|d| scenario_text(d)).collect();
    for needle in [
        "[[class]]",
        "op = \"write\"",
        "classes = { c0",
        "when = \"c",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(needle)),
            "no `{needle}` in 2000 generated scenarios"
        );
    }
    let with_classes: Vec<&Vec<u8>> = inputs
        .iter()
        .zip(&texts)
        .filter(|(_, t)| t.contains("classes = {"))
        .map(|(d, _)| d)
        .collect();
    // Random bytes make mostly invalid scenarios (about one in seven loads,
    // classes or not): some must still load and run.
    let ran = with_classes.iter().filter(|d| run_scenario(d)).count();
    assert!(
        ran >= 5,
        "{ran} of {} scenarios with classes loaded",
        with_classes.len()
    );
}

/// The run generator writes objectives of nodes, queues, classes and
/// workloads; such scenarios load, run and have their objectives checked.
#[test]
fn generated_scenarios_use_scoped_objectives() {
    let inputs = pseudo_random_inputs(3000, 500);
    let texts: Vec<String> = inputs.iter().map(|d| scenario_text(d)).collect();
    for needle in [
        "[[objective]]",
        "\nnode = \"n",
        "\nqueue = \"n",
        "\nclass = \"c",
        "\nworkload = \"w",
        "metric = \"oldest_message_age\"",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(needle)),
            "no `{needle}` in 3000 generated scenarios"
        );
    }
    let scoped = inputs
        .iter()
        .zip(&texts)
        .filter(|(_, t)| {
            ["\nnode = \"n", "\nclass = \"c", "\nworkload = \"w"]
                .iter()
                .any(|n| t.contains(n))
        })
        .filter(|(d, _)| run_scenario(d))
        .count();
    assert!(scoped >= 5, "{scoped} scenarios with scoped objectives ran");
}
