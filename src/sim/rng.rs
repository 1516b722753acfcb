//! Seeded random streams, one per (node, purpose), derived from the run seed.
//!
//! A stream's seed depends only on the run seed, the owner's name and the
//! purpose, so adding a node or a workload never reshuffles the others
//! (common random numbers make A/B comparisons fair).

use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every stream uses (explicit, so results never change with
/// a `rand` upgrade of its default generator).
pub type Stream = Xoshiro256PlusPlus;

/// A new stream for `owner` (a node or workload name) and `purpose`.
pub fn stream(run_seed: u64, owner: &str, purpose: &str) -> Stream {
    let mut h = Fnv64::new();
    h.write(&run_seed.to_le_bytes());
    h.write(owner.as_bytes());
    h.write(&[0xff]);
    h.write(purpose.as_bytes());
    Stream::seed_from_u64(h.finish())
}

/// A uniform draw in the open interval (0, 1).
pub fn open01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    loop {
        let u: f64 = rng.random();
        if u > 0.0 {
            return u;
        }
    }
}

/// FNV-1a, 64 bit: stable across platforms and releases.
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64::new()
    }
}

impl Fnv64 {
    pub fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    pub fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_depend_on_seed_owner_and_purpose_only() {
        let a: u64 = stream(1, "api", "service").random();
        let b: u64 = stream(1, "api", "service").random();
        let c: u64 = stream(2, "api", "service").random();
        let d: u64 = stream(1, "db", "service").random();
        let e: u64 = stream(1, "api", "route").random();
        assert_eq!(a, b);
        assert!(a != c && a != d && a != e);
    }
}
