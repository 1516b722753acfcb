//! `loadlab progress [--reset]`: the campaign, chapter by chapter, with stars, hints used and which levels are open; `--reset` clears it.

use crate::EXIT_FAILURE;
use crate::campaign::{Campaign, Progress};

#[derive(clap::Args, Debug, Clone)]
pub struct ProgressArgs {
    /// Forget every level's stars, designs and hints.
    #[arg(long)]
    pub reset: bool,
}

pub fn progress(args: &ProgressArgs) -> i32 {
    let Some(path) = Progress::default_path() else {
        eprintln!("error: no folder to keep progress in (set LOADLAB_DATA_DIR)");
        return EXIT_FAILURE;
    };
    if args.reset {
        return match Progress::fresh().save(&path) {
            Ok(()) => {
                println!("progress cleared ({})", path.display());
                0
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                EXIT_FAILURE
            }
        };
    }
    let (p, message) = Progress::load(&path);
    if let Some(m) = message {
        eprintln!("note: {m}");
    }
    let campaign = match Campaign::load_default() {
        Ok(c) => c,
        Err(e) => {
            eprint!("{e}");
            return EXIT_FAILURE;
        }
    };
    print!("{}", render(&campaign, &p));
    0
}

/// One line per level: stars, hints, open or locked; the chapters as headings.
pub fn render(campaign: &Campaign, p: &Progress) -> String {
    let mut out = String::new();
    let total: usize = campaign.levels().map(|l| usize::from(p.stars(&l.id))).sum();
    let max = 3 * campaign.levels().count();
    out.push_str(&format!("{total} of {max} stars\n"));
    for c in &campaign.chapters {
        out.push_str(&format!("\n{}\n", c.title));
        for l in &c.levels {
            let stars = p.stars(&l.id);
            let state = if campaign.is_unlocked(p, &l.id) {
                format!(
                    "{}{}",
                    "*".repeat(stars.into()),
                    ".".repeat(3 - usize::from(stars))
                )
            } else {
                "locked".to_string()
            };
            let hints = p.hints_used(&l.id);
            let hints = if hints > 0 {
                format!("  ({hints} hint{})", if hints == 1 { "" } else { "s" })
            } else {
                String::new()
            };
            out.push_str(&format!("  {state:<6}  {:<40} {}{hints}\n", l.id, l.title));
        }
    }
    if let Some(l) = campaign.resume(p) {
        out.push_str(&format!("\nnext: loadlab grade {}\n", l.id));
    }
    out
}
