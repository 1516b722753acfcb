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

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

use rand::SeedableRng;
use rand_distr::{Distribution, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;

const SERVERS: u32 = 4;
const SERVICE_S: f64 = 0.001;
const RATE: f64 = 0.9 * SERVERS as f64 / SERVICE_S;

/// Runs the loop to `end_ns`; returns (events, mean wait in ns).
fn bare_mmc(end_ns: u64, seed: u64) -> (u64, f64) {
    const ARRIVAL: u8 = 0;
    const DEPARTURE: u8 = 1;
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
        if now > end_ns {
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
