//! Load balancing: picks one replica of a service by round robin, weights, random, least connections, two choices or a consistent-hash ring.

use rand::RngExt;

use crate::sim::components::replica_index::ReplicaIndex;
use crate::sim::model::LbAlgorithm;
use crate::sim::rng::Stream;
use crate::sim::station::Station;

/// Virtual points per replica on the consistent-hash ring.
const RING_POINTS: u32 = 64;

pub(crate) struct Balancer {
    pub algorithm: LbAlgorithm,
    pub weights: Vec<u32>,
    cursor: usize,
    /// Smooth weighted round robin: current weight per replica.
    current: Vec<i64>,
    /// (point, replica), sorted; rebuilt when the active set changes.
    ring: Vec<(u64, u32)>,
    ring_active: Vec<bool>,
    rng: Stream,
}

impl Balancer {
    pub fn new(algorithm: LbAlgorithm, weights: Vec<u32>, rng: Stream) -> Self {
        Balancer {
            algorithm,
            weights,
            cursor: 0,
            current: Vec::new(),
            ring: Vec::new(),
            ring_active: Vec::new(),
            rng,
        }
    }

    /// The replica (index into `stations`) for a request with `key`, or
    /// `None` if no replica is active. With `index` (kept in step with
    /// `stations`) the routable and least loaded replicas are found without
    /// walking every station; the picks are the same either way.
    pub fn pick_backend(
        &mut self,
        stations: &[Station],
        index: Option<&ReplicaIndex>,
        key: u64,
    ) -> Option<usize> {
        let n_active = match index {
            Some(ix) => {
                debug_assert_eq!(ix.members(), routable_count(stations));
                ix.members()
            }
            None => routable_count(stations),
        };
        if n_active == 0 {
            return None;
        }
        let nth_active = |k: usize| match index {
            Some(ix) => ix.nth_member(k).unwrap_or(0),
            None => nth_routable(stations, k),
        };
        let pick = match self.algorithm {
            LbAlgorithm::RoundRobin => {
                self.cursor = self.cursor.wrapping_add(1);
                nth_active((self.cursor - 1) % n_active)
            }
            LbAlgorithm::WeightedRoundRobin => self.smooth_weighted(stations),
            LbAlgorithm::Random => nth_active(self.rng.random_range(0..n_active)),
            LbAlgorithm::LeastConnections => {
                // Fewest present; ties go round robin so idle replicas share.
                self.cursor = self.cursor.wrapping_add(1);
                match index {
                    Some(ix) => {
                        let (min, tied) = ix.least().unwrap_or((0, 1));
                        debug_assert_eq!((min, tied), least_scan(stations));
                        ix.nth_least((self.cursor - 1) % tied.max(1)).unwrap_or(0)
                    }
                    None => {
                        let (min, tied) = least_scan(stations);
                        let k = (self.cursor - 1) % tied.max(1);
                        stations
                            .iter()
                            .enumerate()
                            .filter(|(_, s)| s.routable() && s.present == min)
                            .nth(k)
                            .map_or(0, |(i, _)| i)
                    }
                }
            }
            LbAlgorithm::PowerOfTwoChoices => {
                if n_active == 1 {
                    nth_active(0)
                } else {
                    let a = self.rng.random_range(0..n_active);
                    let mut b = self.rng.random_range(0..n_active - 1);
                    if b >= a {
                        b += 1;
                    }
                    let (a, b) = (nth_active(a), nth_active(b));
                    if stations[b].present < stations[a].present {
                        b
                    } else {
                        a
                    }
                }
            }
            LbAlgorithm::ConsistentHash => self.ring_lookup(stations, key),
        };
        Some(pick)
    }

    fn weight(&self, i: usize) -> i64 {
        i64::from(self.weights.get(i).copied().unwrap_or(1).max(1))
    }

    fn smooth_weighted(&mut self, stations: &[Station]) -> usize {
        if self.current.len() < stations.len() {
            self.current.resize(stations.len(), 0);
        }
        let mut total = 0i64;
        let mut best = stations.iter().position(Station::routable).unwrap_or(0);
        for i in (0..stations.len()).filter(|&i| stations[i].routable()) {
            let w = self.weight(i);
            self.current[i] += w;
            total += w;
            if self.current[i] > self.current[best] {
                best = i;
            }
        }
        self.current[best] -= total;
        best
    }

    fn ring_lookup(&mut self, stations: &[Station], key: u64) -> usize {
        let unchanged = self.ring_active.len() == stations.len()
            && self
                .ring_active
                .iter()
                .zip(stations)
                .all(|(a, s)| *a == s.routable());
        if !unchanged {
            let active: Vec<bool> = stations.iter().map(Station::routable).collect();
            self.ring.clear();
            for (i, _) in active.iter().enumerate().filter(|(_, a)| **a) {
                for p in 0..RING_POINTS {
                    self.ring
                        .push((mix64((i as u64) << 32 | u64::from(p)), i as u32));
                }
            }
            self.ring.sort_unstable();
            self.ring_active = active;
        }
        let h = mix64(key ^ 0x5eed_5eed_5eed_5eed);
        let at = self.ring.partition_point(|&(p, _)| p < h);
        match self.ring.get(at % self.ring.len().max(1)) {
            Some(&(_, replica)) => replica as usize,
            None => 0,
        }
    }
}

fn routable_count(stations: &[Station]) -> usize {
    stations.iter().filter(|s| s.routable()).count()
}

/// The `k`-th routable station, walking them all.
fn nth_routable(stations: &[Station], k: usize) -> usize {
    stations
        .iter()
        .enumerate()
        .filter(|(_, s)| s.routable())
        .nth(k)
        .map_or(0, |(i, _)| i)
}

/// The fewest present among routable stations and how many have that few.
fn least_scan(stations: &[Station]) -> (u32, usize) {
    let mut min = u32::MAX;
    let mut tied = 0usize;
    for s in stations.iter().filter(|s| s.routable()) {
        if s.present < min {
            min = s.present;
            tied = 1;
        } else if s.present == min {
            tied += 1;
        }
    }
    (min, tied)
}

/// splitmix64 finaliser: a well-spread, stable hash of a u64.
pub(crate) fn mix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::stream;
    use crate::sim::time::SimTime;

    fn stations(n: usize) -> Vec<Station> {
        (0..n)
            .map(|_| Station::new(1, None, SimTime::ZERO))
            .collect()
    }

    fn balancer(a: LbAlgorithm, w: Vec<u32>) -> Balancer {
        Balancer::new(a, w, stream(1, "lb", "route"))
    }

    #[test]
    fn round_robin_cycles_over_active_replicas() {
        let mut s = stations(3);
        let mut b = balancer(LbAlgorithm::RoundRobin, vec![]);
        let picks: Vec<_> = (0..6)
            .map(|_| b.pick_backend(&s, None, 0).unwrap())
            .collect();
        assert_eq!(picks, vec![0, 1, 2, 0, 1, 2]);
        s[1].active = false;
        let picks: Vec<_> = (0..4)
            .map(|_| b.pick_backend(&s, None, 0).unwrap())
            .collect();
        assert!(picks.iter().all(|&p| p != 1));
        for st in &mut s {
            st.active = false;
        }
        assert_eq!(b.pick_backend(&s, None, 0), None);
    }

    #[test]
    fn weighted_round_robin_honours_weights_smoothly() {
        let s = stations(3);
        let mut b = balancer(LbAlgorithm::WeightedRoundRobin, vec![5, 1, 1]);
        let picks: Vec<_> = (0..7)
            .map(|_| b.pick_backend(&s, None, 0).unwrap())
            .collect();
        assert_eq!(picks.iter().filter(|&&p| p == 0).count(), 5);
        assert_eq!(picks, vec![0, 0, 1, 0, 2, 0, 0]);
    }

    #[test]
    fn least_connections_and_two_choices_avoid_the_loaded_replica() {
        let mut s = stations(2);
        s[0].present = 10;
        let mut b = balancer(LbAlgorithm::LeastConnections, vec![]);
        assert!((0..10).all(|_| b.pick_backend(&s, None, 0) == Some(1)));
        let mut b = balancer(LbAlgorithm::PowerOfTwoChoices, vec![]);
        assert!((0..10).all(|_| b.pick_backend(&s, None, 0) == Some(1)));
    }

    #[test]
    fn the_index_picks_what_the_scan_picks() {
        let mut s = stations(150);
        let mut ix = ReplicaIndex::new(&s);
        let mut rng = stream(7, "test", "moves");
        for algorithm in [
            LbAlgorithm::LeastConnections,
            LbAlgorithm::RoundRobin,
            LbAlgorithm::Random,
            LbAlgorithm::PowerOfTwoChoices,
        ] {
            let mut scan = balancer(algorithm, vec![]);
            let mut indexed = balancer(algorithm, vec![]);
            for step in 0..20_000 {
                let i = rng.random_range(0..s.len());
                if step % 500 == 0 {
                    s[i].down = !s[i].down;
                    ix.rebuild(&s);
                } else if rng.random_bool(0.5) {
                    s[i].present += 1;
                    ix.moved(i, s[i].present);
                } else if s[i].present > 0 {
                    s[i].present -= 1;
                    ix.moved(i, s[i].present);
                }
                let a = scan.pick_backend(&s, None, 0);
                assert_eq!(a, indexed.pick_backend(&s, Some(&ix), 0), "{step}");
            }
        }
    }

    #[test]
    fn consistent_hash_is_sticky_and_moves_few_keys() {
        let mut s = stations(4);
        let mut b = balancer(LbAlgorithm::ConsistentHash, vec![]);
        let before: Vec<_> = (0..2000u64)
            .map(|k| b.pick_backend(&s, None, k).unwrap())
            .collect();
        let again: Vec<_> = (0..2000u64)
            .map(|k| b.pick_backend(&s, None, k).unwrap())
            .collect();
        assert_eq!(before, again);
        s.push(Station::new(1, None, SimTime::ZERO));
        let after: Vec<_> = (0..2000u64)
            .map(|k| b.pick_backend(&s, None, k).unwrap())
            .collect();
        let moved = before.iter().zip(&after).filter(|(a, b)| a != b).count();
        // Adding a fifth replica should move about 1/5 of the keys, all to it.
        assert!((200..600).contains(&moved), "{moved}");
        assert!(before.iter().zip(&after).all(|(a, b)| a == b || *b == 4));
    }
}
