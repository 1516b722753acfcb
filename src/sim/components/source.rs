//! Traffic sources: open loop (Poisson, constant) with rate phases, closed loop (users who think), request mix and key popularity.

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use crate::sim::components::key_zipf::KeyZipf;

use crate::sim::model::{
    Arrival, ClassIdx, KeyWrites, Keys, Phase, Popularity, RequestKind, Workload,
};
use crate::sim::rng::{Stream, open01, stream};
use crate::sim::time::SimTime;

/// A running workload: its spec plus its random streams.
pub(crate) struct Source {
    pub spec: Workload,
    arrivals: Stream,
    requests: Stream,
    zipf: Option<KeyZipf>,
    /// Whether any node looks at keys; if not, none is drawn (key 0).
    keyed: bool,
    /// Keys this workload's writes have created (`writes = "new"`).
    created: u64,
    /// Bumped when the rate changes live, so the old pending arrival is ignored.
    pub generation: u32,
    /// Multiplies the rate (a traffic spike); 1 normally.
    pub factor: f64,
}

impl Source {
    pub fn new(spec: Workload, seed: u64, keyed: bool) -> Self {
        let zipf = match spec.keys.popularity {
            Popularity::Zipf { s } => KeyZipf::new(spec.keys.count.max(1) as f64, s),
            Popularity::Uniform => None,
        };
        Source {
            arrivals: stream(seed, &spec.name, "arrivals"),
            requests: stream(seed, &spec.name, "requests"),
            zipf,
            keyed,
            created: 0,
            spec,
            generation: 0,
            factor: 1.0,
        }
    }

    /// Draws a request type, class and key. `ops` gives each class's
    /// type (`Model::classes`).
    pub fn draw_request(&mut self, ops: &[RequestKind]) -> (RequestKind, Option<ClassIdx>, u64) {
        if !self.spec.classes.is_empty() {
            let class = self.draw_class();
            let kind = ops
                .get(usize::from(class))
                .copied()
                .unwrap_or(RequestKind::Read);
            return (kind, Some(class), self.key_for(kind));
        }
        let kind = if self.spec.read_fraction >= 1.0
            || (self.spec.read_fraction > 0.0
                && open01(&mut self.requests) < self.spec.read_fraction)
        {
            RequestKind::Read
        } else {
            RequestKind::Write
        };
        (kind, None, self.key_for(kind))
    }

    /// A read's key is drawn from the key space; so is a write's, unless
    /// writes create keys (`writes = "new"`): then it is one never used.
    fn key_for(&mut self, kind: RequestKind) -> u64 {
        if !self.keyed {
            return 0;
        }
        if kind == RequestKind::Write && self.spec.keys.writes == KeyWrites::New {
            self.created += 1;
            return new_key(&self.spec.name, self.created);
        }
        draw_key(&self.spec.keys, self.zipf.as_ref(), &mut self.requests)
    }

    /// A class by its share (one draw; none when there is one class).
    fn draw_class(&mut self) -> ClassIdx {
        let classes = &self.spec.classes;
        if let [(only, _)] = classes.as_slice() {
            return *only;
        }
        let u = open01(&mut self.requests);
        let mut below = 0.0;
        for &(class, share) in classes {
            below += share;
            if u < below {
                return class;
            }
        }
        // Shares sum to 1 within 1e-6: the rest goes to the last drawn one.
        classes
            .iter()
            .rev()
            .find(|(_, s)| *s > 0.0)
            .map_or(0, |(c, _)| *c)
    }

    /// The base rate in requests per second (open loop), before phases.
    pub fn base_rate(&self) -> f64 {
        match self.spec.arrival {
            Arrival::Poisson { rate } | Arrival::Constant { rate } => rate,
            Arrival::Closed { .. } => 0.0,
        }
    }

    /// The open-loop rate at `t`, phases, ramps and spike factor included.
    pub fn rate_at(&self, t: SimTime) -> f64 {
        rate_at(self.base_rate(), &self.spec.phases, t) * self.factor
    }

    /// Multiplies the rate from now on (1 = normal).
    pub fn set_factor(&mut self, factor: f64) {
        self.factor = factor;
        self.generation = self.generation.wrapping_add(1);
    }

    /// The instant of the next open-loop arrival after `now`, or `None`
    /// if the rate stays zero for ever.
    pub fn next_arrival(&mut self, now: SimTime) -> Option<SimTime> {
        let poisson = matches!(self.spec.arrival, Arrival::Poisson { .. });
        let base = self.base_rate();
        // Fast path: a homogeneous Poisson stream (no phases) needs one
        // draw; same draw and rounding as the loop below, same results.
        // Gaps are drawn with the ziggurat (`Exp1`): exact, and without
        // the `ln` that inverting a uniform costs.
        if poisson && self.spec.phases.is_empty() {
            let rate = base * self.factor;
            if rate <= 0.0 {
                return None;
            }
            let gap = SimTime::from_nanos_f64(exp1(&mut self.arrivals) * (1e9 / rate));
            let cand = now.saturating_add(gap.max(SimTime(1)));
            return (cand != SimTime::MAX).then_some(cand);
        }
        let mut t = now;
        // Thinning over piecewise-linear rate segments (exact for a
        // non-homogeneous Poisson process); constant arrivals step by 1/rate.
        for _ in 0..1_000_000 {
            let end = next_breakpoint(&self.spec.phases, t);
            let f = self.factor;
            let r0 = rate_at(base, &self.spec.phases, t) * f;
            let r1 = end.map_or(r0, |e| rate_before(base, &self.spec.phases, e) * f);
            let max = r0.max(r1);
            if max <= 0.0 {
                t = end?;
                continue;
            }
            if !poisson {
                let gap = SimTime::from_secs_f64(1.0 / r0.max(f64::MIN_POSITIVE)).max(SimTime(1));
                if r0 > 0.0 {
                    return Some(t.saturating_add(gap));
                }
                t = end?;
                continue;
            }
            let gap = exp1(&mut self.arrivals) / max;
            let cand = t.saturating_add(SimTime::from_secs_f64(gap).max(SimTime(1)));
            if let Some(e) = end
                && cand >= e
            {
                t = e;
                continue;
            }
            if cand == SimTime::MAX {
                return None;
            }
            t = cand;
            let r = rate_at(base, &self.spec.phases, t) * f;
            if r >= max || open01(&mut self.arrivals) * max <= r {
                return Some(t);
            }
        }
        None
    }

    /// A closed-loop user's think time.
    pub fn think_time(&mut self) -> SimTime {
        match &self.spec.arrival {
            Arrival::Closed { think, .. } => think.sample(&mut self.arrivals),
            _ => SimTime::ZERO,
        }
    }

    /// From `now` on, the open-loop rate is `rate` (later phases dropped).
    pub fn set_rate(&mut self, rate: f64, now: SimTime) {
        self.spec.phases.retain(|p| p.at < now);
        self.spec.phases.push(Phase {
            at: now,
            rate,
            ramp: SimTime::ZERO,
        });
        self.generation = self.generation.wrapping_add(1);
    }
}

/// A key of `keys` (with its Zipf sampler, if popular keys are drawn more).
pub(crate) fn draw_key(keys: &Keys, zipf: Option<&KeyZipf>, rng: &mut Stream) -> u64 {
    let n = keys.count.max(1);
    match zipf {
        Some(z) => {
            let k: f64 = z.sample(rng);
            (k as u64).clamp(1, n) - 1
        }
        None => rng.random_range(0..n),
    }
}

/// The `n`-th key a workload's writes create: at or above 2^63, so above
/// every key space (counts stop at 2^63 - 1), the workload's name in bits
/// 40..63 so two workloads seldom create the same key, `n` below.
fn new_key(workload: &str, n: u64) -> u64 {
    let tag = workload.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    (1 << 63) | ((tag & 0x7f_ffff) << 40) | (n & ((1 << 40) - 1))
}

/// Rate at `t`: phases apply from their `at`, ramping linearly from the
/// rate just before to their own over `ramp`.
pub(crate) fn rate_at(base: f64, phases: &[Phase], t: SimTime) -> f64 {
    let mut rate = base;
    for p in phases {
        if p.at > t {
            break;
        }
        let from = rate;
        rate = if p.ramp.0 == 0 || t.0 >= p.at.0.saturating_add(p.ramp.0) {
            p.rate
        } else {
            let f = (t.0 - p.at.0) as f64 / p.ramp.0 as f64;
            from + (p.rate - from) * f
        };
    }
    rate
}

/// The rate just before `t` (the left limit; differs from `rate_at` at a step).
fn rate_before(base: f64, phases: &[Phase], t: SimTime) -> f64 {
    if t.0 == 0 {
        return rate_at(base, phases, t);
    }
    let before: Vec<Phase> = phases.iter().copied().filter(|p| p.at < t).collect();
    let mut r = rate_at(base, &before, t);
    // A ramp ending exactly at t: its end value is the limit.
    if let Some(p) = before.last()
        && p.at.0.saturating_add(p.ramp.0) <= t.0
    {
        r = p.rate;
    }
    r
}

/// The next instant after `t` where the rate function changes slope.
fn next_breakpoint(phases: &[Phase], t: SimTime) -> Option<SimTime> {
    let mut best: Option<SimTime> = None;
    for p in phases {
        for b in [p.at, p.at.saturating_add(p.ramp)] {
            if b > t && best.is_none_or(|x| b < x) {
                best = Some(b);
            }
        }
    }
    best
}

/// A standard exponential draw (mean 1), by the ziggurat method.
fn exp1(rng: &mut Stream) -> f64 {
    Exp1.sample(rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::dist::Dist;

    fn workload(arrival: Arrival, phases: Vec<Phase>) -> Workload {
        Workload {
            name: "w".into(),
            to: 0,
            arrival,
            phases,
            read_fraction: 0.9,
            keys: Keys {
                count: 100,
                popularity: Popularity::Zipf { s: 1.0 },
                writes: KeyWrites::Existing,
            },
            classes: Vec::new(),
        }
    }

    fn count_arrivals(src: &mut Source, from: SimTime, to: SimTime) -> u64 {
        let mut t = from;
        let mut n = 0;
        while let Some(next) = src.next_arrival(t) {
            if next >= to {
                break;
            }
            n += 1;
            t = next;
        }
        n
    }

    #[test]
    fn phases_step_and_ramp() {
        let phases = vec![
            Phase {
                at: SimTime::from_secs(10),
                rate: 300.0,
                ramp: SimTime::from_secs(10),
            },
            Phase {
                at: SimTime::from_secs(30),
                rate: 50.0,
                ramp: SimTime::ZERO,
            },
        ];
        assert_eq!(rate_at(100.0, &phases, SimTime::from_secs(5)), 100.0);
        assert_eq!(rate_at(100.0, &phases, SimTime::from_secs(15)), 200.0);
        assert_eq!(rate_at(100.0, &phases, SimTime::from_secs(25)), 300.0);
        assert_eq!(rate_at(100.0, &phases, SimTime::from_secs(30)), 50.0);
    }

    #[test]
    fn poisson_counts_follow_the_rate_function() {
        // Expected arrivals: 10 s × 1000 + ramp 10 s averaging 2000 + 10 s × 3000 = 60 000.
        let phases = vec![Phase {
            at: SimTime::from_secs(10),
            rate: 3000.0,
            ramp: SimTime::from_secs(10),
        }];
        let mut s = Source::new(workload(Arrival::Poisson { rate: 1000.0 }, phases), 9, true);
        let n = count_arrivals(&mut s, SimTime::ZERO, SimTime::from_secs(30));
        // Poisson: sd = sqrt(60000) ≈ 245; 4 sd ≈ 1000.
        assert!((n as i64 - 60_000).abs() < 1000, "{n}");
        let n1 = count_arrivals(&mut s, SimTime::from_secs(10), SimTime::from_secs(15));
        // Ramp from 1000 to 2000 over the first 5 s: 7500 expected, sd ≈ 87.
        assert!((n1 as i64 - 7500).abs() < 400, "{n1}");
    }

    #[test]
    fn constant_arrivals_are_evenly_spaced_and_zero_rate_waits_for_a_phase() {
        let mut s = Source::new(workload(Arrival::Constant { rate: 100.0 }, vec![]), 1, true);
        assert_eq!(
            s.next_arrival(SimTime::ZERO),
            Some(SimTime::from_millis(10))
        );
        let phases = vec![Phase {
            at: SimTime::from_secs(5),
            rate: 10.0,
            ramp: SimTime::ZERO,
        }];
        let mut s = Source::new(workload(Arrival::Poisson { rate: 0.0 }, phases), 1, true);
        assert!(s.next_arrival(SimTime::ZERO).unwrap() > SimTime::from_secs(5));
        let mut s = Source::new(workload(Arrival::Poisson { rate: 0.0 }, vec![]), 1, true);
        assert_eq!(s.next_arrival(SimTime::ZERO), None);
    }

    #[test]
    fn mix_and_zipf_keys() {
        let mut s = Source::new(
            workload(
                Arrival::Closed {
                    users: 1,
                    think: Dist::Constant { value: 0.0 },
                },
                vec![],
            ),
            4,
            true,
        );
        let mut reads = 0;
        let mut key0 = 0;
        let n = 100_000;
        for _ in 0..n {
            let (k, class, key) = s.draw_request(&[]);
            assert_eq!(class, None);
            reads += usize::from(k == RequestKind::Read);
            key0 += usize::from(key == 0);
            assert!(key < 100);
        }
        let read_share = reads as f64 / n as f64;
        assert!((read_share - 0.9).abs() < 0.005, "{read_share}");
        // Zipf s=1 over 100 keys: P(rank 1) = 1 / H_100 ≈ 0.1928.
        let p0 = key0 as f64 / n as f64;
        assert!((p0 - 0.1928).abs() < 0.006, "{p0}");
    }
}
