//! A node's `timeout` firing while a visit waits in line takes it out of the line at once: admission, shedding, the queue length and the waiting figures count live visits only (M/M/1+D, Baccelli–Hebuterne).

mod common;

use common::{agree_with_theory, run_in_quarters as run};
use loadlab::sim::metrics::NodeSummary;

/// One worker busy 10 s per visit, 50 arrivals a second exactly, a line of
/// 20 and a 100 ms timeout. `KIND` is replaced by the node's kind.
const GHOST: &str = r#"
[scenario]
name = "ghost"
duration = "60s"

[[workload]]
to = "srv"
arrival = "constant"
rate = 50

[[node]]
id = "srv"
kind = "KIND"
queue = 20
timeout = "100ms"
service_time = "10s"
"#;

/// Every visit but the six the worker takes (at 0, 10, …, 50 s) waits its
/// 100 ms and leaves: the live line holds the arrivals of the last 100 ms,
/// at most 5 (one every 20 ms), so the line of 20 never fills and nothing
/// is rejected. It holds exactly 5 but in the first 100 ms (0–4) and for
/// ≤ 100 ms after each of the 5 takes (4): at most 0.1 s × 5 visit-seconds
/// missing of 60 s × 5, so the mean is within [4.98, 5]. The 5 still
/// waiting at the end have waited < 100 ms; every other visit timed out
/// (in line, or in service after 100 ms of its 10 s). Before the fix the
/// dead visits stayed in line until the worker reached them: rejected 2874,
/// timed out 126, mean line 19.57, 20 waiting at the end for 9770 ms.
#[test]
fn a_visit_that_times_out_waiting_leaves_the_line_at_once() {
    for kind in ["service", "database"] {
        let s = run(&GHOST.replace("KIND", kind), 1);
        let n = &s.nodes[0];
        let c = n.counts;
        let q = n.mean_queue_len.unwrap();
        println!(
            "{kind}: arrived {} rejected {} timed out {} started {} queue {q:.4} waiting {:?} for {:?} ms (oldest {:?})",
            c.arrived,
            c.rejected,
            c.timed_out,
            n.started,
            n.waiting,
            n.mean_waiting_ms,
            n.oldest_waiting_ms
        );
        assert_eq!((c.arrived, c.rejected, c.completed), (3000, 0, 0), "{kind}");
        assert_eq!(n.started, 6, "{kind}");
        let waiting = n.waiting.unwrap();
        assert!(waiting <= 5, "{kind}: {waiting} waiting");
        assert_eq!(c.timed_out + waiting, c.arrived, "{kind}");
        assert!((4.98..=5.0 + 1e-9).contains(&q), "{kind}: mean line {q}");
        assert!(n.oldest_waiting_ms.unwrap() < 100.0, "{kind}");
        assert!(n.mean_wait_so_far_ms().unwrap() < 100.0, "{kind}");
    }
}

/// M/M/1 (λ = 900/s, μ = 1000/s) whose visits give up after D = 5 ms at
/// the node; service, once started, runs to its end (the worker is held).
/// `SEED` is replaced per replication.
const MM1D: &str = r#"
[scenario]
name = "M/M/1+D"
duration = "121s"
warmup = "1s"

[[workload]]
to = "srv"
rate = 900

[[node]]
id = "srv"
kind = "service"
timeout = "5ms"
service_time = { dist = "exponential", mean = "1ms" }
"#;

/// M/M/1+D by the workload V an arrival finds (Baccelli & Hebuterne 1981):
/// with a deterministic patience D in a FIFO line, a visit is served iff
/// V < D, so V jumps by an Exp(μ) service only below D. Level crossing
/// gives P(V = 0) = p0, density λ p0 e^(−θx) below D (θ = μ − λ) and
/// f(D) e^(−μ(x−D)) above, so with E = e^(−θD):
/// p0 = 1 / (1 + λ(1 − E)/θ + ρE); P(abandon) = P(V > D) = ρ p0 E;
/// P(timed out) = P(V + S > D) = P(abandon) + p0 E = (1 + ρ) p0 E;
/// utilisation = 1 − p0 (= λ(1 − P(abandon))/μ, a check on p0);
/// mean line = λ E[min(V, D)] = λ ∫₀ᴰ P(V > x) dx
///           = λ (λ p0/θ ((1 − E)/θ − D E) + ρ p0 D E).
/// (The expert's 0.2276 "P(timeout)" at these figures is P(timed out).)
struct Mm1d {
    abandon: f64,
    timed_out: f64,
    utilisation: f64,
    line: f64,
}

fn mm1d(lambda: f64, mu: f64, d: f64) -> Mm1d {
    let (rho, theta) = (lambda / mu, mu - lambda);
    let e = (-theta * d).exp();
    let p0 = 1.0 / (1.0 + lambda * (1.0 - e) / theta + rho * e);
    let in_line = lambda * p0 / theta * ((1.0 - e) / theta - d * e) + rho * p0 * d * e;
    Mm1d {
        abandon: rho * p0 * e,
        timed_out: (1.0 + rho) * p0 * e,
        utilisation: 1.0 - p0,
        line: lambda * in_line,
    }
}

/// Mean and standard error of independent replications.
/// Twenty independent replications of 120 s (108 000 arrivals each) after
/// a 1 s warm-up (the line forgets its empty start within tens of ms).
/// Each figure must lie within 4.5 standard errors of the formula (t with
/// 19 d.o.f.: a false alarm about once in 4 000 per figure), and the SE must be
/// under 1 % of it (the test can tell). Abandonment is visits that never
/// started: arrived − started, less the few waiting at the end. Before the
/// fix, P(abandon), P(timed out) and utilisation were the same (dead visits
/// were skipped in zero time: the server's work is unchanged) but the mean
/// line counted them until the worker reached them: 2.014 ± 0.004 against
/// 1.919 (24 SE off).
#[test]
fn mm1_with_deterministic_patience_matches_baccelli_hebuterne() {
    let theory = mm1d(900.0, 1000.0, 0.005);
    let mut figures: [Vec<f64>; 4] = Default::default();
    for seed in 1..=20 {
        let s = run(MM1D, seed);
        let n: &NodeSummary = &s.nodes[0];
        let arrived = n.counts.arrived as f64;
        let never = arrived - n.started as f64 - n.waiting.unwrap() as f64;
        figures[0].push(never / arrived);
        figures[1].push(n.counts.timed_out as f64 / arrived);
        figures[2].push(n.utilisation.unwrap());
        figures[3].push(n.mean_queue_len.unwrap());
    }
    let want = [
        ("P(abandon)", theory.abandon),
        ("P(timed out)", theory.timed_out),
        ("utilisation", theory.utilisation),
        ("mean line", theory.line),
    ];
    agree_with_theory(&want, &figures, 0.01);
}

/// Two classes at 1900/s against one 1 ms worker: the low class (55 %)
/// waits behind the high one and mostly times out after 100 ms. A live
/// visit in line arrived within the last 100 ms (190 arrivals on average;
/// 500 is 20 standard deviations away), so neither the line of 500 nor
/// the low class's threshold of 400 is ever reached: nothing is rejected
/// or shed. Each visit spends its wait (served) or 100 ms (abandoned) in
/// line, so the mean line is those times over the run, within 1 % (the
/// few in line at the warm-up's end are part counted). Before the fix the
/// dead low visits stayed in line: 968 shed, mean line 156.1 against
/// 109.1 from the waits.
#[test]
fn a_priority_line_counts_only_live_visits_at_each_level() {
    let text = r#"
[scenario]
name = "priority timeouts"
duration = "31s"
warmup = "1s"

[[class]]
name = "hi"
op = "read"

[[class]]
name = "lo"
op = "read"

[[workload]]
to = "srv"
rate = 1900
classes = { hi = 0.45, lo = 0.55 }

[[node]]
id = "srv"
kind = "service"
timeout = "100ms"
queue = 500
service_time = { dist = "exponential", mean = "1ms" }
priority = ["hi"]
shed = { lo = 400 }
"#;
    let s = run(text, 3);
    let n = &s.nodes[0];
    let c = n.counts;
    let q = n.mean_queue_len.unwrap();
    let waiting = n.waiting.unwrap();
    let abandoned = c.arrived - n.started - waiting;
    let in_line_s = n.mean_wait_ms.unwrap() * n.started as f64 / 1e3
        + abandoned as f64 * 0.1
        + n.mean_waiting_ms.unwrap_or(0.0) * waiting as f64 / 1e3;
    let expected = in_line_s / 30.0;
    println!(
        "arrived {} rejected {} shed {} timed out {} abandoned {abandoned} queue {q:.3} (from waits {expected:.3})",
        c.arrived, c.rejected, c.shed, c.timed_out
    );
    assert_eq!((c.rejected, c.shed), (0, 0));
    assert!(abandoned > 10_000, "the low class should mostly give up");
    assert!(
        (q / expected - 1.0).abs() < 0.01,
        "mean line {q} vs {expected}"
    );
    let hi = s.classes.iter().find(|g| g.name == "hi").unwrap();
    assert_eq!(
        hi.counts.failed(),
        0,
        "the high class waits only behind itself"
    );
}
