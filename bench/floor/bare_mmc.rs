//! The floor: a bare binary-heap M/M/4 at ρ = 0.9, shared by `benches/engine.rs` (timed inside the process) and `examples/bare_loop.rs` (timed as a whole process).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::SeedableRng;
use rand_distr::{Distribution, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;

/// M/M/c servers.
pub const SERVERS: u32 = 4;
/// Mean service time, seconds (1 ms, as in `scenarios/theory/mmc.toml`).
pub const SERVICE_S: f64 = 0.001;
/// Arrival rate giving ρ = 0.9 per server.
pub const RATE: f64 = 0.9 * SERVERS as f64 / SERVICE_S;

/// M/M/c as a bare binary heap of (time, seq, kind) with a FIFO line of
/// arrival instants, two Xoshiro256++ streams and `Exp1` draws rounded to
/// integer nanoseconds, like the engine, run to `end_ns`. Returns (events,
/// mean wait in ns).
pub fn bare_mmc(end_ns: u64, seed: u64) -> (u64, f64) {
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
