//! The key a call's request carries when it is not the request's own: a fresh draw (`random`) or one derived from the request's key and the repetition index (`derived`).

use rand::SeedableRng;

use crate::sim::components::key_zipf::KeyZipf;
use crate::sim::components::load_balancer::mix64;
use crate::sim::components::source::draw_key;
use crate::sim::model::{CallKey, Keys, Popularity};
use crate::sim::rng::{Stream, stream};

/// How one call picks its keys. Stateless: a key is a function of the
/// run seed, the request and the repetition index, so a retry or a hedge
/// of the same sub-call carries the same key and a visit keeps no key of
/// its own.
pub(crate) struct CallKeys {
    keys: Keys,
    zipf: Option<KeyZipf>,
    salt: u64,
    derived: bool,
}

impl CallKeys {
    /// The key rule of call `i` of `node` (`None` for the request's own key).
    pub fn new(key: &CallKey, seed: u64, node: &str, i: usize) -> Option<CallKeys> {
        let (keys, derived) = match *key {
            CallKey::Request => return None,
            CallKey::Random(k) => (k, false),
            CallKey::Derived(k) => (k, true),
        };
        // A derived key depends on the key space only, not on the call:
        // two calls over the same key space see the same r-th key of a
        // request key (user k's followees are the same for every call).
        let mut salt_stream = if derived {
            stream(seed, "derived keys", &space_name(&keys))
        } else {
            stream(seed, node, &format!("keys {i}"))
        };
        let salt = rand::Rng::next_u64(&mut salt_stream);
        let zipf = match keys.popularity {
            Popularity::Zipf { s } => KeyZipf::new(keys.count.max(1) as f64, s),
            Popularity::Uniform => None,
        };
        Some(CallKeys {
            keys,
            zipf,
            salt,
            derived,
        })
    }

    /// The key of repetition `rep` of the call for a request with key
    /// `key` and sequence number `id`.
    pub fn key(&self, key: u64, id: u64, rep: u32) -> u64 {
        let input = if self.derived { key } else { id };
        let h = mix64(self.salt ^ mix64(input)).wrapping_add(mix64(u64::from(rep)));
        let mut rng = Stream::seed_from_u64(mix64(h));
        draw_key(&self.keys, self.zipf.as_ref(), &mut rng)
    }
}

fn space_name(keys: &Keys) -> String {
    match keys.popularity {
        Popularity::Uniform => format!("{} uniform", keys.count),
        Popularity::Zipf { s } => format!("{} zipf {s:?}", keys.count),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::model::KeyWrites;

    fn zipf(count: u64) -> Keys {
        Keys {
            count,
            popularity: Popularity::Zipf { s: 1.0 },
            writes: KeyWrites::Existing,
        }
    }

    #[test]
    fn a_derived_key_depends_on_the_request_key_and_repetition_only() {
        let a = CallKeys::new(&CallKey::Derived(zipf(1000)), 7, "api", 0).unwrap();
        let b = CallKeys::new(&CallKey::Derived(zipf(1000)), 7, "feed", 3).unwrap();
        for k in 0..50 {
            for r in 0..5 {
                assert_eq!(a.key(k, 1, r), b.key(k, 99, r), "same space, same key");
            }
        }
        let differ = (0..200)
            .filter(|&k| a.key(k, 0, 0) != a.key(k, 0, 1))
            .count();
        assert!(differ > 150, "repetitions reach other keys: {differ}");
    }

    #[test]
    fn a_random_key_depends_on_the_request_not_its_key() {
        let c = CallKeys::new(&CallKey::Random(zipf(1000)), 7, "api", 0).unwrap();
        assert_eq!(c.key(5, 10, 0), c.key(6, 10, 0));
        let differ = (0..200).filter(|&id| c.key(5, id, 0) != c.key(5, id + 1000, 0));
        assert!(differ.count() > 150);
        assert!((0..1000).all(|id| c.key(0, id, 0) < 1000));
    }

    #[test]
    fn keys_follow_the_popularity() {
        // Zipf(1) over 1000 keys: key 0 (rank 1) has probability
        // 1 / H(1000) = 0.1336.
        let c = CallKeys::new(&CallKey::Random(zipf(1000)), 1, "api", 0).unwrap();
        let n = 200_000;
        let top = (0..n).filter(|&id| c.key(0, id, 0) == 0).count() as f64 / n as f64;
        // Binomial standard error √(p(1−p)/n) = 0.00076: 5 σ.
        assert!((top - 0.1336).abs() < 0.0038, "{top}");
    }
}
