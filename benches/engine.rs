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

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use rand_distr::{Distribution, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;

use loadlab::scenario;
use loadlab::sim::{Model, Simulation};

/// M/M/c servers.
const SERVERS: u32 = 4;
/// Mean service time, seconds (1 ms, as in `scenarios/theory/mmc.toml`).
const SERVICE_S: f64 = 0.001;
/// Arrival rate giving ρ = 0.9 per server.
const RATE: f64 = 0.9 * SERVERS as f64 / SERVICE_S;
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

/// The floor: M/M/c as a bare binary heap of (time, seq, kind) with a FIFO
/// line of arrival instants, two Xoshiro256++ streams and `Exp1` draws
/// rounded to integer nanoseconds, like the engine. Returns (events, mean
/// wait in ns).
fn bare_mmc(secs: u64, seed: u64) -> (u64, f64) {
    const ARRIVAL: u8 = 0;
    const DEPARTURE: u8 = 1;
    let end = secs * 1_000_000_000;
    let gap_ns = 1e9 / RATE;
    let service_ns = SERVICE_S * 1e9;
    let mut arrivals = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut services = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    let draw = |rng: &mut Xoshiro256PlusPlus, mean_ns: f64| -> u64 {
        let e: f64 = Exp1.sample(rng);
        ((e * mean_ns).round() as u64).max(1)
    };
    let mut heap: BinaryHeap<Reverse<(u64, u64, u8)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut line: VecDeque<u64> = VecDeque::new();
    let mut busy = 0u32;
    let (mut events, mut waits, mut wait_sum) = (0u64, 0u64, 0u128);
    heap.push(Reverse((draw(&mut arrivals, gap_ns), seq, ARRIVAL)));
    seq += 1;
    while let Some(Reverse((now, _, kind))) = heap.pop() {
        if now > end {
            break;
        }
        events += 1;
        if kind == ARRIVAL {
            heap.push(Reverse((now + draw(&mut arrivals, gap_ns), seq, ARRIVAL)));
            seq += 1;
            if busy < SERVERS {
                busy += 1;
                waits += 1;
                heap.push(Reverse((
                    now + draw(&mut services, service_ns),
                    seq,
                    DEPARTURE,
                )));
                seq += 1;
            } else {
                line.push_back(now);
            }
        } else if let Some(arrived) = line.pop_front() {
            waits += 1;
            wait_sum += u128::from(now - arrived);
            heap.push(Reverse((
                now + draw(&mut services, service_ns),
                seq,
                DEPARTURE,
            )));
            seq += 1;
        } else {
            busy -= 1;
        }
    }
    (events, wait_sum as f64 / waits.max(1) as f64)
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
    let (bare_events, _) = bare_mmc(mmc_secs, SEED);
    g.throughput(Throughput::Elements(bare_events));
    g.bench_function(BenchmarkId::new("bare_heap", mmc_secs), |b| {
        b.iter(|| bare_mmc(black_box(mmc_secs), SEED))
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
    let (t_bare, c_bare, (ev_bare, wait_ns)) = best_of(runs, || bare_mmc(secs, SEED));
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
