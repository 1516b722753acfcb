//! The routable replicas of a service filed by visits present, so a load balancer finds the least loaded (and the n-th routable) without scanning every replica.

use crate::sim::station::Station;

/// Bits of a set of station indices, 64 a word.
fn words_for(n: usize) -> usize {
    n.div_ceil(64)
}

/// Index of the `k`-th (0-based) set bit of `bits`, if there are that many.
fn nth_set(bits: &[u64], mut k: u32) -> Option<usize> {
    for (w, &word) in bits.iter().enumerate() {
        let ones = word.count_ones();
        if k < ones {
            let mut x = word;
            for _ in 0..k {
                x &= x - 1;
            }
            return Some(w * 64 + x.trailing_zeros() as usize);
        }
        k -= ones;
    }
    None
}

/// Stations with the same number of visits present.
#[derive(Clone, Debug, Default)]
struct Bucket {
    count: u32,
    bits: Vec<u64>,
}

/// Routable stations by `present`. Kept in step by `moved` (a station's
/// `present` changed) and `rebuild` (which stations are routable changed,
/// or stations were added).
#[derive(Clone, Debug, Default)]
pub(crate) struct ReplicaIndex {
    words: usize,
    /// Routable stations.
    member: Vec<u64>,
    members: u32,
    /// The `present` each member is filed under.
    filed: Vec<u32>,
    /// Members by `present` (grown to the largest count seen).
    buckets: Vec<Bucket>,
    /// The lowest non-empty bucket (0 when there are no members).
    min: u32,
}

impl ReplicaIndex {
    pub fn new(stations: &[Station]) -> Self {
        let mut ix = ReplicaIndex::default();
        ix.rebuild(stations);
        ix
    }

    /// Files every routable station afresh.
    pub fn rebuild(&mut self, stations: &[Station]) {
        self.words = words_for(stations.len());
        self.member.clear();
        self.member.resize(self.words, 0);
        self.members = 0;
        self.filed.clear();
        self.filed.resize(stations.len(), 0);
        for b in &mut self.buckets {
            b.count = 0;
            b.bits.clear();
        }
        self.min = u32::MAX;
        for (i, s) in stations.iter().enumerate().filter(|(_, s)| s.routable()) {
            self.member[i / 64] |= 1 << (i % 64);
            self.members += 1;
            self.file(i, s.present);
        }
        if self.members == 0 {
            self.min = 0;
        }
    }

    fn is_member(&self, i: usize) -> bool {
        self.member
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    fn file(&mut self, i: usize, present: u32) {
        let c = present as usize;
        if self.buckets.len() <= c {
            self.buckets.resize_with(c + 1, Bucket::default);
        }
        let b = &mut self.buckets[c];
        if b.bits.len() < self.words {
            b.bits.resize(self.words, 0);
        }
        b.bits[i / 64] |= 1 << (i % 64);
        b.count += 1;
        self.filed[i] = present;
        self.min = self.min.min(present);
    }

    /// Takes station `i` out of bucket `c`.
    fn unfile(&mut self, i: usize, c: usize) {
        let b = &mut self.buckets[c];
        b.bits[i / 64] &= !(1 << (i % 64));
        b.count -= 1;
        if b.count == 0 && c as u32 == self.min {
            // Filed in its new bucket first, a station that moved up by
            // one is found at once.
            self.min = (c + 1..self.buckets.len())
                .find(|&k| self.buckets[k].count > 0)
                .map_or(0, |k| k as u32);
        }
    }

    /// Station `i` now has `present` visits.
    pub fn moved(&mut self, i: usize, present: u32) {
        if self.is_member(i) && self.filed[i] != present {
            let old = self.filed[i] as usize;
            self.file(i, present);
            self.unfile(i, old);
        }
    }

    /// Routable stations.
    pub fn members(&self) -> usize {
        self.members as usize
    }

    /// The `k`-th routable station, in index order.
    pub fn nth_member(&self, k: usize) -> Option<usize> {
        nth_set(&self.member, u32::try_from(k).ok()?)
    }

    /// The fewest visits present on a routable station, and how many
    /// routable stations have that few (`None` without members).
    pub fn least(&self) -> Option<(u32, usize)> {
        (self.members > 0).then(|| (self.min, self.buckets[self.min as usize].count as usize))
    }

    /// The `k`-th routable station with the fewest present, in index order.
    pub fn nth_least(&self, k: usize) -> Option<usize> {
        let b = self.buckets.get(self.min as usize)?;
        nth_set(&b.bits, u32::try_from(k).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SimTime;

    #[test]
    fn follows_present_and_routability() {
        let mut s: Vec<Station> = (0..130)
            .map(|_| Station::new(1, None, SimTime::ZERO))
            .collect();
        let mut ix = ReplicaIndex::new(&s);
        assert_eq!(ix.least(), Some((0, 130)));
        for (i, st) in s.iter_mut().enumerate() {
            st.present = 1;
            ix.moved(i, 1);
        }
        assert_eq!(ix.least(), Some((1, 130)));
        s[129].present = 0;
        ix.moved(129, 0);
        assert_eq!(ix.least(), Some((0, 1)));
        assert_eq!(ix.nth_least(0), Some(129));
        s[129].active = false;
        ix.rebuild(&s);
        assert_eq!(ix.least(), Some((1, 129)));
        assert_eq!(ix.members(), 129);
        assert_eq!(ix.nth_member(64), Some(64));
        assert_eq!(ix.nth_member(129), None);
        assert_eq!(ix.nth_least(100), Some(100));
        for st in &mut s {
            st.down = true;
        }
        ix.rebuild(&s);
        assert_eq!(ix.least(), None);
    }
}
