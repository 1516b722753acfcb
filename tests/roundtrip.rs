//! `scenario::to_toml` writes a file that loads back to the same model: every example scenario, hand-written files using every field, and hand-built values off the nanosecond grid.

mod common;

use common::toml_files;

use std::path::PathBuf;

use loadlab::scenario::{level_to_toml, load_level_str, load_str, render, to_toml};
use loadlab::sim::command::Command;
use loadlab::sim::dist::Dist;
use loadlab::sim::model::{Arrival, Model, NodeKind, Phase, ScheduledEvent};
use loadlab::sim::time::SimTime;

/// Every field of every kind, every event action and every `set` target.
const EVERYTHING: &str = r#"
[scenario]
name = "Everything \"quoted\" \\ once"
story = """
Line one.
Line two, with a tab:	end."""
duration = "10m"
warmup = "30s"
seed = 7
window = "500ms"
max_in_flight = 5000
max_events = 123_456_789

[[workload]]
name = "users"
to = "edge"
arrival = "poisson"
rate = 1234.5
mix = { read = 0.8 }
keys = { count = 50_000, popularity = "zipf", s = 1.1 }
phases = [ { at = "1m", rate = 2000, ramp = "10s" }, { at = "2m", rate = 0 } ]

[[workload]]
to = "api"
arrival = "constant"
rate = 10
mix = { write = 1 }

[[workload]]
name = "admins"
to = "api"
arrival = "closed"
users = 3
think = { dist = "exponential", mean = "1.5s" }

[[class]]
name = "ride_request"
op = "write"
request_bytes = "2KB"
response_bytes = { dist = "lognormal", mean = "1.5MB", p99 = "12MB" }

[[class]]
name = "location-update"
op = "read"

[[workload]]
name = "riders"
to = "api"
rate = 5
classes = { location-update = 0.7, ride_request = 0.3 }

[[node]]
id = "edge"
kind = "cdn"
pos = [10.5, -3.25]
cost_per_hour = 0.03
egress_per_gb = 0.085
capacity = 10_000
policy = "lfu"
ttl = "1h"
origin = "gate"
coalesce = true
warm = true
miss_penalty = { dist = "uniform", min = "20ms", max = "80ms" }

[[node]]
id = "gate"
kind = "rate_limiter"
algorithm = "sliding_window"
limit = 500
window = "1s"
per = "client"
max_keys = 500
to = "lb"

[[node]]
id = "lb"
kind = "load_balancer"
algorithm = "weighted_round_robin"
to = "api"
weights = [3, 1, 2]

[[node]]
id = "api"
kind = "service"
zone = "us-east"
replicas = 3
workers = 8
queue = 100
service_time = { dist = "lognormal", mean = "4ms", p99 = "25ms" }
timeout = "2s"
priority = ["ride_request", "write"]
shed = { read = 80, location-update = 60 }
autoscale = { metric = "queue_depth", target = 2.5, min = 2, max = 12, interval = "15s", cooldown = "1m", cold_start = "20s" }
to = [ { to = "audit", when = "write", latency = { dist = "lognormal", mean = "2ms", p99 = "9ms" }, p = 0.25 }, { to = "audit", when = "location-update", p = 0.25 }, { to = "db", p = 0.5 } ]
calls = [
  { to = "cache", when = "read", timeout = "50ms", key = "random", latency = { dist = "exponential", mean = "1ms" }, repeat = { dist = "poisson", mean = 2.5 }, parallel = true, wait = { quorum = 2 } },
  { to = "cache2", when = "ride_request", request_bytes = "512KiB", response_bytes = { dist = "pareto", scale = "10KB", shape = 1.5 }, bandwidth = "1Gbps" },
  { to = "db", when = "write", timeout = "200ms", retry = { attempts = 3, backoff = "20ms", max_backoff = "2s", jitter = "equal", budget = 0.1 }, breaker = { consecutive_failures = 5, failure_rate = 0.5, window = 40, open_for = "10s", probes = 2 }, pool = { size = 10, acquire_timeout = "100ms" }, hedge = "30ms", fallback = "cache2", service_time = { dist = "exponential", mean = "3ms" } },
  { to = "jobs", retry = { attempts = 2, jitter = "none" }, breaker = { failure_rate = 0.25 }, op = "write", key = "derived", keys = { count = 1000, popularity = "zipf", s = 0.8 }, repeat = 3 },
]

[[node]]
id = "audit"
kind = "service"
zone = "us-east"
service_time = { dist = "pareto", scale = "1ms", shape = 2.5 }
to = "db"

[[node]]
id = "cache"
kind = "cache"
capacity = 1000
policy = "fifo"
hit_time = "0.3ms"
on_miss = "db"
write_policy = "write_back"
flush_interval = "2s"
warm = 0.25
workers = 4
queue = 1000

[[node]]
id = "cache2"
kind = "cache"
capacity = 0
write_policy = "write_through"
on_miss = "db"
miss_penalty = "1ms"

[[node]]
id = "db"
kind = "database"
zone = "eu-west"
read_replicas = 2
workers = 16
queue = 500
service_time = { dist = "lognormal", mean = "8ms", p99 = "40ms" }
write_service_time = { dist = "constant", value = "12ms" }
timeout = "1s"
replication_lag = { dist = "exponential", mean = "30ms" }
shards = 3

[[node]]
id = "jobs"
kind = "queue"
capacity = 1000
consumers = 4
service_time = "5ms"
visibility_timeout = "30s"
max_attempts = 5
max_hops = 4
calls = [ { to = "db", when = "write" }, "mailer" ]

[[node]]
id = "events"
kind = "topic"
subscribers = ["jobs"]

[[node]]
id = "payments"
kind = "external"
latency = { dist = "lognormal", mean = "300ms", p99 = "1.5s" }
error_rate = 0.01
rate_limit = 50.5
burst = 7
concurrency = 100

[[node]]
id = "maps"
kind = "external"
latency = "80ms"

[[node]]
id = "mailer"
kind = "rate_limiter"
algorithm = "token_bucket"
rate = 20.5
to = "smtp"

[[node]]
id = "smtp"
kind = "rate_limiter"
algorithm = "leaky_bucket"
rate = 5
capacity = 7
to = "sink"

[[node]]
id = "sink"
kind = "rate_limiter"
algorithm = "fixed_window"
limit = 100
window = "1m"
to = "cache2"

[[zone_link]]
between = ["us-east", "eu-west"]
latency = { dist = "uniform", min = "38ms", max = "42ms" }
bandwidth = "100MB/s"
egress_per_gb = 0.02

[[zone_link]]
between = ["us-east", "us-east"]
latency = "0.5ms"

[[objective]]
metric = "p99"
below = "100ms"

[[objective]]
metric = "p50"
below = "0.5ms"

[[objective]]
metric = "p95"
below = "1.5s"

[[objective]]
metric = "mean_latency"
below = "20ms"

[[objective]]
metric = "error_rate"
below = 0.001

[[objective]]
metric = "throughput"
above = 1000

[[objective]]
metric = "cost_per_hour"
below = 4.5

[[objective]]
metric = "egress_cost_per_hour"
below = 2.25

[[objective]]
metric = "total_cost_per_hour"
below = 6

[[objective]]
metric = "p99"
class = "ride_request"
below = "300ms"

[[objective]]
metric = "oldest_message_age"
queue = "jobs"
below = "5s"

[[objective]]
metric = "utilisation"
node = "db"
below = 0.7

[[objective]]
metric = "throughput"
workload = "admins"
above = 1

[[objective]]
metric = "limited"
node = "gate"
below = 100

[[objective]]
metric = "error_rate_excluding_limited"
below = 0.001

[[objective]]
metric = "stale_reads"
below = 1

[[event]]
at = "4m"
action = "set"
target = "payments.latency"
value = { dist = "exponential", mean = "250ms" }

[[event]]
at = "1m"
action = "crash"
node = "api.replica.1"
for = "30s"

[[event]]
at = "1m"
action = "crash"
node = "db.shard.2.replica.1"

[[event]]
at = "70s"
action = "recover"
node = "db.shard.2.replica.1"

[[event]]
at = "1m"
action = "crash"
node = "cache"

[[event]]
at = "2m"
action = "slow"
node = "db"
factor = 3.5
for = "1m"

[[event]]
at = "3m"
action = "partition"
from = "api"
to = "db"
mode = "hang"
for = "20s"

[[event]]
at = "4m"
action = "partition"
from = "jobs"
to = "db"

[[event]]
at = "270s"
action = "heal"
from = "db"
to = "jobs"

[[event]]
at = "5m"
action = "flush"
node = "edge"

[[event]]
at = "5m"
action = "spike"
workload = "users"
factor = 3
for = "30s"

[[event]]
at = "5m"
action = "spike"
workload = 1
factor = 0

[[event]]
at = "6m"
action = "set"
target = "api.replicas"
value = 6

[[event]]
at = "6m"
action = "set"
target = "api.workers"
value = 4

[[event]]
at = "6m"
action = "set"
target = "api.queue"
value = "none"

[[event]]
at = "6m"
action = "set"
target = "db.queue"
value = 50

[[event]]
at = "6m"
action = "set"
target = "api.service_time"
value = { dist = "exponential", mean = "3ms" }

[[event]]
at = "6m"
action = "set"
target = "api.timeout"
value = "none"

[[event]]
at = "6m"
action = "set"
target = "db.timeout"
value = "750ms"

[[event]]
at = "6m"
action = "set"
target = "lb.algorithm"
value = "least_connections"

[[event]]
at = "6m"
action = "set"
target = "cache.capacity"
value = 2_000_000

[[event]]
at = "6m"
action = "set"
target = "cache.policy"
value = "lru"

[[event]]
at = "6m"
action = "set"
target = "cache.ttl"
value = "5m"

[[event]]
at = "6m"
action = "set"
target = "edge.ttl"
value = "none"

[[event]]
at = "6m"
action = "set"
target = "edge.hit_time"
value = "4ms"

[[event]]
at = "7m"
action = "set"
target = "db.read_replicas"
value = 4

[[event]]
at = "7m"
action = "set"
target = "db.workers"
value = 32

[[event]]
at = "7m"
action = "set"
target = "jobs.consumers"
value = 8

[[event]]
at = "7m"
action = "set"
target = "jobs.capacity"
value = "none"

[[event]]
at = "7m"
action = "set"
target = "jobs.service_time"
value = "2ms"

[[event]]
at = "8m"
action = "set"
target = "workload.users.rate"
value = 900

[[event]]
at = "8m"
action = "set"
target = "workload.1.rate"
value = 20

[[event]]
at = "8m"
action = "set"
target = "workload.admins.read_fraction"
value = 0.25

[[event]]
at = "9m"
action = "set"
target = "mailer.rate"
value = 12.5

[[event]]
at = "9m"
action = "set"
target = "smtp.rate"
value = 8

[[event]]
at = "9m"
action = "set"
target = "gate.limit"
value = 750
"#;

/// Small files for the corners `EVERYTHING` cannot hold at once.
const CORNERS: [&str; 5] = [
    // Defaults only; a CDN with on_miss; write_through; no objectives.
    r#"
[scenario]
name = "minimal"

[[workload]]
to = "edge"
rate = 1

[[node]]
id = "edge"
kind = "cdn"
capacity = 5
on_miss = "api"

[[node]]
id = "api"
kind = "service"
service_time = "1ms"
autoscale = { target = 0.5, max = 3 }
"#,
    // Odd durations and numbers.
    r#"
[scenario]
name = "odd"
duration = "1.000000001s"
window = "333333333ns"

[[workload]]
name = "workload.7"
to = "api"
rate = 0.1
phases = [ { at = "0.5s", rate = 1e-3, ramp = "1us" } ]

[[node]]
id = "api"
kind = "service"
service_time = { dist = "uniform", min = "0s", max = "1.5ns" }
calls = [ { to = "db", timeout = "1ns", retry = { attempts = 100, backoff = "0s", max_backoff = "0s" } } ]
cost_per_hour = 1e-9

[[node]]
id = "db"
kind = "database"
service_time = "0.1ns"

[[event]]
at = "0s"
action = "spike"
workload = 0
factor = 1e6

[[event]]
at = "999999999ns"
action = "set"
target = "workload.workload.7.rate"
value = 1e9
"#,
    // A workload named like an index, and the default-named one beside it.
    r#"
[scenario]
name = "names"

[[workload]]
to = "api"
rate = 1

[[workload]]
name = "0"
to = "api"
rate = 2

[[node]]
id = "api"
kind = "service"
service_time = "1ms"

[[event]]
at = "1s"
action = "set"
target = "workload.0.rate"
value = 3

[[event]]
at = "2s"
action = "set"
target = "workload.workload.0.rate"
value = 4

[[event]]
at = "3s"
action = "spike"
workload = "0"
factor = 2
"#,
    // Every fan-out form.
    r#"
[scenario]
name = "fan-outs"

[[workload]]
to = "api"
rate = 1

[[node]]
id = "api"
kind = "service"
service_time = "1ms"
calls = [
  { to = "db", repeat = 50 },
  { to = "db", repeat = { dist = "uniform", min = 0, max = 7 }, parallel = true, wait = "first" },
  { to = "db", repeat = { dist = "pareto", scale = 2.5, shape = 1.5, max = 1000 }, parallel = true },
  { to = "db", repeat = { dist = "pareto", scale = 1, shape = 3 }, parallel = true, wait = { quorum = 1 } },
  { to = "db", repeat = { dist = "constant", value = 1 }, parallel = true },
]

[[node]]
id = "db"
kind = "database"
service_time = "1ms"
"#,
    // A run shorter than the default window (1 s): the window is left out.
    r#"
[scenario]
name = "short"
duration = "50ms"

[[workload]]
to = "api"
rate = 100

[[node]]
id = "api"
kind = "service"
service_time = "1ms"
"#,
];

fn load(text: &str, name: &str) -> Model {
    load_str(text, name, &[]).unwrap_or_else(|d| panic!("{name}:\n{}", render(&d)))
}

/// Writes `model`, loads the file back, and checks that nothing changed
/// (exactly, through `Debug`) and that writing again gives the same text.
fn assert_round_trip(model: &Model, name: &str) {
    let written = to_toml(model);
    let back = load_str(&written, "written.toml", &[]).unwrap_or_else(|d| {
        panic!(
            "{name}: the written file does not load:\n{}\n{written}",
            render(&d)
        )
    });
    assert_eq!(
        format!("{model:#?}"),
        format!("{back:#?}"),
        "{name}: the model changed; written file:\n{written}"
    );
    assert_eq!(to_toml(&back), written, "{name}: writing is not stable");
}

#[test]
fn every_example_scenario_round_trips() {
    let mut files = Vec::new();
    toml_files(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        &mut files,
    );
    files.sort();
    assert!(!files.is_empty());
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        let name = file.display().to_string();
        assert_round_trip(&load(&text, &name), &name);
    }
}

#[test]
fn a_file_using_every_field_round_trips() {
    let model = load(EVERYTHING, "everything.toml");
    assert_round_trip(&model, "everything.toml");
    for (i, text) in CORNERS.iter().enumerate() {
        let name = format!("corner {i}");
        assert_round_trip(&load(text, &name), &name);
    }
}

/// Which `Command` variant (a new variant fails to compile here until it
/// is added to `EVERYTHING`).
fn variant(c: &Command) -> usize {
    match c {
        Command::SetReplicas { .. } => 0,
        Command::SetWorkers { .. } => 1,
        Command::SetQueueCapacity { .. } => 2,
        Command::SetServiceTime { .. } => 3,
        Command::SetTimeout { .. } => 4,
        Command::SetLbAlgorithm { .. } => 5,
        Command::SetCacheCapacity { .. } => 6,
        Command::SetCachePolicy { .. } => 7,
        Command::SetCacheTtl { .. } => 8,
        Command::FlushCache { .. } => 9,
        Command::SetReadReplicas { .. } => 10,
        Command::SetWorkloadRate { .. } => 11,
        Command::SetReadFraction { .. } => 12,
        Command::SetRateFactor { .. } => 13,
        Command::Crash { .. } => 14,
        Command::Recover { .. } => 15,
        Command::SlowDown { .. } => 16,
        Command::Partition { .. } => 17,
        Command::Heal { .. } => 18,
        Command::SetLimiterRate { .. } => 19,
        Command::SetLimiterLimit { .. } => 20,
    }
}

#[test]
fn the_full_file_uses_every_kind_and_every_command() {
    let model = load(EVERYTHING, "everything.toml");
    let mut seen = [false; 21];
    for e in &model.events {
        seen[variant(&e.command)] = true;
    }
    assert!(seen.iter().all(|s| *s), "{seen:?}");
    let mut kinds: Vec<&str> = model.nodes.iter().map(|n| n.kind.name()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "cache",
            "cdn",
            "database",
            "external",
            "load_balancer",
            "queue",
            "rate_limiter",
            "service",
            "topic"
        ]
    );
    // Sorted by time, file order kept among equals: the crash of
    // api.replica.1 (file order 1st) comes before that of db (2nd).
    assert!(model.events.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(matches!(
        model.events[0].command,
        Command::Crash {
            replica: Some(1),
            ..
        }
    ));
}

/// The numbers in a `Debug` text, and the text between them.
fn tokens(s: &str) -> Vec<Result<f64, String>> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let starts_number = rest.starts_with(|c: char| c.is_ascii_digit() || c == '-')
            && rest
                .trim_start_matches('-')
                .starts_with(|c: char| c.is_ascii_digit());
        if starts_number {
            let end = rest
                .char_indices()
                .skip(1)
                .find(|&(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | '-' | '+')))
                .map_or(rest.len(), |(i, _)| i);
            let (num, tail) = rest.split_at(end);
            out.push(num.parse::<f64>().map_err(|_| num.to_string()));
            rest = tail;
        } else {
            let end = rest
                .char_indices()
                .skip(1)
                .find(|&(_, c)| c.is_ascii_digit() || c == '-')
                .map_or(rest.len(), |(i, _)| i);
            let (text, tail) = rest.split_at(end);
            out.push(Err(text.to_string()));
            rest = tail;
        }
    }
    out
}

/// `Debug` texts equal but for numbers within `rel` of each other.
fn assert_close(a: &Model, b: &Model, rel: f64) {
    let (ta, tb) = (tokens(&format!("{a:?}")), tokens(&format!("{b:?}")));
    assert_eq!(ta.len(), tb.len(), "{a:?}\n{b:?}");
    for (x, y) in ta.iter().zip(&tb) {
        match (x, y) {
            (Ok(x), Ok(y)) => assert!(
                x == y || ((x - y) / x.abs().max(y.abs())).abs() <= rel,
                "{x} vs {y}"
            ),
            _ => assert_eq!(x, y),
        }
    }
}

#[test]
fn values_off_the_nanosecond_grid_round_trip() {
    let mut model = load(CORNERS[0], "minimal");
    model.duration = SimTime(86_400_000_000_123);
    model.workloads[0].arrival = Arrival::Constant { rate: 0.1 + 0.2 };
    model.workloads[0].read_fraction = 1.0 / 3.0;
    model.workloads[0].phases = vec![Phase {
        at: SimTime(1),
        rate: 1e-300,
        ramp: SimTime(u64::MAX),
    }];
    model.nodes[0].pos = Some([0.1, 1e30]);
    if let NodeKind::Service(s) = &mut model.nodes[1].kind {
        s.service_time = Dist::Exponential {
            mean: 0.001_234_567_890_123_4,
        };
    }
    model.events = vec![ScheduledEvent {
        at: SimTime(5),
        command: Command::SetServiceTime {
            node: 1,
            dist: Dist::Uniform {
                min: 1e-12,
                max: 3.3e-3,
            },
        },
    }];
    // Everything above is exact.
    assert_round_trip(&model, "off the grid");

    // A log-normal not built from a whole-nanosecond mean and p99 reads
    // back within 1e-9 (it is written as its mean and p99 in full).
    if let NodeKind::Service(s) = &mut model.nodes[1].kind {
        s.service_time = Dist::LogNormal {
            mu: -5.123_456_789,
            sigma: 0.876_543_21,
        };
    }
    let back = load(&to_toml(&model), "log-normal");
    assert_close(&model, &back, 1e-9);
}

// ---- [level] -------------------------------------------------------------

/// A level using every `[level]` field: a multi-line hint, braces and
/// `start.` figures in the debriefs, a knob-keyed `locked` table, an
/// added kind with its price, a three-star condition of every kind.
const LEVEL: &str = r#"
[scenario]
name = "Every level field"
story = "A \"story\"."
duration = "20s"
seed = 1

[[workload]]
name = "users"
to = "api"
rate = 100

[[node]]
id = "api"
kind = "service"
workers = 4
service_time = "5ms"
calls = [ { to = "db", repeat = 5 } ]
cost_per_hour = 0.10

[[node]]
id = "db"
kind = "database"
service_time = "1ms"
cost_per_hour = 0.20

[[objective]]
metric = "p99"
below = "100ms"

[[objective]]
metric = "cost_per_hour"
below = 1.5

[level]
ask = "100 requests/s, p99 < 100 ms, cost < $1.50/h"
par = 0.45
exam_seeds = [2, 30000]
unlocked = ["api.*", "db.workers"]
locked = { "db" = "The database is \"fine\".", "api.service_time" = "The code is what it is." }
locked_reason = "Not this level's lesson."
max = { "api.replicas" = 6, "cache.capacity" = 200_000, "api.workers" = 2.5, "api.calls.db.pool.size" = 25 }
min = { "api.calls.db.repeat" = 2, "api.calls.0.timeout" = "1.5s" }
add = ["cache"]
price = { cache = 0.5 }
hints = ["One.", """
Two
lines."""]

[level.three_stars]
why = "p99 under 50 ms, one hint, a crash"
objectives = [ { metric = "p99", below = "50ms" }, { metric = "error_rate", below = 0.01 }, { metric = "utilisation", node = "db", below = 0.8 } ]
max_hints = 1
chaos = [ { at = "10s", action = "crash", node = "db", for = "2s" } ]

[level.debrief]
pass = "p99 {p99} (was {start.p99}); db {db.rate} → {start.db.utilisation} {{braces}}."
miss = "Missed: {error_rate}."
"#;

/// Writes a level with `level_to_toml`, loads it back, and checks the
/// model and the `[level]` spec are unchanged and writing is stable.
fn assert_level_round_trip(text: &str, name: &str) {
    let (model, spec) =
        load_level_str(text, name, &[]).unwrap_or_else(|d| panic!("{name}:\n{}", render(&d)));
    let spec = spec.unwrap_or_else(|| panic!("{name}: no [level]"));
    let written = level_to_toml(&model, &spec);
    let (back, back_spec) = load_level_str(&written, "written.toml", &[]).unwrap_or_else(|d| {
        panic!(
            "{name}: the written level does not load:\n{}\n{written}",
            render(&d)
        )
    });
    let back_spec = back_spec.unwrap_or_else(|| panic!("{name}: [level] not written"));
    assert_eq!(
        format!("{model:#?}"),
        format!("{back:#?}"),
        "{name}: {written}"
    );
    assert_eq!(
        format!("{spec:#?}"),
        format!("{back_spec:#?}"),
        "{name}: the level changed; written file:\n{written}"
    );
    assert_eq!(
        level_to_toml(&back, &back_spec),
        written,
        "{name}: writing is not stable"
    );
}

#[test]
fn a_level_using_every_field_round_trips() {
    assert_level_round_trip(LEVEL, "level.toml");
}

#[test]
fn every_campaign_level_round_trips_with_its_level_table() {
    let mut files = Vec::new();
    toml_files(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/campaign"),
        &mut files,
    );
    files.sort();
    assert!(files.len() >= 24);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        assert_level_round_trip(&text, &file.display().to_string());
    }
}
