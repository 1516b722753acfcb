//! Validation against queueing theory: every model in `scenarios/theory/` at ρ = 0.5, 0.8, 0.9, 0.95, printed as a Markdown table (see docs/validation.md).
//!
//! Each case loads its scenario file, overrides the arrival rate, the
//! warm-up and the duration, deletes the warm-up, and splits the measured
//! period into 20 batches of equal simulated time. The estimate is the mean
//! over the whole measured period; its 95 % confidence half-width comes
//! from the 20 batch means with Student's t (19 degrees of freedom).
//!
//! Run (about 150 CPU-seconds, so under 2 minutes on an idle 2-core machine;
//! longer if the cores are shared):
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-validation \
//!   cargo run --release --no-default-features --example validation > validation.md
//! ```
//!
//! `--scale F` multiplies every sample size by F (e.g. `--scale 0.05` for a
//! quick smoke run; the 4 000 000-customer floor then no longer holds).
//! `--threads N` sets the number of worker threads (default: all cores).
//! `--seed N` replaces every file's seed (default: the files' own, 1), for
//! an independent replication. `--models mm1,mmc,md1,mmck,tandem` and
//! `--rhos 0.9,0.95` run a subset.

#![allow(clippy::disallowed_methods)] // wall time per case is reported by design; the engine never sees it

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use loadlab::scenario;
use loadlab::sim::{SimTime, Simulation, Summary};
use loadlab::theory;

/// Batches per run.
const BATCHES: usize = 20;
/// Student t, 0.975 quantile, 19 degrees of freedom.
const T_19: f64 = 2.093;
/// Loads at which every model is checked (utilisation per server).
const RHOS: [f64; 4] = [0.5, 0.8, 0.9, 0.95];
/// Simulated warm-up deleted from every run, seconds. The slowest model to
/// forget its empty start (M/M/1 at ρ = 0.95) relaxes in about
/// 1 / (μ (1 − √ρ)²) ≈ 1.6 s, so 100 s is over 60 relaxation times.
const WARMUP_S: u64 = 100;
/// Fewest customers measured in any case.
const MIN_CUSTOMERS: f64 = 4_000_000.0;
/// Customers measured = max(MIN_CUSTOMERS, SIZE_K / (1 − ρ)²): the
/// variance of a mean wait grows like 1 / (1 − ρ)², so this keeps the
/// relative half-width roughly level across loads.
const SIZE_K: f64 = 200_000.0;

/// The theory models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Mm1,
    Mmc,
    Md1,
    Mmck,
    Tandem,
}

const KINDS: [Kind; 5] = [Kind::Mm1, Kind::Mmc, Kind::Md1, Kind::Mmck, Kind::Tandem];

/// Mean service time of the single-station models, seconds.
const S: f64 = 0.001;
/// M/M/c servers.
const MMC_C: u32 = 4;
/// M/M/c/K servers and system capacity (the file has `queue = 8`).
const MMCK_C: u32 = 2;
const MMCK_K: u32 = 10;
/// Tandem stations: (mean service time s, workers c). ρ = λ s / c = λ · 1 ms
/// at every station.
const TANDEM: [(f64, u32); 3] = [(0.001, 1), (0.002, 2), (0.003, 3)];

impl Kind {
    /// Short name for `--models`: the scenario file's stem.
    fn short(self) -> &'static str {
        match self {
            Kind::Mm1 => "mm1",
            Kind::Mmc => "mmc",
            Kind::Md1 => "md1",
            Kind::Mmck => "mmck",
            Kind::Tandem => "tandem",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Mm1 => "M/M/1",
            Kind::Mmc => "M/M/4",
            Kind::Md1 => "M/D/1",
            Kind::Mmck => "M/M/2/10",
            Kind::Tandem => "Tandem 3 × M/M/c",
        }
    }

    fn file(self) -> &'static str {
        match self {
            Kind::Mm1 => "scenarios/theory/mm1.toml",
            Kind::Mmc => "scenarios/theory/mmc.toml",
            Kind::Md1 => "scenarios/theory/md1.toml",
            Kind::Mmck => "scenarios/theory/mmck.toml",
            Kind::Tandem => "scenarios/theory/tandem.toml",
        }
    }

    /// Arrival rate (per second) that puts every server at load ρ.
    fn rate(self, rho: f64) -> f64 {
        match self {
            Kind::Mm1 | Kind::Md1 => rho / S,
            Kind::Mmc => rho * f64::from(MMC_C) / S,
            Kind::Mmck => rho * f64::from(MMCK_C) / S,
            Kind::Tandem => rho / TANDEM[0].0 * f64::from(TANDEM[0].1),
        }
    }

    /// Events handled per customer, for ordering the work.
    fn events_per_customer(self) -> f64 {
        match self {
            Kind::Tandem => 4.0,
            _ => 2.0,
        }
    }

    /// The quantities checked and their theoretical values (ms, or a
    /// probability).
    fn expected(self, lambda: f64) -> Vec<(Quantity, f64)> {
        match self {
            Kind::Mm1 => {
                let q = theory::mmc(lambda, S, 1);
                vec![(Quantity::Wq, q.wait * 1e3), (Quantity::W, q.sojourn * 1e3)]
            }
            Kind::Mmc => {
                let q = theory::mmc(lambda, S, MMC_C);
                vec![(Quantity::Wq, q.wait * 1e3), (Quantity::W, q.sojourn * 1e3)]
            }
            Kind::Md1 => {
                let q = theory::mg1(lambda, S, 0.0);
                vec![(Quantity::Wq, q.wait * 1e3), (Quantity::W, q.sojourn * 1e3)]
            }
            Kind::Mmck => {
                let q = theory::mmck(lambda, S, MMCK_C, MMCK_K);
                vec![
                    (Quantity::Wq, q.wait * 1e3),
                    (Quantity::W, q.sojourn * 1e3),
                    (Quantity::Blocking, q.blocking),
                ]
            }
            Kind::Tandem => {
                let (_, total) = theory::jackson_tandem(lambda, &TANDEM);
                vec![(Quantity::EndToEndW, total * 1e3)]
            }
        }
    }
}

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quantity {
    /// Mean wait in line before service (node `mean_wait_ms`).
    Wq,
    /// Mean time in system of completed requests (end-to-end latency).
    W,
    /// Fraction of arrivals turned away by the full line.
    Blocking,
    /// Mean end-to-end latency through the whole tandem.
    EndToEndW,
}

impl Quantity {
    fn label(self) -> &'static str {
        match self {
            Quantity::Wq => "Wq (ms)",
            Quantity::W => "W (ms)",
            Quantity::Blocking => "blocking P(K)",
            Quantity::EndToEndW => "end-to-end W (ms)",
        }
    }

    /// Cumulative (denominator, numerator) so far: the estimate is
    /// numerator / denominator, a batch's is the ratio of the increments.
    fn totals(self, s: &Summary) -> (f64, f64) {
        match self {
            Quantity::Wq => {
                let n = &s.nodes[0];
                let count = n.started as f64;
                (count, n.mean_wait_ms.unwrap_or(0.0) * count)
            }
            Quantity::W | Quantity::EndToEndW => {
                let count = s.latency.count as f64;
                (count, s.latency.mean_ms.unwrap_or(0.0) * count)
            }
            Quantity::Blocking => {
                let n = &s.nodes[0];
                (n.counts.arrived as f64, n.counts.rejected as f64)
            }
        }
    }
}

/// One case: a model at one load.
#[derive(Clone, Copy, Debug)]
struct Case {
    kind: Kind,
    rho: f64,
    /// Measured simulated seconds (a multiple of the batch count).
    measured_s: u64,
}

impl Case {
    fn new(kind: Kind, rho: f64, scale: f64) -> Case {
        let want = (SIZE_K / (1.0 - rho).powi(2)).max(MIN_CUSTOMERS) * scale;
        let secs = (want / kind.rate(rho)).ceil() as u64;
        let step = BATCHES as u64;
        let measured_s = secs.div_ceil(step).max(1) * step;
        Case {
            kind,
            rho,
            measured_s,
        }
    }

    fn cost(&self) -> f64 {
        self.measured_s as f64 * self.kind.rate(self.rho) * self.kind.events_per_customer()
    }
}

/// One row of the table.
struct Row {
    quantity: Quantity,
    simulated: f64,
    theory: f64,
    half_width: f64,
}

/// The outcome of one case.
struct Outcome {
    rows: Vec<Row>,
    customers: u64,
    wall_s: f64,
    /// CPU time of the thread that ran it, where the OS tells (Linux).
    cpu_s: Option<f64>,
}

/// CPU seconds used by the calling thread so far (Linux `/proc`), else
/// `None`. The machine may be shared, so wall time alone can mislead.
fn thread_cpu_s() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn run_case(case: &Case, seed: Option<u64>) -> Result<Outcome, String> {
    let started = Instant::now();
    let cpu_started = thread_cpu_s();
    let lambda = case.kind.rate(case.rho);
    let duration = WARMUP_S + case.measured_s;
    let mut overrides = vec![
        format!("workload.0.rate={lambda}"),
        format!("scenario.warmup={WARMUP_S}s"),
        format!("scenario.duration={duration}s"),
    ];
    if let Some(seed) = seed {
        overrides.push(format!("scenario.seed={seed}"));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(case.kind.file());
    let model = scenario::load_file(&path, &overrides).map_err(|d| scenario::render(&d))?;
    let warmup = model.warmup;
    let seed = model.seed;
    let mut sim = Simulation::new(model, seed);
    let expected = case.kind.expected(lambda);
    // Per quantity: last cumulative totals and the batch means so far.
    let mut last = vec![(0.0, 0.0); expected.len()];
    let mut means: Vec<Vec<f64>> = vec![Vec::with_capacity(BATCHES); expected.len()];

    sim.run_until(warmup);
    sim.take_windows();
    let span = SimTime::from_secs_f64(case.measured_s as f64).0 / BATCHES as u64;
    for b in 1..=BATCHES as u64 {
        sim.run_until(SimTime(warmup.0 + span * b));
        sim.take_windows();
        let s = sim.summary();
        for (i, (q, _)) in expected.iter().enumerate() {
            let (den, num) = q.totals(&s);
            let (den0, num0) = last[i];
            if den > den0 {
                means[i].push((num - num0) / (den - den0));
            }
            last[i] = (den, num);
        }
    }
    let s = sim.summary();
    let rows = expected
        .iter()
        .zip(&means)
        .map(|(&(quantity, theory), batch)| {
            let (den, num) = quantity.totals(&s);
            Row {
                quantity,
                simulated: if den > 0.0 { num / den } else { f64::NAN },
                theory,
                half_width: half_width(batch),
            }
        })
        .collect();
    Ok(Outcome {
        rows,
        customers: s.counts.arrived,
        wall_s: started.elapsed().as_secs_f64(),
        cpu_s: thread_cpu_s().zip(cpu_started).map(|(b, a)| b - a),
    })
}

/// 95 % half-width of the mean of `batch` (Student t, 19 d.f.).
fn half_width(batch: &[f64]) -> f64 {
    if batch.len() != BATCHES {
        return f64::NAN;
    }
    let n = batch.len() as f64;
    let m = batch.iter().sum::<f64>() / n;
    let var = batch.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    T_19 * (var / n).sqrt()
}

/// Significant-figure formatting that keeps small probabilities readable.
fn fmt_value(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 100.0 {
        format!("{x:.3}")
    } else if a >= 1.0 {
        format!("{x:.4}")
    } else if a >= 1e-3 {
        format!("{x:.6}")
    } else {
        format!("{x:.3e}")
    }
}

fn with_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(ch);
    }
    out
}

/// Command-line options.
struct Options {
    scale: f64,
    threads: usize,
    seed: Option<u64>,
    models: Vec<Kind>,
    rhos: Vec<f64>,
}

fn parse_args() -> Result<Options, String> {
    let mut scale = 1.0;
    let mut seed = None;
    let mut models = KINDS.to_vec();
    let mut rhos = RHOS.to_vec();
    let mut threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--scale" => {
                scale = value
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0 && s.is_finite())
                    .ok_or(format!("--scale needs a positive number, got {value}"))?;
            }
            "--threads" => {
                threads = value
                    .parse()
                    .ok()
                    .filter(|t: &usize| *t > 0)
                    .ok_or(format!("--threads needs a positive integer, got {value}"))?;
            }
            "--models" => {
                models = value
                    .split(',')
                    .map(|m| {
                        KINDS
                            .iter()
                            .copied()
                            .find(|k| k.short() == m.trim())
                            .ok_or(format!("unknown model {m} (mm1, mmc, md1, mmck, tandem)"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--rhos" => {
                rhos = value
                    .split(',')
                    .map(|r| {
                        r.trim()
                            .parse()
                            .ok()
                            .filter(|x: &f64| *x > 0.0 && *x < 1.0)
                            .ok_or(format!("--rhos needs loads in (0, 1), got {r}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--seed" => {
                seed = Some(
                    value
                        .parse()
                        .map_err(|_| format!("--seed needs an integer, got {value}"))?,
                );
            }
            _ => {
                return Err(format!(
                    "unknown argument {a} (expected --scale F, --threads N, --seed N, \
                     --models LIST, --rhos LIST)"
                ));
            }
        }
    }
    Ok(Options {
        scale,
        threads,
        seed,
        models,
        rhos,
    })
}

fn main() {
    let Options {
        scale,
        threads,
        seed,
        models,
        rhos,
    } = match parse_args() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let cases: Vec<Case> = models
        .iter()
        .flat_map(|&k| rhos.iter().map(move |&r| Case::new(k, r, scale)))
        .collect();
    // Longest first, so the threads finish together.
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by(|&a, &b| cases[b].cost().total_cmp(&cases[a].cost()));

    let total = Instant::now();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Outcome, String>>>> =
        Mutex::new((0..cases.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = order.get(k) else { break };
                    let case = &cases[i];
                    let outcome = run_case(case, seed);
                    if let Ok(o) = &outcome {
                        eprintln!(
                            "done {:<18} ρ={:<4} {:>12} customers in {:>6.1} s wall",
                            case.kind.label(),
                            case.rho,
                            o.customers,
                            o.wall_s
                        );
                    }
                    if let Ok(mut r) = results.lock() {
                        r[i] = Some(outcome);
                    }
                }
            });
        }
    });
    let total_s = total.elapsed().as_secs_f64();
    let results = results.into_inner().unwrap_or_default();

    println!(
        "| model | ρ | quantity | simulated | theory | rel. error | 95 % CI ± (rel.) | error / CI | customers | wall s | CPU s |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut worst: Option<(f64, String)> = None;
    let mut worst_ci: Option<(f64, String)> = None;
    let mut outside = 0usize;
    let mut rows_total = 0usize;
    let mut cpu_total = 0.0;
    let mut failed = false;
    for (case, result) in cases.iter().zip(results) {
        let outcome = match result {
            Some(Ok(o)) => o,
            Some(Err(e)) => {
                eprintln!("{} ρ={}: {e}", case.kind.label(), case.rho);
                failed = true;
                continue;
            }
            None => {
                failed = true;
                continue;
            }
        };
        cpu_total += outcome.cpu_s.unwrap_or(0.0);
        for (j, r) in outcome.rows.iter().enumerate() {
            let err = r.simulated / r.theory - 1.0;
            let hw_rel = r.half_width / r.theory;
            let in_ci = (r.simulated - r.theory) / r.half_width;
            let what = format!(
                "{} ρ={} {}",
                case.kind.label(),
                case.rho,
                r.quantity.label()
            );
            rows_total += 1;
            if in_ci.abs() > 1.0 {
                outside += 1;
            }
            if worst_ci.as_ref().is_none_or(|(w, _)| in_ci.abs() > *w) {
                worst_ci = Some((in_ci.abs(), what.clone()));
            }
            if worst.as_ref().is_none_or(|(w, _)| err.abs() > *w) {
                worst = Some((err.abs(), what));
            }
            let (customers, wall, cpu) = if j == 0 {
                (
                    with_thousands(outcome.customers),
                    format!("{:.1}", outcome.wall_s),
                    outcome.cpu_s.map_or(String::new(), |c| format!("{c:.1}")),
                )
            } else {
                (String::new(), String::new(), String::new())
            };
            println!(
                "| {} | {} | {} | {} | {} | {:+.3} % | ± {:.3} % | {:+.2} | {} | {} | {} |",
                case.kind.label(),
                case.rho,
                r.quantity.label(),
                fmt_value(r.simulated),
                fmt_value(r.theory),
                err * 100.0,
                hw_rel * 100.0,
                in_ci,
                customers,
                wall,
                cpu
            );
        }
    }
    println!();
    if let Some((w, what)) = worst {
        println!("Worst relative error: {:.3} % ({what}).", w * 100.0);
    }
    if let Some((w, what)) = worst_ci {
        println!(
            "Largest error in CI half-widths: {w:.2} ({what}); \
             {outside} of {rows_total} estimates lie outside their 95 % CI."
        );
    }
    println!(
        "Warm-up {WARMUP_S} s deleted; {BATCHES} batches; seed {}; \
         {threads} threads; scale {scale}; total wall time {total_s:.1} s, \
         CPU time {cpu_total:.1} s.",
        seed.map_or("from each file".to_string(), |s| s.to_string())
    );
    if failed {
        std::process::exit(1);
    }
}
