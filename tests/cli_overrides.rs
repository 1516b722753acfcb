//! Malformed `--set` overrides and `--duration` values on `loadlab check` and `loadlab run`: exit 2, one located message, and no results written.

mod cli;

use std::path::PathBuf;

use cli::{EXIT_INVALID, TempDir, blocks, loadlab};

const SCENARIO: &str = r#"[scenario]
name = "overrides"
duration = "2s"

[[workload]]
name = "users"
to = "api"
rate = 10

[[node]]
id = "api"
kind = "service"
service_time = "1ms"
calls = "db"

[[node]]
id = "db"
kind = "database"
service_time = "1ms"
"#;

/// `(--set value, column, fragment)`: each must fail with one diagnostic
/// at `--set:1:COLUMN` containing the fragment.
const BAD_SETS: &[(&str, usize, &str)] = &[
    // unknown node, workload or field
    ("apii.workers=2", 1, "unknown target `apii`"),
    ("apii.workers=2", 1, "did you mean `api`?"),
    ("api.wrokers=2", 5, "unknown field `wrokers` for a service"),
    ("api.wrokers=2", 5, "did you mean `workers`?"),
    (
        "api.algorithm=random",
        5,
        "unknown field `algorithm` for a service",
    ),
    ("db.calls=api", 4, "unknown field `calls` for a database"),
    ("scenario.nme=x", 10, "did you mean `name`?"),
    ("workload.admins.rate=5", 10, "unknown workload `admins`"),
    ("workload.7.rate=5", 10, "unknown workload `7`"),
    ("workload.users.rat=5", 16, "did you mean `rate`?"),
    // wrong type
    ("api.workers=abc", 13, "expected an integer, found a string"),
    (
        "api.workers=2.5",
        13,
        "expected an integer, found the float `2.5`",
    ),
    (
        "api.workers=true",
        13,
        "expected an integer, found a boolean",
    ),
    (
        "api.workers=[1, 2]",
        13,
        "expected an integer, found an array",
    ),
    ("api.workers=0x", 13, "`0x` is not a valid integer"),
    ("api.workers=\"4\"", 13, "remove the quotes"),
    (
        "workload.users.rate=fast",
        21,
        "expected a number, found a string",
    ),
    ("scenario.name=5", 15, "expected a string, found an integer"),
    ("api.service_time=true", 18, "found a boolean"),
    ("api.calls.to=db", 5, "`calls` is not a table here"),
    // bad units and durations
    (
        "api.timeout=5",
        13,
        "a duration needs a unit, found the bare number `5`",
    ),
    ("api.timeout=5sec", 13, "unknown unit `sec`"),
    ("api.timeout=-5ms", 13, "is negative"),
    ("api.timeout=0s", 13, "must be greater than 0"),
    ("scenario.duration=1e3s", 19, "has an exponent"),
    ("scenario.duration=999999999999h", 19, "is too large"),
    (
        "api.service_time.mean=5ms",
        5,
        "`service_time` is not a table here",
    ),
    // out of range
    ("api.workers=0", 13, "must be at least 1, got 0"),
    (
        "api.replicas=99999999999999999999",
        14,
        "must be at most 10000",
    ),
    ("workload.users.rate=1e400", 21, "must be a finite number"),
    (
        "workload.users.rate=1e300",
        21,
        "must be at most 1000000000, got 1e300",
    ),
    ("api.cost_per_hour=-1", 19, "must be at least 0, got -1"),
    // missing `=`, names or value; incomplete TOML values
    (
        "api.workers",
        1,
        "expected TARGET.FIELD=VALUE, got `api.workers`",
    ),
    ("", 1, "expected TARGET.FIELD=VALUE"),
    ("=5", 1, "empty name"),
    ("api..workers=2", 5, "empty name in `api..workers`"),
    ("api=5", 4, "missing field after `api`"),
    ("workload=3", 1, "expected workload.<name or index>.FIELD"),
    ("api.workers=", 13, "no value after `=`"),
    ("api.workers={", 13, "`{` is not a valid TOML value"),
    (
        "api.service_time={ dist = \"exponential\" mean = \"5ms\" }",
        18,
        "missing comma",
    ),
    ("scenario.name=\"x", 15, "is not a valid TOML value"),
    ("db.read_replicas=-1", 18, "must be at least 0, got -1"),
];

/// A scenario file in a fresh folder, and where `run` would write.
struct Setup {
    _dir: TempDir,
    file: PathBuf,
    out: PathBuf,
}

impl Setup {
    fn new(name: &str) -> Self {
        let dir = TempDir::new(&format!("cli-overrides-{name}"));
        let file = dir.write("s.toml", SCENARIO.as_bytes());
        let out = dir.0.join("out");
        Setup {
            _dir: dir,
            file,
            out,
        }
    }
}

/// `loadlab <command> FILE <extra...>` must exit 2 with nothing on stdout
/// and a diagnostic at `at` containing `fragment`; returns the failure.
fn refused(
    setup: &Setup,
    command: &str,
    extra: &[&str],
    at: &str,
    fragment: &str,
) -> Option<String> {
    let mut args: Vec<String> = vec![command.into(), setup.file.display().to_string()];
    if command == "run" {
        args.push("--out".into());
        args.push(setup.out.display().to_string());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let (code, stdout, stderr) = loadlab(&args);
    let found = blocks(&stderr)
        .iter()
        .any(|b| b.starts_with(&format!("{at}: error: ")) && b.contains(fragment));
    let ok = code == Some(EXIT_INVALID)
        && stdout.is_empty()
        && found
        && !stderr.contains("panicked")
        && !setup.out.exists();
    (!ok).then(|| {
        format!("{command} {extra:?}: exit {code:?}, wanted {EXIT_INVALID} and `{at}` with `{fragment}`\nstdout:\n{stdout}stderr:\n{stderr}")
    })
}

#[test]
fn the_scenario_itself_is_valid() {
    let setup = Setup::new("valid");
    let (code, _, stderr) = loadlab(&["check", &setup.file.display().to_string()]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn malformed_sets_are_located_in_the_override_on_check_and_run() {
    let setup = Setup::new("sets");
    let mut failures = Vec::new();
    for &(set, column, fragment) in BAD_SETS {
        for command in ["check", "run"] {
            let at = format!("--set:1:{column}");
            failures.extend(refused(&setup, command, &["--set", set], &at, fragment));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_bad_set_is_reported_in_one_go() {
    let setup = Setup::new("many");
    let mut extra = Vec::new();
    for set in ["api.workers=0", "apii.x=1", "api.timeout=5", "nonsense"] {
        extra.push("--set");
        extra.push(set);
    }
    let (code, _, stderr) =
        loadlab(&[vec!["check", &setup.file.display().to_string()], extra].concat());
    assert_eq!(code, Some(EXIT_INVALID), "{stderr}");
    assert!(stderr.ends_with("\n4 errors\n"), "{stderr}");
}

#[test]
fn malformed_durations_on_run_are_located_in_the_duration() {
    let setup = Setup::new("duration");
    let mut failures = Vec::new();
    for (value, fragment) in [
        ("5", "a duration needs a unit, found the bare number `5`"),
        ("0s", "must be greater than 0"),
        ("5sec", "unknown unit `sec`"),
        ("1e3s", "has an exponent"),
        ("99999999999999999999s", "is too large"),
        ("", "no duration given"),
    ] {
        let arg = format!("--duration={value}");
        failures.extend(refused(&setup, "run", &[&arg], "--duration:1:1", fragment));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_set_of_the_duration_wins_over_duration_and_is_reported_as_a_set() {
    let setup = Setup::new("both");
    let failure = refused(
        &setup,
        "run",
        &["--duration", "5", "--set", "scenario.duration=0s"],
        "--set:1:19",
        "must be greater than 0",
    );
    assert!(failure.is_none(), "{}", failure.unwrap_or_default());
}

/// A design whose api calls a payment provider (with a timeout and
/// retries), then writes to a ledger (a bare id), then the provider again.
const CALLS: &str = r#"[scenario]
name = "calls"
duration = "2s"

[[workload]]
to = "api"
rate = 10

[[node]]
id = "api"
kind = "service"
service_time = "1ms"
calls = [{ to = "psp", timeout = "400ms", retry = { attempts = 3 } }, "ledger", "audit"]

[[node]]
id = "psp"
kind = "external"
latency = "10ms"

[[node]]
id = "ledger"
kind = "database"
service_time = "1ms"

[[node]]
id = "audit"
kind = "database"
service_time = "1ms"
"#;

fn calls_after(set: &[&str]) -> Vec<loadlab::sim::model::Call> {
    let sets: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    let model = loadlab::scenario::load_str(CALLS, "calls.toml", &sets)
        .unwrap_or_else(|d| panic!("{}", loadlab::scenario::render(&d)));
    match &model.nodes[0].kind {
        loadlab::sim::model::NodeKind::Service(s) => s.calls.clone(),
        _ => panic!("api is a service"),
    }
}

/// `--set` (and so `sweep --vary`) reaches a field of one call, named by
/// the node it goes to or by its index, as a level's limits name it
/// (`app.calls.db.pool.size`); it was refused ("`calls` is not a table").
#[test]
fn a_set_reaches_a_field_of_one_call() {
    let ms = loadlab::sim::SimTime::from_millis;
    let calls = calls_after(&[
        "api.calls.psp.timeout=200ms",
        "api.calls.ledger.timeout=5ms",
    ]);
    assert_eq!(calls[0].policy.timeout, Some(ms(200)));
    // The bare id became a call of its own with the field set.
    assert_eq!(calls[1].policy.timeout, Some(ms(5)));
    assert_eq!(calls[2].policy.timeout, None);
    let calls = calls_after(&["api.calls.0.retry.attempts=1"]);
    assert_eq!(calls[0].policy.retry.map(|r| r.max_attempts), Some(1));
    assert_eq!(calls[0].policy.timeout, Some(ms(400)), "the rest kept");
}

#[test]
fn a_set_into_calls_that_names_no_call_says_which_there_are() {
    let sets = ["api.calls.nope.timeout=1ms".to_string()];
    let err = loadlab::scenario::load_str(CALLS, "calls.toml", &sets).expect_err("refused");
    let text = loadlab::scenario::render(&err);
    assert!(text.contains("`calls` has no item `nope`"), "{text}");
    assert!(text.contains("psp, ledger, audit"), "{text}");
    let sets = ["api.calls.timeout=1ms".to_string()];
    let err = loadlab::scenario::load_str(CALLS, "calls.toml", &sets).expect_err("refused");
    let text = loadlab::scenario::render(&err);
    assert!(
        text.contains("by its index from 0 or the node it goes to"),
        "{text}"
    );
}

/// An error the file alone does not have names the `--set` behind it: a
/// mix made to sum past 1 by an override was told at the file's line,
/// valid as written, with no word of the override.
#[test]
fn an_error_only_an_override_makes_names_the_override() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/url-shortener.toml"),
    )
    .expect("shipped scenario");
    assert!(loadlab::scenario::load_str(&text, "u.toml", &[]).is_ok());
    let sets = ["workload.users.mix.read=1.0".to_string()];
    let err = loadlab::scenario::load_str(&text, "u.toml", &sets).expect_err("refused");
    let said = loadlab::scenario::render(&err);
    assert!(said.contains("must sum to 1"), "{said}");
    assert!(
        said.contains("with --set workload.users.mix.read=1.0; the file alone has no such error"),
        "{said}"
    );
    // An error of the file itself is not blamed on an override.
    let broken = text.replacen(
        "mix = { read = 0.9, write = 0.1 }",
        "mix = { read = 0.9, write = 0.2 }",
        1,
    );
    let sets = ["scenario.seed=7".to_string()];
    let err = loadlab::scenario::load_str(&broken, "u.toml", &sets).expect_err("refused");
    let said = loadlab::scenario::render(&err);
    assert!(
        said.contains("must sum to 1") && !said.contains("with --set"),
        "{said}"
    );
}

#[test]
fn a_sweep_with_a_fractional_step_on_a_count_says_to_give_whole_numbers() {
    // `--vary api.workers=1..2:0.5` reported "expected an integer, found
    // the float `1.0`" and nothing on what to write instead.
    let setup = Setup::new("sweep-step");
    let file = setup.file.display().to_string();
    let (code, stdout, stderr) = loadlab(&["sweep", &file, "--vary", "api.workers=1..2:0.5"]);
    assert_eq!(code, Some(EXIT_INVALID), "{stdout}{stderr}");
    assert!(stderr.contains("(at --vary api.workers=1.0)"), "{stderr}");
    assert!(stderr.contains("takes whole numbers"), "{stderr}");
}
