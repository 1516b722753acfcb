//! Each file in `tests/malformed/` holds one mistake; `loadlab check` must exit 2 and point at it.

mod cli;
mod common;

use cli::{EXIT_INVALID, blocks, check};
use common::toml_files;

// A file's first line states the expectation:
// `# expect: LINE:COLUMN fragment of the message or hint`. Adding a case is
// adding a file. Every scenario under `scenarios/` must pass the same check.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(line, column, fragment)` from the first line of a corpus file.
fn expectation(path: &Path) -> (usize, usize, String) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8_lossy(&bytes);
    // A corpus file may start with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let first = text.lines().next().unwrap_or("");
    let rest = first.strip_prefix("# expect: ").unwrap_or_else(|| {
        panic!(
            "{}: first line must be `# expect: L:C fragment`",
            path.display()
        )
    });
    let (at, fragment) = rest
        .split_once(' ')
        .unwrap_or_else(|| panic!("{}: no fragment after the location", path.display()));
    let (line, column) = at
        .split_once(':')
        .and_then(|(l, c)| Some((l.parse().ok()?, c.parse().ok()?)))
        .unwrap_or_else(|| panic!("{}: bad location `{at}`", path.display()));
    (line, column, fragment.trim().to_string())
}

#[test]
fn every_malformed_file_fails_check_at_the_stated_place_with_the_stated_message() {
    let mut files = Vec::new();
    toml_files(&root().join("tests/malformed"), &mut files);
    files.sort();
    assert!(files.len() >= 90, "only {} corpus files", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let (line, column, fragment) = expectation(file);
        let (code, stdout, stderr) = check(file);
        let at = format!("{}:{line}:{column}: error: ", file.display());
        let found = blocks(&stderr)
            .iter()
            .any(|b| b.starts_with(&at) && b.contains(&fragment));
        if code != Some(EXIT_INVALID) || !found || !stdout.is_empty() {
            failures.push(format!(
                "{}: exit {code:?}, wanted {EXIT_INVALID} and `{at}` with `{fragment}`\nstdout:\n{stdout}stderr:\n{stderr}",
                file.display()
            ));
        }
        assert!(!stderr.contains("panicked"), "{}: {stderr}", file.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_files_state_distinct_mistakes() {
    let mut files = Vec::new();
    toml_files(&root().join("tests/malformed"), &mut files);
    let mut seen = std::collections::HashMap::new();
    for file in &files {
        let (_, _, fragment) = expectation(file);
        let text = std::fs::read(file).unwrap_or_default();
        if let Some(other) = seen.insert(text, file.clone()) {
            panic!(
                "{} and {} are the same file",
                file.display(),
                other.display()
            );
        }
        assert!(!fragment.is_empty(), "{}", file.display());
    }
}

#[test]
fn every_example_scenario_passes_check() {
    let mut files = Vec::new();
    toml_files(&root().join("scenarios"), &mut files);
    files.sort();
    for file in &files {
        let (code, stdout, stderr) = check(file);
        assert_eq!(code, Some(0), "{}:\n{stderr}", file.display());
        assert!(
            stdout.contains("scenario:"),
            "{}:\n{stdout}",
            file.display()
        );
    }
}

#[test]
fn every_corpus_file_is_in_the_coverage_table() {
    let table = std::fs::read_to_string(root().join("docs/malformed-coverage.md"))
        .expect("docs/malformed-coverage.md");
    let mut files = Vec::new();
    toml_files(&root().join("tests/malformed"), &mut files);
    let missing: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_stem()?.to_str().map(str::to_string))
        .filter(|stem| !table.contains(&format!("`{stem}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "add these to docs/malformed-coverage.md: {missing:?}"
    );
}
