//! A cache's key store: capacity in keys, LRU / LFU / FIFO eviction and TTL expiry; hits emerge from the keys asked for.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use crate::sim::model::CachePolicy;
use crate::sim::time::SimTime;

/// A fast, fixed hasher for u64 keys (lookups only; never iterated).
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, n: u64) {
        // splitmix64 finaliser
        let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        self.0 = z ^ (z >> 31);
    }
}

pub(crate) type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

const NIL: u32 = u32::MAX;

#[derive(Clone, Debug)]
struct Entry {
    key: u64,
    stored_at: SimTime,
    hits: u64,
    /// Last touch (for LFU tie-breaks: least recently used among equals).
    tick: u64,
    /// The store behind the cache took a write of the key (one that did
    /// not pass through this cache) after the entry was filled: a hit
    /// serves the old value until the next fill.
    stale: bool,
    prev: u32,
    next: u32,
}

/// The contents of one cache node.
#[derive(Clone, Debug)]
pub(crate) struct KeyStore {
    pub capacity: u64,
    pub policy: CachePolicy,
    pub ttl: Option<SimTime>,
    index: KeyMap<u32>,
    entries: Vec<Entry>,
    free: Vec<u32>,
    /// Most recently used / inserted at the head; evict from the tail
    /// (LRU and FIFO).
    head: u32,
    tail: u32,
    /// (hits, tick, slot): the first is the LFU victim.
    by_frequency: BTreeSet<(u64, u64, u32)>,
    tick: u64,
}

impl KeyStore {
    pub fn new(capacity: u64, policy: CachePolicy, ttl: Option<SimTime>) -> Self {
        KeyStore {
            capacity,
            policy,
            ttl,
            index: KeyMap::default(),
            entries: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            by_frequency: BTreeSet::new(),
            tick: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Looks `key` up at `now`: true on a hit. An expired entry is removed
    /// and counts as a miss.
    #[cfg(test)]
    pub fn lookup(&mut self, key: u64, now: SimTime) -> bool {
        self.read(key, now).is_some()
    }

    /// Looks `key` up at `now` as `lookup` does: on a hit, whether the
    /// entry is stale (see `mark_stale`).
    pub fn read(&mut self, key: u64, now: SimTime) -> Option<bool> {
        let &slot = self.index.get(&key)?;
        let e = &self.entries[slot as usize];
        if let Some(ttl) = self.ttl
            && now.saturating_sub(e.stored_at) >= ttl
        {
            self.remove_slot(slot);
            return None;
        }
        self.tick += 1;
        match self.policy {
            CachePolicy::Lru => {
                self.unlink(slot);
                self.push_front(slot);
            }
            CachePolicy::Fifo => {}
            CachePolicy::Lfu => {
                let e = &self.entries[slot as usize];
                self.by_frequency.remove(&(e.hits, e.tick, slot));
                let e = &mut self.entries[slot as usize];
                e.hits += 1;
                e.tick = self.tick;
                self.by_frequency.insert((e.hits, e.tick, slot));
            }
        }
        Some(self.entries[slot as usize].stale)
    }

    /// Stores `key` (after a miss was filled), evicting if full.
    pub fn fill(&mut self, key: u64, now: SimTime) {
        if self.capacity == 0 {
            return;
        }
        if let Some(&slot) = self.index.get(&key) {
            // Refreshed by a concurrent fill: restart its TTL.
            let e = &mut self.entries[slot as usize];
            e.stored_at = now;
            e.stale = false;
            return;
        }
        while self.index.len() as u64 >= self.capacity {
            if !self.evict_one() {
                break;
            }
        }
        self.tick += 1;
        let entry = Entry {
            key,
            stored_at: now,
            hits: 0,
            tick: self.tick,
            stale: false,
            prev: NIL,
            next: NIL,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.entries[s as usize] = entry;
                s
            }
            None => {
                self.entries.push(entry);
                (self.entries.len() - 1) as u32
            }
        };
        self.index.insert(key, slot);
        self.push_front(slot);
        if self.policy == CachePolicy::Lfu {
            self.by_frequency.insert((0, self.tick, slot));
        }
    }

    /// Fills keys `0..k` at `now`, the most popular (key 0) last: it is
    /// the most recently used, and the least popular is evicted first
    /// under every policy.
    pub fn prefill(&mut self, k: u64, now: SimTime) {
        for key in (0..k.min(self.capacity)).rev() {
            self.fill(key, now);
        }
    }

    /// The store behind took a write of `key` that bypassed the cache: the
    /// entry, if held, now has the old value (until it is filled again).
    pub fn mark_stale(&mut self, key: u64) {
        if let Some(&slot) = self.index.get(&key) {
            self.entries[slot as usize].stale = true;
        }
    }

    /// Whether the entry of `key` (held) has been stale since a write
    /// reached the store behind the cache.
    #[cfg(test)]
    pub fn is_stale(&self, key: u64) -> bool {
        self.index
            .get(&key)
            .is_some_and(|&slot| self.entries[slot as usize].stale)
    }

    /// Removes `key` if present (a write invalidates it).
    pub fn invalidate(&mut self, key: u64) {
        if let Some(&slot) = self.index.get(&key) {
            self.remove_slot(slot);
        }
    }

    /// Drops everything (a flush).
    pub fn clear(&mut self) {
        *self = KeyStore::new(self.capacity, self.policy, self.ttl);
    }

    /// Changes capacity, evicting at once if it shrank.
    pub fn set_capacity(&mut self, capacity: u64) {
        self.capacity = capacity;
        while self.index.len() as u64 > capacity {
            if !self.evict_one() {
                break;
            }
        }
    }

    /// Changes the eviction policy. Contents are kept; their recency order
    /// is kept and frequencies restart from zero.
    pub fn set_policy(&mut self, policy: CachePolicy) {
        if policy == self.policy {
            return;
        }
        self.policy = policy;
        self.by_frequency.clear();
        if policy == CachePolicy::Lfu {
            let mut slot = self.tail;
            while slot != NIL {
                self.tick += 1;
                let e = &mut self.entries[slot as usize];
                e.hits = 0;
                e.tick = self.tick;
                self.by_frequency.insert((0, self.tick, slot));
                slot = e.prev;
            }
        }
    }

    fn evict_one(&mut self) -> bool {
        let victim = match self.policy {
            CachePolicy::Lru | CachePolicy::Fifo => self.tail,
            CachePolicy::Lfu => self.by_frequency.first().map_or(NIL, |&(_, _, s)| s),
        };
        if victim == NIL {
            return false;
        }
        self.remove_slot(victim);
        true
    }

    fn remove_slot(&mut self, slot: u32) {
        self.unlink(slot);
        let e = &self.entries[slot as usize];
        if self.policy == CachePolicy::Lfu {
            self.by_frequency.remove(&(e.hits, e.tick, slot));
        }
        self.index.remove(&e.key);
        self.free.push(slot);
    }

    fn unlink(&mut self, slot: u32) {
        let (prev, next) = {
            let e = &self.entries[slot as usize];
            (e.prev, e.next)
        };
        if prev != NIL {
            self.entries[prev as usize].next = next;
        } else if self.head == slot {
            self.head = next;
        }
        if next != NIL {
            self.entries[next as usize].prev = prev;
        } else if self.tail == slot {
            self.tail = prev;
        }
        let e = &mut self.entries[slot as usize];
        e.prev = NIL;
        e.next = NIL;
    }

    fn push_front(&mut self, slot: u32) {
        let old = self.head;
        {
            let e = &mut self.entries[slot as usize];
            e.prev = NIL;
            e.next = old;
        }
        if old != NIL {
            self.entries[old as usize].prev = slot;
        }
        self.head = slot;
        if self.tail == NIL {
            self.tail = slot;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut c = KeyStore::new(2, CachePolicy::Lru, None);
        c.fill(1, t(0));
        c.fill(2, t(0));
        assert!(c.lookup(1, t(1)));
        c.fill(3, t(2));
        assert!(c.lookup(1, t(3)));
        assert!(!c.lookup(2, t(3)));
        assert!(c.lookup(3, t(3)));
    }

    #[test]
    fn fifo_evicts_the_oldest_even_if_used() {
        let mut c = KeyStore::new(2, CachePolicy::Fifo, None);
        c.fill(1, t(0));
        c.fill(2, t(0));
        assert!(c.lookup(1, t(1)));
        c.fill(3, t(2));
        assert!(!c.lookup(1, t(3)));
        assert!(c.lookup(2, t(3)));
    }

    #[test]
    fn lfu_evicts_the_least_frequently_used() {
        let mut c = KeyStore::new(2, CachePolicy::Lfu, None);
        c.fill(1, t(0));
        c.fill(2, t(0));
        for _ in 0..3 {
            assert!(c.lookup(1, t(1)));
        }
        assert!(c.lookup(2, t(1)));
        c.fill(3, t(2));
        assert!(c.lookup(1, t(3)));
        assert!(!c.lookup(2, t(3)));
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn a_prefilled_store_evicts_its_least_popular_key_first() {
        for policy in CachePolicy::ALL {
            let mut c = KeyStore::new(3, policy, None);
            c.prefill(3, t(0));
            assert_eq!(c.len(), 3);
            c.fill(7, t(1));
            assert!(!c.lookup(2, t(2)), "{policy:?}");
            for k in [0, 1, 7] {
                assert!(c.lookup(k, t(2)), "{policy:?} {k}");
            }
        }
        let mut c = KeyStore::new(2, CachePolicy::Lru, None);
        c.prefill(5, t(0));
        assert_eq!(c.len(), 2);
        assert!(c.lookup(0, t(0)) && c.lookup(1, t(0)));
    }

    #[test]
    fn a_write_behind_the_cache_makes_its_entry_stale_until_refilled() {
        let mut c = KeyStore::new(2, CachePolicy::Lru, None);
        c.mark_stale(1); // not held: nothing to mark
        c.fill(1, t(0));
        assert!(!c.is_stale(1));
        c.mark_stale(1);
        assert_eq!(c.read(1, t(1)), Some(true));
        assert!(c.is_stale(1));
        c.fill(1, t(2));
        assert!(!c.is_stale(1));
        c.mark_stale(1);
        c.invalidate(1);
        c.fill(1, t(3));
        assert!(!c.is_stale(1) && !c.is_stale(2));
    }

    #[test]
    fn entries_expire_after_ttl() {
        let mut c = KeyStore::new(10, CachePolicy::Lru, Some(t(100)));
        c.fill(1, t(0));
        assert!(c.lookup(1, t(99)));
        assert!(!c.lookup(1, t(100)));
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn zero_capacity_never_hits_and_shrinking_evicts() {
        let mut c = KeyStore::new(0, CachePolicy::Lru, None);
        c.fill(1, t(0));
        assert!(!c.lookup(1, t(0)));
        let mut c = KeyStore::new(3, CachePolicy::Lfu, None);
        for k in 0..3 {
            c.fill(k, t(0));
        }
        c.set_capacity(1);
        assert_eq!(c.len(), 1);
        c.set_policy(CachePolicy::Lru);
        c.fill(9, t(1));
        assert_eq!(c.len(), 1);
        assert!(c.lookup(9, t(1)));
    }

    #[test]
    fn hit_ratio_emerges_from_capacity_under_uniform_keys() {
        // Uniform keys over 1000, capacity 250, LRU: the steady-state hit
        // ratio is capacity / keys = 0.25 (independent reference model).
        use rand::RngExt;
        let mut r = crate::sim::rng::stream(3, "t", "cache");
        let mut c = KeyStore::new(250, CachePolicy::Lru, None);
        let (mut hits, mut n) = (0u64, 0u64);
        for i in 0..400_000u64 {
            let k = r.random_range(0..1000u64);
            let hit = c.lookup(k, SimTime(i));
            if !hit {
                c.fill(k, SimTime(i));
            }
            if i >= 50_000 {
                n += 1;
                hits += u64::from(hit);
            }
        }
        let ratio = hits as f64 / n as f64;
        assert!((ratio - 0.25).abs() < 0.005, "hit ratio {ratio}");
    }
}
