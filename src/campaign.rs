//! The campaign: chapters of levels under `scenarios/campaign/`, graded on an exam of several seeds, with progress kept per user.
//!
//! The API the window (and `loadlab grade | progress | hint`) calls:
//!
//! - [`Campaign::load`]`(dir)` (or [`Campaign::load_default`]) lists the
//!   [`Chapter`]s in folder order (`01-url-shortener/`, ...), each with its
//!   [`Level`]s in file order; [`Campaign::level`] finds one by id
//!   (`"01-url-shortener/02-cache"`), [`Campaign::is_unlocked`] and
//!   [`Campaign::resume`] read a [`Progress`].
//! - A [`Level`] is a scenario with a `[level]` table: its briefing is
//!   `title`, `story`, `spec.ask`, the model's objectives,
//!   [`Level::budget`], `spec.par`, [`Level::knobs`] (every field of every
//!   node, locked with its reason or unlocked with its limit), `spec.add`,
//!   `spec.hints` (reveal one at a time: [`Progress::reveal_hint`]), and
//!   `model` is the starting design to open.
//! - [`grade()`]`(level, design, hints_used)` runs the exam: the design
//!   from time 0 with the level's chaos on every exam seed, in parallel;
//!   it gives a [`Grade`] (stars, every objective's figure per seed and by
//!   how much it missed, the debrief rendered with the run's figures;
//!   with a level's extra fault, `extra_fault`: the objectives again on a
//!   second exam with more chaos, for the third star) or a
//!   [`Refusal`] naming each limit the design breaks.
//! - [`Progress::load`]`(path)` never fails (a missing or corrupt file is
//!   a fresh start, with a message); [`Progress::record`] keeps the best
//!   stars and design; [`Progress::save`] writes atomically;
//!   [`Progress::default_path`] is the per-user data folder
//!   (`LOADLAB_DATA_DIR` overrides it).

mod call_changes;
mod call_counts;
pub mod edit_rules;
mod empty_stores;
mod extra_fault;
pub mod figures;
mod flows;
pub mod grade;
mod kept_paths;
pub mod level;
mod limits;
pub mod progress;
pub mod rules;
mod unmentioned;

use std::path::{Path, PathBuf};

pub use grade::{Check, Grade, Refusal, SeedFigure, grade};
pub use level::{Knob, Level};
pub use progress::{LevelProgress, Progress};

/// Every chapter, in order.
#[derive(Clone, Debug)]
pub struct Campaign {
    pub root: PathBuf,
    pub chapters: Vec<Chapter>,
}

/// A folder of levels (`01-url-shortener/`) with its `README.md` (a
/// `# title` line, then what the chapter is about).
#[derive(Clone, Debug)]
pub struct Chapter {
    /// The folder name.
    pub id: String,
    pub title: String,
    pub about: String,
    pub levels: Vec<Level>,
}

/// Where the shipped campaign is: `LOADLAB_CAMPAIGN`, else
/// `scenarios/campaign` in the working directory, else in the source tree.
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("LOADLAB_CAMPAIGN") {
        return PathBuf::from(d);
    }
    let here = Path::new("scenarios/campaign");
    if here.is_dir() {
        return here.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/campaign")
}

impl Campaign {
    /// The campaign in [`default_dir`].
    pub fn load_default() -> Result<Campaign, String> {
        Campaign::load(&default_dir())
    }

    /// Reads every chapter folder under `root` (sorted by name) and every
    /// level file in it (`*.toml`, sorted by name).
    pub fn load(root: &Path) -> Result<Campaign, String> {
        let mut chapters = Vec::new();
        for dir in sorted_entries(root)?.into_iter().filter(|p| p.is_dir()) {
            chapters.push(read_chapter(&dir)?);
        }
        if chapters.is_empty() {
            return Err(format!("no chapters in {}", root.display()));
        }
        Ok(Campaign {
            root: root.to_path_buf(),
            chapters,
        })
    }

    /// Every level, chapter by chapter.
    pub fn levels(&self) -> impl Iterator<Item = &Level> {
        self.chapters.iter().flat_map(|c| c.levels.iter())
    }

    /// The campaign a level file belongs to (the folder two above it) and
    /// the level's id there: `Ok(None)` for a file that is not a level (a
    /// plain scenario's folders are not read as a campaign) or a level
    /// outside a campaign; `Err` when it is a level whose campaign does not
    /// load.
    pub fn of_file(file: &Path) -> Result<Option<(Campaign, String)>, String> {
        let Ok(text) = std::fs::read_to_string(file) else {
            return Ok(None);
        };
        if !text.lines().any(|l| l.trim() == "[level]") {
            return Ok(None);
        }
        let Some(root) =
            (file.canonicalize().ok()).and_then(|w| w.parent()?.parent().map(Path::to_path_buf))
        else {
            return Ok(None);
        };
        let campaign = Campaign::load(&root)?;
        let wanted = file.canonicalize().ok();
        let id = (campaign.levels())
            .find(|l| l.path.canonicalize().ok() == wanted)
            .map(|l| l.id.clone());
        Ok(id.map(|id| (campaign, id)))
    }

    /// Whether stars earned on `level` may be kept under its id: a level
    /// of this campaign's id must be its file, or a file word for word the
    /// same (a copy with an easier objective is graded but not kept: `Err`
    /// says why); a level of another campaign (an id this one has not)
    /// keeps its own.
    pub fn keeps_stars_of(&self, level: &Level) -> Result<(), String> {
        let Some(ours) = self.level(&level.id) else {
            return Ok(());
        };
        let same_file = ours
            .path
            .canonicalize()
            .ok()
            .is_some_and(|p| level.path.canonicalize().ok().as_ref() == Some(&p));
        let same_text = || {
            let read = |p: &Path| std::fs::read(p).ok();
            read(&ours.path).is_some_and(|a| read(&level.path).as_ref() == Some(&a))
        };
        if same_file || same_text() {
            return Ok(());
        }
        Err(format!(
            "{} differs from the campaign's level `{}` ({}): graded, not kept in your progress",
            level.path.display(),
            level.id,
            ours.path.display()
        ))
    }

    /// The level with this id (`chapter/file stem`).
    pub fn level(&self, id: &str) -> Option<&Level> {
        self.levels().find(|l| l.id == id)
    }

    /// A level is open when it is the first, when the one before it has a
    /// star, or when it has stars of its own (earned on a level opened by
    /// its file: the map must not show it locked beside the next one open).
    pub fn is_unlocked(&self, progress: &Progress, id: &str) -> bool {
        let ids: Vec<&str> = self.levels().map(|l| l.id.as_str()).collect();
        match ids.iter().position(|l| *l == id) {
            Some(0) => true,
            Some(i) => progress.stars(id) >= 1 || progress.stars(ids[i - 1]) >= 1,
            None => false,
        }
    }

    /// Where the learner left off: the first open level without a star
    /// (the last level once all have one).
    pub fn resume(&self, progress: &Progress) -> Option<&Level> {
        self.levels()
            .find(|l| progress.stars(&l.id) == 0 && self.is_unlocked(progress, &l.id))
            .or_else(|| self.levels().last())
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let read = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut out: Vec<PathBuf> = read.flatten().map(|e| e.path()).collect();
    out.sort();
    Ok(out)
}

fn read_chapter(dir: &Path) -> Result<Chapter, String> {
    let id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = dir.join("README.md");
    let text = std::fs::read_to_string(&meta)
        .map_err(|e| format!("cannot read {}: {e}", meta.display()))?;
    let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let title = first.trim_start_matches('#').trim();
    let mut levels = Vec::new();
    for p in sorted_entries(dir)? {
        if p.extension().is_some_and(|x| x == "toml") {
            levels.push(Level::load_in(&p, &id)?);
        }
    }
    Ok(Chapter {
        title: if title.is_empty() {
            id.clone()
        } else {
            title.to_string()
        },
        about: rest.trim().to_string(),
        id,
        levels,
    })
}
