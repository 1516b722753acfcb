//! The command line: `loadlab run | check | sweep | compare | view | grade | hint | progress` (clap) and dispatch; the exit codes live at the crate root.

pub mod check;
pub mod compare;
pub mod grade;
pub mod progress;
pub mod run;
pub mod sweep;
pub mod view;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::EXIT_INVALID;

#[derive(Parser, Debug)]
#[command(
    name = "loadlab",
    version,
    about = "An interactive system-design simulator"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario headless, print a summary and write results.
    Run(run::RunArgs),
    /// Validate a scenario and describe its topology.
    Check(check::CheckArgs),
    /// Run a scenario over a range of one field's values, in parallel; one CSV row per point.
    Sweep(sweep::SweepArgs),
    /// Run two designs on the same seeds; paired differences with 95 % intervals.
    Compare(compare::CompareArgs),
    /// Open the window on a scenario: watch, tune live, export (feature `gui`).
    View(view::ViewArgs),
    /// Sit a campaign level's exam: every exam seed in parallel; exit 0 when passed.
    Grade(grade::GradeArgs),
    /// Reveal a campaign level's next hint (counted in its grade).
    Hint(grade::HintArgs),
    /// Show campaign progress: stars per level, what is open; `--reset` clears it.
    Progress(progress::ProgressArgs),
}

/// Parses `std::env::args` and runs the command; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_INVALID } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Some(Command::Run(args)) => run::run(&args),
        Some(Command::Check(args)) => check::check(&args),
        Some(Command::Sweep(args)) => sweep::sweep(&args),
        Some(Command::Compare(args)) => compare::compare(&args),
        Some(Command::View(args)) => view::view(&args),
        Some(Command::Grade(args)) => grade::grade(&args),
        Some(Command::Hint(args)) => grade::hint(&args),
        Some(Command::Progress(args)) => progress::progress(&args),
        #[cfg(feature = "gui")]
        // No arguments: the campaign, where the learner left off.
        None => crate::app::run(crate::app::ViewOptions {
            campaign: Some(crate::campaign::default_dir()),
            ..crate::app::ViewOptions::default()
        }),
        #[cfg(not(feature = "gui"))]
        None => {
            eprintln!(
                "The window is not built yet. Try `loadlab run scenarios/url-shortener.toml`\n\
                 or `loadlab --help`."
            );
            EXIT_INVALID
        }
    }
}

/// The path argument shared by commands that read a scenario.
#[derive(clap::Args, Debug, Clone)]
pub struct ScenarioArg {
    /// The scenario file (TOML).
    pub file: PathBuf,
}
