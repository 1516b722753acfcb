//! `loadlab grade LEVEL [--design FILE]`: the exam of a campaign level (exit 0 passed, 1 not, 2 invalid); `loadlab hint LEVEL` reveals the next hint.

use std::path::{Path, PathBuf};

use crate::campaign::{self, Campaign, Level, Progress};
use crate::{EXIT_FAILURE, EXIT_INVALID};

#[derive(clap::Args, Debug, Clone)]
pub struct GradeArgs {
    /// The level: a level file, or its id in the campaign
    /// (`01-url-shortener/01-one-box`).
    pub level: String,
    /// The design to grade (a scenario file); the level's starting design
    /// when absent.
    #[arg(long, value_name = "FILE")]
    pub design: Option<PathBuf>,
    /// Change a field of the design before grading, e.g. `--set api.replicas=4`.
    #[arg(long = "set", value_name = "NODE.FIELD=VALUE")]
    pub set: Vec<String>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Do not record the result in the progress file.
    #[arg(long)]
    pub no_record: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct HintArgs {
    /// The level: a level file, or its id in the campaign.
    pub level: String,
}

/// Finds the level by id in the campaign, else reads it as a file.
pub fn find_level(name: &str) -> Result<Level, String> {
    let path = Path::new(name);
    if path.is_file() {
        let canonical = path.canonicalize().ok();
        if let Ok(c) = Campaign::load_default()
            && let Some(l) = c
                .levels()
                .find(|l| l.path.canonicalize().ok() == canonical && canonical.is_some())
        {
            return Ok(l.clone());
        }
        return Level::load(path);
    }
    let c = Campaign::load_default()?;
    c.level(name).cloned().ok_or_else(|| {
        let ids: Vec<&str> = c.levels().map(|l| l.id.as_str()).collect();
        format!(
            "error: no level `{name}`: give a level file or one of:\n  {}\n",
            ids.join("\n  ")
        )
    })
}

/// The progress file and its contents (a message when starting afresh).
fn progress() -> Option<(PathBuf, Progress)> {
    let path = Progress::default_path()?;
    let (p, _) = Progress::load(&path);
    Some((path, p))
}

pub fn grade(args: &GradeArgs) -> i32 {
    let level = match find_level(&args.level) {
        Ok(l) => l,
        Err(e) => {
            eprint!("{e}");
            return EXIT_INVALID;
        }
    };
    let design = match level.load_design(args.design.as_deref(), &args.set) {
        Ok(d) => d,
        Err(e) => {
            eprint!("{e}");
            return EXIT_INVALID;
        }
    };
    let stored = progress();
    let hints = stored.as_ref().map_or(0, |(_, p)| p.hints_used(&level.id));
    let g = match campaign::grade(&level, &design, hints) {
        Ok(g) => g,
        Err(refusal) => {
            eprint!("error: {refusal}");
            return EXIT_INVALID;
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&g.to_json()).unwrap_or_default()
        );
    } else {
        print!("{}", g.to_text());
    }
    let kept = Campaign::load_default().and_then(|c| c.keeps_stars_of(&level));
    if let Err(why) = &kept {
        // Said with --no-record too: the grade is of a copy, not the level.
        eprintln!("note: {why}");
    }
    if !args.no_record
        && kept.is_ok()
        && let Some((path, mut p)) = stored
    {
        p.record(&g, &crate::scenario::to_toml(&design));
        if let Err(e) = p.save(&path) {
            eprintln!("warning: progress not saved to {}: {e}", path.display());
        }
    }
    if g.passed { 0 } else { EXIT_FAILURE }
}

pub fn hint(args: &HintArgs) -> i32 {
    let level = match find_level(&args.level) {
        Ok(l) => l,
        Err(e) => {
            eprint!("{e}");
            return EXIT_INVALID;
        }
    };
    let Some((path, mut p)) = progress() else {
        eprintln!("error: no folder to keep progress in (set LOADLAB_DATA_DIR)");
        return EXIT_FAILURE;
    };
    match p.reveal_hint(&level) {
        Some((n, text)) => {
            println!("hint {n} of {}: {text}", level.spec.hints.len());
            if let Err(e) = p.save(&path) {
                eprintln!("warning: progress not saved to {}: {e}", path.display());
            }
        }
        None => {
            for (i, h) in level.spec.hints.iter().enumerate() {
                println!("hint {} of {}: {h}", i + 1, level.spec.hints.len());
            }
            println!("(every hint is shown)");
        }
    }
    0
}
