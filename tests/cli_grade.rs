//! `loadlab grade | hint | progress` end to end: exit codes 0 / 1 / 2, the JSON keys, a refused design, progress kept in LOADLAB_DATA_DIR and reset.

use std::path::{Path, PathBuf};
use std::process::Command;

const LEVEL: &str = "scenarios/campaign/01-url-shortener/01-one-box.toml";

fn data_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("loadlab-cli-grade-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn loadlab(data: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_loadlab"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("LOADLAB_DATA_DIR", data)
        .args(args)
        .output()
        .expect("run loadlab");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn grade_exits_1_on_a_miss_0_on_a_pass_2_on_a_refusal_and_records_progress() {
    let data = data_dir("codes");
    let (code, out, err) = loadlab(&data, &["grade", LEVEL]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("NOT PASSED") && out.contains("FAIL error_rate"),
        "{out}"
    );
    // Why it failed: the account of the level's seed names the saturated
    // service and what to give it.
    assert!(out.contains("why  first to give way: api"), "{out}");
    assert!(out.contains("try  give api more capacity"), "{out}");
    let (code, out, err) = loadlab(
        &data,
        &["grade", LEVEL, "--set", "api.replicas=2", "--json"],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON on stdout");
    assert_eq!(json["passed"], true);
    assert_eq!(json["stars"], 3);
    assert!(json["what_happened"].is_array(), "{json}");
    let per_seed = &json["objectives"][0]["per_seed"];
    assert_eq!(per_seed.as_array().map(Vec::len), Some(3), "{json}");
    assert!(per_seed[0]["value"].is_number() && per_seed[0].get("missed_by").is_some());
    let (code, _, err) = loadlab(&data, &["grade", LEVEL, "--set", "api.service_time=1ms"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("`api.service_time` is locked"), "{err}");
    let (code, _, err) = loadlab(&data, &["grade", "no-such-level"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no level `no-such-level`") && err.contains("01-url-shortener/01-one-box"),
        "{err}"
    );
    let (code, out, _) = loadlab(&data, &["progress"]);
    assert_eq!(code, Some(0));
    let line = |out: &str| {
        out.lines()
            .find(|l| l.contains("01-url-shortener/01-one-box "))
            .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
    };
    assert_eq!(line(&out).as_deref(), Some("***"), "{out}");
    let (code, _, _) = loadlab(&data, &["progress", "--reset"]);
    assert_eq!(code, Some(0));
    let (_, out, _) = loadlab(&data, &["progress"]);
    assert!(out.starts_with("0 of "), "{out}");
    assert_eq!(line(&out).as_deref(), Some("..."), "{out}");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn hints_are_revealed_one_at_a_time_and_a_corrupt_progress_file_is_survived() {
    let data = data_dir("hints");
    std::fs::create_dir_all(&data).expect("dir");
    std::fs::write(data.join("progress.json"), "garbage").expect("write");
    let (code, out, err) = loadlab(&data, &["hint", "01-url-shortener/01-one-box"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("hint 1 of "), "{out}");
    let (_, out, _) = loadlab(&data, &["hint", "01-url-shortener/01-one-box"]);
    assert!(out.starts_with("hint 2 of "), "{out}");
    let (_, out, _) = loadlab(&data, &["progress"]);
    assert!(out.contains("(2 hints)"), "{out}");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_copy_of_a_level_with_an_easier_objective_is_graded_but_its_stars_are_not_kept() {
    // A player copied level 1.1 under its own folder and file names,
    // loosened its error bound, and graded the starting design: it passed,
    // and the stars went to the real level's id in the progress file.
    let data = data_dir("copy");
    let shipped = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(LEVEL))
        .expect("reads the level");
    assert!(shipped.contains("below = 0.01"));
    let copy = data.join("fake/01-url-shortener/01-one-box.toml");
    std::fs::create_dir_all(copy.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&copy, shipped.replace("below = 0.01", "below = 0.9")).expect("write");
    let copy = copy.display().to_string();
    let (code, out, err) = loadlab(&data, &["grade", &copy]);
    assert_eq!(code, Some(0), "the loosened copy passes: {out}{err}");
    assert!(
        err.contains("differs from the campaign's level `01-url-shortener/01-one-box`")
            && err.contains("not kept"),
        "{err}"
    );
    let (_, out, _) = loadlab(&data, &["progress"]);
    assert!(out.starts_with("0 of "), "no star kept: {out}");
    // A copy word for word the same keeps its stars.
    std::fs::write(&copy, &shipped).expect("write");
    let (code, out, err) = loadlab(&data, &["grade", &copy, "--set", "api.replicas=2"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(!err.contains("not kept"), "{err}");
    let (_, out, _) = loadlab(&data, &["progress"]);
    assert!(!out.starts_with("0 of "), "the stars are kept: {out}");
    let _ = std::fs::remove_dir_all(&data);
}
