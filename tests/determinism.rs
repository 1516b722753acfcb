//! Same scenario, same seed, same results: byte-identical exports from the command line, identical summaries and time series in process; another seed gives other numbers.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use loadlab::scenario;
use loadlab::sim::{Command, Model, SimTime, Simulation, Summary, Window};
use proptest::prelude::*;

const SCENARIO: &str = "scenarios/url-shortener.toml";
const EXPORTS: [&str; 3] = ["summary.json", "timeseries.csv", "nodes.csv"];

/// A fresh folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "loadlab-determinism-{}-{n}-{tag}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `loadlab run url-shortener.toml --seed SEED --duration 10s --out DIR`.
fn run_cli(seed: u64, out: &Path) {
    let result = Process::new(env!("CARGO_BIN_EXE_loadlab"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            SCENARIO,
            "--seed",
            &seed.to_string(),
            "--duration",
            "10s",
        ])
        .arg("--out")
        .arg(out)
        .output()
        .expect("the loadlab binary runs");
    assert!(
        result.status.success(),
        "loadlab run failed ({}):\n{}",
        result.status,
        String::from_utf8_lossy(&result.stderr)
    );
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// summary.json without its `seed` field.
fn summary_without_seed(bytes: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("summary.json is JSON");
    let removed = v.as_object_mut().and_then(|o| o.remove("seed"));
    assert!(removed.is_some(), "summary.json names its seed");
    v
}

/// timeseries.csv without its `seed` column.
fn timeseries_without_seed(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("timeseries.csv is UTF-8");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let seed_col = header
        .iter()
        .position(|h| *h == "seed")
        .expect("a seed column");
    text.lines()
        .map(|l| {
            l.split(',')
                .enumerate()
                .filter(|(i, _)| *i != seed_col)
                .map(|(_, f)| f.to_string())
                .collect()
        })
        .collect()
}

#[test]
fn same_seed_gives_byte_identical_exports_and_another_seed_does_not() {
    let (a, b, c) = (TempDir::new("a"), TempDir::new("b"), TempDir::new("c"));
    run_cli(42, &a.0);
    run_cli(42, &b.0);
    run_cli(43, &c.0);
    for file in EXPORTS {
        let (x, y) = (read(&a.0, file), read(&b.0, file));
        assert!(!x.is_empty(), "{file} is empty");
        assert!(x == y, "{file} differs between two runs with seed 42");
    }
    // 10 one-second windows, each a system row plus one per node.
    let rows = timeseries_without_seed(&read(&a.0, "timeseries.csv"));
    assert!(rows.len() > 10, "{} time-series rows", rows.len());

    // Another seed: other numbers, not merely another `seed` field.
    assert_ne!(
        summary_without_seed(&read(&a.0, "summary.json")),
        summary_without_seed(&read(&c.0, "summary.json")),
        "summary.json does not depend on the seed"
    );
    assert_ne!(
        rows,
        timeseries_without_seed(&read(&c.0, "timeseries.csv")),
        "timeseries.csv does not depend on the seed"
    );
}

fn url_shortener() -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCENARIO);
    scenario::load_file(&path, &["scenario.duration=10s".into()])
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)))
}

/// Runs `model` in 250 ms slices, taking the windows as they close and
/// applying `commands` at their instants; returns the summary and windows.
fn run_in_process(
    model: Model,
    seed: u64,
    commands: &[(SimTime, Command)],
) -> (Summary, Vec<Window>) {
    let end = model.duration;
    let mut sim = Simulation::new(model, seed);
    let mut windows = Vec::new();
    let mut stops: Vec<SimTime> = (1..)
        .map(|k| SimTime::from_millis(250 * k))
        .take_while(|t| *t < end)
        .chain(commands.iter().map(|(t, _)| *t))
        .chain([end])
        .collect();
    stops.sort();
    stops.dedup();
    let mut next = 0;
    for t in stops {
        run_to(&mut sim, t);
        while next < commands.len() && commands[next].0 <= t {
            let _ = sim.apply(commands[next].1.clone());
            next += 1;
        }
        windows.extend(sim.take_windows());
    }
    sim.flush_window();
    windows.extend(sim.take_windows());
    (sim.summary(), windows)
}

#[test]
fn same_model_and_seed_give_identical_summary_and_windows() {
    let model = url_shortener();
    let api = model.node_index("api").unwrap();
    let cache = model.node_index("cache").unwrap();
    let commands = [
        (
            SimTime::from_secs(3),
            Command::SetReplicas {
                node: api,
                replicas: 2,
            },
        ),
        (
            SimTime::from_millis(6500),
            Command::SetCacheCapacity {
                node: cache,
                capacity: 10_000,
            },
        ),
    ];
    let (s1, w1) = run_in_process(model.clone(), 7, &commands);
    let (s2, w2) = run_in_process(model.clone(), 7, &commands);
    assert!(s1.counts.completed > 10_000);
    assert_eq!(w1.len(), 10);
    assert_eq!(s1, s2);
    assert_eq!(w1, w2);

    let (s3, w3) = run_in_process(model, 8, &commands);
    assert_ne!(s1.counts, s3.counts);
    assert_ne!(s1.latency, s3.latency);
    assert_ne!(w1, w3);
}

proptest! {
    // 100 random models, each run twice: well under a second in total.
    #![proptest_config(ProptestConfig {
        cases: 100,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_models_replay_identically(plan in scenario_strategy()) {
        let model = plan.build();
        let commands = plan.timed_commands(&model);
        let first = run_in_process(model.clone(), plan.seed, &commands);
        let second = run_in_process(model, plan.seed, &commands);
        prop_assert_eq!(first, second);
    }
}

/// Runs `model` (whose changes are scheduled events) to its end, stopping
/// at the given fractions of the duration on the way (taking the windows
/// at each stop); returns the summary and windows.
fn run_in_slices(model: Model, seed: u64, cuts: &[f64]) -> (Summary, Vec<Window>) {
    let end = model.duration;
    let mut stops: Vec<SimTime> = cuts
        .iter()
        .map(|f| SimTime((end.0 as f64 * f) as u64))
        .chain([end])
        .collect();
    stops.sort();
    let mut sim = Simulation::new(model, seed);
    let mut windows = Vec::new();
    for t in stops {
        run_to(&mut sim, t);
        windows.extend(sim.take_windows());
    }
    sim.flush_window();
    windows.extend(sim.take_windows());
    (sim.summary(), windows)
}

proptest! {
    // 100 random models with random changes, each run three ways.
    #![proptest_config(ProptestConfig {
        cases: 100,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The same changes at the same instants give the same run whether
    /// they are applied live (`Simulation::apply` between two
    /// `run_until`s, as the window does), written as scheduled events of
    /// the model (as `[[event]]`s in a file), or scheduled and run in
    /// slices cut at random instants (as the window and `run` advance).
    #[test]
    fn live_scheduled_and_sliced_runs_agree(
        mut plan in scenario_strategy(),
        cuts in proptest::collection::vec(0.0f64..1.0, 0..12),
    ) {
        for c in &mut plan.commands {
            c.scheduled = false;
        }
        let live_model = plan.build();
        let commands = plan.timed_commands(&live_model);
        for c in &mut plan.commands {
            c.scheduled = true;
        }
        let scheduled_model = plan.build();
        prop_assert_eq!(scheduled_model.events.len(), commands.len());
        for (e, (at, command)) in scheduled_model.events.iter().zip(&commands) {
            prop_assert_eq!((e.at, &e.command), (*at, command));
        }
        let live = run_in_process(live_model, plan.seed, &commands);
        let scheduled = run_in_slices(scheduled_model.clone(), plan.seed, &[]);
        let sliced = run_in_slices(scheduled_model, plan.seed, &cuts);
        prop_assert_eq!(&live, &scheduled, "live vs scheduled");
        prop_assert_eq!(&scheduled, &sliced, "scheduled vs sliced at {:?}", cuts);
    }
}

/// The random topologies of the property tests reach every node kind,
/// setting and live command, all through the scenario file: 300 plans
/// drawn with a fixed seed, each loaded (a file the loader refused would
/// fail here), hold between them every kind, every call policy, the
/// autoscaler, every cache write policy, shards and replication lag, and
/// both rate-limiter commands aimed at a rate limiter.
#[test]
fn random_topologies_cover_every_kind_setting_and_command() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = scenario_strategy();
    let mut text = String::new();
    let mut commands = Vec::new();
    for _ in 0..300 {
        let plan = strategy.new_tree(&mut runner).unwrap().current();
        text.push_str(&plan.to_toml());
        let model = plan.build();
        let mut all = plan.clone();
        for c in &mut all.commands {
            c.scheduled = false;
        }
        for (_, c) in all.timed_commands(&model) {
            let limiter = |node: usize| {
                matches!(
                    model.nodes[node].kind,
                    loadlab::sim::model::NodeKind::RateLimiter(_)
                )
            };
            commands.push(match c {
                Command::SetLimiterRate { node, .. } if limiter(node) => "limiter rate",
                Command::SetLimiterLimit { node, .. } if limiter(node) => "limiter limit",
                _ => "other",
            });
        }
    }
    for needle in [
        "kind = \"load_balancer\"",
        "kind = \"service\"",
        "kind = \"cache\"",
        "kind = \"cdn\"",
        "kind = \"database\"",
        "kind = \"rate_limiter\"",
        "algorithm = \"token_bucket\"",
        "algorithm = \"leaky_bucket\"",
        "algorithm = \"fixed_window\"",
        "algorithm = \"sliding_window\"",
        "kind = \"queue\"",
        "kind = \"topic\"",
        "kind = \"external\"",
        "max_hops = ",
        "fallback = ",
        // A call's own work.
        ", service_time = ",
        "{ p = ",
        "rate_limit = ",
        "concurrency = ",
        "visibility_timeout = ",
        "autoscale = { metric = \"utilisation\"",
        "autoscale = { metric = \"queue_depth\"",
        "retry = { attempts",
        "budget = ",
        "breaker = { consecutive_failures",
        "breaker = { failure_rate",
        "pool = { size",
        "write_policy = \"write_through\"",
        "write_policy = \"write_back\"",
        "coalesce = true",
        "miss_penalty = ",
        "replication_lag = ",
        "shards = 3",
        "arrival = \"closed\"",
        "[[class]]",
        "op = \"write\"",
        "classes = { c",
        "when = \"c",
        "priority = [\"c",
        "priority = [\"read",
        "shed = { c",
        "shed = { write",
        "per = \"key\"",
        "per = \"client\"",
    ] {
        assert!(
            text.contains(needle),
            "no `{needle}` in 300 random topologies"
        );
    }
    for kind in ["limiter rate", "limiter limit"] {
        assert!(
            commands.contains(&kind),
            "no {kind} command on a rate limiter in 300 random topologies"
        );
    }
}
