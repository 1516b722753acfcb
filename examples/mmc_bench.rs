//! LoadLab's side of the peer comparison (bench/peers/): M/M/4 at ρ = 0.9 for N customers, mean wait and wall time as JSON.
//!
//! Usage: `mmc_bench N_CUSTOMERS [SEED]`. The model is
//! `scenarios/theory/mmc.toml` with the rate set to 3 600/s (mean service
//! 1 ms, so ρ = 0.9) and the duration set to N / 3 600 s; the first 1 % of
//! simulated time is warm-up, as the peers drop their first 1 % of
//! customers. Waits are printed in units of the mean service time, with a
//! 95 % half-width from 20 batch means (Student t, 19 d.o.f.).
//!
//! ```text
//! cargo run --release --no-default-features --example mmc_bench -- 1000000
//! ```

#![allow(clippy::disallowed_methods)] // a benchmark reads the wall clock by design

use std::path::Path;
use std::time::Instant;

use loadlab::scenario;
use loadlab::sim::{SimTime, Simulation, Summary};

const SERVERS: u32 = 4;
const SERVICE_S: f64 = 0.001;
const RATE: f64 = 0.9 * SERVERS as f64 / SERVICE_S;
const BATCHES: u64 = 20;
const T_19: f64 = 2.093;

/// CPU time of this (single-threaded) process so far, from
/// `/proc/self/schedstat` (nanoseconds on the CPU); `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Cumulative (visits started, total wait in ms) of the station.
fn wait_totals(s: &Summary) -> (f64, f64) {
    let n = &s.nodes[0];
    let count = n.started as f64;
    (count, n.mean_wait_ms.unwrap_or(0.0) * count)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let customers: f64 = args
        .get(1)
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000.0);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);

    let total_ns = (customers / RATE * 1e9).round() as u64;
    let warmup_ns = total_ns / 100;
    let overrides = [
        format!("workload.0.rate={RATE}"),
        format!("scenario.duration={total_ns}ns"),
        format!("scenario.warmup={warmup_ns}ns"),
    ];
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/theory/mmc.toml");
    let model = match scenario::load_file(&file, &overrides) {
        Ok(m) => m,
        Err(d) => {
            eprint!("{}", scenario::render(&d));
            std::process::exit(2);
        }
    };

    let cpu0 = cpu_ns();
    let started = Instant::now();
    let mut sim = Simulation::new(model, seed);
    sim.run_until(SimTime(warmup_ns));
    let mut batch_means = Vec::with_capacity(BATCHES as usize);
    let mut last = (0.0, 0.0);
    let measured = total_ns - warmup_ns;
    for k in 1..=BATCHES {
        sim.run_until(SimTime(warmup_ns + measured * k / BATCHES));
        let now = wait_totals(&sim.summary());
        batch_means.push((now.1 - last.1) / (now.0 - last.0).max(1.0));
        last = now;
        // Windows are not needed here; keep memory flat.
        drop(sim.take_windows());
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu0.zip(cpu_ns()).map(|(a, b)| (b - a) as f64 / 1e9);

    let summary = sim.summary();
    let ms_per_unit = SERVICE_S * 1e3;
    let mean = last.1 / last.0.max(1.0) / ms_per_unit;
    let b = BATCHES as f64;
    let bm: Vec<f64> = batch_means.iter().map(|m| m / ms_per_unit).collect();
    let grand = bm.iter().sum::<f64>() / b;
    let var = bm.iter().map(|m| (m - grand).powi(2)).sum::<f64>() / (b - 1.0);
    let half = T_19 * (var / b).sqrt();
    let erlang_c = loadlab::theory::mmc(RATE, SERVICE_S, SERVERS).wait / SERVICE_S;
    let arrived = summary.counts.arrived;
    let out = serde_json::json!({
        "tool": "loadlab",
        "version": loadlab::VERSION,
        "customers": customers as u64,
        "measured": arrived,
        "mean_wait": mean,
        "half_width_95": half,
        "erlang_c_wait": erlang_c,
        "wall_s": wall,
        "cpu_s": cpu,
        "customers_per_s": customers / wall,
        "events": sim.events_processed(),
    });
    println!("{out}");
}
