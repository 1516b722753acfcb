//! The floor as a whole process: a bare binary-heap M/M/4 at ρ = 0.9 (the loop of `benches/engine.rs`), timed against `loadlab run` in docs/performance.md.
//!
//! Usage: `bare_loop N_CUSTOMERS [SEED]`. Arrivals at 3 600/s, four servers
//! with a mean service of 1 ms, simulated for N / 3 600 s: a
//! `std::collections::BinaryHeap` of (time, seq, kind), a FIFO of arrival
//! instants, two Xoshiro256++ streams and `Exp1` draws rounded to integer
//! nanoseconds, like the engine. Prints the events handled, the mean wait
//! (a check against Erlang C) and the events per wall second.
//!
//! ```text
//! cargo build --release --no-default-features --example bare_loop
//! /usr/bin/time target/release/examples/bare_loop 1000000
//! ```

#![allow(clippy::disallowed_methods)] // a benchmark reads the wall clock by design

use std::time::Instant;

#[path = "../bench/floor/bare_mmc.rs"]
mod floor;
use floor::{RATE, bare_mmc};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let customers: f64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1e6);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let end_ns = (customers / RATE * 1e9) as u64;
    let start = Instant::now();
    let (events, wait_ns) = bare_mmc(end_ns, seed);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"events\": {events}, \"mean_wait_ms\": {:.4}, \"wall_s\": {secs:.4}, \"events_per_s\": {:.0}}}",
        wait_ns / 1e6,
        events as f64 / secs
    );
}
