//! `loadlab sweep` end to end: the CSV does not depend on `--jobs`, and a point's row holds the figures `loadlab run` gives for the same value and seeds.

mod cli;

use std::path::Path;

use cli::{TempDir, loadlab};

const SCENARIO: &str = r#"[scenario]
name = "sweep"
duration = "3s"
warmup = "500ms"
seed = 11

[[workload]]
to = "api"
rate = 600

[[node]]
id = "api"
kind = "service"
workers = 2
queue = 20
timeout = "30ms"
service_time = { dist = "exponential", mean = "3ms" }
"#;

/// The CSV's rows as (header → cell) maps, in order.
fn rows(csv: &str) -> Vec<Vec<(String, String)>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{l}");
            header
                .iter()
                .zip(cells)
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

fn cell<'a>(row: &'a [(String, String)], name: &str) -> &'a str {
    &row.iter()
        .find(|(h, _)| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .1
}

fn sweep(dir: &Path, file: &Path, out: &str, extra: &[&str]) -> String {
    let out = dir.join(out);
    let mut args = vec![
        "sweep".to_string(),
        file.display().to_string(),
        "--vary".into(),
        "api.workers=1..3".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let (code, stdout, stderr) = loadlab(&args);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    std::fs::read_to_string(&out).expect("the CSV")
}

/// `loadlab run --seed SEED --set api.workers=WORKERS --json`: the
/// summary's text.
fn run(dir: &Path, file: &Path, seed: u64, workers: u32) -> String {
    let out = dir.join(format!("run-{seed}-{workers}"));
    let (code, stdout, stderr) = loadlab(&[
        "run".to_string(),
        file.display().to_string(),
        "--seed".into(),
        seed.to_string(),
        "--set".into(),
        format!("api.workers={workers}"),
        "--json".into(),
        "--out".into(),
        out.display().to_string(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let on_disk = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    assert_eq!(stdout, on_disk);
    stdout
}

/// The number on the first line `"KEY": NUMBER` below the line `within`
/// of the pretty-printed summary, read from its text. (serde_json's own
/// reader is not correctly rounded without its `float_roundtrip` feature:
/// it read 3.8412419016050245 as 3.841241901605025.)
fn number(json: &str, within: &str, key: &str) -> Option<f64> {
    let start = json.find(within).unwrap_or_else(|| panic!("no {within}"));
    let needle = format!("\"{key}\": ");
    let at = start + json[start..].find(&needle)? + needle.len();
    let text = json[at..].lines().next()?.trim_end_matches(',');
    (text != "null").then(|| {
        text.parse()
            .unwrap_or_else(|e| panic!("{key}: {e}: {text}"))
    })
}

/// The sweep's figures, read from a summary as the CSV names them.
fn figures(s: &str) -> Vec<(&'static str, Option<f64>)> {
    vec![
        (
            "throughput_rps",
            number(s, "\"in_flight\"", "throughput_rps"),
        ),
        ("mean_ms", number(s, "\"latency_ms\"", "mean")),
        ("p50_ms", number(s, "\"latency_ms\"", "p50")),
        ("p95_ms", number(s, "\"latency_ms\"", "p95")),
        ("p99_ms", number(s, "\"latency_ms\"", "p99")),
        ("error_rate", number(s, "\"in_flight\"", "error_rate")),
        ("utilisation", number(s, "\"api\": {", "utilisation")),
    ]
}

#[test]
fn the_csv_is_the_same_on_one_thread_and_on_four() {
    let dir = TempDir::new("sweep-jobs");
    let file = dir.write("sweep.toml", SCENARIO.as_bytes());
    let reps = ["--replications", "4"];
    let one = sweep(
        &dir.0,
        &file,
        "one.csv",
        &[&reps[..], &["--jobs", "1"]].concat(),
    );
    let four = sweep(
        &dir.0,
        &file,
        "four.csv",
        &[&reps[..], &["--jobs", "4"]].concat(),
    );
    assert_eq!(one, four);
    let rows = rows(&one);
    assert_eq!(rows.len(), 3);
    for (row, workers) in rows.iter().zip(["1", "2", "3"]) {
        assert_eq!(cell(row, "value"), workers);
        assert_eq!(cell(row, "seed"), "11");
        assert_eq!(cell(row, "replications"), "4");
        // Four runs: every figure has a confidence half-width.
        assert!(!cell(row, "p99_ms_ci95").is_empty(), "{row:?}");
    }
    // The points differ (one worker is overloaded, three are not).
    assert_ne!(cell(&rows[0], "p99_ms"), cell(&rows[2], "p99_ms"));
}

/// With seed 11 and two replications, a point's row is the mean of
/// `run --seed 11` and `run --seed 12` at that value, figure by figure (to
/// the last bit: the same sums in the same order), and with one
/// replication it is `run --seed 11` itself.
#[test]
fn a_row_holds_the_figures_of_run_with_the_same_seeds() {
    let dir = TempDir::new("sweep-run");
    let file = dir.write("sweep.toml", SCENARIO.as_bytes());
    let single = rows(&sweep(
        &dir.0,
        &file,
        "single.csv",
        &["--replications", "1"],
    ));
    let double = rows(&sweep(
        &dir.0,
        &file,
        "double.csv",
        &["--replications", "2"],
    ));
    for (workers, (one, two)) in (1u32..=3).zip(single.iter().zip(&double)) {
        let a = figures(&run(&dir.0, &file, 11, workers));
        let b = figures(&run(&dir.0, &file, 12, workers));
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            let x = x.unwrap_or_else(|| panic!("{name} missing at {workers} workers"));
            let y = y.unwrap_or_else(|| panic!("{name} missing at {workers} workers"));
            let read = |row: &[(String, String)]| -> f64 {
                cell(row, name)
                    .parse()
                    .unwrap_or_else(|e| panic!("{name}: {e} in {row:?}"))
            };
            assert_eq!(read(one), x, "{name} at {workers} workers, seed 11");
            assert_eq!(
                read(two),
                (x + y) / 2.0,
                "{name} at {workers} workers, mean of seeds 11 and 12"
            );
        }
    }
}

/// Runs each line of a `--plan` with `sh -c`, as GNU parallel would.
fn run_lines(lines: &str) {
    for line in lines.lines() {
        let out = std::process::Command::new("sh")
            .args(["-c", line])
            .output()
            .expect("sh");
        assert!(
            out.status.success(),
            "{line}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `sweep --plan DIR` prints one self-contained `loadlab run` line per
/// point × replication; run by hand and split over two folders (two
/// machines), `sweep --merge` writes the CSV the sweep writes when it runs
/// here, byte for byte; a run missing is named, not guessed.
#[test]
fn a_plan_run_elsewhere_merges_into_the_same_csv() {
    let dir = TempDir::new("sweep-plan");
    let file = dir.write("sweep spaced.toml", SCENARIO.as_bytes());
    let args = [
        "--replications",
        "3",
        "--duration",
        "2s",
        "--set",
        "api.queue=30",
    ];
    let here = sweep(&dir.0, &file, "here.csv", &args);

    let plan_dir = dir.0.join("plan a");
    let mut plan_args = vec![
        "sweep".to_string(),
        file.display().to_string(),
        "--vary".into(),
        "api.workers=1..3".into(),
        "--plan".into(),
        plan_dir.display().to_string(),
    ];
    plan_args.extend(args.iter().map(|s| s.to_string()));
    let (code, lines, stderr) = loadlab(&plan_args);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        lines.lines().count(),
        9,
        "3 points × 3 replications:\n{lines}"
    );
    assert!(
        !plan_dir.join("p0000-r0000").exists(),
        "--plan runs nothing"
    );
    run_lines(&lines);

    // A second machine's copy holds the last point's runs.
    let other = dir.0.join("plan b");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(plan_dir.join("plan.json"), other.join("plan.json")).unwrap();
    for r in 0..3 {
        let name = format!("p0002-r{r:04}");
        std::fs::rename(plan_dir.join(&name), other.join(&name)).unwrap();
    }
    let merged = dir.0.join("merged.csv");
    let merge = |dirs: &[&Path]| {
        let mut a = vec!["sweep".to_string(), "--merge".into()];
        a.extend(dirs.iter().map(|d| d.display().to_string()));
        a.extend(["--out".into(), merged.display().to_string()]);
        loadlab(&a)
    };
    let (code, _, stderr) = merge(&[&plan_dir, &other]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(std::fs::read_to_string(&merged).unwrap(), here);

    // Without the second machine's folder, its three runs are missing.
    let (code, _, stderr) = merge(&[&plan_dir]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("3 of 9 runs have no results yet")
            && stderr.contains("api.workers=3 seed 11"),
        "{stderr}"
    );
}
