//! Engine speed: events per second on M/M/4 at ρ = 0.9 and on the URL shortener, against a bare binary-heap M/M/c loop (the floor).
//!
//! `cargo bench --no-default-features --bench engine` runs the criterion
//! groups, then prints a plain summary: events per second of each and the
//! ratio of LoadLab's time per customer to the bare loop's on the same
//! M/M/4 (same seed family, same `SimTime` nanosecond clock).
//!
//! Quick look without criterion's statistics:
//! `cargo bench --no-default-features --bench engine -- --summary-only`.

#![allow(clippy::disallowed_methods)] // a benchmark reads the wall clock by design

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};

use loadlab::scenario;
use loadlab::sim::{Model, Simulation};

#[path = "../bench/floor/bare_mmc.rs"]
mod floor;
use floor::{RATE, SERVERS, SERVICE_S, bare_mmc};

const SEED: u64 = 1;

fn scenario_path(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `scenarios/theory/mmc.toml` at ρ = 0.9 for `secs` simulated seconds
/// (no warm-up: every event counts the same).
fn mmc_model(secs: u64) -> Model {
    let overrides = [
        format!("workload.0.rate={RATE}"),
        format!("scenario.duration={secs}s"),
        "scenario.warmup=0s".to_string(),
    ];
    scenario::load_file(&scenario_path("scenarios/theory/mmc.toml"), &overrides)
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)))
}

/// `scenarios/url-shortener.toml` (5 000 req/s) for `secs` simulated
/// seconds (no warm-up).
fn shortener_model(secs: u64) -> Model {
    let overrides = [
        format!("scenario.duration={secs}s"),
        "scenario.warmup=0s".to_string(),
    ];
    scenario::load_file(&scenario_path("scenarios/url-shortener.toml"), &overrides)
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)))
}

/// Runs a model to its end; returns the events handled.
fn run_loadlab(model: &Model) -> u64 {
    let end = model.duration;
    let mut sim = Simulation::new(model.clone(), SEED);
    sim.run_until(end);
    black_box(sim.summary());
    sim.events_processed()
}

fn benches(c: &mut Criterion) {
    // 20 s of M/M/4 at 3 600/s: ~72 000 customers, ~144 000 events.
    let mmc_secs = 20;
    let model = mmc_model(mmc_secs);
    let events = run_loadlab(&model);
    let mut g = c.benchmark_group("mmc4_rho0.9");
    g.sample_size(20);
    g.throughput(Throughput::Elements(events));
    g.bench_function(BenchmarkId::new("loadlab", mmc_secs), |b| {
        b.iter(|| run_loadlab(&model))
    });
    let (bare_events, _) = bare_mmc(mmc_secs * 1_000_000_000, SEED);
    g.throughput(Throughput::Elements(bare_events));
    g.bench_function(BenchmarkId::new("bare_heap", mmc_secs), |b| {
        b.iter(|| bare_mmc(black_box(mmc_secs) * 1_000_000_000, SEED))
    });
    g.finish();

    // 5 s of the URL shortener: ~25 000 requests.
    let short_secs = 5;
    let model = shortener_model(short_secs);
    let events = run_loadlab(&model);
    let mut g = c.benchmark_group("url_shortener");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events));
    g.bench_function(BenchmarkId::new("loadlab", short_secs), |b| {
        b.iter(|| run_loadlab(&model))
    });
    g.finish();
}

/// CPU time of the calling thread, from `/proc/thread-self/schedstat`
/// (nanoseconds on a CPU); `None` where that file does not exist.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Best wall time and best CPU time of `runs` calls. On a busy machine the
/// wall time includes waiting for a core; the CPU time does not.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Option<Duration>, T) {
    let mut best = Duration::MAX;
    let mut best_cpu: Option<Duration> = None;
    let mut out = None;
    for _ in 0..runs {
        let cpu0 = thread_cpu();
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        if let (Some(a), Some(b)) = (cpu0, thread_cpu()) {
            let c = b.saturating_sub(a);
            best_cpu = Some(best_cpu.map_or(c, |x| x.min(c)));
        }
        out = Some(r);
    }
    (best, best_cpu, out.expect("runs > 0"))
}

/// Plain summary on ~1.08 M customers: events/s and LoadLab / bare.
fn summary() {
    let secs = 300;
    let runs = 5;
    let model = mmc_model(secs);
    let (t_ll, c_ll, ev_ll) = best_of(runs, || run_loadlab(&model));
    let (t_bare, c_bare, (ev_bare, wait_ns)) =
        best_of(runs, || bare_mmc(secs * 1_000_000_000, SEED));
    let short = shortener_model(60);
    let (t_sh, c_sh, ev_sh) = best_of(3, || run_loadlab(&short));
    let rate = |ev: u64, t: Duration| ev as f64 / t.as_secs_f64() / 1e6;
    let cpu = |c: Option<Duration>, ev: u64| {
        c.map_or("cpu n/a".into(), |c| {
            format!(
                "cpu {:.3} s, {:.1} M events/s",
                c.as_secs_f64(),
                rate(ev, c)
            )
        })
    };
    let wq = loadlab::theory::mmc(RATE, SERVICE_S, SERVERS).wait * 1e9;
    println!();
    println!("summary (best of {runs}; wall clock, and CPU time of this thread):");
    println!(
        "  M/M/4 rho=0.9, {secs} s simulated, loadlab: wall {:.3} s, {:.1} M events/s; {}; {ev_ll} events",
        t_ll.as_secs_f64(),
        rate(ev_ll, t_ll),
        cpu(c_ll, ev_ll)
    );
    println!(
        "  bare heap loop, same model:          wall {:.3} s, {:.1} M events/s; {}; {ev_bare} events (Wq {:.3} ms, Erlang C {:.3} ms)",
        t_bare.as_secs_f64(),
        rate(ev_bare, t_bare),
        cpu(c_bare, ev_bare),
        wait_ns / 1e6,
        wq / 1e6
    );
    let cpu_ratio = c_ll.zip(c_bare).map_or("n/a".into(), |(a, b)| {
        format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64())
    });
    println!(
        "  ratio loadlab / bare, same simulated time: wall {:.2}x, cpu {cpu_ratio}",
        t_ll.as_secs_f64() / t_bare.as_secs_f64()
    );
    println!(
        "  URL shortener, 60 s simulated (~300 k requests): wall {:.3} s, {:.1} M events/s; {}; {ev_sh} events",
        t_sh.as_secs_f64(),
        rate(ev_sh, t_sh),
        cpu(c_sh, ev_sh)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let testing = args.iter().any(|a| a == "--test" || a == "--list");
    let summary_only = args.iter().any(|a| a == "--summary-only");
    if !summary_only {
        let mut c = Criterion::default().configure_from_args();
        benches(&mut c);
        c.final_summary();
    }
    if !testing {
        summary();
    }
}
