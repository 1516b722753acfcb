//! The allowed range of every tunable setting, in one table: the scenario loader, live commands and the window's sliders read it.

use crate::sim::time::SimTime;

/// The allowed values of one setting: `min ..= max`, or `min < x <= max`
/// when `min` itself is not allowed (a rate limiter's rate of 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit<T> {
    pub min: T,
    pub max: T,
    /// `min` itself is allowed.
    pub min_included: bool,
}

impl<T: PartialOrd + Copy> Limit<T> {
    /// `min ..= max`.
    pub const fn closed(min: T, max: T) -> Self {
        Limit {
            min,
            max,
            min_included: true,
        }
    }

    /// Above `min`, at most `max`.
    pub const fn above(min: T, max: T) -> Self {
        Limit {
            min,
            max,
            min_included: false,
        }
    }

    /// Whether `x` is allowed (never a NaN).
    pub fn contains(&self, x: T) -> bool {
        let low = if self.min_included {
            x >= self.min
        } else {
            x > self.min
        };
        low && x <= self.max
    }
}

/// Service replicas (also an autoscaler's `min` and `max`).
pub const REPLICAS: Limit<u32> = Limit::closed(1, 10_000);
/// Workers per service replica or database instance; a queue's consumers.
pub const WORKERS: Limit<u32> = Limit::closed(1, 100_000);
/// Waiting-line capacity per replica or instance; a queue's stored
/// messages (no field: unbounded).
pub const LINE_CAPACITY: Limit<u32> = Limit::closed(0, u32::MAX);
/// Buckets a per-key rate limiter keeps (`max_keys`): beyond, the least
/// recently used is forgotten. 10 000 buckets are about a megabyte.
pub const LIMITER_KEYS: Limit<u32> = Limit::closed(1, 1_000_000);
/// `max_keys` when the file gives none.
pub const DEFAULT_LIMITER_KEYS: u32 = 10_000;
/// A service's `shed` threshold: the line length from which a class is
/// refused.
pub const SHED_LINE: Limit<u32> = Limit::closed(1, u32::MAX);
/// Read replicas per database shard.
pub const READ_REPLICAS: Limit<u32> = Limit::closed(0, 1000);
/// Shards of a database.
pub const SHARDS: Limit<u32> = Limit::closed(1, 1024);
/// Instances of one database, `shards × (1 + read_replicas)`, at most:
/// every window close visits each one (a million made a simulated second
/// take tens of seconds; found by fuzzing).
pub const DATABASE_INSTANCES: Limit<u64> = Limit::closed(1, 100_000);
/// A campaign level's cost par in dollars per hour.
pub const LEVEL_PAR: Limit<f64> = Limit::above(0.0, 1e9);
/// An open-loop workload's rate in requests per second: a phase, a `set`
/// event or a live change (0 pauses the traffic).
pub const WORKLOAD_RATE: Limit<f64> = Limit::closed(0.0, 1e9);
/// A workload's starting rate in the file (`rate` of poisson or constant).
pub const ARRIVAL_RATE: Limit<f64> = Limit::above(0.0, WORKLOAD_RATE.max);
/// Share of reads of a workload.
pub const READ_FRACTION: Limit<f64> = Limit::closed(0.0, 1.0);
/// Request classes (`[[class]]` tables) in one scenario: each keeps its
/// own latency histogram.
pub const CLASSES: Limit<u32> = Limit::closed(0, 100);
/// A request class's share of its workload's requests.
pub const CLASS_SHARE: Limit<f64> = Limit::closed(0.0, 1.0);
/// A token-bucket or leaky-bucket rate limiter's rate, requests per second.
pub const LIMITER_RATE: Limit<f64> = Limit::above(0.0, 1e9);
/// A fixed- or sliding-window rate limiter's requests per window.
pub const LIMITER_LIMIT: Limit<u32> = Limit::closed(1, u32::MAX);
/// A slow-down fault's service-time multiplier (1 restores).
pub const SLOW_FACTOR: Limit<f64> = Limit::above(0.0, 1e6);
/// A traffic spike's rate multiplier (1 ends it, 0 pauses the traffic).
pub const SPIKE_FACTOR: Limit<f64> = Limit::closed(0.0, 1e6);
/// Dollars per hour per unit: far beyond any real machine, and small
/// enough that a whole system's cost stays finite.
pub const COST_PER_HOUR: Limit<f64> = Limit::closed(0.0, 1e9);
/// Workers one `cost_per_hour` buys per replica or instance.
pub const WORKERS_PER_UNIT: Limit<u64> = Limit::closed(1, 100_000);
/// Keys of cache capacity one `cost_per_hour` buys.
pub const KEYS_PER_UNIT: Limit<u64> = Limit::closed(1, 1_000_000_000_000);
/// An autoscaler's `queue_depth` target.
pub const QUEUE_DEPTH_TARGET: Limit<f64> = Limit::above(0.0, 1e9);
/// Concurrent users of a closed-loop workload.
pub const USERS: Limit<u32> = Limit::closed(1, 1_000_000);
/// Deliveries of a queue message before it is dead-lettered.
pub const MAX_DELIVERIES: Limit<u32> = Limit::closed(1, 1000);
/// A call's tries, the first included.
pub const RETRY_ATTEMPTS: Limit<u32> = Limit::closed(1, 100);
/// A retry budget: retries as a share of first attempts.
pub const RETRY_BUDGET: Limit<f64> = Limit::above(0.0, 10.0);
/// A circuit breaker's `consecutive_failures`.
pub const BREAKER_FAILURES: Limit<u32> = Limit::closed(1, 10_000);
/// A circuit breaker's `failure_rate`.
pub const BREAKER_FAILURE_RATE: Limit<f64> = Limit::above(0.0, 1.0);
/// Calls a circuit breaker's failure rate is measured over.
pub const BREAKER_WINDOW: Limit<u32> = Limit::closed(1, 10_000);
/// Trial calls of a half-open circuit breaker.
pub const BREAKER_PROBES: Limit<u32> = Limit::closed(1, 1000);
/// Connections per caller replica in a call's pool.
pub const POOL_SIZE: Limit<u32> = Limit::closed(1, 100_000);
/// The probability of a route of `to` (a share of the requests it matches).
pub const ROUTE_SHARE: Limit<f64> = Limit::above(0.0, 1.0);
/// Times a message may pass through a queue that closes a loop.
pub const MAX_HOPS: Limit<u32> = Limit::closed(1, 1000);
/// An external service's probability of answering a call with an error.
pub const ERROR_RATE: Limit<f64> = Limit::closed(0.0, 1.0);
/// An external service's calls in progress at once.
pub const CONCURRENCY: Limit<u32> = Limit::closed(1, 1_000_000);
/// Times a call is made per visit (`repeat`); a drawn count never exceeds
/// the maximum either (each parallel sub-call is a visit of its own).
pub const REPEAT: Limit<u32> = Limit::closed(1, 100_000);
/// The mean of a Poisson `repeat`, the scale of a Pareto one.
pub const REPEAT_MEAN: Limit<f64> = Limit::above(0.0, 100_000.0);
/// Successes a parallel fan-out waits for (`wait = { quorum = k }`).
pub const QUORUM: Limit<u32> = Limit::closed(1, 100_000);
/// A warm cache's share of its capacity filled at the start (`warm`).
pub const WARM_SHARE: Limit<f64> = Limit::closed(0.0, 1.0);
/// Keys a warm cache fills at the start, at most (each takes memory
/// before the first request; a cold cache fills as requests come).
pub const WARM_KEYS: Limit<u64> = Limit::closed(0, 10_000_000);

/// A payload size in bytes (a constant or a distribution's parameter;
/// draws are capped here): up to a terabyte.
pub const PAYLOAD_BYTES: Limit<f64> = Limit::closed(0.0, 1e12);
/// A link's bandwidth in bytes per second (`"10Gbps"` is 1.25e9): up to
/// 10 TB/s.
pub const BANDWIDTH: Limit<f64> = Limit::above(0.0, 1e13);
/// An egress price in dollars per GB.
pub const EGRESS_PER_GB: Limit<f64> = Limit::closed(0.0, 1e6);
/// The shortest period of a timer that fires all run long: an
/// autoscaler's `interval`, a write-back cache's `flush_interval`, the
/// time-series `window`. Each period is an event whatever the traffic,
/// so at 1 ns a 75 s run is 75 billion events and never ends; no real
/// autoscaler, flush or dashboard looks more often than every millisecond.
pub const MIN_PERIOD: SimTime = SimTime::from_millis(1);

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = include_str!("../../docs/scenario-format.md");

    /// An integer as the format reference writes it: `10 000`, `1000`.
    fn int(n: u64) -> String {
        if n < 10_000 {
            return n.to_string();
        }
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }

    /// A number as the reference writes it: `0`, `1`, `1e9`.
    fn num(x: f64) -> String {
        if x >= 1000.0 {
            format!("{x:e}")
        } else {
            x.to_string()
        }
    }

    fn ints<T: Into<u64> + Copy>(l: Limit<T>) -> String {
        format!("{} ..= {}", int(l.min.into()), int(l.max.into()))
    }

    /// The reference-table style: `> 0, ≤ 1e9` or `≥ 0, ≤ 1e9`.
    fn nums(l: Limit<f64>) -> String {
        let low = if l.min_included { "≥" } else { ">" };
        format!("{low} {}, ≤ {}", num(l.min), num(l.max))
    }

    /// Every doc line starting with `row` (at least one) states `range`.
    fn has(row: &str, range: &str) {
        let found: Vec<&str> = DOC.lines().filter(|l| l.starts_with(row)).collect();
        assert!(!found.is_empty(), "no row starts with {row:?}");
        for l in found {
            assert!(l.contains(range), "{row:?}: expected {range:?} in\n{l}");
        }
    }

    /// docs/scenario-format.md states the ranges of the table above.
    #[test]
    fn the_format_reference_states_these_ranges() {
        // Field references.
        has("| `replicas` | integer", &ints(REPLICAS));
        has("| `min` | integer", &ints(REPLICAS));
        has(
            "| `max` | integer",
            &format!("`min` ..= {}", int(REPLICAS.max.into())),
        );
        has("| `workers` | integer", &ints(WORKERS));
        has("| `consumers` | integer", &ints(WORKERS));
        has("| `queue` | integer", &ints(LINE_CAPACITY));
        has("| `capacity` | integer | unbounded", &ints(LINE_CAPACITY));
        has("| `shed` | table", &ints(SHED_LINE));
        has("| `max_keys` | integer", &ints(LIMITER_KEYS));
        has("| `users` | integer", &ints(USERS));
        has("| `max_attempts` | integer", &ints(MAX_DELIVERIES));
        has("| `attempts` | integer", &ints(RETRY_ATTEMPTS));
        has("| `budget` | number", &nums(RETRY_BUDGET));
        has(
            "| `consecutive_failures` | integer",
            &ints(BREAKER_FAILURES),
        );
        has("| `failure_rate` | number", &nums(BREAKER_FAILURE_RATE));
        has("| `window` | integer", &ints(BREAKER_WINDOW));
        has("| `probes` | integer", &ints(BREAKER_PROBES));
        has("| `size` | integer", &ints(POOL_SIZE));
        has("| `error_rate` | number", &nums(ERROR_RATE));
        has("| `p` | number", &nums(ROUTE_SHARE));
        has("| `max_hops` | integer", &ints(MAX_HOPS));
        has("| `concurrency` | integer", &ints(CONCURRENCY));
        has("| `rate_limit` | number", &nums(LIMITER_RATE));
        has("| `repeat` | integer", &ints(REPEAT));
        has("| `50` | always 50", &ints(REPEAT));
        has("| `{ dist = \"constant\", value = 50 }`", &ints(REPEAT));
        has(
            "| `{ dist = \"poisson\"",
            &format!("`mean` {}", nums(REPEAT_MEAN)),
        );
        has(
            "| `{ dist = \"pareto\", scale = 10",
            &format!("`scale` {}", nums(REPEAT_MEAN)),
        );
        has(
            "| `{ dist = \"pareto\", scale = 10",
            &format!(
                "`max` in {}, default {}",
                ints(REPEAT),
                int(REPEAT.max.into())
            ),
        );
        has("| `wait` | string", &format!("k in {}", ints(QUORUM)));
        has("| `read_replicas` | integer", &ints(READ_REPLICAS));
        has("| `shards` | integer", &ints(SHARDS));
        has(
            "| `shards` | integer",
            &format!("at most {} instances", int(DATABASE_INSTANCES.max)),
        );
        has(
            "| `rate` | number | — (required for `poisson`",
            &nums(ARRIVAL_RATE),
        );
        has("| `rate` | number | — (required) |", &nums(WORKLOAD_RATE));
        has(
            "| `rate` | number | — (required for `token_bucket`",
            &nums(LIMITER_RATE),
        );
        has("| `cost_per_hour` | number", &nums(COST_PER_HOUR));
        has("| `workers_per_unit` | integer", &ints(WORKERS_PER_UNIT));
        has(
            "| `keys_per_unit` | integer",
            &format!("1 ..= {}", num(KEYS_PER_UNIT.max as f64)),
        );
        has(
            "| `target` | number",
            &format!("`queue_depth`: {}", nums(QUEUE_DEPTH_TARGET)),
        );
        // Periodic timers.
        let period = format!("≥ {}ms", MIN_PERIOD.as_nanos() / 1_000_000);
        has("| `interval` | duration", &period);
        has("| `flush_interval` | duration", &period);
        has("| `window` | duration | `\"1s\"`", &period);
        // Events.
        has(
            "| `slow` |",
            &format!("`factor` (required, {})", nums(SLOW_FACTOR)),
        );
        has(
            "| `spike` |",
            &format!(
                "`factor` (required, {} ..= {})",
                num(SPIKE_FACTOR.min),
                num(SPIKE_FACTOR.max)
            ),
        );
        // What a `set` event changes.
        has(
            "| service | `replicas`",
            &format!("`replicas` ({}", ints(REPLICAS)),
        );
        has(
            "| service | `replicas`",
            &format!("`workers` ({}", ints(WORKERS)),
        );
        has(
            "| database | `read_replicas`",
            &format!(
                "`read_replicas` ({}, at most {} instances in all)",
                ints(READ_REPLICAS),
                int(DATABASE_INSTANCES.max)
            ),
        );
        has(
            "| queue | `consumers`",
            &format!("`consumers` ({}", ints(WORKERS)),
        );
        has(
            "| rate_limiter | `rate`",
            &format!(
                "`rate` (> {} ..= {} req/s",
                num(LIMITER_RATE.min),
                num(LIMITER_RATE.max)
            ),
        );
        has(
            "| rate_limiter | `rate`",
            &format!(
                "`limit` ({} ..= {} per window",
                LIMITER_LIMIT.min,
                int(LIMITER_LIMIT.max.into())
            ),
        );
        has(
            "| workload | `rate`",
            &format!(
                "`rate` ({} ..= {}, open loop only",
                num(WORKLOAD_RATE.min),
                num(WORKLOAD_RATE.max)
            ),
        );
        has(
            "| workload | `rate`",
            &format!(
                "`read_fraction` ({} ..= {})",
                num(READ_FRACTION.min),
                num(READ_FRACTION.max)
            ),
        );
    }

    #[test]
    fn contains_respects_the_open_end() {
        assert!(!LIMITER_RATE.contains(0.0));
        assert!(LIMITER_RATE.contains(1e9));
        assert!(!LIMITER_RATE.contains(f64::NAN));
        assert!(!LIMITER_RATE.contains(f64::INFINITY));
        assert!(WORKLOAD_RATE.contains(0.0));
        assert!(!REPLICAS.contains(0));
        assert!(REPLICAS.contains(10_000));
        assert!(!REPLICAS.contains(10_001));
    }
}
