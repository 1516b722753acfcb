//! The fuzz harness, shared by the targets in `fuzz/` and their regression test: bytes into the scenario loader, bytes into a small random scenario run for a bounded number of events, and the engine's bookkeeping invariants.
//!
//! Every function here panics when something the project promises does
//! not hold (the fuzzer reports a panic as a crash), and returns quietly
//! otherwise, rejected input included. `tests/fuzz_regressions.rs` feeds
//! the committed corpus and crash reproducers through the same functions;
//! the engine tests use the invariant checks (`assert_summary_sane`,
//! `check_books`) on their own runs.

use std::fmt::Write as _;

use crate::scenario::{self, Diagnostic};
use crate::sim::metrics::{LatencyStats, NodeSummary, Summary, Window};
use crate::sim::model::NodeKind;
use crate::sim::{SimTime, Simulation};

/// Events one `run_scenario` input may handle in all.
pub const EVENT_BUDGET: u64 = 20_000;

// ---- the loader ---------------------------------------------------------

/// Splits fuzz input into `--set` overrides and the file: leading lines
/// `--set TARGET.FIELD=VALUE` are overrides, the rest is the file.
pub fn split_overrides(data: &[u8]) -> (Vec<String>, &[u8]) {
    let mut rest = data;
    let mut overrides = Vec::new();
    while let Some(after) = rest.strip_prefix(b"--set ") {
        let end = after
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(after.len());
        overrides.push(String::from_utf8_lossy(&after[..end]).into_owned());
        rest = after.get(end + 1..).unwrap_or(&[]);
    }
    (overrides, rest)
}

/// Loads `data` as `loadlab check` would (leading `--set` lines as its
/// overrides): it must give a model or located diagnostics, never panic.
/// A model is described (the `check` output) and written back with
/// `to_toml`, which must load again to the same model and write the same
/// text again. Returns whether the loader took it.
pub fn load_scenario(data: &[u8]) -> bool {
    let (overrides, file) = split_overrides(data);
    match scenario::load_bytes(file, "fuzz.toml", &overrides) {
        Ok(model) => {
            let _ = crate::report::topology::describe(&model);
            let written = scenario::to_toml(&model);
            let back = scenario::load_str(&written, "written.toml", &[]).unwrap_or_else(|d| {
                panic!(
                    "a loaded model, written back, does not load:\n{}\n--- written ---\n{written}",
                    scenario::render(&d)
                )
            });
            assert_eq!(
                format!("{model:?}"),
                format!("{back:?}"),
                "the model changed through to_toml; written:\n{written}"
            );
            assert_eq!(scenario::to_toml(&back), written, "writing is not stable");
            true
        }
        Err(diags) => {
            check_diagnostics(&diags);
            false
        }
    }
}

/// A refusal is at least one diagnostic, each placed at a line and column
/// from 1, and renders.
fn check_diagnostics(diags: &[Diagnostic]) {
    assert!(!diags.is_empty(), "refused without a diagnostic");
    for d in diags {
        assert!(d.line >= 1 && d.column >= 1, "unplaced diagnostic: {d:?}");
        assert!(!d.message.is_empty(), "empty message: {d:?}");
    }
    let _ = scenario::render(diags);
}

// ---- small random scenarios ---------------------------------------------

/// Runs the scenario `scenario_text(data)` describes, if the loader takes
/// it, for at most `EVENT_BUDGET` events, checking the books at several
/// instants. A scenario the loader refuses is fine; a panic is not.
/// Returns whether the loader took it.
pub fn run_scenario(data: &[u8]) -> bool {
    let text = scenario_text(data);
    let model = match scenario::load_str(&text, "fuzz.toml", &[]) {
        Ok(m) => m,
        Err(d) => {
            check_diagnostics(&d);
            return false;
        }
    };
    let duration = model.duration;
    let seed = model.seed;
    let mut sim = Simulation::new(model, seed);
    let mut windows = Vec::new();
    let mut left = EVENT_BUDGET;
    for k in 1..=4u64 {
        let t = SimTime((u128::from(duration.0) * u128::from(k) / 4) as u64);
        let before = sim.events_processed();
        let reached = sim.run_until_budget(t, left);
        left = left.saturating_sub(sim.events_processed() - before);
        check_books(&mut sim, &mut windows);
        if !reached {
            break;
        }
    }
    true
}

/// Byte reader behind `scenario_text`: every choice takes a byte or two;
/// past the end every choice is 0 (the first option).
struct Choices<'a> {
    data: &'a [u8],
}

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.data.split_first().unwrap_or((&0, &[]));
        self.data = rest;
        b
    }

    fn below(&mut self, n: usize) -> usize {
        if n <= 256 {
            usize::from(self.byte()) % n.max(1)
        } else {
            (usize::from(self.byte()) << 8 | usize::from(self.byte())) % n
        }
    }

    /// True with probability about 1/`one_in` (false past the end, so a
    /// short input is a plain scenario).
    fn one_in(&mut self, one_in: usize) -> bool {
        self.below(one_in) == one_in.max(1) - 1
    }

    fn pick<'b>(&mut self, options: &[&'b str]) -> &'b str {
        options[self.below(options.len())]
    }

    /// One of `usual`, or one in 24 times one of `extreme` (a scenario
    /// draws dozens of values, and one out of range spoils it).
    fn mostly<'b>(&mut self, usual: &[&'b str], extreme: &[&'b str]) -> &'b str {
        if self.one_in(24) {
            self.pick(extreme)
        } else {
            self.pick(usual)
        }
    }

    /// A number, sometimes an extreme one (or out of range).
    fn number(&mut self) -> &'static str {
        self.mostly(
            &["1", "0.5", "10", "100", "1000", "2", "0.9", "0.1"],
            &[
                "0",
                "1e-9",
                "1e9",
                "1e6",
                "1.0000001",
                "1e300",
                "-1",
                "1e-300",
            ],
        )
    }

    /// An integer, sometimes an extreme one (or out of range).
    fn integer(&mut self) -> &'static str {
        self.mostly(
            &["1", "2", "3", "4", "10", "100", "1000", "5"],
            &[
                "0",
                "10000",
                "100000",
                "100001",
                "4294967295",
                "4294967296",
                "9223372036854775807",
                "-1",
            ],
        )
    }

    /// A duration in nanoseconds, often short.
    fn nanos(&mut self) -> u64 {
        const NS: [u64; 16] = [
            1_000_000,
            10_000_000,
            1_000,
            100_000,
            0,
            1,
            2,
            1_000_000_000,
            10_000_000_000,
            3_600_000_000_000,
            500,
            250_000,
            u64::MAX,
            u64::MAX / 2,
            5_000_000,
            999_999_999,
        ];
        NS[self.below(NS.len())]
    }

    fn duration(&mut self) -> String {
        format!("\"{}ns\"", self.nanos())
    }

    /// A distribution of durations in one of the file's forms.
    fn dist(&mut self) -> String {
        let mean = self.nanos();
        match self.below(6) {
            0 => format!("\"{mean}ns\""),
            1 => format!("{{ dist = \"constant\", value = \"{mean}ns\" }}"),
            2 => format!("{{ dist = \"exponential\", mean = \"{mean}ns\" }}"),
            3 => format!(
                "{{ dist = \"uniform\", min = \"{}ns\", max = \"{mean}ns\" }}",
                mean / (1 + self.below(4) as u64)
            ),
            4 => {
                let ratio = self.mostly(&["2", "14.9", "1.01", "5"], &["15", "1", "1e6"]);
                format!(
                    "{{ dist = \"lognormal\", mean = \"{mean}ns\", p99 = \"{}ns\" }}",
                    (mean as f64 * ratio.parse::<f64>().unwrap_or(1.0)).round()
                )
            }
            _ => format!(
                "{{ dist = \"pareto\", scale = \"{mean}ns\", shape = {} }}",
                self.mostly(&["2.5", "1.5", "1.0000001", "100"], &["1", "0.5", "1e9"])
            ),
        }
    }

    /// A node index for an edge from node `own`: a later node (so the
    /// graph stays acyclic), or none if there is none; one in 32 times any
    /// node (a cycle, perhaps, for the loader to refuse).
    fn target(&mut self, own: usize, nodes: usize) -> Option<usize> {
        if self.one_in(32) {
            Some(self.below(nodes))
        } else if own + 1 < nodes {
            Some(own + 1 + self.below(nodes - own - 1))
        } else {
            None
        }
    }

    /// A node index for a required edge: a later node if there is one.
    fn required_target(&mut self, own: usize, nodes: usize) -> usize {
        self.target(own, nodes).unwrap_or_else(|| self.below(nodes))
    }

    fn when(&mut self) -> &'static str {
        self.pick(&["", ", when = \"read\"", ", when = \"write\""])
    }
}

const KINDS: [&str; 7] = [
    "service",
    "load_balancer",
    "cache",
    "database",
    "queue",
    "rate_limiter",
    "cdn",
];

/// The scenario file `data` describes: 1–8 nodes of every kind with their
/// fields drawn from ranges that include the extremes (0, 1 ns, 584
/// years, 1e9, 2^63 − 1, a few out of range), 1–3 workloads and up to 4
/// scheduled events. Edges mostly point to later nodes; an edge elsewhere
/// may make a cycle, which the loader refuses.
pub fn scenario_text(data: &[u8]) -> String {
    let mut c = Choices { data };
    let mut s = String::new();
    let n = 1 + c.below(8);
    let mut kinds: Vec<&str> = (0..n).map(|_| KINDS[c.below(KINDS.len())]).collect();
    // A load balancer needs a later service, a rate limiter a later node
    // (mostly: sometimes leave it, for the loader's graph checks).
    if !c.one_in(16) {
        for i in (0..n).rev() {
            let later_service = kinds[i + 1..].contains(&"service");
            if (kinds[i] == "load_balancer" && !later_service)
                || (kinds[i] == "rate_limiter" && i + 1 == n)
            {
                kinds[i] = "service";
            }
        }
    }
    let duration = match c.below(5) {
        0 => 1_000_000_000,
        1 => 50_000_000,
        2 => 10_000_000_000,
        3 => 1_000,
        _ => c.nanos(),
    };
    let _ = writeln!(
        s,
        "[scenario]\nname = \"fuzz\"\nduration = \"{duration}ns\""
    );
    if c.one_in(3) {
        let _ = writeln!(s, "warmup = \"{}ns\"", duration / (2 + c.below(4) as u64));
    }
    let _ = writeln!(s, "seed = {}", c.byte());
    match c.below(6) {
        0 => {
            let _ = writeln!(s, "window = {}", c.duration());
        }
        1 | 2 => {
            let _ = writeln!(s, "window = \"{}ns\"", duration / (1 + c.below(16) as u64));
        }
        _ => {}
    }
    if c.one_in(4) {
        let _ = writeln!(s, "max_in_flight = {}", c.integer());
    }
    if c.one_in(4) {
        let _ = writeln!(s, "max_events = {}", c.integer());
    }

    let workloads = 1 + c.below(3);
    for w in 0..workloads {
        let _ = writeln!(
            s,
            "\n[[workload]]\nname = \"w{w}\"\nto = \"n{}\"",
            c.below(n)
        );
        match c.below(3) {
            0 | 1 => {
                let arrival = c.pick(&["poisson", "constant"]);
                let _ = writeln!(s, "arrival = \"{arrival}\"\nrate = {}", c.number());
                if c.one_in(3) {
                    let at = duration / 2;
                    let ramp = c.nanos();
                    let _ = writeln!(
                        s,
                        "phases = [ {{ at = \"{at}ns\", rate = {}, ramp = \"{ramp}ns\" }} ]",
                        c.number()
                    );
                }
            }
            _ => {
                let _ = writeln!(s, "arrival = \"closed\"\nusers = {}", c.integer());
                if c.one_in(2) {
                    let _ = writeln!(s, "think = {}", c.dist());
                }
            }
        }
        if c.one_in(2) {
            let _ = writeln!(
                s,
                "mix = {{ read = {} }}",
                c.pick(&["0.9", "0", "1", "0.5"])
            );
        }
        if c.one_in(2) {
            let popularity = c.pick(&["uniform", "zipf"]);
            let _ = writeln!(
                s,
                "keys = {{ count = {}, popularity = \"{popularity}\", s = {} }}",
                c.integer(),
                c.number()
            );
        }
    }

    for (i, kind) in kinds.iter().enumerate() {
        let _ = writeln!(s, "\n[[node]]\nid = \"n{i}\"\nkind = \"{kind}\"");
        if c.one_in(8) {
            let _ = writeln!(s, "cost_per_hour = {}", c.number());
        }
        node_fields(&mut c, &mut s, &kinds, i);
    }

    for _ in 0..c.below(5) {
        let at = (u128::from(duration) * c.below(8) as u128 / 8) as u64;
        let _ = writeln!(s, "\n[[event]]\nat = \"{at}ns\"");
        let node = c.below(n);
        let other = if n > 1 && !c.one_in(16) {
            (node + 1 + c.below(n - 1)) % n
        } else {
            node
        };
        let lasting = if c.one_in(2) {
            format!("\nfor = {}", c.duration())
        } else {
            String::new()
        };
        let _ = match c.below(8) {
            0 => {
                let part = c.pick(&["", ".replica.0", ".replica.3", ".primary", ".replica.1"]);
                writeln!(s, "action = \"crash\"\nnode = \"n{node}{part}\"{lasting}")
            }
            1 => writeln!(s, "action = \"recover\"\nnode = \"n{node}\""),
            2 => writeln!(
                s,
                "action = \"slow\"\nnode = \"n{node}\"\nfactor = {}{lasting}",
                c.number()
            ),
            3 => {
                let mode = c.pick(&["fail", "hang"]);
                writeln!(
                    s,
                    "action = \"partition\"\nfrom = \"n{node}\"\nto = \"n{other}\"\nmode = \"{mode}\"{lasting}"
                )
            }
            4 => writeln!(
                s,
                "action = \"heal\"\nfrom = \"n{node}\"\nto = \"n{other}\""
            ),
            5 => writeln!(s, "action = \"flush\"\nnode = \"n{node}\""),
            6 => writeln!(
                s,
                "action = \"spike\"\nworkload = {}\nfactor = {}{lasting}",
                c.below(workloads),
                c.number()
            ),
            _ => {
                let (target, value) = match c.below(12) {
                    0 => (format!("n{node}.replicas"), c.integer().to_string()),
                    1 => (format!("n{node}.workers"), c.integer().to_string()),
                    2 => (format!("n{node}.queue"), c.integer().to_string()),
                    3 => (format!("n{node}.service_time"), c.dist()),
                    4 => (format!("n{node}.timeout"), c.duration()),
                    5 => (format!("n{node}.capacity"), c.integer().to_string()),
                    6 => (format!("n{node}.read_replicas"), c.integer().to_string()),
                    7 => (format!("n{node}.consumers"), c.integer().to_string()),
                    8 => ("workload.w0.rate".to_string(), c.number().to_string()),
                    // A rate limiter's rate (buckets) or limit (windows).
                    9 => (format!("n{node}.rate"), c.number().to_string()),
                    10 => (format!("n{node}.limit"), c.integer().to_string()),
                    _ => (format!("n{node}.ttl"), "\"none\"".to_string()),
                };
                writeln!(
                    s,
                    "action = \"set\"\ntarget = \"{target}\"\nvalue = {value}"
                )
            }
        };
    }
    s
}

/// The fields of node `i` (of `kinds.len()`).
fn node_fields(c: &mut Choices, s: &mut String, kinds: &[&str], i: usize) {
    let (kind, n) = (kinds[i], kinds.len());
    let maybe =
        |c: &mut Choices, s: &mut String, key: &str, value: &dyn Fn(&mut Choices) -> String| {
            if c.one_in(2) {
                let v = value(c);
                let _ = writeln!(s, "{key} = {v}");
            }
        };
    match kind {
        "service" | "database" | "queue" => {
            let _ = writeln!(s, "service_time = {}", c.dist());
            let workers = if kind == "queue" {
                "consumers"
            } else {
                "workers"
            };
            maybe(c, s, workers, &|c| c.integer().into());
            let queue = if kind == "queue" { "capacity" } else { "queue" };
            maybe(c, s, queue, &|c| c.integer().into());
            if kind == "service" {
                maybe(c, s, "timeout", &|c| c.duration());
                if !c.one_in(4) {
                    maybe(c, s, "replicas", &|c| c.integer().into());
                } else {
                    let metric = c.pick(&["utilisation", "queue_depth"]);
                    let _ = writeln!(
                        s,
                        "autoscale = {{ metric = \"{metric}\", target = {}, min = 1, max = {}, interval = {}, cooldown = {}, cold_start = {} }}",
                        c.pick(&["0.6", "1", "1e-9", "1e9"]),
                        c.pick(&["1", "4", "10000"]),
                        c.duration(),
                        c.duration(),
                        c.duration()
                    );
                }
                if c.one_in(3)
                    && let Some(to) = c.target(i, n)
                {
                    let when = c.when();
                    let _ = writeln!(s, "to = [ {{ to = \"n{to}\"{when} }} ]");
                }
            }
            if kind == "database" {
                // Each extreme alone, not both: 1024 shards of 1001
                // instances is a million stations, and closing a window
                // visits each (seconds per input, not a crash).
                let shards = c.pick(&["1", "2", "1024", "0", ""]);
                let replicas = if shards == "1024" {
                    c.pick(&["0", "1", "3", ""])
                } else {
                    c.pick(&["0", "1", "3", "1000", ""])
                };
                for (key, value) in [("shards", shards), ("read_replicas", replicas)] {
                    if !value.is_empty() {
                        let _ = writeln!(s, "{key} = {value}");
                    }
                }
                maybe(c, s, "write_service_time", &|c| c.dist());
                maybe(c, s, "replication_lag", &|c| c.dist());
                maybe(c, s, "timeout", &|c| c.duration());
            }
            if kind == "queue" {
                maybe(c, s, "visibility_timeout", &|c| c.duration());
                maybe(c, s, "max_attempts", &|c| {
                    c.pick(&["1", "3", "1000"]).into()
                });
            }
            if kind != "database" {
                for _ in 0..c.below(3) {
                    if let Some(to) = c.target(i, n) {
                        let _ = writeln!(s, "{}", call(c, to));
                    }
                }
            }
        }
        "load_balancer" => {
            let algorithm = c.pick(&[
                "round_robin",
                "weighted_round_robin",
                "random",
                "least_connections",
                "power_of_two",
                "consistent_hash",
            ]);
            let services: Vec<usize> = (i + 1..n).filter(|&j| kinds[j] == "service").collect();
            let to = if services.is_empty() || c.one_in(32) {
                c.required_target(i, n)
            } else {
                services[c.below(services.len())]
            };
            let _ = writeln!(s, "algorithm = \"{algorithm}\"\nto = \"n{to}\"");
            if algorithm == "weighted_round_robin" && c.one_in(2) {
                let _ = writeln!(s, "weights = [{}, {}]", c.integer(), c.integer());
            }
        }
        "cache" | "cdn" => {
            let _ = writeln!(s, "capacity = {}", c.integer());
            maybe(c, s, "policy", &|c| {
                format!("\"{}\"", c.pick(&["lru", "lfu", "fifo"]))
            });
            maybe(c, s, "ttl", &|c| c.duration());
            maybe(c, s, "hit_time", &|c| c.dist());
            maybe(c, s, "miss_penalty", &|c| c.dist());
            maybe(c, s, "coalesce", &|c| c.pick(&["true", "false"]).into());
            if c.one_in(4)
                && let Some(to) = c.target(i, n)
            {
                let _ = writeln!(s, "on_miss = \"n{to}\"");
            }
            match c.below(4) {
                0 => {
                    let _ = writeln!(s, "write_policy = \"write_through\"");
                }
                1 => {
                    let _ = writeln!(
                        s,
                        "write_policy = \"write_back\"\nflush_interval = {}",
                        c.duration()
                    );
                }
                _ => {}
            }
        }
        _ => {
            let _ = writeln!(s, "to = \"n{}\"", c.required_target(i, n));
            match c.below(4) {
                0 => {
                    let _ = writeln!(
                        s,
                        "algorithm = \"token_bucket\"\nrate = {}\nburst = {}",
                        c.number(),
                        c.integer()
                    );
                }
                1 => {
                    let _ = writeln!(
                        s,
                        "algorithm = \"leaky_bucket\"\nrate = {}\ncapacity = {}",
                        c.number(),
                        c.integer()
                    );
                }
                k => {
                    let algorithm = if k == 2 {
                        "fixed_window"
                    } else {
                        "sliding_window"
                    };
                    let _ = writeln!(
                        s,
                        "algorithm = \"{algorithm}\"\nlimit = {}\nwindow = {}",
                        c.integer(),
                        c.duration()
                    );
                }
            }
        }
    }
}

/// One `[[node.calls]]` table to node `to`, with random policies.
fn call(c: &mut Choices, to: usize) -> String {
    let mut t = format!("[[node.calls]]\nto = \"n{to}\"");
    let when = c.pick(&["", "read", "write"]);
    if !when.is_empty() {
        let _ = write!(t, "\nwhen = \"{when}\"");
    }
    if c.one_in(2) {
        let _ = write!(t, "\ntimeout = {}", c.duration());
    }
    if c.one_in(3) {
        let _ = write!(
            t,
            "\nretry = {{ attempts = {}, backoff = {}, jitter = \"{}\", budget = {} }}",
            c.pick(&["1", "3", "100"]),
            c.duration(),
            c.pick(&["full", "equal", "none"]),
            c.pick(&["0.1", "10", "1e-9"])
        );
    }
    if c.one_in(3) {
        let _ = write!(
            t,
            "\nbreaker = {{ consecutive_failures = {}, failure_rate = {}, window = {}, open_for = {}, probes = {} }}",
            c.pick(&["1", "5", "10000"]),
            c.pick(&["0.5", "1", "1e-9"]),
            c.pick(&["1", "20", "10000"]),
            c.duration(),
            c.pick(&["1", "1000"])
        );
    }
    if c.one_in(3) {
        let _ = write!(
            t,
            "\npool = {{ size = {}, acquire_timeout = {} }}",
            c.pick(&["1", "10", "100000"]),
            c.duration()
        );
    }
    t
}

// ---- invariants -----------------------------------------------------------

const EPS: f64 = 1e-9;

fn finite_nonneg(what: &str, x: f64) {
    assert!(x.is_finite() && x >= 0.0, "{what} = {x}");
}

fn opt(what: &str, x: Option<f64>) {
    if let Some(x) = x {
        finite_nonneg(what, x);
    }
}

fn fraction(what: &str, x: Option<f64>) {
    if let Some(x) = x {
        finite_nonneg(what, x);
        assert!(x <= 1.0 + EPS, "{what} = {x} > 1");
    }
}

/// Latencies: finite, non-negative, present exactly when something was
/// counted, quantiles in order, the mean not above the maximum.
pub fn assert_latency_sane(what: &str, l: &LatencyStats) {
    let all = [l.mean_ms, l.p50_ms, l.p95_ms, l.p99_ms, l.p999_ms, l.max_ms];
    for (i, x) in all.iter().enumerate() {
        opt(&format!("{what} latency[{i}]"), *x);
    }
    assert_eq!(
        l.count == 0,
        all.iter().all(Option::is_none),
        "{what}: {l:?}"
    );
    if let (Some(mean), Some(p50), Some(p95), Some(p99), Some(p999), Some(max)) =
        (l.mean_ms, l.p50_ms, l.p95_ms, l.p99_ms, l.p999_ms, l.max_ms)
    {
        let q = [p50, p95, p99, p999, max];
        assert!(q.windows(2).all(|w| w[0] <= w[1]), "{what}: {l:?}");
        // The mean is exact; max is the histogram's highest equivalent
        // value, never below the true maximum.
        assert!(mean <= max * (1.0 + EPS), "{what}: {l:?}");
    }
}

/// No NaN or infinity anywhere; fractions within [0, 1].
pub fn assert_summary_sane(s: &Summary) {
    finite_nonneg("throughput", s.throughput_rps);
    finite_nonneg("cost", s.cost_per_hour);
    fraction("error_rate", s.error_rate);
    assert_latency_sane("system", &s.latency);
    assert_eq!(s.latency.count, s.counts.completed);
    assert_eq!(s.measured, s.now.saturating_sub(s.warmup));
    for n in &s.nodes {
        assert_node_sane(n);
    }
}

pub fn assert_node_sane(n: &NodeSummary) {
    let id = &n.id;
    fraction(&format!("{id}.utilisation"), n.utilisation);
    fraction(&format!("{id}.hit_ratio"), n.hit_ratio);
    opt(&format!("{id}.mean_queue_len"), n.mean_queue_len);
    finite_nonneg(&format!("{id}.mean_present"), n.mean_present);
    opt(&format!("{id}.mean_wait_ms"), n.mean_wait_ms);
    opt(&format!("{id}.mean_stay_ms"), n.mean_stay_ms);
    finite_nonneg(&format!("{id}.departure_rate"), n.departure_rate);
    finite_nonneg(&format!("{id}.cost"), n.cost_per_hour);
    assert_latency_sane(id, &n.sojourn);
    assert_eq!(n.mean_wait_ms.is_some(), n.started > 0, "{id}");
    for (r, u) in n.replica_utilisation.iter().enumerate() {
        fraction(&format!("{id}.replica_utilisation[{r}]"), *u);
    }
    if let Some(p) = &n.processing {
        assert_latency_sane(&format!("{id}.processing"), p);
    }
    opt(&format!("{id}.oldest_message_ms"), n.oldest_message_ms);
}

pub fn assert_window_sane(w: &Window) {
    // A flushed window may have zero length: it holds what happened at the
    // very instant the previous window closed.
    assert!(w.end >= w.start, "window ends before it starts: {w:?}");
    finite_nonneg("window throughput", w.throughput_rps);
    finite_nonneg("window cost", w.cost_per_hour);
    assert_latency_sane("window", &w.latency);
    for (i, n) in w.nodes.iter().enumerate() {
        fraction(&format!("window node {i} utilisation"), n.utilisation);
        fraction(&format!("window node {i} hit_ratio"), n.hit_ratio);
        opt(&format!("window node {i} queue"), n.mean_queue_len);
        finite_nonneg(&format!("window node {i} present"), n.mean_present);
        assert_latency_sane(&format!("window node {i}"), &n.sojourn);
        if let Some(p) = &n.processing {
            assert_latency_sane(&format!("window node {i} processing"), p);
        }
        opt(
            &format!("window node {i} oldest message"),
            n.oldest_message_ms,
        );
    }
}

/// The books at this instant: `arrived = completed + failed + in_flight`
/// end to end (measured period, and through the time-series windows, which
/// it extends with the ones closed since, every request); summary and
/// snapshot agree and are sane; every station visit holds a worker or
/// waits; no cache holds more than its capacity; and without a warm-up,
/// the windows add up to the summary and every node's visits had at most
/// one outcome.
pub fn check_books(sim: &mut Simulation, windows: &mut Vec<Window>) {
    let now = sim.now();
    let s = sim.summary();
    let snap = sim.snapshot();
    let c = s.counts;
    assert_eq!(
        c.arrived,
        c.completed + c.failed() + s.in_flight,
        "end-to-end conservation at {now}: {c:?}, in flight {}",
        s.in_flight
    );
    assert_eq!(snap.counts, c, "snapshot and summary disagree at {now}");
    assert!(snap.in_flight >= s.in_flight, "at {now}");
    assert!(
        snap.in_flight as usize <= sim.model().limits.max_in_flight,
        "in-flight cap exceeded at {now}: {}",
        snap.in_flight
    );
    assert_summary_sane(&s);

    sim.flush_window();
    let fresh = sim.take_windows();
    for w in &fresh {
        assert_window_sane(w);
        assert_eq!(w.nodes.len(), s.nodes.len());
    }
    windows.extend(fresh);
    let arrived: u64 = windows.iter().map(|w| w.counts.arrived).sum();
    let finished: u64 = windows
        .iter()
        .map(|w| w.counts.completed + w.counts.failed())
        .sum();
    assert_eq!(
        arrived,
        finished + snap.in_flight,
        "all-requests conservation at {now}"
    );
    if let Some(last) = windows.last() {
        assert_eq!(last.end, now);
        assert_eq!(last.in_flight, snap.in_flight);
    }

    let model = sim.model();
    for (i, n) in snap.nodes.iter().enumerate() {
        if !n.replicas.is_empty() {
            let held: u64 = n
                .replicas
                .iter()
                .map(|r| u64::from(r.busy) + u64::from(r.queued))
                .sum::<u64>()
                // Queue messages waiting out a redelivery backoff.
                + sim.delayed_messages(i);
            assert_eq!(n.present, held, "{} at {now}: {:?}", n.id, n.replicas);
        }
        if let (Some(keys), NodeKind::Cache(spec)) = (n.cache_keys, &model.nodes[i].kind) {
            assert!(keys <= spec.capacity, "{}: {keys} keys", n.id);
        }
    }

    if s.warmup == SimTime::ZERO {
        let sum = |f: fn(&Window) -> u64| windows.iter().map(f).sum::<u64>();
        assert_eq!(sum(|w| w.counts.arrived), c.arrived);
        assert_eq!(sum(|w| w.counts.completed), c.completed);
        assert_eq!(sum(|w| w.counts.failed()), c.failed());
        for n in &snap.nodes {
            let k = n.counts;
            // (`errors` also counts failures seen by a sender cut off by a
            // partition, so it only loosens the upper bound.)
            let done = k.completed + k.rejected + k.timed_out + k.failed_downstream;
            assert!(
                done <= k.arrived && k.arrived <= done + k.errors + n.present,
                "{} at {now}: {k:?}, present {}",
                n.id,
                n.present
            );
            assert!(k.hits + k.misses <= k.arrived, "{}: {k:?}", n.id);
            if n.kind == "queue" {
                // Every message stored is processed, dead-lettered, or
                // still stored or in processing.
                let gone = k.processed + k.dead_lettered;
                assert!(
                    gone <= k.completed && k.completed <= gone + n.present,
                    "{} at {now}: {k:?}, present {}",
                    n.id,
                    n.present
                );
            }
        }
    }
}
