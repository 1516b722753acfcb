//! The `loadlab` command: parses the command line and hands over to `loadlab::cli`.

fn main() {
    quiet_broken_pipe();
    std::process::exit(loadlab::cli::main());
}

/// A reader that stops early (`loadlab check FILE | head`) ends the
/// process as it ends any Unix tool, instead of a panic on the next print.
fn quiet_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: setting SIGPIPE to its default action at start-up, before
    // any thread is spawned; no handler of ours is involved.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
