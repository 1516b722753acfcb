//! Entry points: read a scenario file or string, apply `--set` overrides, and build the `Model` or return every diagnostic.

use std::path::Path;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use crate::scenario::build;
use crate::scenario::diagnostic::Diagnostic;
use crate::scenario::level::{LevelSpec, read_level};
use crate::scenario::overrides;
use crate::scenario::reader::{Errors, Field};
use crate::scenario::text_span::Sources;
use crate::sim::model::Model;

/// At most this many diagnostics are returned (plus one line saying how
/// many more there were).
const MAX_DIAGNOSTICS: usize = 50;

/// Files up to this size have every syntax error listed; bigger ones only
/// the first.
const RECOVER_BYTES: usize = 1024 * 1024;

/// The largest scenario file read, in bytes (16 MiB). A scenario is a
/// small text file (100 000 nodes take about 8 MB), and the TOML reader
/// needs some 40 bytes of memory per byte of text; anything bigger is
/// refused before it is parsed.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads and validates the scenario at `path`, with `--set` overrides
/// (`TARGET.FIELD=VALUE`) applied. A file that cannot be read or is larger
/// than `MAX_FILE_BYTES` gives one diagnostic at 1:1.
pub fn load_file(path: &Path, overrides: &[String]) -> Result<Model, Vec<Diagnostic>> {
    let file = path.display().to_string();
    match read_limited(path) {
        Ok(bytes) => load_bytes(&bytes, &file, overrides),
        Err(ReadError::Io(e)) => Err(vec![at_start(
            &file,
            format!("cannot read the file: {e}"),
            None,
        )]),
        Err(ReadError::TooLarge(size)) => {
            let mib = |n: u64| n as f64 / (1024.0 * 1024.0);
            let size = size.map_or_else(
                || format!("more than {} MiB", mib(MAX_FILE_BYTES)),
                |n| format!("{:.1} MiB", mib(n)),
            );
            Err(vec![at_start(
                &file,
                format!(
                    "the file is too large for a scenario ({size}; the limit is {} MiB)",
                    mib(MAX_FILE_BYTES)
                ),
                Some("a scenario is a small TOML text file: is this the right file?".into()),
            )])
        }
    }
}

enum ReadError {
    Io(std::io::Error),
    /// The size when known (a regular file), else `None` (a stream that
    /// went on past the limit).
    TooLarge(Option<u64>),
}

/// The bytes of `path`, refusing more than `MAX_FILE_BYTES` without
/// reading them all (a huge file, or an endless one such as /dev/zero).
fn read_limited(path: &Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(ReadError::Io)?;
    let meta = f.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::Io(std::io::Error::other("it is a directory")));
    }
    if meta.is_file() && meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(Some(meta.len())));
    }
    let mut bytes = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(None));
    }
    Ok(bytes)
}

/// Validates the scenario file contents `bytes` (as `load_file` does once
/// it has read them); `file` names it in diagnostics. Text that is not
/// UTF-8 gives one diagnostic, at the first bad byte.
pub fn load_bytes(
    bytes: &[u8],
    file: &str,
    overrides: &[String],
) -> Result<Model, Vec<Diagnostic>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let bad = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
            let before = String::from_utf8_lossy(bytes.get(..e.valid_up_to()).unwrap_or(&[]));
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(vec![Diagnostic {
                line,
                column,
                ..at_start(
                    file,
                    format!(
                        "the file is not valid UTF-8 (byte 0x{bad:02X} at line {line}, column {column})"
                    ),
                    Some("scenario files are TOML text; save the file as UTF-8".into()),
                )
            }]);
        }
    };
    load_str(text, file, overrides)
}

/// A diagnostic about the whole file, placed at 1:1.
fn at_start(file: &str, message: String, hint: Option<String>) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line: 1,
        column: 1,
        path: String::new(),
        message,
        hint,
    }
}

/// Validates scenario `text`; `file` names it in diagnostics. A `[level]`
/// table (a campaign level's sections) is validated too and left out.
pub fn load_str(text: &str, file: &str, overrides: &[String]) -> Result<Model, Vec<Diagnostic>> {
    load_level_str(text, file, overrides).map(|(model, _)| model)
}

/// Reads the campaign level at `path`: its scenario and its `[level]`
/// table (`None` when the file has none).
pub fn load_level_file(
    path: &Path,
    overrides: &[String],
) -> Result<(Model, Option<LevelSpec>), Vec<Diagnostic>> {
    let file = path.display().to_string();
    match read_limited(path) {
        Ok(bytes) => match std::str::from_utf8(&bytes) {
            Ok(text) => load_level_str(text, &file, overrides),
            Err(_) => load_bytes(&bytes, &file, overrides).map(|m| (m, None)),
        },
        Err(_) => load_file(path, overrides).map(|m| (m, None)),
    }
}

/// Validates scenario `text` with its `[level]` table, if any.
pub fn load_level_str(
    text: &str,
    file: &str,
    overrides: &[String],
) -> Result<(Model, Option<LevelSpec>), Vec<Diagnostic>> {
    let loaded = load_level_str_as_given(text, file, overrides);
    match loaded {
        Err(mut diags) if !overrides.is_empty() => {
            name_the_overrides(&mut diags, text, file, overrides);
            Err(diags)
        }
        loaded => loaded,
    }
}

/// An error located in the file that the file alone does not have comes
/// from the `--set`s: it says so. (`mix must sum to 1` pointed at line 7
/// of a file whose line 7 is fine, with no word of the override.)
fn name_the_overrides(diags: &mut [Diagnostic], text: &str, file: &str, overrides: &[String]) {
    let alone = load_level_str_as_given(text, file, &[])
        .err()
        .unwrap_or_default();
    let sets = overrides
        .iter()
        .map(|o| format!("--set {o}"))
        .collect::<Vec<_>>()
        .join(", ");
    for d in diags.iter_mut().filter(|d| d.file == file) {
        let own = alone
            .iter()
            .any(|a| a.line == d.line && a.message == d.message);
        if !own {
            d.message = format!(
                "{} (with {sets}; the file alone has no such error)",
                d.message
            );
        }
    }
}

/// The file with `overrides` applied, as written (no word of which part
/// erred because of them).
fn load_level_str_as_given(
    text: &str,
    file: &str,
    overrides: &[String],
) -> Result<(Model, Option<LevelSpec>), Vec<Diagnostic>> {
    let mut errs = Errors::new(Sources::new(file, text, overrides));
    // Every syntax error costs memory (a big garbage file has millions),
    // so a big file reports only its first one.
    let (mut doc, syntax) = match DeTable::parse(text) {
        Ok(doc) => (doc, Vec::new()),
        Err(first) if text.len() > RECOVER_BYTES => {
            (Spanned::new(0..0, DeTable::new()), vec![first])
        }
        Err(_) => DeTable::parse_recoverable(text),
    };
    if !syntax.is_empty() {
        let mut syntax: Vec<(std::ops::Range<usize>, &str)> = syntax
            .iter()
            .map(|e| (e.span().unwrap_or(0..0), e.message()))
            .collect();
        syntax.sort_by_key(|(span, _)| span.start);
        let total = syntax.len();
        for (span, message) in syntax.into_iter().take(MAX_DIAGNOSTICS) {
            let snippet = errs.sources().snippet(&span).to_string();
            let first_line = message.lines().next().unwrap_or("invalid TOML").to_string();
            let (message, hint) = explain_syntax(&first_line, &snippet);
            errs.error(&span, "", message, hint);
        }
        errs.not_shown(total.saturating_sub(MAX_DIAGNOSTICS));
        return Err(errs.into_sorted(MAX_DIAGNOSTICS));
    }
    // `[level]` describes the file's own design: with overrides (a
    // learner's design), its limits and knobs are checked against the
    // file as written, and the campaign's rules judge the design. (A
    // design dropping the call a limit names was refused as a mistake in
    // the level file.)
    let as_written = (!overrides.is_empty()).then(|| {
        let mut d = doc.clone();
        d.get_mut().remove_entry("level");
        let mut quiet = Errors::new(Sources::new(file, text, &[]));
        build::build(&mut quiet, &d)
    });
    overrides::apply(&mut errs, doc.get_mut(), overrides);
    let level = doc.get_mut().remove_entry("level");
    let model = build::build(&mut errs, &doc);
    let level = level.and_then(|(key, value)| {
        let f = Field {
            value: &value,
            key_span: Some(key.span()),
            path: "level".into(),
        };
        let against = match &as_written {
            Some(written) => written.as_ref(),
            None => model.as_ref(),
        };
        let spec = read_level(&mut errs, &f, against);
        if errs.is_empty()
            && spec
                .as_ref()
                .is_some_and(|s| !s.three_stars.chaos.is_empty())
        {
            check_extra_chaos(&mut errs, &doc, &value);
        }
        spec
    });
    match model {
        Some(m) if errs.is_empty() => Ok((m, level)),
        _ if errs.is_empty() => Err(vec![at_start(
            file,
            "the scenario could not be built".into(),
            None,
        )]),
        _ => Err(errs.into_sorted(MAX_DIAGNOSTICS)),
    }
}

/// Builds the scenario once more with `three_stars.chaos` added to its
/// `[[event]]`s, so a wrong extra event is reported where it is written.
fn check_extra_chaos(
    errs: &mut Errors<'_>,
    doc: &Spanned<DeTable<'_>>,
    level: &Spanned<DeValue<'_>>,
) {
    let chaos = match level.get_ref() {
        DeValue::Table(t) => match t.get("three_stars").map(|v| v.get_ref()) {
            Some(DeValue::Table(s)) => s.get("chaos").cloned(),
            _ => None,
        },
        _ => None,
    };
    let Some(chaos) = chaos else { return };
    let DeValue::Array(extra) = chaos.into_inner() else {
        return;
    };
    let mut hard = doc.clone();
    let events = hard
        .get_mut()
        .entry(Spanned::new(0..0, "event".into()))
        .or_insert_with(|| Spanned::new(0..0, DeValue::Array(DeArray::new())));
    if let DeValue::Array(items) = events.get_mut() {
        for e in extra {
            items.push(e);
        }
    }
    build::build(errs, &hard);
}

/// A TOML parser message made friendlier where a common mistake is likely.
fn explain_syntax(message: &str, snippet: &str) -> (String, Option<String>) {
    if message.starts_with("duplicate key") && !snippet.is_empty() {
        return (
            format!("duplicate key `{}`", snippet.trim_matches(['[', ']', ' '])),
            Some("each key may appear once per table".into()),
        );
    }
    if message.starts_with("string values must be quoted") && !snippet.is_empty() {
        let hint = if snippet.starts_with(|c: char| c.is_ascii_digit()) {
            format!("durations are strings: write \"{snippet}\"")
        } else {
            format!("put it in quotes: \"{snippet}\"")
        };
        return (format!("invalid TOML: {message}"), Some(hint));
    }
    if message.contains("max recursion depth") {
        return (
            format!("invalid TOML: {message}"),
            Some("arrays and inline tables are nested too deeply here".into()),
        );
    }
    if message.contains("expected `\"`") {
        return (
            format!("invalid TOML: {message}"),
            Some("a string is missing its closing quote".into()),
        );
    }
    (format!("invalid TOML: {message}"), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::dist::Dist;
    use crate::sim::model::{
        Arrival, Bound, NodeKind, ObjectiveMetric, Popularity, RequestKind, When,
    };
    use crate::sim::time::SimTime;

    /// The sketch from the design notes (without scheduled events).
    pub(crate) const SHORTENER: &str = r#"
[scenario]
name = "URL shortener"
story = "A million links, 90% reads. Keep p99 under 100 ms."
duration = "120s"
warmup = "10s"
seed = 42

[[workload]]
to = "lb"
arrival = "poisson"
rate = 2000
mix = { read = 0.9, write = 0.1 }
keys = { count = 1_000_000, popularity = "zipf", s = 1.0 }
phases = [ { at = "60s", rate = 6000, ramp = "10s" } ]

[[node]]
id = "lb"
kind = "load_balancer"
algorithm = "least_connections"
to = "api"

[[node]]
id = "api"
kind = "service"
replicas = 3
workers = 8
queue = 200
service_time = { dist = "exponential", mean = "4ms" }
timeout = "1s"
calls = [ { to = "cache", when = "read" }, { to = "db", when = "write" } ]
cost_per_hour = 0.10

[[node]]
id = "cache"
kind = "cache"
capacity = 100_000
policy = "lru"
ttl = "10m"
on_miss = "db"

[[node]]
id = "db"
kind = "database"
read_replicas = 1
workers = 16
service_time = { dist = "lognormal", mean = "8ms", p99 = "40ms" }

[[objective]]
metric = "p99"
below = "100ms"
"#;

    fn errors(text: &str, overrides: &[&str]) -> Vec<Diagnostic> {
        let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        match load_str(text, "t.toml", &o) {
            Ok(_) => panic!("expected errors"),
            Err(d) => d,
        }
    }

    fn has(diags: &[Diagnostic], line: usize, col: usize, fragment: &str) -> bool {
        diags
            .iter()
            .any(|d| d.line == line && d.column == col && d.to_string().contains(fragment))
    }

    #[test]
    fn the_design_sketch_loads_into_the_model_it_describes() {
        let m = load_str(SHORTENER, "s.toml", &[])
            .unwrap_or_else(|d| panic!("{}", crate::scenario::render(&d)));
        assert_eq!(m.name, "URL shortener");
        assert_eq!(
            (m.duration, m.warmup, m.seed),
            (SimTime::from_secs(120), SimTime::from_secs(10), 42)
        );
        assert_eq!(m.window, SimTime::from_secs(1));
        assert_eq!(m.limits.max_in_flight, 1_000_000);
        let w = &m.workloads[0];
        assert_eq!(w.name, "workload.0");
        assert_eq!(w.to, 0);
        assert!(matches!(w.arrival, Arrival::Poisson { rate } if rate == 2000.0));
        assert!((w.read_fraction - 0.9).abs() < 1e-12);
        assert_eq!(w.keys.count, 1_000_000);
        assert!(matches!(w.keys.popularity, Popularity::Zipf { s } if s == 1.0));
        assert_eq!(w.phases.len(), 1);
        assert_eq!(
            (w.phases[0].at, w.phases[0].rate, w.phases[0].ramp),
            (SimTime::from_secs(60), 6000.0, SimTime::from_secs(10))
        );
        let ids: Vec<&str> = m.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["lb", "api", "cache", "db"]);
        let NodeKind::Service(api) = &m.nodes[1].kind else {
            panic!("api is a service")
        };
        assert_eq!((api.replicas, api.workers, api.queue), (3, 8, Some(200)));
        assert_eq!(api.service_time, Dist::Exponential { mean: 0.004 });
        assert_eq!(api.timeout, Some(SimTime::from_secs(1)));
        assert_eq!(api.calls.len(), 2);
        assert_eq!(
            (api.calls[0].to, api.calls[0].when),
            (2, Some(When::Kind(RequestKind::Read)))
        );
        assert_eq!(
            (api.calls[1].to, api.calls[1].when),
            (3, Some(When::Kind(RequestKind::Write)))
        );
        assert!(api.forward.is_empty());
        assert_eq!(m.nodes[1].cost_per_hour, 0.10);
        let NodeKind::Cache(cache) = &m.nodes[2].kind else {
            panic!("cache")
        };
        assert_eq!((cache.capacity, cache.on_miss), (100_000, Some(3)));
        assert_eq!(cache.ttl, Some(SimTime::from_secs(600)));
        assert_eq!(cache.hit_time, Dist::Constant { value: 0.0005 });
        let NodeKind::Database(db) = &m.nodes[3].kind else {
            panic!("db")
        };
        assert_eq!((db.read_replicas, db.workers, db.queue), (1, 16, None));
        let o = &m.objectives[0];
        assert_eq!(o.metric, ObjectiveMetric::P99);
        assert!(matches!(o.bound, Bound::Below(b) if (b - 0.1).abs() < 1e-12));
    }

    #[test]
    fn one_run_reports_every_independent_mistake() {
        let text = SHORTENER
            .replace("workers = 8", "workerz = 8")
            .replace("policy = \"lru\"", "policy = \"lru2\"")
            .replace("on_miss = \"db\"", "on_miss = \"dbb\"")
            .replace("warmup = \"10s\"", "warmup = 10");
        let d = errors(&text, &[]);
        assert_eq!(d.len(), 4, "{}", crate::scenario::render(&d));
        assert!(has(&d, 6, 10, "a duration needs a unit"));
        assert!(has(&d, 27, 1, "unknown field `workerz` for a service"));
        assert!(has(&d, 27, 1, "did you mean `workers`?"));
        assert!(has(&d, 38, 10, "unknown cache policy `lru2`"));
        assert!(has(&d, 40, 11, "unknown node `dbb`"));
        // Sorted in file order.
        let lines: Vec<usize> = d.iter().map(|x| x.line).collect();
        assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
    }

    #[test]
    fn a_syntax_error_is_reported_alone() {
        let d = errors("[scenario]\nduration = 5ms\n", &[]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            has(&d, 2, 12, "durations are strings: write \"5ms\""),
            "{d:?}"
        );
    }

    #[test]
    fn overrides_change_the_model_and_are_validated_like_the_file() {
        let o: Vec<String> = [
            "api.workers=16",
            "api.service_time=5ms",
            "scenario.seed=7",
            "workload.0.rate=500",
            "db.service_time.p99=\"30ms\"",
            "cache.ttl = \"1m\"",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = load_str(SHORTENER, "s.toml", &o)
            .unwrap_or_else(|d| panic!("{}", crate::scenario::render(&d)));
        let NodeKind::Service(api) = &m.nodes[1].kind else {
            panic!()
        };
        assert_eq!(api.workers, 16);
        assert_eq!(api.service_time, Dist::Constant { value: 0.005 });
        assert_eq!(m.seed, 7);
        assert!(matches!(m.workloads[0].arrival, Arrival::Poisson { rate } if rate == 500.0));
        let NodeKind::Database(db) = &m.nodes[3].kind else {
            panic!()
        };
        assert_eq!(Some(db.service_time), Dist::lognormal(0.008, 0.030).ok());
        let NodeKind::Cache(c) = &m.nodes[2].kind else {
            panic!()
        };
        assert_eq!(c.ttl, Some(SimTime::from_secs(60)));
    }

    #[test]
    fn override_mistakes_point_into_the_override_text() {
        let d = errors(
            SHORTENER,
            &[
                "api.workers=0",
                "apii.workers=2",
                "api.workerz=3",
                "workload.users.rate=1",
                "nonsense",
            ],
        );
        let text = crate::scenario::render(&d);
        assert!(d.iter().all(|x| x.file == "--set" && x.line == 1), "{text}");
        assert!(has(&d, 1, 13, "must be at least 1, got 0"), "{text}");
        assert!(has(&d, 1, 1, "unknown target `apii`"), "{text}");
        assert!(has(&d, 1, 1, "did you mean `api`?"), "{text}");
        assert!(
            has(&d, 1, 5, "unknown field `workerz` for a service"),
            "{text}"
        );
        assert!(has(&d, 1, 10, "unknown workload `users`"), "{text}");
        assert!(has(&d, 1, 1, "expected TARGET.FIELD=VALUE"), "{text}");
    }

    #[test]
    fn named_workloads_are_found_by_name_and_index() {
        let text = SHORTENER.replace("to = \"lb\"", "name = \"users\"\nto = \"lb\"");
        for target in ["workload.users.rate=10", "workload.0.rate=10"] {
            let m = load_str(&text, "s.toml", &[target.to_string()])
                .unwrap_or_else(|d| panic!("{}", crate::scenario::render(&d)));
            assert!(
                matches!(m.workloads[0].arrival, Arrival::Poisson { rate } if rate == 10.0),
                "{target}"
            );
        }
    }

    #[test]
    fn cycles_and_self_references_are_found() {
        let text = SHORTENER.replace(
            "service_time = { dist = \"lognormal\", mean = \"8ms\", p99 = \"40ms\" }",
            "service_time = { dist = \"lognormal\", mean = \"8ms\", p99 = \"40ms\" }\n",
        );
        let text = text
            .replace(
                "kind = \"database\"",
                "kind = \"service\"\ncalls = [\"api\"]",
            )
            .replace("read_replicas = 1\n", "");
        let d = errors(&text, &[]);
        assert!(
            d.iter()
                .any(|x| x.message == "cycle: api -> cache -> db -> api"),
            "{}",
            crate::scenario::render(&d)
        );
        let d = errors(SHORTENER, &["cache.on_miss=cache"]);
        assert!(
            d.iter()
                .any(|x| x.message == "node `cache` refers to itself"),
            "{d:?}"
        );
    }

    #[test]
    fn unreadable_and_non_utf8_files_are_diagnostics_at_the_start() {
        let dir = std::env::temp_dir().join(format!("loadlab-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, b"[scenario]\nname = \"\xff\"\n").expect("write");
        let d = load_file(&bad, &[]).expect_err("not UTF-8");
        assert_eq!((d.len(), d[0].line, d[0].column), (1, 2, 9));
        assert!(
            d[0].message.contains("byte 0xFF at line 2, column 9"),
            "{d:?}"
        );
        let d = load_file(&dir.join("missing.toml"), &[]).expect_err("missing");
        assert!(d[0].message.starts_with("cannot read the file"), "{d:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn empty_and_garbage_inputs_are_errors_not_panics() {
        assert!(!errors("", &[]).is_empty());
        assert!(!errors("\u{0}\u{1}{{{{", &[]).is_empty());
        assert!(!errors("[[[[[[", &[]).is_empty());
        let deep = "a = ".to_string() + &"[".repeat(10_000);
        assert!(!errors(&deep, &[]).is_empty());
    }

    /// A file using the resilience fields, new kinds and events.
    const RICH: &str = r#"
[scenario]
name = "rich"
duration = "60s"
max_events = 1_000_000

[[workload]]
name = "users"
to = "edge"
rate = 100

[[node]]
id = "edge"
kind = "cdn"
capacity = 10
origin = "gate"

[[node]]
id = "gate"
kind = "rate_limiter"
algorithm = "token_bucket"
rate = 50
to = "api"

[[node]]
id = "api"
kind = "service"
replicas = 2
service_time = "2ms"
autoscale = { target = 0.6, min = 1, max = 4 }
calls = [ { to = "db", when = "write", timeout = "200ms", retry = { attempts = 3, budget = 0.1 }, breaker = { consecutive_failures = 5 }, pool = { size = 4, acquire_timeout = "10ms" } }, "jobs" ]

[[node]]
id = "jobs"
kind = "queue"
service_time = "5ms"
calls = "db"

[[node]]
id = "db"
kind = "database"
service_time = "5ms"
read_replicas = 1
shards = 2

[[event]]
at = "10s"
action = "crash"
node = "db.shard.1.replica.0"
for = "5s"

[[event]]
at = "20s"
action = "set"
target = "workload.users.rate"
value = 300

[[event]]
at = "30s"
action = "partition"
from = "api"
to = "db"
"#;

    #[test]
    fn the_rich_file_loads() {
        let m = load_str(RICH, "r.toml", &[])
            .unwrap_or_else(|d| panic!("{}", crate::scenario::render(&d)));
        assert_eq!(m.events.len(), 4);
        assert_eq!(m.limits.max_events, 1_000_000);
    }

    mod never_panics {
        use super::*;
        use proptest::prelude::*;

        /// `text` with `del` bytes at position `at` (of 0..=len, moved
        /// back to a character boundary) replaced by `insert`.
        fn edit(text: &str, at: proptest::sample::Index, del: usize, insert: &str) -> String {
            let mut text = text.to_string();
            let mut at = at.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + del).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(at..end, insert);
            text
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn on_arbitrary_text(text in "\\PC{0,200}") {
                let _ = load_str(&text, "p.toml", &[]);
            }

            // Edit positions are drawn over the text itself (an `Index` into
            // its length + 1), so every line is as likely to be hit as the
            // end; a fixed range longer than the text piled up appends.
            #[test]
            fn on_a_valid_file_with_one_edit(at in any::<proptest::sample::Index>(), del in 0usize..8, insert in "[-\\[\\]{}=\"., 0-9a-z_]{0,6}") {
                let text = edit(SHORTENER, at, del, &insert);
                let _ = load_str(&text, "p.toml", &[]);
            }

            #[test]
            fn on_a_rich_file_with_one_edit(at in any::<proptest::sample::Index>(), del in 0usize..8, insert in "[-\\[\\]{}=\"., 0-9a-z_]{0,6}") {
                let text = edit(RICH, at, del, &insert);
                if let Ok(m) = load_str(&text, "p.toml", &[]) {
                    // Whatever loads also writes and loads back.
                    let written = crate::scenario::to_toml(&m);
                    prop_assert!(load_str(&written, "w.toml", &[]).is_ok(), "{}", written);
                }
            }

            #[test]
            fn on_arbitrary_overrides(o in proptest::collection::vec("[a-z_.0-9=\"{}\\[\\] -]{0,30}", 0..4)) {
                let _ = load_str(SHORTENER, "p.toml", &o);
            }
        }
    }
}
