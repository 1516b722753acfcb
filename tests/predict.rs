//! Theory beside the simulation (`report::predict`): on the theory scenarios the predictions are the formulas of `theory.rs` and a long run falls within their statistics (an M/M/1 into an M/M/1/K, a forward over a link too); on the URL shortener, the lessons, behind a thinned or non-Poisson stream, a breaker, a pool or a link's bandwidth, and where calls bring their own work, the nodes theory does not fit say why; a phase at the start sets the load; a priority line gives no p99.

use std::path::Path;

use loadlab::report::predict::{self, Formula, Predicted, Prediction, Predictions, WhyNot};
use loadlab::scenario;
use loadlab::sim::{Model, SimTime, Simulation, Summary, Window};
use loadlab::theory::{self, QueueFigures};

fn load(file: &str, set: &[&str]) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    scenario::load_file(&path, &set).unwrap_or_else(|d| panic!("{}", scenario::render(&d)))
}

fn figures(p: &Predictions, i: usize) -> &Predicted {
    p.nodes[i]
        .figures()
        .unwrap_or_else(|| panic!("node {i}: {:?}", p.nodes[i].why_not()))
}

/// The prediction is the formula's figures, to 1e-12 (ms and counts).
fn assert_is(p: &Predicted, formula: Formula, lambda: f64, q: QueueFigures) {
    assert_eq!(p.formula, formula);
    let close = |a: f64, b: f64, what: &str| {
        assert!((a - b).abs() < 1e-12, "{what}: predicted {a}, formula {b}");
    };
    close(p.arrival_rps, lambda, "arrival rate");
    close(p.utilisation, q.utilisation, "utilisation");
    close(p.mean_wait_ms, q.wait * 1e3, "mean wait");
    close(p.mean_queue_len, q.queue_len, "mean line");
    close(p.mean_in_node_ms, q.sojourn * 1e3, "mean in node");
    close(p.blocking, q.blocking, "blocking");
}

#[test]
fn theory_scenarios_predict_the_formulas_of_theory_rs() {
    let mm1 = predict::predict(&load("scenarios/theory/mm1.toml", &[]));
    assert_is(
        figures(&mm1, 0),
        Formula::Mmc,
        800.0,
        theory::mmc(800.0, 0.001, 1),
    );
    let p99 = theory::mmc_wait_quantile(800.0, 0.001, 1, 0.99) * 1e3;
    assert_eq!(figures(&mm1, 0).p99_wait_ms, Some(p99));
    // M/M/1: P(Wq > t) = ρ e^(−(μ−λ)t), so p99 = ln(100 ρ)/(μ − λ).
    assert!((p99 - 80f64.ln() / 200.0 * 1e3).abs() < 1e-9);

    let mmc = predict::predict(&load("scenarios/theory/mmc.toml", &[]));
    assert_is(
        figures(&mmc, 0),
        Formula::Mmc,
        3200.0,
        theory::mmc(3200.0, 0.001, 4),
    );

    let md1 = predict::predict(&load("scenarios/theory/md1.toml", &[]));
    assert_is(
        figures(&md1, 0),
        Formula::Md1,
        800.0,
        theory::mg1(800.0, 0.001, 0.0),
    );
    assert_eq!(figures(&md1, 0).p99_wait_ms, None);

    let mmck = predict::predict(&load("scenarios/theory/mmck.toml", &[]));
    let q = theory::mmck(1600.0, 0.001, 2, 10);
    assert_is(figures(&mmck, 0), Formula::Mmck, 1600.0, q);

    let tandem = predict::predict(&load("scenarios/theory/tandem.toml", &[]));
    let stations = [(0.001, 1), (0.002, 2), (0.003, 3)];
    let (each, total) = theory::jackson_tandem(800.0, &stations);
    for (i, q) in each.into_iter().enumerate() {
        assert_is(figures(&tandem, i), Formula::Mmc, 800.0, q);
    }
    let e2e = tandem.end_to_end.as_ref().expect("end to end");
    assert_eq!(e2e.model, "Jackson tandem");
    assert!((e2e.mean_ms - total * 1e3).abs() < 1e-12, "{}", e2e.mean_ms);
}

/// The scenario file's text with `from` replaced by `to`.
fn load_changed(file: &str, from: &str, to: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap().replace(from, to);
    scenario::load_str(&text, file, &[]).unwrap_or_else(|d| panic!("{}", scenario::render(&d)))
}

#[test]
fn other_service_times_and_overload_pick_their_formula_or_say_why() {
    let exp = r#"{ dist = "exponential", mean = "1ms" }"#;
    let logn = r#"{ dist = "lognormal", mean = "1ms", p99 = "5ms" }"#;
    let model = load_changed("scenarios/theory/mmc.toml", exp, logn);
    let scv = loadlab::sim::dist::Dist::lognormal(0.001, 0.005)
        .unwrap()
        .scv();
    let p = predict::predict(&model);
    let q = theory::allen_cunneen(3200.0, 0.001, 4, 1.0, scv);
    assert_is(figures(&p, 0), Formula::MgcAllenCunneen, 3200.0, q);

    // 1200/s on one worker of 1 ms: the line grows by 200 a second.
    let over = load("scenarios/theory/mm1.toml", &["workload.0.rate=1200"]);
    let p = predict::predict(&over);
    match &p.nodes[0] {
        Prediction::WhyNot(WhyNot::Unstable { growth_per_s, .. }) => {
            assert!((growth_per_s - 200.0).abs() < 1e-9, "{growth_per_s}");
        }
        other => panic!("{other:?}"),
    }
    let text = p.nodes[0].why_not().unwrap();
    assert!(
        text.contains("grows without bound by about 200 requests per second"),
        "{text}"
    );
}

const BATCHES: u64 = 20;
/// Student t, 0.975 quantile, 19 degrees of freedom.
const T_19: f64 = 2.093;

/// One simulated figure against its prediction: the whole run's value
/// (warm-up removed) and the 95 % half-width from its batch values.
struct Check {
    name: String,
    predicted: f64,
    simulated: f64,
    batches: Vec<f64>,
}

impl Check {
    fn half_width(&self) -> f64 {
        let n = self.batches.len() as f64;
        let m = self.batches.iter().sum::<f64>() / n;
        let var = self.batches.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
        T_19 * (var / n).sqrt()
    }
}

/// Runs `model` for a warm-up window and `BATCHES` windows of `span_s`
/// seconds each: the windows after warm-up and the summary, with the
/// mean wait of each node in each batch (from the summary's running
/// count and mean, which windows do not carry).
fn run_batches(mut model: Model, span_s: u64) -> (Vec<Window>, Vec<Vec<f64>>, Summary) {
    model.warmup = SimTime::from_secs(span_s);
    model.window = SimTime::from_secs(span_s);
    model.duration = SimTime::from_secs(span_s * (BATCHES + 1));
    let seed = model.seed;
    let nodes = model.nodes.len();
    let mut sim = Simulation::new(model, seed);
    sim.run_until(SimTime::from_secs(span_s));
    sim.take_windows();
    let mut waits = vec![Vec::new(); nodes];
    let mut last = vec![(0u64, 0.0f64); nodes];
    let mut windows = Vec::new();
    for b in 2..=BATCHES + 1 {
        sim.run_until(SimTime::from_secs(span_s * b));
        windows.extend(sim.take_windows());
        for (i, n) in sim.summary().nodes.iter().enumerate() {
            let (c0, m0) = last[i];
            let sum = n.mean_wait_ms.unwrap_or(0.0) * n.started as f64;
            waits[i].push((sum - m0 * c0 as f64) / (n.started - c0).max(1) as f64);
            last[i] = (n.started, n.mean_wait_ms.unwrap_or(0.0));
        }
    }
    (windows, waits, sim.summary())
}

/// The checks of node `i`: utilisation, mean line, mean wait, mean time
/// in node, and for a bounded line the share turned away.
fn node_checks(p: &Predicted, i: usize, w: &[Window], waits: &[f64], s: &Summary) -> Vec<Check> {
    let n = &s.nodes[i];
    let each = |f: &dyn Fn(&Window) -> f64| w.iter().map(f).collect::<Vec<f64>>();
    let mut checks = vec![
        Check {
            name: format!("{} utilisation", n.id),
            predicted: p.utilisation,
            simulated: n.utilisation.unwrap(),
            batches: each(&|w| w.nodes[i].utilisation.unwrap()),
        },
        Check {
            name: format!("{} mean line", n.id),
            predicted: p.mean_queue_len,
            simulated: n.mean_queue_len.unwrap(),
            batches: each(&|w| w.nodes[i].mean_queue_len.unwrap()),
        },
        Check {
            name: format!("{} mean wait ms", n.id),
            predicted: p.mean_wait_ms,
            simulated: n.mean_wait_ms.unwrap(),
            batches: waits.to_vec(),
        },
        // A queue's visit is answered at once: its messages' time in the
        // node is enqueue → processed.
        Check {
            name: format!("{} mean in node ms", n.id),
            predicted: p.mean_in_node_ms,
            simulated: n.processing.map_or(n.sojourn, |p| p).mean_ms.unwrap(),
            batches: each(&|w| {
                let n = &w.nodes[i];
                n.processing.map_or(n.sojourn, |p| p).mean_ms.unwrap()
            }),
        },
    ];
    if p.blocking > 0.0 {
        let share = |c: &loadlab::sim::metrics::NodeCounts| c.rejected as f64 / c.arrived as f64;
        checks.push(Check {
            name: format!("{} turned away", n.id),
            predicted: p.blocking,
            simulated: share(&n.counts),
            batches: each(&|w| share(&w.nodes[i].counts)),
        });
    }
    checks
}

/// Each simulated figure lies within two 95 % half-widths (about four
/// standard errors) of the prediction, plus the latency histogram's 0.1 %
/// resolution; and the run is long enough that a half-width is at most
/// 3 % of the prediction, so a wrong formula would show.
fn assert_within(title: &str, checks: &[Check]) {
    println!("{title}");
    for c in checks {
        let h = c.half_width();
        println!(
            "  {:<26} predicted {:>10.4}  simulated {:>10.4}  ({:+.2}%, 95% CI ±{:.2}%)",
            c.name,
            c.predicted,
            c.simulated,
            (c.simulated / c.predicted - 1.0) * 100.0,
            h / c.predicted * 100.0
        );
        assert!(h <= 0.03 * c.predicted, "{title} {}: run too short", c.name);
        assert!(
            (c.simulated - c.predicted).abs() <= 2.0 * h + 0.001 * c.predicted,
            "{title} {}: simulated {} vs predicted {}",
            c.name,
            c.simulated,
            c.predicted
        );
    }
}

/// Each theory scenario, run in 20 batches after a warm-up batch: every
/// predicted figure of every node, and the end-to-end mean.
#[test]
fn long_runs_of_the_theory_scenarios_fall_within_the_predictions() {
    let cases = [
        ("mm1", 400),
        ("mmc", 100),
        ("md1", 150),
        ("mmck", 100),
        ("tandem", 400),
    ];
    for (name, span_s) in cases {
        let model = load(&format!("scenarios/theory/{name}.toml"), &[]);
        let p = predict::predict(&model);
        let (windows, waits, s) = run_batches(model, span_s);
        let mut checks = Vec::new();
        for (i, w) in waits.iter().enumerate() {
            checks.extend(node_checks(figures(&p, i), i, &windows, w, &s));
        }
        let e2e = p.end_to_end.as_ref().expect("end to end");
        checks.push(Check {
            name: format!("end to end ms ({})", e2e.model),
            predicted: e2e.mean_ms,
            simulated: s.latency.mean_ms.unwrap(),
            batches: windows.iter().map(|w| w.latency.mean_ms.unwrap()).collect(),
        });
        assert_within(name, &checks);
    }
}

/// A queue of `consumers` exponential consumers (mean `mean`) holding
/// at most `capacity` messages, fed `rate` messages a second.
fn queue_model(rate: u32, consumers: u32, mean: &str, capacity: Option<u32>) -> Model {
    let capacity = capacity.map_or(String::new(), |c| format!("capacity = {c}"));
    let text = format!(
        r#"[scenario]
name = "a queue"
duration = "60s"
seed = 11

[[workload]]
to = "jobs"
rate = {rate}

[[node]]
id = "jobs"
kind = "queue"
consumers = {consumers}
{capacity}
service_time = {{ dist = "exponential", mean = "{mean}" }}
"#
    );
    scenario::load_str(&text, "queue.toml", &[])
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)))
}

/// A queue's consumers are the workers of an M/M/c (its capacity the
/// line of an M/M/c/K): the prediction is the formula's, a long run falls
/// within it (wait, line, utilisation, enqueue → processed, turned away),
/// and its producer waits for nothing (end to end 0 ms).
#[test]
fn a_queue_s_consumers_are_an_mmc_and_a_long_run_agrees() {
    let cases = [
        (
            queue_model(1200, 3, "2ms", None),
            Formula::Mmc,
            (1200.0, theory::mmc(1200.0, 0.002, 3)),
            200,
        ),
        (
            queue_model(2200, 2, "1ms", Some(8)),
            Formula::Mmck,
            (2200.0, theory::mmck(2200.0, 0.001, 2, 10)),
            100,
        ),
    ];
    for (model, formula, (lambda, q), span_s) in cases {
        let p = predict::predict(&model);
        assert_is(figures(&p, 0), formula, lambda, q);
        let e2e = p.end_to_end.as_ref().expect("end to end");
        assert_eq!(e2e.mean_ms, 0.0, "a producer is answered once stored");
        let (windows, waits, s) = run_batches(model, span_s);
        assert_eq!(s.latency.mean_ms, Some(0.0));
        let checks = node_checks(figures(&p, 0), 0, &windows, &waits[0], &s);
        assert_within(&format!("queue ({})", formula.name()), &checks);
    }
}

/// A queue whose consumers make calls, or whose messages may be delivered
/// twice, says why no formula applies.
#[test]
fn a_queue_theory_does_not_fit_says_why() {
    let exp = r#"{ dist = "exponential", mean = "10ms" }"#;
    let with = |extra: &str| {
        load_changed(
            "scenarios/lessons/queue-absorbs-spike.toml",
            &format!("service_time = {exp}\n\n[[node]]\nid = \"worker\""),
            &format!("service_time = {exp}\n{extra}\n\n[[node]]\nid = \"worker\""),
        )
    };
    for (extra, why, words) in [
        (
            r#"calls = ["worker"]"#,
            WhyNot::ConsumersCall,
            "consumers make calls",
        ),
        (
            r#"visibility_timeout = "1s""#,
            WhyNot::VisibilityTimeout,
            "delivered again",
        ),
    ] {
        let model = with(extra);
        let p = predict::predict(&model);
        assert_eq!(p.nodes[1], Prediction::WhyNot(why), "{extra}");
        let text = p.nodes[1].why_not().unwrap();
        assert!(text.contains(words), "{text}");
    }
}

/// From a measured arrival rate (the summary's, or a window's, as the
/// window's theory line uses): the same formula at that rate.
#[test]
fn predictions_follow_a_measured_arrival_rate() {
    let model = load("scenarios/theory/mmc.toml", &["scenario.duration=30s"]);
    let mut sim = Simulation::new(model.clone(), model.seed);
    sim.run_until(model.duration);
    let (rates, entering) = predict::measured_rates(&sim.summary());
    assert!((rates[0] / 3200.0 - 1.0).abs() < 0.02, "{rates:?}");
    let p = predict::predict_measured(&model, &rates, entering);
    let q = theory::mmc(rates[0], 0.001, 4);
    assert_is(figures(&p, 0), Formula::Mmc, rates[0], q);
    // A window with the rate doubled: more than the workers can do.
    let windows = sim.take_windows();
    let (mut rates, entering) = predict::window_rates(windows.last().unwrap());
    rates[0] *= 2.0;
    let p = predict::predict_measured(&model, &rates, entering);
    assert!(matches!(
        p.nodes[0],
        Prediction::WhyNot(WhyNot::Unstable { .. })
    ));
}

/// A node's id, its reason and words its sentence must hold.
type Expected = (&'static str, WhyNot, &'static str);

/// The reason each node of the URL shortener and of every lesson gives
/// (every node is named but the one that fits a formula: the lesson's
/// queue, whose consumers make no calls).
#[test]
fn nodes_theory_does_not_fit_say_why() {
    let cases: [(&str, &[Expected]); 8] = [
        (
            "url-shortener",
            &[
                ("lb", WhyNot::NoLine("load_balancer"), "forwards at once"),
                ("api", WhyNot::MakesCalls, "makes calls"),
                ("cache", WhyNot::Cache, "hit ratio"),
                ("db", WhyNot::Spread { instances: 3 }, "3 instances"),
            ],
        ),
        (
            "lessons/autoscale-cold-start",
            &[("web", WhyNot::Autoscaling, "autoscales")],
        ),
        (
            "lessons/cache-stampede",
            &[
                ("cache", WhyNot::Cache, "a cache"),
                ("db", behind_cache("cache"), "behind the cache `cache`"),
            ],
        ),
        (
            "lessons/hot-shard",
            &[("db", WhyNot::Spread { instances: 4 }, "4 instances")],
        ),
        (
            "lessons/queue-absorbs-spike",
            &[
                ("api", WhyNot::MakesCalls, "makes calls"),
                ("worker", WhyNot::NoTraffic, "no traffic"),
            ],
        ),
        (
            "lessons/rate-limiter",
            &[
                ("limiter", WhyNot::RateLimiter, "rate limiter"),
                (
                    "api",
                    WhyNot::BehindRateLimiter {
                        limiter: "limiter".into(),
                    },
                    "behind the rate limiter",
                ),
            ],
        ),
        (
            "lessons/replication-lag",
            &[("db", WhyNot::Spread { instances: 3 }, "read replicas")],
        ),
        (
            "lessons/retry-storm",
            &[
                ("api", WhyNot::MakesCalls, "makes calls"),
                (
                    "backend",
                    WhyNot::Retries {
                        caller: "api".into(),
                    },
                    "retries on the path",
                ),
            ],
        ),
    ];
    for (file, expected) in cases {
        let model = load(&format!("scenarios/{file}.toml"), &[]);
        let p = predict::predict(&model);
        for (i, n) in model.nodes.iter().enumerate() {
            let named = expected.iter().any(|e| e.0 == n.id);
            let fits = p.nodes[i].figures().is_some();
            assert!(named != fits, "{file} {}: {:?}", n.id, p.nodes[i]);
        }
        let jobs = model.nodes.iter().position(|n| n.id == "jobs");
        if let Some(i) = jobs {
            assert_eq!(figures(&p, i).formula, Formula::Mmc, "{file} jobs");
        }
        for (id, why, words) in expected {
            let i = model.nodes.iter().position(|n| n.id == *id).unwrap();
            assert_eq!(p.nodes[i], Prediction::WhyNot(why.clone()), "{file} {id}");
            let text = p.nodes[i].why_not().unwrap();
            assert!(text.contains(words), "{file} {id}: {text}");
        }
        let e2e = p.end_to_end.as_ref().expect_err("no end-to-end prediction");
        assert!(e2e.contains("is on the path"), "{file}: {e2e}");
    }
}

fn behind_cache(cache: &str) -> WhyNot {
    WhyNot::BehindCache {
        cache: cache.into(),
    }
}

/// A model from a scenario's text.
fn model(text: &str) -> Model {
    scenario::load_str(text, "test.toml", &[])
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)))
}

/// A scenario's head: Poisson requests at `rate` a second into `to`.
fn head(to: &str, rate: u32) -> String {
    format!(
        "[scenario]\nname = \"t\"\nduration = \"60s\"\nseed = 3\n\n\
         [[workload]]\nto = \"{to}\"\nrate = {rate}\n"
    )
}

/// `id`'s reason is `why`, and its sentence holds each of `words`.
fn assert_why(p: &Predictions, m: &Model, id: &str, why: &WhyNot, words: &[&str]) {
    let i = m.nodes.iter().position(|n| n.id == id).unwrap();
    assert_eq!(&p.nodes[i], &Prediction::WhyNot(why.clone()), "{id}");
    let text = p.nodes[i].why_not().unwrap();
    for w in words {
        assert!(text.contains(w), "{id}: {text}");
    }
}

/// A call's `service_time` is the work its callee does (the auditor's
/// case: 400/s of 2 ms calls keep `db` 80 % busy, where its own 0.5 ms
/// would give 20 %): no formula is named from the callee's own time, on
/// a FIFO server or a priority one.
#[test]
fn a_node_whose_calls_bring_their_own_work_says_why() {
    let text = head("front", 400)
        + r#"
[[node]]
id = "front"
kind = "service"
workers = 100000
service_time = "0s"
calls = [ { to = "db", service_time = { dist = "exponential", mean = "2ms" } } ]

[[node]]
id = "db"
kind = "service"
workers = 1
service_time = { dist = "exponential", mean = "0.5ms" }
"#;
    let why = WhyNot::CallsBringWork {
        caller: "front".into(),
    };
    let words = [
        "calls bring their own work",
        "`front`'s call carries its own",
    ];
    let m = model(&text);
    assert_why(&predict::predict(&m), &m, "db", &why, &words);
    let prio = text.replace(
        "[scenario]",
        "[[class]]\nname = \"urgent\"\nop = \"read\"\n\n[scenario]",
    ) + "priority = [\"urgent\"]\n";
    let m = model(&prio);
    assert_why(&predict::predict(&m), &m, "db", &why, &words);
}

/// `a` (one worker, 1 ms, a line of 2) turns away 41.5 % of 1500/s, so
/// `b` gets about 880/s, not 1500 (theory called it unstable at 0.9 ms),
/// and what `a` passes on is not Poisson: `b` says why, before a run and
/// at measured rates; likewise behind `a`'s own timeout or shedding.
#[test]
fn nodes_behind_a_bounded_line_a_timeout_or_shedding_say_why() {
    let text = head("a", 1500)
        + r#"
[[node]]
id = "a"
kind = "service"
workers = 1
queue = 2
service_time = { dist = "exponential", mean = "1ms" }
to = "b"

[[node]]
id = "b"
kind = "service"
workers = 1
service_time = { dist = "exponential", mean = "0.9ms" }
"#;
    let bounded = |by| WhyNot::Thinned {
        node: "a".into(),
        by,
    };
    let m = model(&text);
    let why = bounded(predict::Thinning::BoundedLine);
    let words = ["behind `a`'s bounded line", "thinned and not Poisson"];
    assert_why(&predict::predict(&m), &m, "b", &why, &words);
    let measured = predict::predict_measured(&m, &[1500.0, 880.0], 1500.0);
    assert_why(&measured, &m, "b", &why, &words);
    let timeout = model(&text.replace("queue = 2", "timeout = \"2ms\""));
    let why = bounded(predict::Thinning::Timeout);
    let words = ["behind `a`'s own timeout", "thinned and not Poisson"];
    assert_why(&predict::predict(&timeout), &timeout, "b", &why, &words);
    let shed = model(&text.replace("queue = 2", "shed = { read = 2 }"));
    let p = predict::predict(&shed);
    assert_why(&p, &shed, "a", &WhyNot::Sheds, &["sheds requests"]);
    let why = bounded(predict::Thinning::Shedding);
    assert_why(&p, &shed, "b", &why, &["behind `a`'s load shedding"]);
}

/// Two stations in a row: `a` at 800/s feeding `b` (exponential 1 ms).
fn two_stations(a_service: &str, a_extra: &str) -> String {
    head("a", 800)
        + &format!(
            r#"
[[node]]
id = "a"
kind = "service"
workers = 1
service_time = {a_service}
{a_extra}

[[node]]
id = "b"
kind = "service"
workers = 1
service_time = {{ dist = "exponential", mean = "1ms" }}
"#
        )
}

/// Only an M/M/c FIFO station fed Poisson (Burke), or an infinite server,
/// passes Poisson arrivals on. Behind M/D/1 (b waits 2.9 ms in a run, not
/// M/M/1's 4), behind a priority line routed by class, behind a caller
/// whose workers wait on its calls, `b` says why; behind an M/M/1, or a
/// caller no request ever waits at, `b` is an M/M/1.
#[test]
fn nodes_fed_by_departures_that_are_not_poisson_say_why() {
    let feed = |cause| WhyNot::NotPoissonFeed {
        node: "a".into(),
        cause,
    };
    let exp = r#"{ dist = "exponential", mean = "1ms" }"#;
    let prio = "priority = [\"urgent\"]\nto = [ { to = \"b\", when = \"urgent\" } ]";
    let classes = "[[class]]\nname = \"urgent\"\nop = \"read\"\n\n\
        [[class]]\nname = \"bulk\"\nop = \"read\"\n\n[scenario]";
    let cases = [
        (
            two_stations("\"1ms\"", "to = \"b\""),
            "constant service time",
        ),
        (
            two_stations(exp, prio)
                .replace("[scenario]", classes)
                .replace(
                    "rate = 800",
                    "rate = 800\nclasses = { urgent = 0.5, bulk = 0.5 }",
                ),
            "it serves by priority",
        ),
        (
            two_stations("\"0.1ms\"", "calls = [\"b\"]").replace(
                "workers = 1\nservice_time = \"0.1ms\"",
                "workers = 4\nservice_time = \"0.1ms\"",
            ),
            "its workers are held while it waits on its calls",
        ),
    ];
    for (text, cause) in cases {
        let m = model(&text);
        let p = predict::predict(&m);
        let words = ["fed by `a`", "whose departures are not Poisson", cause];
        assert_why(&p, &m, "b", &feed(cause), &words);
        let e2e = p.end_to_end.expect_err("no end-to-end prediction");
        assert!(e2e.contains("is on the path"), "{e2e}");
    }
    let mm1 = model(&two_stations(exp, "to = \"b\""));
    assert_is(
        figures(&predict::predict(&mm1), 1),
        Formula::Mmc,
        800.0,
        theory::mmc(800.0, 0.001, 1),
    );
    let infinite =
        two_stations("\"5ms\"", "to = \"b\"").replacen("workers = 1", "workers = 100000", 1);
    let p = predict::predict(&model(&infinite));
    assert_is(
        figures(&p, 1),
        Formula::Mmc,
        800.0,
        theory::mmc(800.0, 0.001, 1),
    );
}

/// An M/M/1 then an M/M/1/K (the auditor's "bounded line mid-path" that
/// is exact): by Burke the second is fed Poisson, by Reich those it turns
/// away spent the same mean time at the first, so the completed requests'
/// mean is the sum of the two means; a long run falls within it.
#[test]
fn an_mm1_into_a_bounded_line_has_an_end_to_end_mean() {
    let exp = r#"{ dist = "exponential", mean = "1ms" }"#;
    let text = two_stations(exp, "to = \"b\"")
        .replace("rate = 800", "rate = 700")
        .replace(&format!("service_time = {exp}\n\"#"), "")
        + "queue = 2\n";
    let m = model(&text);
    let p = predict::predict(&m);
    let (a, b) = (
        theory::mmc(700.0, 0.001, 1),
        theory::mmck(700.0, 0.001, 1, 3),
    );
    assert_is(figures(&p, 0), Formula::Mmc, 700.0, a);
    assert_is(figures(&p, 1), Formula::Mmck, 700.0, b);
    let e2e = p.end_to_end.as_ref().expect("end to end");
    assert_eq!(e2e.model, "tandem into a bounded line (Burke)");
    assert!((e2e.mean_ms - (a.sojourn + b.sojourn) * 1e3).abs() < 1e-9);
    let (windows, waits, s) = run_batches(m, 100);
    let mut checks = Vec::new();
    for (i, w) in waits.iter().enumerate() {
        checks.extend(node_checks(figures(&p, i), i, &windows, w, &s));
    }
    checks.push(Check {
        name: "end to end ms".into(),
        predicted: e2e.mean_ms,
        simulated: s.latency.mean_ms.unwrap(),
        batches: windows.iter().map(|w| w.latency.mean_ms.unwrap()).collect(),
    });
    assert_within("M/M/1 → M/M/1/3", &checks);
}

/// `a` then `b` (M/M/1 each, 1 ms) at 500/s, `a` forwarding with `route`
/// and `extra` appended (zones, links).
fn forwarded(route: &str, extra: &str) -> String {
    head("a", 500)
        + &format!(
            r#"
[[node]]
id = "a"
kind = "service"
zone = "x"
workers = 1
service_time = {{ dist = "exponential", mean = "1ms" }}
to = {route}

[[node]]
id = "b"
kind = "service"
zone = "y"
workers = 1
service_time = {{ dist = "exponential", mean = "1ms" }}
{extra}"#
        )
}

/// A forward between zones crosses their link once (the answer goes
/// straight back): the auditor's tandem said 4 ms, a run 6.999 ms; it is
/// 2 + 2 + 3 ms, and a run agrees. A route's own latency counts the same;
/// on a `p` route only its share crosses; a `when` route says why not, and
/// so does a random latency before a bounded line (a constant one adds:
/// M/M/1 → 3 ms → M/M/1/3 at 500/s, 6.571 ms, a 2000 s run 6.572 ms).
#[test]
fn forwards_over_a_link_add_its_mean_latency_end_to_end() {
    let link = "[[zone_link]]\nbetween = [\"x\", \"y\"]\nlatency = \"3ms\"\n";
    let (_, tandem) = theory::jackson_tandem(500.0, &[(0.001, 1), (0.001, 1)]);
    let m = model(&forwarded("\"b\"", link));
    let p = predict::predict(&m);
    let e2e = p.end_to_end.as_ref().expect("end to end");
    assert_eq!(e2e.model, "Jackson tandem");
    assert!((e2e.mean_ms - (tandem * 1e3 + 3.0)).abs() < 1e-9, "{e2e:?}");
    let (windows, _, s) = run_batches(m, 100);
    let batches = windows.iter().map(|w| w.latency.mean_ms.unwrap()).collect();
    let check = Check {
        name: "end to end ms".into(),
        predicted: e2e.mean_ms,
        simulated: s.latency.mean_ms.unwrap(),
        batches,
    };
    assert_within("M/M/1 → 3 ms zone link → M/M/1", &[check]);

    let own = model(&forwarded("[ { to = \"b\", latency = \"3ms\" } ]", ""));
    let e2e = predict::predict(&own).end_to_end.expect("end to end");
    assert!((e2e.mean_ms - (tandem * 1e3 + 3.0)).abs() < 1e-9, "{e2e:?}");

    let half = model(&forwarded("[ { to = \"b\", p = 0.5 } ]", link));
    let e2e = predict::predict(&half).end_to_end.expect("end to end");
    let (a, b) = (theory::mmc(500.0, 0.001, 1), theory::mmc(250.0, 0.001, 1));
    let mean = (500.0 * a.sojourn + 250.0 * (b.sojourn + 0.003)) / 500.0;
    assert_eq!(e2e.model, "Jackson network");
    assert!((e2e.mean_ms - mean * 1e3).abs() < 1e-9, "{e2e:?}");

    let by_type = model(&forwarded("[ { to = \"b\", when = \"read\" } ]", link));
    let why = predict::predict(&by_type).end_to_end.expect_err("why not");
    assert!(
        why.contains("`a` forwards over a link with latency"),
        "{why}"
    );

    let burke = model(&forwarded("\"b\"", &format!("queue = 2\n{link}")));
    let e2e = predict::predict(&burke).end_to_end.expect("end to end");
    let b = theory::mmck(500.0, 0.001, 1, 3);
    let mean = theory::mmc(500.0, 0.001, 1).sojourn + b.sojourn + 0.003;
    assert_eq!(e2e.model, "tandem into a bounded line (Burke)");
    assert!((e2e.mean_ms - mean * 1e3).abs() < 1e-9, "{e2e:?}");
    let random = link.replace("\"3ms\"", "{ dist = \"exponential\", mean = \"3ms\" }");
    let burke = model(&forwarded("\"b\"", &format!("queue = 2\n{random}")));
    let why = predict::predict(&burke).end_to_end.expect_err("why not");
    assert!(why.contains("a random one before a bounded line"), "{why}");
}

/// `front` (an infinite server) calls `db` (M/M/1/4 at 800/s) with
/// `call` and `extra` appended.
fn front_calls_db(call: &str, extra: &str) -> String {
    head("front", 800)
        + &format!(
            r#"
[[node]]
id = "front"
kind = "service"
zone = "x"
workers = 100000
service_time = {{ dist = "exponential", mean = "1ms" }}
calls = [ {{ to = "db"{call} }} ]

[[node]]
id = "db"
kind = "service"
zone = "y"
workers = 1
queue = 3
service_time = {{ dist = "exponential", mean = "1ms" }}
{extra}"#
        )
}

/// A breaker's refusals never reach the callee (a run: −34 % blocking),
/// a pool lets two calls through at once (−100 %), a link's bandwidth
/// queues the requests first (−55 %): `db` is no M/M/1/4, and says why.
#[test]
fn callees_behind_a_breaker_a_pool_or_a_bandwidth_say_why() {
    let caller = || "front".to_string();
    let breaker = ", breaker = { consecutive_failures = 2, open_for = \"20ms\" }";
    let pool = ", pool = { size = 2, acquire_timeout = \"1000s\" }";
    let bandwidth = ", request_bytes = \"10KB\", bandwidth = \"72Mbps\"";
    let zone =
        "[[zone_link]]\nbetween = [\"x\", \"y\"]\nlatency = \"0s\"\nbandwidth = \"72Mbps\"\n";
    let cases = [
        (
            breaker,
            "",
            WhyNot::Breaker { caller: caller() },
            "circuit breaker",
        ),
        (
            pool,
            "",
            WhyNot::Pool {
                caller: caller(),
                size: 2,
            },
            "at most 2 at once",
        ),
        (
            bandwidth,
            "",
            WhyNot::Bandwidth { caller: caller() },
            "bandwidth",
        ),
        (
            ", request_bytes = \"10KB\"",
            zone,
            WhyNot::Bandwidth { caller: caller() },
            "bandwidth",
        ),
    ];
    for (call, extra, why, words) in cases {
        let m = model(&front_calls_db(call, extra));
        assert_why(
            &predict::predict(&m),
            &m,
            "db",
            &why,
            &[words, "`front`'s calls"],
        );
    }
    let plain = model(&front_calls_db("", ""));
    let q = theory::mmck(800.0, 0.001, 1, 4);
    assert_is(
        figures(&predict::predict(&plain), 1),
        Formula::Mmck,
        800.0,
        q,
    );
}

/// `db` forwards to `z` (28 ms), so `front`'s workers wait for `z` too:
/// 22 of them are 96 % busy, not an infinite server, and what they send
/// `db` is not Poisson (the auditor's run: blocking 32 % off M/M/1/4's).
#[test]
fn a_callee_that_forwards_leaves_its_caller_no_infinite_server() {
    let text = front_calls_db("", "to = \"z\"").replace("workers = 100000", "workers = 22")
        + r#"
[[node]]
id = "z"
kind = "service"
workers = 40
service_time = { dist = "exponential", mean = "28ms" }
"#;
    let m = model(&text);
    let cause = "its workers are held while it waits on its calls";
    let why = WhyNot::NotPoissonFeed {
        node: "front".into(),
        cause,
    };
    assert_why(
        &predict::predict(&m),
        &m,
        "db",
        &why,
        &["fed by `front`", cause],
    );
}

/// A phase at 0 s (or within the warm-up) is the rate the measured period
/// starts at: the auditor's 300/s stepped to 800/s at 0 s ran 80 % busy,
/// where theory said 30 %. A later phase is left out, as documented, and
/// `check` says so.
#[test]
fn a_phase_at_the_start_sets_the_offered_load() {
    let text = |at: &str| {
        head("s", 300).replace("seed = 3", "seed = 3\nwarmup = \"50s\"")
            + &format!("phases = [ {{ at = \"{at}\", rate = 800 }} ]\n")
            + "\n[[node]]\nid = \"s\"\nkind = \"service\"\nworkers = 1\n\
               service_time = { dist = \"exponential\", mean = \"1ms\" }\n"
    };
    for (at, rate) in [
        ("0s", 800.0),
        ("30s", 800.0),
        ("50s", 800.0),
        ("51s", 300.0),
    ] {
        let m = model(&text(at));
        let offered = loadlab::report::topology::offered_load(&m)[0];
        assert_eq!(offered.reads + offered.writes, rate, "phase at {at}");
        let check = loadlab::report::topology::describe(&m);
        assert!(check.contains(&format!("offered ~{rate} req/s")), "{check}");
        let later = check.contains("later phases change them");
        assert_eq!(later, at == "51s", "{check}");
        let p = predict::predict(&m);
        assert_is(
            figures(&p, 0),
            Formula::Mmc,
            rate,
            theory::mmc(rate, 0.001, 1),
        );
        let e2e = p.end_to_end.expect("end to end");
        let w = theory::mmc(rate, 0.001, 1).sojourn * 1e3;
        assert!((e2e.mean_ms - w).abs() < 1e-9, "phase at {at}: {e2e:?}");
    }
}

/// A priority line keeps M/M/c's mean wait (work-conserving, one
/// exponential service for all) but not its tail: no p99 is given (the
/// FCFS formula was 72 % over a run's on the auditor's node).
#[test]
fn a_priority_line_has_the_mean_but_no_p99_wait() {
    let m = load("scenarios/theory/priority.toml", &[]);
    let p = predict::predict(&m);
    let f = figures(&p, 0);
    assert_is(f, Formula::Mmc, 700.0, theory::mmc(700.0, 0.001, 1));
    assert_eq!(f.p99_wait_ms, None);
}
