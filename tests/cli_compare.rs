//! `loadlab compare` end to end: a design against itself differs by exactly zero, intervals shrink as √N, bad input exits 2 with a message.

mod cli;

use std::path::{Path, PathBuf};

use cli::{EXIT_INVALID, TempDir, loadlab};

fn shortener() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/url-shortener.toml")
}

/// `loadlab compare A B --json` plus `extra`: the parsed output.
fn compare_json(a: &Path, b: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "compare".to_string(),
        a.display().to_string(),
        b.display().to_string(),
        "--json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let (code, out, err) = loadlab(&args);
    assert_eq!(code, Some(0), "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Short runs: 1 s of warm-up, 5 s measured, 25 000 requests each.
const SHORT: [&str; 4] = ["--duration", "6s", "--set", "scenario.warmup=1s"];

#[test]
fn a_design_against_itself_differs_by_exactly_zero() {
    let dir = TempDir::new("compare-self");
    let copy = dir.write(
        "copy.toml",
        &std::fs::read(shortener()).expect("the URL shortener"),
    );
    let mut extra = SHORT.to_vec();
    extra.extend(["--replications", "3"]);
    let v = compare_json(&shortener(), &copy, &extra);
    assert_eq!(v["replications"], 3);
    let figures = v["figures"].as_object().expect("figures");
    for key in [
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "mean_ms",
        "throughput_rps",
        "error_rate",
        "cost_per_hour",
    ] {
        let f = &figures[key];
        assert_eq!(f["a"], f["b"], "{key}: {f}");
        for zero in ["diff", "ci_low", "ci_high"] {
            assert_eq!(f[zero].as_f64(), Some(0.0), "{key}.{zero}: {f}");
        }
        assert_eq!(f["significant"], false, "{key}");
    }
    // The table says so in words.
    let (code, out, err) = loadlab(&[
        "compare",
        &shortener().display().to_string(),
        &copy.display().to_string(),
        "--replications",
        "2",
        "--duration",
        "3s",
        "--set",
        "scenario.warmup=1s",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("p99 (ms)") && out.contains("no difference"),
        "{out}"
    );
}

/// The half-width of B − A's interval for `key`.
fn half_width(v: &serde_json::Value, key: &str) -> f64 {
    let f = &v["figures"][key];
    let (lo, hi) = (f["ci_low"].as_f64(), f["ci_high"].as_f64());
    (hi.expect(key) - lo.expect(key)) / 2.0
}

/// 3 against 4 API replicas. With N pairs the half-width is
/// t(N−1; 0.975)·s_N/√N, so h4/h16 = 2·(t3/t15)·(s4/s16) = 2.986·(s4/s16).
/// The N = 16 runs use seeds disjoint from the N = 4 ones, so for normal
/// paired differences s4²/s16² ~ F(3, 15). Two figures at a joint
/// α = 0.001 (Bonferroni: 0.0005 each, two-sided): F(3, 15) quantiles
/// 0.00025 and 0.99975 are 0.003105 and 12.31, so the ratio lies in
/// 2.986·[√0.003105, √12.31] = [0.166, 10.48].
#[test]
fn intervals_shrink_as_the_square_root_of_the_replications() {
    let dir = TempDir::new("compare-sqrt-n");
    let text = std::fs::read_to_string(shortener()).expect("the URL shortener");
    let four = dir.write(
        "four.toml",
        text.replace("replicas = 3", "replicas = 4").as_bytes(),
    );
    let run = |n: &str, seed: &str| {
        let mut extra = SHORT.to_vec();
        extra.extend(["--replications", n, "--seed", seed]);
        compare_json(&shortener(), &four, &extra)
    };
    let small = run("4", "100");
    let large = run("16", "104");
    for key in ["mean_ms", "p99_ms"] {
        let ratio = half_width(&small, key) / half_width(&large, key);
        eprintln!("{key}: h4 / h16 = {ratio:.3} (√N law: 2.986 × s4/s16)");
        assert!((0.166..=10.48).contains(&ratio), "{key}: {ratio}");
    }
    // A fourth replica shortens the API's line: the mean drops, and with
    // 16 pairs it shows (the p99 is the database's lognormal tail, which
    // a replica of the API does not move: no claim on it).
    let f = &large["figures"]["mean_ms"];
    assert!(f["ci_high"].as_f64().expect("mean") < 0.0, "{f}");
    assert_eq!(f["significant"], true);
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let a = shortener().display().to_string();
    let (code, _, err) = loadlab(&["compare", &a, "/no/such/design.toml"]);
    assert_eq!(code, Some(EXIT_INVALID), "{err}");
    assert!(
        err.contains("/no/such/design.toml") && err.contains("cannot read"),
        "{err}"
    );
    assert!(err.contains("design B"), "{err}");

    let (code, _, err) = loadlab(&["compare", &a, &a, "--replications", "0"]);
    assert_eq!(code, Some(EXIT_INVALID), "{err}");
    assert!(err.contains("--replications") && err.contains('0'), "{err}");

    let (code, _, err) = loadlab(&["compare", &a, &a, "--set", "api.nonsense=3"]);
    assert_eq!(code, Some(EXIT_INVALID), "{err}");
    assert!(
        err.contains("--set:1:") && err.contains("nonsense"),
        "{err}"
    );
    assert!(err.contains("design A"), "{err}");
}
