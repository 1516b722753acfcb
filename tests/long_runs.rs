//! A run's memory does not grow with its declared duration, and `check` warns of a time series with an absurd number of rows.

mod cli;

use std::process::{Command, Stdio};

use cli::TempDir;

/// One busy service and 200 idle ones: each window carries 201 node
/// rows, and 500 000 events end the run after ~1 700 simulated seconds,
/// whatever the declared duration.
fn design() -> String {
    let mut s = String::from(
        "[scenario]\nname = \"long\"\nduration = \"2000s\"\n\
         [[workload]]\nto = \"api\"\nrate = 100\n\
         [[node]]\nid = \"api\"\nkind = \"service\"\nservice_time = \"1ms\"\n",
    );
    for i in 0..200 {
        s.push_str(&format!(
            "[[node]]\nid = \"idle{i}\"\nkind = \"service\"\nservice_time = \"1ms\"\n"
        ));
    }
    s
}

/// Peak resident set (KiB) of `loadlab run` on `design()` declared
/// `duration` long and stopped by `max_events`.
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives its rusage
fn peak_kib(dir: &TempDir, duration: &str) -> i64 {
    let file = dir.write("long.toml", design().as_bytes());
    let child = Command::new(env!("CARGO_BIN_EXE_loadlab"))
        .arg("run")
        .arg(&file)
        .args(["--set", "scenario.max_events=500000"])
        .args(["--set", &format!("scenario.duration={duration}")])
        .arg("--out")
        .arg(dir.0.join(duration))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("loadlab starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid; wait4 reaps our own child and
    // fills it (the Child is not waited for again).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4");
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    usage.ru_maxrss
}

/// Declared 180 000 times longer, the same events: the windows were
/// taken once per 1/200 of the declared duration, so a 100 000 h run kept
/// every window it closed (265 MB here against 9 MB).
#[test]
fn memory_does_not_grow_with_the_declared_duration() {
    let dir = TempDir::new("long-runs-memory");
    let short = peak_kib(&dir, "2000s");
    let long = peak_kib(&dir, "100000h");
    assert!(
        long < short * 2,
        "peak {long} KiB declared 100000h, {short} KiB declared 2000s"
    );
}

#[test]
fn check_warns_of_a_time_series_with_too_many_rows() {
    let dir = TempDir::new("long-runs-check");
    let file = dir.write("long.toml", design().as_bytes());
    let (code, _, stderr) = cli::loadlab(&[
        "check".as_ref(),
        file.as_os_str(),
        "--set".as_ref(),
        "scenario.duration=100000h".as_ref(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("timeseries.csv would have ~7.27e10 rows"),
        "{stderr}"
    );
    assert!(stderr.contains("--set scenario.window=72720s"), "{stderr}");
    let (code, _, stderr) = cli::check(&file);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("timeseries.csv"), "{stderr}");
}
