//! Rate limiting per key (a bucket per host, per client): at most `max_keys` buckets, the least recently used one forgotten beyond.

use std::collections::BTreeMap;

use crate::sim::components::cache::KeyMap;
use crate::sim::components::load_balancer::mix64;
use crate::sim::components::rate_limiter::{Limiter, Verdict};
use crate::sim::time::SimTime;

/// What a per-key limiter keeps a bucket for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitPer {
    /// The request's key (what it asks for: a host, an item), whoever
    /// sends it.
    Key,
    /// Each workload's key apart (who sends it: a client, an API key):
    /// key 7 of two workloads is two clients.
    Client,
}

impl LimitPer {
    pub const ALL: [LimitPer; 2] = [LimitPer::Key, LimitPer::Client];
    /// The spelling in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            LimitPer::Key => "key",
            LimitPer::Client => "client",
        }
    }
    /// The bucket a request of `workload` with `key` takes.
    pub fn bucket(self, workload: u32, key: u64) -> u64 {
        match self {
            LimitPer::Key => key,
            LimitPer::Client => mix64(key ^ mix64(u64::from(workload) + 1)),
        }
    }
}

/// One bucket per key, each a `Limiter` of the node's rule; at most
/// `max_keys` of them. Beyond, the bucket used least recently is
/// forgotten: a key seen again after that starts with a fresh bucket (as
/// a limiter with a bounded table does). A bucket idle long enough to be
/// full again (or past its window) is the same as a fresh one, so
/// forgetting it changes nothing.
#[derive(Clone, Debug)]
pub(crate) struct KeyedLimiter {
    pub per: LimitPer,
    pub max_keys: u32,
    /// Bucket → (its limiter, when it was last used as a stamp).
    buckets: KeyMap<(Limiter, u64)>,
    /// Stamp → bucket, oldest first.
    order: BTreeMap<u64, u64>,
    stamp: u64,
}

impl KeyedLimiter {
    pub fn new(per: LimitPer, max_keys: u32) -> Self {
        KeyedLimiter {
            per,
            max_keys: max_keys.max(1),
            buckets: KeyMap::default(),
            order: BTreeMap::new(),
            stamp: 0,
        }
    }

    /// The verdict for a request of `workload` with `key`, by the bucket
    /// it takes (a fresh one of `rule` if it has none).
    pub fn decide(&mut self, rule: &Limiter, workload: u32, key: u64, now: SimTime) -> Verdict {
        let bucket = self.per.bucket(workload, key);
        self.stamp += 1;
        let stamp = self.stamp;
        if let Some((limiter, last)) = self.buckets.get_mut(&bucket) {
            self.order.remove(last);
            *last = stamp;
            self.order.insert(stamp, bucket);
            return limiter.decide(now);
        }
        if self.buckets.len() >= self.max_keys as usize
            && let Some((_, oldest)) = self.order.pop_first()
        {
            self.buckets.remove(&oldest);
        }
        let mut limiter = Limiter::new(rule.algorithm);
        let verdict = limiter.decide(now);
        self.buckets.insert(bucket, (limiter, stamp));
        self.order.insert(stamp, bucket);
        verdict
    }

    /// Applies a live change (a new rate or limit) to every bucket.
    pub fn change_all(&mut self, mut change: impl FnMut(&mut Limiter) -> bool) {
        for (limiter, _) in self.buckets.values_mut() {
            change(limiter);
        }
    }

    /// Buckets kept now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.buckets.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::components::rate_limiter::LimiterAlgorithm;

    fn rule() -> Limiter {
        Limiter::new(LimiterAlgorithm::FixedWindow {
            limit: 2,
            window: SimTime::from_secs(1),
        })
    }

    #[test]
    fn each_key_has_its_own_bucket() {
        let mut k = KeyedLimiter::new(LimitPer::Key, 100);
        let r = rule();
        let t = SimTime::ZERO;
        let v: Vec<Verdict> = [1, 1, 1, 2, 2, 2]
            .map(|key| k.decide(&r, 0, key, t))
            .to_vec();
        use Verdict::{Admit as A, Reject as R};
        assert_eq!(v, [A, A, R, A, A, R]);
        // Per client, the same key from another workload is another bucket.
        let mut c = KeyedLimiter::new(LimitPer::Client, 100);
        let v: Vec<Verdict> = [(0, 1), (0, 1), (0, 1), (1, 1)]
            .map(|(w, key)| c.decide(&r, w, key, t))
            .to_vec();
        assert_eq!(v, [A, A, R, A]);
    }

    #[test]
    fn beyond_max_keys_the_least_recently_used_bucket_is_forgotten() {
        let mut k = KeyedLimiter::new(LimitPer::Key, 2);
        let r = rule();
        let t = SimTime::ZERO;
        for key in [1, 1, 2, 1] {
            k.decide(&r, 0, key, t);
        }
        // Key 1 is full (2 of 2), key 2 used once; 1 was used last.
        assert_eq!(k.decide(&r, 0, 1, t), Verdict::Reject);
        // A third key evicts key 2 (least recently used), not key 1.
        assert_eq!(k.decide(&r, 0, 3, t), Verdict::Admit);
        assert_eq!(k.len(), 2);
        assert_eq!(k.decide(&r, 0, 1, t), Verdict::Reject);
        // Key 2 comes back with a fresh bucket (evicting key 1 then).
        assert_eq!(k.decide(&r, 0, 2, t), Verdict::Admit);
        assert_eq!(k.decide(&r, 0, 2, t), Verdict::Admit);
        assert_eq!(k.len(), 2);
    }
}
