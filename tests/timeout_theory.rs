//! A service or database whose `timeout` cuts its line is predicted by M/M/c+D (Erlang C with a deterministic patience): the prediction against the M/M/1+D closed forms, against the simulation at c = 4, its limits (Erlang C as D → ∞, Erlang B as D → 0), and "why not" where no formula fits.

mod common;

use common::{agree_with_theory, load, run_in_quarters as run};
use loadlab::report::predict::{self, Formula, Predicted, Prediction};
use loadlab::theory;

/// One node: `KIND`, `WORKERS`, `RATE`, `TIMEOUT` and `EXTRA` (more keys)
/// are replaced; exponential service of mean 1 ms.
const NODE: &str = r#"
[scenario]
name = "M/M/c+D"
duration = "41s"
warmup = "1s"

[[workload]]
to = "srv"
rate = RATE

[[node]]
id = "srv"
kind = "KIND"
workers = WORKERS
timeout = "TIMEOUT"
service_time = { dist = "exponential", mean = "1ms" }
EXTRA
"#;

fn scenario(kind: &str, workers: u32, rate: f64, timeout: &str, extra: &str) -> String {
    NODE.replace("KIND", kind)
        .replace("WORKERS", &workers.to_string())
        .replace("RATE", &rate.to_string())
        .replace("TIMEOUT", timeout)
        .replace("EXTRA", extra)
}

/// The one node's prediction at the offered load.
fn prediction(text: &str) -> Prediction {
    predict::predict(&load(text)).nodes[0].clone()
}

fn figures(text: &str) -> Predicted {
    match prediction(text) {
        Prediction::Applies(f) => f,
        Prediction::WhyNot(w) => panic!("no formula: {}", w.text()),
    }
}

/// The M/M/1+D closed forms `tests/waiting_timeouts.rs` derives and checks
/// against the simulation (λ 900/s, μ 1000/s, D 5 ms), now what `check`
/// and `summary.json` predict, at a service and at a database.
#[test]
fn one_worker_predicts_the_m_m_1_d_closed_forms() {
    for kind in ["service", "database"] {
        let f = figures(&scenario(kind, 1, 900.0, "5ms", ""));
        assert_eq!(f.formula, Formula::MmcPatience, "{kind}");
        assert!((f.abandon - 0.10731).abs() < 5e-6, "{kind}: {}", f.abandon);
        assert!(
            (f.timed_out - 0.22654).abs() < 5e-6,
            "{kind}: {}",
            f.timed_out
        );
        assert!((f.utilisation - 0.80342).abs() < 5e-6, "{kind}");
        assert!((f.mean_queue_len - 1.91916).abs() < 5e-6, "{kind}");
        let json = predict::node_json(&Prediction::Applies(f));
        assert_eq!(json["model"], "M/M/c+D");
        assert!((json["abandon"].as_f64().unwrap() - f.abandon).abs() < 1e-15);
        assert!((json["timed_out"].as_f64().unwrap() - f.timed_out).abs() < 1e-15);
    }
}

/// Mean and standard error of independent replications.
/// M/M/4+D at ρ = 0.9 (λ 3600/s, four 1 ms workers) with D = 1 ms, the
/// mean service: about 10 % leave the line and 55 % are timed out.
#[test]
fn four_workers_with_patience_match_the_simulation() {
    against_simulation(&scenario("service", 4, 3600.0, "1ms", ""));
}

/// M/M/1+D (λ 900/s, D 5 ms): the wait of served visits and the time of
/// those answered in time, which `tests/waiting_timeouts.rs` does not check
/// (and the four figures it does, again through the prediction), at a
/// service and at a database.
#[test]
fn one_worker_waits_match_the_simulation() {
    for kind in ["service", "database"] {
        against_simulation(&scenario(kind, 1, 900.0, "5ms", ""));
    }
}

/// Twenty replications of 40 s after a 1 s warm-up; each figure within
/// 4.5 standard errors of the prediction (t, 19 d.o.f.: a false alarm
/// about once in 4 000 per figure), the SE under 1.5 % of it (the test
/// can tell a 7 % error). Abandonment is visits that never started
/// (arrived − started − still waiting); the wait is of served visits,
/// the time in node of visits answered in time.
fn against_simulation(text: &str) {
    let f = figures(text);
    assert_eq!(f.formula, Formula::MmcPatience);
    let mut sims: [Vec<f64>; 6] = Default::default();
    for seed in 1..=20 {
        let s = run(text, seed);
        let n = &s.nodes[0];
        let arrived = n.counts.arrived as f64;
        let never = arrived - n.started as f64 - n.waiting.unwrap() as f64;
        sims[0].push(never / arrived);
        sims[1].push(n.counts.timed_out as f64 / arrived);
        sims[2].push(n.utilisation.unwrap());
        sims[3].push(n.mean_queue_len.unwrap());
        sims[4].push(n.mean_wait_ms.unwrap());
        sims[5].push(n.sojourn.mean_ms.unwrap());
    }
    let want = [
        ("P(abandon)", f.abandon),
        ("P(timed out)", f.timed_out),
        ("utilisation", f.utilisation),
        ("mean line", f.mean_queue_len),
        ("wait ms", f.mean_wait_ms),
        ("in node ms", f.mean_in_node_ms),
    ];
    agree_with_theory(&want, &sims, 0.015);
}

/// As D → ∞ below saturation nobody leaves: Erlang C's figures, nothing
/// timed out.
#[test]
fn a_long_patience_is_erlang_c() {
    for (lambda, c) in [(0.9, 1), (3.6, 4), (7.0, 8)] {
        let p = theory::mmc_patience(lambda, 1.0, c, 400.0);
        let m = theory::mmc(lambda, 1.0, c);
        let f = p.figures;
        assert!(p.abandon < 1e-12 && p.timed_out < 1e-12, "c {c}");
        for (got, want) in [
            (f.wait, m.wait),
            (f.queue_len, m.queue_len),
            (f.utilisation, m.utilisation),
            (f.sojourn, m.sojourn),
        ] {
            assert!(
                (got - want).abs() < 1e-9 * want.max(1.0),
                "c {c}: {got} vs {want}"
            );
        }
    }
}

/// As D → ∞ above saturation (λ 6, cμ 4: θ = −2) the workers are always
/// busy and the excess leaves: P(abandon) → 1 − cμ/λ = 1/3 (the
/// overflow-safe branch, e^(2D) past f64). A served visit's wait has
/// density ∝ e^(2x) on (0, D]: D − Exp(2), mean D − 1/2; it outlasts D
/// when its Exp(1) service exceeds that Exp(2) gap, with chance 2/3, so P(timed out) → 1/3 + 2/3 · 2/3 = 7/9.
#[test]
fn a_long_patience_over_capacity_sheds_the_excess() {
    let d = 1000.0;
    let p = theory::mmc_patience(6.0, 1.0, 4, d);
    assert!((p.abandon - 1.0 / 3.0).abs() < 1e-9, "{}", p.abandon);
    assert!((p.figures.utilisation - 1.0).abs() < 1e-9);
    assert!(
        (p.figures.wait - (d - 0.5)).abs() < 1e-6,
        "{}",
        p.figures.wait
    );
    assert!((p.timed_out - 7.0 / 9.0).abs() < 1e-9, "{}", p.timed_out);
}

/// As D → 0 an arrival that finds every worker busy leaves at once:
/// Erlang B with c workers; but every visit, served or not, outlasts D.
#[test]
fn a_short_patience_is_erlang_b_and_all_time_out() {
    for (lambda, c) in [(0.9, 1), (3.6, 4), (9.0, 8)] {
        let p = theory::mmc_patience(lambda, 1.0, c, 1e-9);
        let b = theory::erlang_b(c, lambda);
        assert!((p.abandon - b).abs() < 1e-6, "c {c}: {} vs {b}", p.abandon);
        let u = lambda * (1.0 - b) / f64::from(c);
        assert!((p.figures.utilisation - u).abs() < 1e-6, "c {c}");
        assert!(p.figures.wait < 1e-8 && p.figures.queue_len < 1e-6);
        assert!((p.timed_out - 1.0).abs() < 1e-6, "c {c}: {}", p.timed_out);
    }
}

/// With a timeout, whatever M/M/c+D does not cover keeps its "why not":
/// constant service, a bounded line, a priority line.
#[test]
fn a_timeout_outside_m_m_c_d_has_no_formula() {
    let constant = scenario("service", 4, 3600.0, "1ms", "")
        .replace("{ dist = \"exponential\", mean = \"1ms\" }", "\"1ms\"");
    let bounded = scenario("service", 4, 3600.0, "1ms", "queue = 10");
    let priority = scenario("service", 4, 3600.0, "1ms", "priority = [\"hi\"]").replace(
        "[[workload]]",
        "[[class]]\nname = \"hi\"\nop = \"read\"\n\n[[class]]\nname = \"lo\"\nop = \"read\"\n\n[[workload]]\nclasses = { hi = 0.5, lo = 0.5 }",
    );
    for (name, text) in [
        ("constant", constant),
        ("bounded", bounded),
        ("priority", priority),
    ] {
        let why = prediction(&text).why_not();
        assert!(
            why.as_deref().is_some_and(|w| w.contains("has a timeout")),
            "{name}: {why:?}"
        );
    }
}
