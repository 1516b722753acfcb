//! The `loadlab` command: parses the command line and hands over to `loadlab::cli`.

fn main() {
    std::process::exit(loadlab::cli::main());
}
