//! `loadlab run`'s results folder: it never replaces results without `--force`, leaves no temporary file behind, and its three files belong to one run.

mod cli;

use std::fs;
use std::path::{Path, PathBuf};

use cli::{EXIT_INVALID, TempDir};

/// `loadlab run` exits with this when it cannot write its results.
const EXIT_FAILURE: i32 = 1;

const FILES: [&str; 3] = ["summary.json", "timeseries.csv", "nodes.csv"];

const SCENARIO: &str = r#"[scenario]
name = "results"
duration = "2s"
window = "500ms"
seed = 5

[[workload]]
to = "api"
rate = 200

[[node]]
id = "api"
kind = "service"
service_time = { dist = "exponential", mean = "2ms" }
"#;

fn run(file: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    cli::run_to(file, out, extra)
}

/// Every entry of `dir` (names), sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    FILES
        .iter()
        .map(|f| (f.to_string(), fs::read(dir.join(f)).unwrap_or_default()))
        .collect()
}

/// The seed each results file says it came from.
fn seeds(dir: &Path) -> Vec<String> {
    FILES.iter().map(|f| seed_of(dir, f)).collect()
}

#[test]
fn results_are_not_replaced_without_force() {
    let dir = TempDir::new("run-force");
    let file = dir.write("s.toml", SCENARIO.as_bytes());
    let out = dir.0.join("out");
    let (code, _, stderr) = run(&file, &out, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    // The three files and nothing else (no temporary file).
    assert_eq!(
        listing(&out),
        ["nodes.csv", "summary.json", "timeseries.csv"]
    );
    assert_eq!(seeds(&out), ["5", "5", "5"]);
    let before = contents(&out);

    // Again, with another seed and no --force: refused, nothing touched.
    let (code, _, stderr) = run(&file, &out, &["--seed", "6"]);
    assert_eq!(code, Some(EXIT_INVALID), "{stderr}");
    assert!(
        stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(contents(&out), before);
    assert_eq!(
        listing(&out),
        ["nodes.csv", "summary.json", "timeseries.csv"]
    );

    // One file left from an earlier run is enough to refuse.
    fs::remove_file(out.join("summary.json")).unwrap();
    fs::remove_file(out.join("timeseries.csv")).unwrap();
    let (code, _, stderr) = run(&file, &out, &["--seed", "6"]);
    assert_eq!(code, Some(EXIT_INVALID), "{stderr}");
    assert_eq!(listing(&out), ["nodes.csv"]);

    // With --force: all three replaced, all three from the new run.
    let (code, _, stderr) = run(&file, &out, &["--seed", "6", "--force"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        listing(&out),
        ["nodes.csv", "summary.json", "timeseries.csv"]
    );
    assert_eq!(seeds(&out), ["6", "6", "6"]);
    let fresh = dir.0.join("fresh");
    let (code, _, stderr) = run(&file, &fresh, &["--seed", "6"]);
    assert_eq!(code, Some(0), "{stderr}");
    // Bytes as a fresh run would write, but for the folder named inside.
    assert_eq!(contents(&out), contents(&fresh));
}

#[test]
fn an_unwritable_results_folder_fails_and_leaves_nothing() {
    let dir = TempDir::new("run-unwritable");
    let file = dir.write("s.toml", SCENARIO.as_bytes());
    // A folder inside a regular file cannot be made (even by root).
    let blocker = dir.write("blocker", b"not a folder");
    let out = blocker.join("results");
    let (code, stdout, stderr) = run(&file, &out, &[]);
    assert_eq!(code, Some(EXIT_FAILURE), "{stdout}\n{stderr}");
    assert!(stderr.contains("cannot create results folder"), "{stderr}");
    assert_eq!(fs::read(&blocker).unwrap(), b"not a folder");
    assert_eq!(listing(&dir.0), ["blocker", "s.toml"]);
}

/// A results folder where `nodes.csv` cannot be written (it is a folder,
/// which `--force` does not remove), after an earlier run with seed 5
/// wrote the other two; the new run (seed 6) fails with exit 1.
fn fail_midway(dir: &TempDir) -> PathBuf {
    let file = dir.write("s.toml", SCENARIO.as_bytes());
    let out = dir.0.join("out");
    let (code, _, stderr) = run(&file, &out, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    fs::remove_file(out.join("nodes.csv")).unwrap();
    fs::create_dir(out.join("nodes.csv")).unwrap();
    let (code, _, stderr) = run(&file, &out, &["--seed", "6", "--force"]);
    assert_eq!(code, Some(EXIT_FAILURE), "{stderr}");
    assert!(stderr.contains("cannot write nodes.csv"), "{stderr}");
    out
}

/// The seed `file` in `dir` says it came from.
fn seed_of(dir: &Path, file: &str) -> String {
    let text = fs::read_to_string(dir.join(file)).unwrap();
    if file.ends_with(".json") {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        return v["seed"].to_string();
    }
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "seed")
        .expect("a seed column");
    lines
        .next()
        .unwrap()
        .split(',')
        .nth(col)
        .unwrap()
        .to_string()
}

#[test]
fn a_write_failing_midway_leaves_no_temporary_file() {
    let dir = TempDir::new("run-midway-temp");
    let out = fail_midway(&dir);
    let left: Vec<String> = listing(&out)
        .into_iter()
        .filter(|f| f.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// The three files are committed together: after a failed run the folder
/// holds one run's results (the old ones), not a new summary.json beside
/// the old timeseries.csv.
#[test]
fn a_write_failing_midway_leaves_no_mixed_results() {
    let dir = TempDir::new("run-midway-mixed");
    let out = fail_midway(&dir);
    assert_eq!(
        [
            seed_of(&out, "summary.json"),
            seed_of(&out, "timeseries.csv")
        ],
        ["5", "5"]
    );
}

#[test]
fn the_terminal_and_summary_json_tell_what_happened() {
    let dir = TempDir::new("what-happened");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lessons/retry-storm.toml");
    let out = dir.0.join("out");
    let (code, stdout, stderr) = run(&file, &out, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("\nwhat happened\n"), "{stdout}");
    assert!(
        stdout.contains("why  first to give way: backend"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let told = json["what_happened"].as_array().expect("a list");
    let cause = told
        .iter()
        .find(|h| h["kind"] == "cause")
        .expect("a cause entry");
    assert_eq!(cause["nodes"][0], "backend");
    assert!(
        cause["at_s"]
            .as_f64()
            .is_some_and(|t| (30.0..31.0).contains(&t))
    );
    assert!(
        told.iter()
            .all(|h| h["text"].is_string() && h["nodes"].is_array())
    );
}

/// A reader that stops early (`loadlab check FILE | head -1`):
/// the command ends as any Unix tool does, without the panic Rust's print
/// raised on the broken pipe ("failed printing to stdout: Broken pipe").
#[cfg(unix)]
#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    use std::process::{Command, Stdio};
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/url-shortener.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_loadlab"))
        .arg("check")
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    // The reader is gone before check has loaded its file: everything it
    // prints goes nowhere.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "a panic's exit code");
}
