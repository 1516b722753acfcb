//! Running the `loadlab` binary from tests: exit code, stdout and stderr, the diagnostics it printed, and a temporary folder for its files.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The exit status of `check` and `run` for a scenario with mistakes.
pub const EXIT_INVALID: i32 = 2;

/// Runs `loadlab` with `args`: (exit code, stdout, stderr).
pub fn loadlab<S: AsRef<OsStr>>(args: &[S]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_loadlab"))
        .args(args)
        .output()
        .expect("run loadlab");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `loadlab run <file> --out <out> <extra...>`.
pub fn run_to(file: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec![
        "run".to_string(),
        file.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    loadlab(&args)
}

/// Runs `loadlab check <file>`.
pub fn check(file: &Path) -> (Option<i32>, String, String) {
    loadlab(&[OsStr::new("check"), file.as_os_str()])
}

/// The diagnostics of a rendering, one string each (first line plus its
/// indented `at` / `hint` lines).
pub fn blocks(stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in stderr.lines() {
        match out.last_mut() {
            Some(block) if line.starts_with(' ') => {
                block.push('\n');
                block.push_str(line);
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

/// A fresh folder for one test, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("loadlab-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn write(&self, file: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(file);
        std::fs::write(&path, bytes).expect("write");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
