//! Running the real `loadlab` window binary under an X server: the current one, or Xvfb (installed by scripts/setup.sh).

use std::path::Path;
use std::process::Command;

/// How to reach an X server: the current one, or a virtual one.
pub fn launcher() -> Option<Vec<String>> {
    if std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) {
        return Some(Vec::new());
    }
    let found = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    found.then(|| {
        ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"]
            .map(String::from)
            .to_vec()
    })
}

/// Runs `loadlab ARGS` in the window under X from the crate's root; panics
/// when it fails (no silent pass: the README's test command installs Xvfb).
pub fn run_window(args: &[&str]) {
    let prefix = launcher().expect(
        "no DISPLAY and no xvfb-run: run scripts/setup.sh (installs xvfb and mesa-vulkan-drivers)",
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all: Vec<String> = prefix;
    all.push(env!("CARGO_BIN_EXE_loadlab").into());
    all.extend(args.iter().map(|s| s.to_string()));
    let status = Command::new(&all[0])
        .args(&all[1..])
        .current_dir(root)
        .status()
        .expect("the window starts");
    assert!(status.success(), "loadlab {args:?} exited with {status}");
}
