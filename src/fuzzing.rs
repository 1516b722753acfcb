//! The fuzz harness, shared by the targets in `fuzz/` and their regression test: bytes into the scenario loader, and bytes into a small random scenario run for a bounded number of events with the books checked.
//!
//! Every function here panics when something the project promises does
//! not hold (the fuzzer reports a panic as a crash), and returns quietly
//! otherwise, rejected input included. `tests/fuzz_regressions.rs` feeds
//! the committed corpus and crash reproducers through the same functions.
//! The book checks themselves (`check_books`, `assert_summary_sane`, ...)
//! live in `sim::invariants`, which the engine tests use on their own runs;
//! they are re-exported here.

use std::fmt::Write as _;

use crate::scenario::level::LevelSpec;
use crate::scenario::{self, Diagnostic};
use crate::sim::limits::MIN_PERIOD;
use crate::sim::model::{Objective, ObjectiveMetric};
use crate::sim::{SimTime, Simulation};

/// The book checks live in `sim::invariants`; re-exported for the fuzz
/// targets and the engine tests.
pub use crate::sim::invariants::{
    assert_latency_sane, assert_node_sane, assert_summary_sane, assert_window_sane, check_books,
};

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
/// text again; a `[level]` table likewise with `level_to_toml`. Returns
/// whether the loader took it.
pub fn load_scenario(data: &[u8]) -> bool {
    let (overrides, file) = split_overrides(data);
    let loaded = match std::str::from_utf8(file) {
        Ok(text) => scenario::load_level_str(text, "fuzz.toml", &overrides),
        Err(_) => scenario::load_bytes(file, "fuzz.toml", &overrides).map(|m| (m, None)),
    };
    match loaded {
        Ok((model, level)) => {
            if let Some(spec) = &level {
                check_level_round_trip(&model, spec);
            }
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

/// `level_to_toml` of a loaded level loads back to the same model and
/// `[level]` spec, and writing it again gives the same text.
fn check_level_round_trip(model: &crate::sim::Model, spec: &LevelSpec) {
    let written = scenario::level_to_toml(model, spec);
    let (back, back_spec) =
        scenario::load_level_str(&written, "written.toml", &[]).unwrap_or_else(|d| {
            panic!(
                "a loaded level, written back, does not load:\n{}\n--- written ---\n{written}",
                scenario::render(&d)
            )
        });
    let back_spec = back_spec.unwrap_or_else(|| panic!("[level] not written:\n{written}"));
    assert_eq!(
        format!("{spec:?}"),
        format!("{back_spec:?}"),
        "the level changed through level_to_toml; written:\n{written}"
    );
    assert_eq!(
        scenario::level_to_toml(&back, &back_spec),
        written,
        "writing a level is not stable"
    );
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
    let model = match scenario::load_level_str(&text, "fuzz.toml", &[]) {
        Ok((m, level)) => {
            if let Some(spec) = &level {
                check_level_round_trip(&m, spec);
            }
            m
        }
        Err(d) => {
            check_diagnostics(&d);
            return false;
        }
    };
    let duration = model.duration;
    let seed = model.seed;
    let objectives = model.objectives.clone();
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
    check_objectives(&objectives, &mut sim);
    true
}

/// Every objective has a finite value or none, and passes only with one.
fn check_objectives(objectives: &[Objective], sim: &mut Simulation) {
    for r in crate::report::objectives::evaluate(objectives, &sim.summary()) {
        assert!(
            r.value.is_none_or(f64::is_finite) && (r.value.is_some() || !r.pass),
            "objective {}: {:?}",
            r.label(),
            r.value
        );
    }
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

    /// The period of a timer that fires all run long: a duration raised
    /// to `MIN_PERIOD` (shorter ones are refused; the same bytes drawn).
    fn period(&mut self) -> String {
        format!("\"{}ns\"", self.nanos().max(MIN_PERIOD.as_nanos()))
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
            let _ = writeln!(s, "window = {}", c.period());
        }
        1 | 2 => {
            let w = (duration / (1 + c.below(16) as u64)).max(MIN_PERIOD.as_nanos());
            if w <= duration {
                let _ = writeln!(s, "window = \"{w}ns\"");
            }
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
    // Where each workload's lines end, and whether it
    // has a `mix` (classes are added there at the end, from bytes past
    // those the rest reads: see `add_classes`).
    let mut workload_ends = Vec::new();
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
        let start = s.rfind("[[workload]]").unwrap_or(0);
        workload_ends.push((s.len(), s[start..].contains("\nmix = ")));
    }

    let mut nodes: Vec<NodeText> = Vec::with_capacity(n);
    for (i, kind) in kinds.iter().enumerate() {
        let mut head = format!("\n[[node]]\nid = \"n{i}\"\nkind = \"{kind}\"\n");
        if c.one_in(8) {
            let _ = writeln!(head, "cost_per_hour = {}", c.number());
        }
        let mut body = String::new();
        node_fields(&mut c, &mut body, &kinds, i);
        nodes.push(NodeText {
            head,
            fields: String::new(),
            body,
        });
    }
    let mut events = String::new();
    write_events(&mut c, &mut events, n, workloads, duration);
    // The calls' newer fields, then the newer features: each from the
    // bytes left by what came before.
    for t in &mut nodes {
        t.body = fill_call_extras(&mut c, std::mem::take(&mut t.body));
    }
    let mut extra = String::new();
    extensions(&mut c, &mut nodes, &kinds, &mut extra);
    for (i, t) in nodes.iter_mut().enumerate() {
        t.body = fill_fallbacks(&mut c, std::mem::take(&mut t.body), i, n);
    }
    add_classes(
        &mut c,
        &mut s,
        &mut nodes,
        &kinds,
        &workload_ends,
        &mut extra,
    );
    limiter_keys(&mut c, &mut nodes, &kinds);
    add_objectives(&mut c, n, workloads, &mut extra);
    for t in nodes.iter_mut() {
        t.body = fill_call_works(&mut c, std::mem::take(&mut t.body), &kinds);
    }
    for t in &nodes {
        s.push_str(&t.head);
        s.push_str(&t.fields);
        s.push_str(&t.body);
    }
    s.push_str(&events);
    s.push_str(&extra);
    if c.one_in(2) {
        level(&mut c, &mut s, n);
    }
    payloads(&mut c, s)
}

/// Payload sizes on calls and classes, bandwidth and egress prices on zone
/// links and nodes, from the bytes left last (now and then a negative,
/// too large or unit-less one for the loader to refuse).
fn payloads(c: &mut Choices, s: String) -> String {
    // The nodes the workloads send to: the users' entries, where a price
    // to the users belongs (elsewhere, rarely, for the loader to refuse).
    let mut entries: Vec<&str> = Vec::new();
    let mut header = "";
    for line in s.lines() {
        if line.starts_with("[[") || line.starts_with('[') {
            header = line.trim();
        } else if header == "[[workload]]"
            && let Some(to) = line.strip_prefix("to = ")
        {
            entries.push(to);
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut header = "";
    for line in s.split_inclusive('\n') {
        out.push_str(line);
        let trimmed = line.trim_end();
        if trimmed.starts_with('[') {
            header = trimmed;
        }
        match trimmed {
            "[[class]]" | "[[node.calls]]" => {
                for key in ["request_bytes", "response_bytes"] {
                    if c.one_in(3) {
                        let _ = writeln!(out, "{key} = {}", size(c));
                    }
                }
                if line.starts_with("[[node.calls]]") && c.one_in(4) {
                    let _ = writeln!(out, "bandwidth = {}", bandwidth(c));
                }
            }
            "[[zone_link]]" => {
                if c.one_in(2) {
                    let _ = writeln!(out, "bandwidth = {}", bandwidth(c));
                }
                if c.one_in(2) {
                    let _ = writeln!(out, "egress_per_gb = {}", c.number());
                }
            }
            _ => {
                let entry = trimmed
                    .strip_prefix("id = ")
                    .is_some_and(|id| entries.contains(&id));
                if header == "[[node]]"
                    && trimmed.starts_with("id = ")
                    && (entry && c.one_in(3) || c.one_in(64))
                {
                    let _ = writeln!(out, "egress_per_gb = {}", c.number());
                }
            }
        }
    }
    out
}

fn size(c: &mut Choices) -> &'static str {
    c.mostly(
        &[
            "\"1MB\"",
            "\"4KiB\"",
            "\"0B\"",
            "{ dist = \"exponential\", mean = \"100KB\" }",
            "{ dist = \"lognormal\", mean = \"2MB\", p99 = \"12MB\" }",
            "{ dist = \"pareto\", scale = \"10KB\", shape = 1.2 }",
        ],
        &["\"-1MB\"", "\"2TB\"", "4", "\"1Mb\"", "\"1e3B\""],
    )
}

fn bandwidth(c: &mut Choices) -> &'static str {
    c.mostly(
        &["\"1Gbps\"", "\"100MB/s\"", "\"10Mbps\"", "\"80Tbps\""],
        &["\"0bps\"", "10", "\"1bps\"", "\"100Tbps\""],
    )
}

/// A budget objective and a `[level]` table over nodes `n0..n`, with
/// knobs, limits (some into a node's calls), an added kind, hints, a
/// three-star condition and debriefs; now and then a mistake for the
/// loader to refuse (an unknown node, a par over the budget).
fn level(c: &mut Choices, s: &mut String, n: usize) {
    let node = |c: &mut Choices| {
        if c.one_in(16) {
            "nowhere".to_string()
        } else {
            format!("n{}", c.below(n))
        }
    };
    let _ = writeln!(
        s,
        "\n[[objective]]\nmetric = \"cost_per_hour\"\nbelow = {}",
        c.pick(&["1", "2.5", "100"])
    );
    let (a, b) = (node(c), node(c));
    let _ = writeln!(
        s,
        "\n[level]\nask = \"an \\\"ask\\\"\"\npar = {}\nexam_seeds = [{}, {}]",
        c.pick(&["0.5", "1", "3"]),
        1000 + c.below(4),
        1000 + c.below(4)
    );
    let field = c.pick(&[
        "replicas",
        "workers",
        "queue",
        "capacity",
        "*",
        "service_time",
    ]);
    let _ = writeln!(s, "unlocked = [\"{a}.{field}\"]");
    let _ = writeln!(s, "locked = {{ \"{b}\" = \"a reason\\nover two lines\" }}");
    let limit = c.pick(&[
        "replicas",
        "workers",
        "capacity",
        "rate",
        "calls.0.repeat",
        "nothing",
    ]);
    let _ = writeln!(s, "max = {{ \"{a}.{limit}\" = {} }}", c.integer());
    if c.one_in(2) {
        let _ = writeln!(s, "add = [\"cache\"]\nprice = {{ cache = {} }}", c.number());
    }
    let _ = writeln!(
        s,
        "hints = [\"one\", \"two {{braces}}\"]\n\n[level.three_stars]\nwhy = \"why\""
    );
    if c.one_in(2) {
        let _ = writeln!(s, "max_hints = {}", c.below(3));
    }
    if !c.one_in(3) {
        let _ = writeln!(
            s,
            "objectives = [ {{ metric = \"p99\", below = \"50ms\" }} ]"
        );
    }
    if c.one_in(2) {
        let _ = writeln!(
            s,
            "chaos = [ {{ at = \"1ms\", action = \"crash\", node = \"{}\", for = \"1ms\" }} ]",
            node(c)
        );
    }
    let _ = writeln!(
        s,
        "\n[level.debrief]\npass = \"p99 {{p99}} (was {{start.p99}}) {{{{x}}}}\"\nmiss = \"{{{a}.rate}}\""
    );
}

/// One node's text: its header (`id`, `kind`, cost), the fields the
/// extensions add, then the fields of its kind (calls tables last).
struct NodeText {
    head: String,
    fields: String,
    body: String,
}

/// Features drawn from the bytes the base scenario left over: with none
/// left every choice is the first, which adds nothing, so an input
/// written before a feature existed (the committed corpus, the crash
/// reproducers) still describes the scenario it did.
fn extensions(c: &mut Choices, nodes: &mut [NodeText], kinds: &[&str], extra: &mut String) {
    let n = kinds.len();
    let mut next = n;
    let queues: Vec<usize> = (0..n).filter(|&i| kinds[i] == "queue").collect();
    if c.one_in(2) {
        // A topic over some of the queues (now and then any node, for
        // the loader to refuse), with a workload publishing to it.
        let mut subs: Vec<usize> = Vec::new();
        for _ in 0..1 + c.below(3) {
            let q = if queues.is_empty() || c.one_in(16) {
                c.below(n)
            } else {
                queues[c.below(queues.len())]
            };
            if !subs.contains(&q) || c.one_in(16) {
                subs.push(q);
            }
        }
        let names: Vec<String> = subs.iter().map(|q| format!("\"n{q}\"")).collect();
        let _ = writeln!(
            extra,
            "\n[[node]]\nid = \"n{n}\"\nkind = \"topic\"\nsubscribers = [{}]",
            names.join(", ")
        );
        let _ = writeln!(
            extra,
            "\n[[workload]]\nname = \"publishers\"\nto = \"n{n}\"\nrate = {}",
            c.number()
        );
        next += 1;
    }
    if c.one_in(2) {
        external(c, nodes, kinds, next, extra);
    }
    loops_and_shares(c, nodes, kinds);
    if c.one_in(2) {
        zones(c, nodes, extra);
    }
}

/// Zones on some nodes and `[[zone_link]]` tables between them (now and
/// then a zone no node is in, or a pair twice, for the loader to refuse).
fn zones(c: &mut Choices, nodes: &mut [NodeText], extra: &mut String) {
    for t in nodes.iter_mut() {
        if c.one_in(2) {
            let _ = writeln!(t.fields, "zone = \"{}\"", c.pick(&["a", "b", "c"]));
        }
    }
    let pairs = [["a", "b"], ["a", "a"], ["b", "c"], ["c", "a"]];
    let mut used = Vec::new();
    for _ in 0..1 + c.below(3) {
        let k = c.below(pairs.len());
        if used.contains(&k) && !c.one_in(16) {
            continue;
        }
        used.push(k);
        let [a, b] = pairs[k];
        let b = if c.one_in(16) { "nowhere" } else { b };
        let _ = writeln!(
            extra,
            "\n[[zone_link]]\nbetween = [\"{a}\", \"{b}\"]\nlatency = {}",
            c.dist()
        );
    }
}

/// Queues with `max_hops` and later services or queues calling back into
/// them (a bounded loop); services forwarding by shares (`p`).
fn loops_and_shares(c: &mut Choices, nodes: &mut [NodeText], kinds: &[&str]) {
    let n = kinds.len();
    let mut loop_queues = Vec::new();
    for i in 0..n {
        if kinds[i] == "queue" && c.one_in(2) {
            let hops = c.mostly(&["1", "3", "10"], &["0", "1000", "1001"]);
            let _ = writeln!(nodes[i].fields, "max_hops = {hops}");
            loop_queues.push(i);
        }
        if matches!(kinds[i], "service" | "queue") && !loop_queues.is_empty() && c.one_in(2) {
            let q = loop_queues[c.below(loop_queues.len())];
            let _ = write!(nodes[i].body, "[[node.calls]]\nto = \"n{q}\"\n");
        }
        if kinds[i] == "service" && !nodes[i].body.contains("to = [") && c.one_in(2) {
            let routes: Vec<String> = (0..1 + c.below(3))
                .map(|_| {
                    let p = c.mostly(&["0.5", "0.25", "1", "0.1"], &["0", "1.5", "\"x\""]);
                    format!("{{ to = \"n{}\", p = {p} }}", c.required_target(i, n))
                })
                .collect();
            let _ = writeln!(nodes[i].fields, "to = [ {} ]", routes.join(", "));
        }
    }
}

/// An external service `n{id}` with random limits, called by some of the
/// services and queues (a call table appended to theirs).
fn external(
    c: &mut Choices,
    nodes: &mut [NodeText],
    kinds: &[&str],
    id: usize,
    extra: &mut String,
) {
    let _ = writeln!(
        extra,
        "\n[[node]]\nid = \"n{id}\"\nkind = \"external\"\nlatency = {}",
        c.dist()
    );
    if c.one_in(2) {
        let rate = c.mostly(&["0", "0.01", "0.5", "1"], &["1.5", "-0.1"]);
        let _ = writeln!(extra, "error_rate = {rate}");
    }
    if c.one_in(2) {
        let _ = writeln!(extra, "rate_limit = {}", c.number());
        if c.one_in(2) {
            let _ = writeln!(extra, "burst = {}", c.integer());
        }
    }
    if c.one_in(2) {
        let _ = writeln!(extra, "concurrency = {}", c.integer());
    }
    for (i, t) in nodes.iter_mut().enumerate() {
        if matches!(kinds[i], "service" | "queue") && c.one_in(2) {
            let _ = write!(t.body, "[[node.calls]]\nto = \"n{id}\"\n");
        }
    }
}

/// Up to 4 scheduled events on the `n` nodes and `workloads` workloads.
fn write_events(c: &mut Choices, s: &mut String, n: usize, workloads: usize, duration: u64) {
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
}

/// Request classes, from the bytes the extensions left over (so inputs
/// written before classes existed make the same scenario): `[[class]]`
/// tables at the end, `classes` shares in some workloads (those without a
/// `mix`, but for one in 16) and calls with `when = "<class>"` at the end
/// of some services and queues.
fn add_classes(
    c: &mut Choices,
    s: &mut String,
    nodes: &mut [NodeText],
    kinds: &[&str],
    workload_ends: &[(usize, bool)],
    extra: &mut String,
) {
    if !c.one_in(3) {
        return;
    }
    let count = 1 + c.below(3);
    let mut inserts: Vec<(usize, String)> = Vec::new();
    for &(end, mixed) in workload_ends {
        if c.one_in(2) && (!mixed || c.one_in(16)) {
            let shares = match count {
                1 => "c0 = 1".to_string(),
                2 => {
                    // Now and then shares that do not sum to 1.
                    let (a, b) = if c.one_in(8) {
                        ("0.7", "0.7")
                    } else {
                        [("0.5", "0.5"), ("0.9", "0.1"), ("0", "1")][c.below(3)]
                    };
                    format!("c0 = {a}, c1 = {b}")
                }
                // Now and then a class that is not declared.
                _ => format!(
                    "c0 = 0.2, c1 = 0.3, c{} = 0.5",
                    if c.one_in(16) { 3 } else { 2 }
                ),
            };
            inserts.push((end, format!("classes = {{ {shares} }}\n")));
        }
    }
    inserts.sort_by_key(|x| std::cmp::Reverse(x.0));
    for (at, text) in inserts {
        s.insert_str(at, &text);
    }
    let n = kinds.len();
    for (i, t) in nodes.iter_mut().enumerate() {
        if matches!(kinds[i], "service" | "queue")
            && c.one_in(3)
            && let Some(to) = c.target(i, n)
        {
            // Now and then a class that is not declared.
            let class = if c.one_in(16) { count } else { c.below(count) };
            let _ = write!(
                t.body,
                "\n[[node.calls]]\nto = \"n{to}\"\nwhen = \"c{class}\"\n"
            );
        }
    }
    for k in 0..count {
        let op = c.mostly(&["read", "write"], &["get", ""]);
        let _ = write!(extra, "\n[[class]]\nname = \"c{k}\"\n");
        if !op.is_empty() {
            let _ = writeln!(extra, "op = \"{op}\"");
        }
    }
    line_policies(c, nodes, kinds, count);
}

/// A rate limiter's `per` and `max_keys`, from the bytes left last (now
/// and then an unknown `per`, a `max_keys` without one or out of range).
fn limiter_keys(c: &mut Choices, nodes: &mut [NodeText], kinds: &[&str]) {
    for (i, t) in nodes.iter_mut().enumerate() {
        if kinds[i] != "rate_limiter" || !c.one_in(3) {
            continue;
        }
        let per = c.mostly(&["key", "client", ""], &["host", "1"]);
        if !per.is_empty() {
            let _ = writeln!(t.fields, "per = \"{per}\"");
        }
        if c.one_in(2) {
            let max = c.mostly(&["1", "3", "10000"], &["0", "1000001", "-5"]);
            let _ = writeln!(t.fields, "max_keys = {max}");
        }
    }
}

/// A service's `priority` and `shed` over the `count` classes (now and
/// then a class twice, an undeclared one, or a threshold of 0).
fn line_policies(c: &mut Choices, nodes: &mut [NodeText], kinds: &[&str], count: usize) {
    for (i, t) in nodes.iter_mut().enumerate() {
        if kinds[i] != "service" || !c.one_in(3) {
            continue;
        }
        let first = c.pick(&["c0", "write", "read", "c1", "c9"]);
        let order = match c.below(4) {
            0 => format!("[\"{first}\"]"),
            1 => format!("[\"{first}\", \"c{}\"]", c.below(count + 1)),
            2 => format!("[\"{first}\", \"{first}\"]"),
            _ => String::new(),
        };
        if !order.is_empty() {
            let _ = writeln!(t.fields, "priority = {order}");
        }
        if c.one_in(2) {
            let who = c.pick(&["c0", "read", "c1", "write", "c7"]);
            let n = c.mostly(&["1", "3", "20"], &["0", "4294967295", "-1"]);
            let _ = writeln!(t.fields, "shed = {{ {who} = {n} }}");
        }
    }
}

/// Objectives of the whole system or of a node, queue, class or workload
/// (mostly ones that can load: a figure of one node gets a scope, a
/// value in the metric's range; now and then one that does not exist,
/// or two scopes), any metric, either bound.
fn add_objectives(c: &mut Choices, nodes: usize, workloads: usize, extra: &mut String) {
    for _ in 0..c.below(3) {
        let metric = ObjectiveMetric::ALL[c.below(ObjectiveMetric::ALL.len())];
        let _ = write!(extra, "\n[[objective]]\nmetric = \"{}\"\n", metric.name());
        // The egress and total bills are the whole design's: mostly unscoped.
        let scoped = metric.needs_node() || (c.one_in(3) && !metric.system_only());
        let scopes = usize::from(scoped) + usize::from(c.one_in(16));
        for _ in 0..scopes {
            // One in 16 names one past the last.
            let past = usize::from(c.one_in(16));
            let _ = match c.below(4) {
                0 => writeln!(extra, "node = \"n{}\"", c.below(nodes) + past),
                1 => writeln!(extra, "queue = \"n{}\"", c.below(nodes) + past),
                2 => writeln!(extra, "class = \"c{}\"", c.below(4)),
                _ => writeln!(extra, "workload = \"w{}\"", c.below(workloads) + past),
            };
        }
        let side = c.pick(&["below", "above"]);
        let usual: &[&str] = if metric.is_fraction() {
            &["0", "0.5", "1"]
        } else if metric.is_count() {
            &["0", "1", "100"]
        } else {
            &["0", "0.5", "1", "100"]
        };
        let value = if metric.is_latency() {
            c.duration()
        } else {
            c.mostly(usual, &["-1", "1e300", "\"1s\"", "100"])
                .to_string()
        };
        let _ = writeln!(extra, "{side} = {value}");
    }
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
                        c.period(),
                        c.duration(),
                        c.duration()
                    );
                }
                if c.one_in(3)
                    && let Some(to) = c.target(i, n)
                {
                    let when = c.when();
                    let _ = writeln!(s, "to = [ {{ to = \"n{to}\"{when}{FORWARD_EXTRAS} }} ]");
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
            if c.one_in(3) {
                let _ = writeln!(s, "workers = {}", c.integer());
                maybe(c, s, "queue", &|c| c.integer().into());
            } else if c.one_in(32) {
                let _ = writeln!(s, "queue = {}", c.integer());
            }
            maybe(c, s, "warm", &|c| {
                c.mostly(
                    &["true", "false", "0.5", "0.01"],
                    &["0", "1", "1.5", "\"yes\""],
                )
                .into()
            });
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
                        c.period()
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
    t.push_str(EXTRAS);
    t
}

/// Where a call's newer fields go: filled in by `fill_call_extras` from the
/// bytes left after the rest of the scenario, so that fields added to calls
/// later do not change what the committed corpus's bytes meant before.
const EXTRAS: &str = "\n@call extras@";

/// Where a call's `fallback` goes: filled in by `fill_fallbacks` after the
/// extensions, for the same reason.
const FALLBACK: &str = "@fallback@";

/// Replaces each `FALLBACK` mark in node `own`'s text with, sometimes, a
/// fallback: mostly a later node other than the callee (rarely any node,
/// the callee itself, or one that does not exist).
fn fill_fallbacks(c: &mut Choices, s: String, own: usize, nodes: usize) -> String {
    let mut parts = s.split(FALLBACK);
    let mut out = parts.next().unwrap_or_default().to_string();
    for rest in parts {
        if c.one_in(4) {
            let callee = out
                .rfind("to = \"n")
                .and_then(|at| out[at + 7..].split('"').next()?.parse::<usize>().ok());
            let to = match c.below(24) {
                0 => callee,
                1 => Some(nodes),
                _ => c.target(own, nodes).filter(|&k| Some(k) != callee),
            };
            if let Some(k) = to {
                let _ = write!(out, "\nfallback = \"n{k}\"");
            }
        }
        out.push_str(rest);
    }
    out
}

/// Where a call's own work (`service_time`) goes: filled in by
/// `fill_call_works` last, for the same reason.
const WORK: &str = "@work@";

/// Replaces each `WORK` mark with, sometimes, a call's own work: mostly
/// for a callee that works (a service, database or load balancer), now and
/// then for one the loader refuses it for.
fn fill_call_works(c: &mut Choices, s: String, kinds: &[&str]) -> String {
    let mut parts = s.split(WORK);
    let mut out = parts.next().unwrap_or_default().to_string();
    for rest in parts {
        let callee = out
            .rfind("to = \"n")
            .and_then(|at| out[at + 7..].split('"').next()?.parse::<usize>().ok())
            .and_then(|k| kinds.get(k));
        let works = callee.is_some_and(|k| ["service", "database", "load_balancer"].contains(k));
        if c.one_in(if works { 4 } else { 32 }) {
            let _ = write!(out, "\nservice_time = {}", c.dist());
        }
        out.push_str(rest);
    }
    out
}

/// The same for a forward's newer fields (after all the calls').
const FORWARD_EXTRAS: &str = "@forward extras@";

/// Replaces each call's `EXTRAS` mark with its fields, then each forward's
/// `FORWARD_EXTRAS` mark with its link (in that order, so that the bytes
/// for the calls mean what they meant before forwards had links).
fn fill_call_extras(c: &mut Choices, s: String) -> String {
    let fill = |c: &mut Choices, s: &str, mark: &str, f: &dyn Fn(&mut Choices, &mut String)| {
        let mut parts = s.split(mark);
        let mut out = parts.next().unwrap_or_default().to_string();
        for rest in parts {
            f(c, &mut out);
            out.push_str(rest);
        }
        out
    };
    let s = fill(c, &s, EXTRAS, &call_extras);
    fill(c, &s, FORWARD_EXTRAS, &|c, t| {
        if c.one_in(3) {
            let _ = write!(t, ", latency = {}", c.dist());
        }
    })
}

/// A call's link, type and key (and, rarely, a mistake in them).
fn call_extras(c: &mut Choices, t: &mut String) {
    if c.one_in(4) {
        let _ = write!(t, "\nlatency = {}", c.dist());
    }
    if c.one_in(4) {
        let op = c.mostly(&["read", "write"], &["delete"]);
        let _ = write!(t, "\nop = \"{op}\"");
    }
    if c.one_in(3) {
        let key = c.mostly(&["derived", "random", "request"], &["followee"]);
        let _ = write!(t, "\nkey = \"{key}\"");
        if key != "request" && c.one_in(2) || c.one_in(24) {
            let _ = write!(
                t,
                "\nkeys = {{ count = {}, popularity = \"{}\", s = {} }}",
                c.integer(),
                c.pick(&["zipf", "uniform"]),
                c.number()
            );
        }
    }
    call_fan_out(c, t);
    t.push_str(FALLBACK);
    t.push_str(WORK);
}

/// A call's fan-out: a repeat (fixed or drawn), parallel, a wait, or a
/// hedge (and, rarely, a mix the loader refuses).
fn call_fan_out(c: &mut Choices, t: &mut String) {
    match c.below(5) {
        0 => {
            let _ = write!(t, "\nrepeat = {}", c.integer());
        }
        1 => {
            let repeat = match c.below(4) {
                0 => format!("{{ dist = \"poisson\", mean = {} }}", c.number()),
                1 => format!("{{ dist = \"uniform\", min = 0, max = {} }}", c.integer()),
                2 => format!(
                    "{{ dist = \"pareto\", scale = {}, shape = {}, max = {} }}",
                    c.number(),
                    c.mostly(&["1.5", "3"], &["1", "0.5"]),
                    c.integer()
                ),
                _ => format!("{{ dist = \"constant\", value = {} }}", c.integer()),
            };
            let _ = write!(t, "\nrepeat = {repeat}");
        }
        2 => {
            let _ = write!(t, "\nhedge = {}", c.duration());
            if !c.one_in(24) {
                return;
            }
        }
        _ => return,
    }
    if c.one_in(2) {
        let _ = write!(t, "\nparallel = {}", c.mostly(&["true"], &["false"]));
        if c.one_in(2) {
            let wait = c.mostly(
                &["\"first\"", "\"all\"", "{ quorum = 2 }"],
                &["{ quorum = 0 }"],
            );
            let _ = write!(t, "\nwait = {wait}");
        }
    }
}
