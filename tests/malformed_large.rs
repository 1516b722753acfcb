//! Malformed inputs too big or too odd for the corpus (10 MB files, a file over the size limit, endless streams, empty files, 100 000 nodes), generated in a temporary folder.

mod cli;

use std::path::Path;

use cli::{EXIT_INVALID, TempDir, check};
use loadlab::scenario::MAX_FILE_BYTES;
const TEN_MB: usize = 10 * 1024 * 1024;

/// `check` must refuse the file with exit 2, nothing on stdout, and the
/// first diagnostic at `LINE:COLUMN` containing `fragment`.
fn assert_refused(file: &Path, line: usize, column: usize, fragment: &str) -> String {
    let (code, stdout, stderr) = check(file);
    let first = stderr.lines().next().unwrap_or("");
    let at = format!("{}:{line}:{column}: error: ", file.display());
    assert_eq!(code, Some(EXIT_INVALID), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        first.starts_with(&at) && first.contains(fragment),
        "wanted `{at}` with `{fragment}`, got:\n{}",
        stderr.chars().take(2000).collect::<String>()
    );
    stderr
}

/// `n` pseudo-random bytes (xorshift; no dependency, same every run).
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 56) as u8
        })
        .collect()
}

const HEAD: &str = "[scenario]\nname = \"big\"\n\n[[workload]]\nto = \"n0\"\nrate = 1\n";

/// A node that forwards to the next one (the last forwards nowhere).
fn chain_node(i: usize, last: bool) -> String {
    let to = if last {
        String::new()
    } else {
        format!("to = \"n{}\"\n", i + 1)
    };
    format!("\n[[node]]\nid = \"n{i}\"\nkind = \"service\"\nservice_time = \"1ms\"\n{to}")
}

#[test]
fn ten_megabytes_of_random_bytes_are_not_utf8() {
    let dir = TempDir::new("random");
    let file = dir.write("random.toml", &noise(TEN_MB));
    let stderr = assert_refused(&file, 1, 1, "not valid UTF-8");
    assert!(stderr.ends_with("1 error\n"), "{stderr}");
}

#[test]
fn ten_megabytes_of_text_garbage_give_one_syntax_error() {
    let dir = TempDir::new("garbage");
    let garbage = "{{{ = = ]] \"x\n".repeat(TEN_MB / 14);
    let file = dir.write("garbage.toml", garbage.as_bytes());
    let stderr = assert_refused(&file, 1, 1, "invalid TOML");
    // Files over 1 MiB report their first syntax error only.
    assert!(stderr.ends_with("\n1 error\n"), "{stderr}");
}

#[test]
fn a_mistake_after_a_ten_megabyte_string_is_located() {
    let dir = TempDir::new("string");
    let text = format!(
        "[scenario]\nname = \"big\"\nstory = \"{}\"\nduration = \"0s\"\n{}{}",
        "a".repeat(TEN_MB),
        &HEAD[HEAD.find("\n\n").unwrap_or(0)..],
        chain_node(0, true)
    );
    let file = dir.write("string.toml", text.as_bytes());
    assert_refused(&file, 4, 12, "must be greater than 0, got \"0s\"");
}

#[test]
fn one_mistake_after_ten_megabytes_of_nodes_is_located() {
    let dir = TempDir::new("nodes");
    let mut text = HEAD.to_string();
    let mut n = 0;
    while text.len() < TEN_MB {
        text.push_str(&chain_node(n, false));
        n += 1;
    }
    text.push_str(&chain_node(n, true));
    text.push_str("workers = 0\n");
    let line = text.lines().count();
    let file = dir.write("nodes.toml", text.as_bytes());
    let stderr = assert_refused(&file, line, 11, "must be at least 1, got 0");
    assert!(stderr.contains(&format!("node `n{n}`")), "{stderr}");
    assert!(stderr.ends_with("\n1 error\n"), "{stderr}");
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_reading_it() {
    let dir = TempDir::new("limit");
    let path = dir.0.join("huge.toml");
    // Sparse: no disk is written, and the loader must not read it.
    let f = std::fs::File::create(&path).expect("create");
    f.set_len(MAX_FILE_BYTES + 1).expect("set_len");
    drop(f);
    let stderr = assert_refused(&path, 1, 1, "the file is too large for a scenario");
    assert!(stderr.contains("the limit is 16 MiB"), "{stderr}");
}

#[test]
fn a_file_exactly_at_the_limit_is_read() {
    let dir = TempDir::new("at-limit");
    // Valid TOML padded with a comment to exactly the limit: it is read,
    // and refused for what it says (no [[node]]), not for its size.
    let head = "[scenario]\nname = \"padded\"\n\n[[workload]]\nto = \"api\"\nrate = 1\n#";
    let limit = usize::try_from(MAX_FILE_BYTES).expect("fits");
    let mut text = head.to_string();
    text.push_str(&"x".repeat(limit - head.len()));
    assert_eq!(text.len(), limit);
    let file = dir.write("padded.toml", text.as_bytes());
    assert_refused(&file, 1, 1, "a scenario needs at least one [[node]]");
}

#[cfg(unix)]
#[test]
fn an_endless_stream_is_refused_at_the_limit() {
    let stderr = assert_refused(Path::new("/dev/zero"), 1, 1, "too large for a scenario");
    assert!(stderr.contains("more than 16 MiB"), "{stderr}");
}

#[test]
fn a_folder_or_a_missing_file_is_a_clear_error() {
    let dir = TempDir::new("folder");
    assert_refused(&dir.0, 1, 1, "cannot read the file");
    assert_refused(&dir.0.join("missing.toml"), 1, 1, "cannot read the file");
}

#[test]
fn empty_and_blank_files_say_they_are_empty() {
    let dir = TempDir::new("empty");
    for (name, text) in [
        ("empty.toml", ""),
        ("blank.toml", "  \n\t\n\r\n\n"),
        ("bom.toml", "\u{feff}"),
    ] {
        let file = dir.write(name, text.as_bytes());
        let stderr = assert_refused(&file, 1, 1, "the file has no settings");
        assert!(stderr.ends_with("\n1 error\n"), "{name}: {stderr}");
    }
}

#[test]
fn a_hundred_thousand_nodes_load() {
    let dir = TempDir::new("100k");
    let n = 100_000;
    let mut text = HEAD.to_string();
    for i in 0..n {
        text.push_str(&chain_node(i, i + 1 == n));
    }
    let file = dir.write("chain.toml", text.as_bytes());
    let (code, stdout, stderr) = check(&file);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("n99998 --to--> n99999"), "{stdout:.2000}");
}

#[test]
fn a_cycle_through_a_hundred_thousand_nodes_is_found() {
    let dir = TempDir::new("100k-cycle");
    let n = 100_000;
    let mut text = HEAD.to_string();
    for i in 0..n {
        text.push_str(&chain_node(i, false).replace(&format!("\"n{n}\""), "\"n0\""));
    }
    let file = dir.write("cycle.toml", text.as_bytes());
    let stderr = assert_refused(
        &file,
        12,
        6,
        "cycle: n0 -> n1 -> n2 -> n3 -> n4 -> ... (99990 more) ... -> n99995",
    );
    assert!(stderr.ends_with("\n1 error\n"), "{stderr:.2000}");
    assert!(stderr.len() < 1000, "{stderr:.2000}");
}
