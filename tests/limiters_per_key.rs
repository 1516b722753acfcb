//! Rate limiters per key and per client (`per`, `max_keys`): with Zipf keys the hot key is held to its rate while cold keys pass, against the renewal formula of a one-token bucket; the same key from two workloads shares a bucket per key and not per client; determinism.

mod common;

use common::{load, run_checked};
use loadlab::sim::{Simulation, Summary};

/// Admitted rate of a token bucket of `burst = 1` refilled at `r`/s under
/// Poisson arrivals at `a`/s: after each admission the bucket is empty for
/// exactly 1/r, then the next arrival (Exp(a) later) is admitted, so the
/// admissions are a renewal process with gaps 1/r + Exp(a):
/// rate a r / (a + r), and over `t` seconds a count of variance
/// t Var / mean³ = t (1/a²) / (1/r + 1/a)³. (With a larger burst the
/// tokens keep accruing while the bucket waits for an arrival: a bucket
/// that never fills admits its whole refill, r a second.)
fn one_token(a: f64, r: f64, t: f64) -> (f64, f64) {
    let mean_gap = 1.0 / r + 1.0 / a;
    (t / mean_gap, t / (a * a) / mean_gap.powi(3))
}

/// Zipf(`s`) shares of keys 1..=`n`.
fn zipf(n: u64, s: f64) -> Vec<f64> {
    let w: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-s)).collect();
    let total: f64 = w.iter().sum();
    w.into_iter().map(|x| x / total).collect()
}

/// One client (`hot`, a single key) sends 150/s; a thousand others
/// (`crowd`, Zipf over 1 000 keys, 850/s together) send the rest. Each
/// client may send 5/s (token bucket, burst 1), kept per client. `PER`
/// is replaced.
const API: &str = r#"
[scenario]
name = "per client"
duration = "55s"
warmup = "5s"
seed = 21

[[workload]]
name = "hot"
to = "gate"
rate = 150
keys = { count = 1 }

[[workload]]
name = "crowd"
to = "gate"
rate = 850
keys = { count = 1000, popularity = "zipf", s = 1.0 }

[[node]]
id = "gate"
kind = "rate_limiter"
algorithm = "token_bucket"
rate = 5
burst = 1
PER
to = "api"

[[node]]
id = "api"
kind = "service"
workers = 1000
service_time = "0s"
"#;

fn admitted(s: &Summary, w: usize) -> f64 {
    let c = &s.workloads[w].counts;
    (c.arrived - c.rejected) as f64
}

/// The hot client is held to about its 5/s (150 · 5 / 155 = 4.84/s by the
/// formula), while the crowd's cold keys mostly pass: each key's admitted
/// count is the formula's, and the sums over 50 s are within 4 standard
/// deviations (plus one request per key at the edges of the period for
/// the hot one).
#[test]
fn the_hot_client_is_held_to_its_rate_while_cold_ones_pass() {
    let s = run_checked(&API.replace("PER", "per = \"client\""), 21);
    let t = 50.0;
    let (hot, hot_var) = one_token(150.0, 5.0, t);
    let (mut crowd, mut crowd_var) = (0.0, 0.0);
    for p in zipf(1000, 1.0) {
        let (m, v) = one_token(850.0 * p, 5.0, t);
        crowd += m;
        crowd_var += v;
    }
    let (got_hot, got_crowd) = (admitted(&s, 0), admitted(&s, 1));
    let crowd_arrived = s.workloads[1].counts.arrived as f64;
    println!(
        "hot: admitted {got_hot} (formula {hot:.1} ± {:.2} sd) of {}; crowd: admitted {got_crowd} (formula {crowd:.0} ± {:.0} sd) of {crowd_arrived}",
        hot_var.sqrt(),
        s.workloads[0].counts.arrived,
        crowd_var.sqrt()
    );
    assert!(
        (got_hot - hot).abs() <= 4.0 * hot_var.sqrt() + 2.0,
        "hot {got_hot} vs {hot}"
    );
    // The keys' admissions are independent renewal processes (Poisson
    // thinning): their variances add; the Poisson arrivals' noise is
    // already in each one's (for a cold key it is t·a, a Poisson count's).
    assert!(
        (got_crowd - crowd).abs() <= 4.0 * crowd_var.sqrt(),
        "crowd {got_crowd} vs {crowd}"
    );
    // The hot client: about 5 of its 150 a second pass; the crowd: most.
    assert!(got_hot / t < 5.0 + 0.1);
    assert!(got_crowd / crowd_arrived > 0.5);
    // Every refusal is the limiter's, counted as rejected at the node.
    let gate = &s.nodes[0];
    assert_eq!(gate.counts.rejected, s.counts.rejected);
}

/// Per key, the hot workload's key 0 and the crowd's key 0 (its most
/// popular) are one bucket; per client they are two. Sharing can only
/// admit fewer: the hot workload loses some of its few admissions to the
/// crowd's key 0.
#[test]
fn per_key_buckets_are_shared_across_workloads_per_client_ones_are_not() {
    let by_key = run_checked(&API.replace("PER", "per = \"key\""), 21);
    let by_client = run_checked(&API.replace("PER", "per = \"client\""), 21);
    // The shared bucket: hot (150/s) and the crowd's key 0 (850/s ·
    // 1/H(1000) = 113.6/s) together, 263.6/s for 5/s.
    let p0 = zipf(1000, 1.0)[0];
    let (shared, var) = one_token(150.0 + 850.0 * p0, 5.0, 50.0);
    let hot_share = 150.0 / (150.0 + 850.0 * p0);
    let got = admitted(&by_key, 0);
    println!(
        "per key: hot admitted {got} (formula {:.1}); per client: {}",
        shared * hot_share,
        admitted(&by_client, 0)
    );
    // Each admission of the shared bucket is the hot workload's with
    // probability hot_share (Poisson thinning): binomial spread on top.
    let sd = (var * hot_share * hot_share + shared * hot_share * (1.0 - hot_share)).sqrt();
    assert!((got - shared * hot_share).abs() <= 4.0 * sd + 2.0, "{got}");
    assert!(admitted(&by_client, 0) > got + 50.0);
}

/// Few buckets for many keys: the least recently used is forgotten and its
/// key starts afresh, so more pass than with a bucket for every key, and
/// a run is still the same run for the same seed.
#[test]
fn a_bounded_table_forgets_buckets_and_runs_are_deterministic() {
    let small = run_checked(&API.replace("PER", "per = \"client\"\nmax_keys = 10"), 21);
    let big = run_checked(&API.replace("PER", "per = \"client\""), 21);
    assert!(
        admitted(&small, 1) > admitted(&big, 1),
        "forgotten buckets pass more"
    );
    let run = || {
        let model = load(&API.replace("PER", "per = \"key\"\nmax_keys = 50"));
        let end = model.duration;
        let mut sim = Simulation::new(model, 9);
        sim.run_until(end);
        format!("{:?}", sim.summary())
    };
    assert_eq!(run(), run());
}
