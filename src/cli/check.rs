//! `loadlab check FILE`: validate a scenario, print every error, or describe its topology on one screen.

use std::path::PathBuf;

use crate::report::{csv, predict};
use crate::scenario;

/// The description `check` prints; it lives in `report::topology`.
pub use crate::report::topology::describe;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Override a field before checking, e.g. `--set api.workers=16`
    /// (repeatable).
    #[arg(long = "set", value_name = "NODE.FIELD=VALUE")]
    pub set: Vec<String>,
}

/// Validates `args.file`: prints the diagnostics to stderr and returns
/// `EXIT_INVALID`, or prints the topology to stdout and returns 0.
pub fn check(args: &CheckArgs) -> i32 {
    match scenario::load_file(&args.file, &args.set) {
        Ok(model) => {
            if let Some(note) = csv::rows_note(&model) {
                eprintln!("{note}");
            }
            print!("{}", describe(&model));
            print!("{}", predict::describe(&model, &predict::predict(&model)));
            print!(
                "{}",
                predict::describe_links(&model, &predict::link_loads(&model))
            );
            0
        }
        Err(diags) => {
            eprint!("{}", scenario::render(&diags));
            crate::EXIT_INVALID
        }
    }
}
