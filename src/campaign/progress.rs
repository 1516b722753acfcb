//! The learner's progress (best stars, best design, hints used per level) in the per-user data folder, written atomically; a missing or corrupt file is a fresh start.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Grade, Level};
use crate::report::atomic::write_atomic;

/// Environment variable naming the folder that holds `progress.json`
/// (tests, portable installs); without it, the platform's data folder.
pub const DATA_DIR_ENV: &str = "LOADLAB_DATA_DIR";

/// Every level the learner has touched, by level id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub version: u32,
    pub levels: BTreeMap<String, LevelProgress>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LevelProgress {
    /// The most stars earned (0: tried, not passed).
    pub stars: u8,
    /// Hints revealed so far.
    pub hints_used: u32,
    /// The design (a scenario file) that earned the best grade: most
    /// stars, then the lowest cost.
    pub best_design: Option<String>,
    pub best_cost: Option<f64>,
}

impl Progress {
    /// `progress.json` in `LOADLAB_DATA_DIR`, or in the platform's per-user
    /// data folder (`~/.local/share/loadlab` on Linux); `None` when the
    /// platform has no home folder.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(d) = std::env::var_os(DATA_DIR_ENV) {
            return Some(PathBuf::from(d).join("progress.json"));
        }
        directories::ProjectDirs::from("", "", "loadlab")
            .map(|p| p.data_dir().join("progress.json"))
    }

    /// Reads `path`. Never fails: a missing, unreadable or corrupt file
    /// is a fresh start, with a message saying so (a damaged file is left
    /// as it is until the next save).
    pub fn load(path: &Path) -> (Progress, Option<String>) {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let msg = format!("no progress yet ({}): a fresh start", path.display());
                return (Progress::fresh(), Some(msg));
            }
            Err(e) => {
                let msg = format!("cannot read {} ({e}): starting afresh", path.display());
                return (Progress::fresh(), Some(msg));
            }
        };
        match serde_json::from_str::<Progress>(&text) {
            Ok(p) => (p, None),
            Err(e) => {
                let msg = format!(
                    "{} is damaged ({e}): starting afresh; it will be replaced on the next save",
                    path.display()
                );
                (Progress::fresh(), Some(msg))
            }
        }
    }

    pub fn fresh() -> Progress {
        Progress {
            version: 1,
            levels: BTreeMap::new(),
        }
    }

    /// Writes `path` atomically (a crash leaves the old file or the new,
    /// never half of one), creating its folder.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(path, text.as_bytes())
    }

    /// The best stars on `level` (0 when never passed).
    pub fn stars(&self, level: &str) -> u8 {
        self.levels.get(level).map_or(0, |l| l.stars)
    }

    /// The design that earned `level`'s best grade (a scenario file's
    /// text) and what it cost an hour.
    pub fn best_design(&self, level: &str) -> Option<(&str, Option<f64>)> {
        let l = self.levels.get(level)?;
        Some((l.best_design.as_deref()?, l.best_cost))
    }

    /// Hints revealed on `level`.
    pub fn hints_used(&self, level: &str) -> u32 {
        self.levels.get(level).map_or(0, |l| l.hints_used)
    }

    /// Keeps `grade` if it beats the best (more stars, or as many for
    /// less money), with the design's file text; says whether it did.
    pub fn record(&mut self, grade: &Grade, design: &str) -> bool {
        let entry = self.levels.entry(grade.level.clone()).or_default();
        let better = entry.best_design.is_none()
            || grade.stars > entry.stars
            || (grade.stars == entry.stars && entry.best_cost.is_none_or(|c| grade.cost < c));
        if better {
            entry.stars = grade.stars;
            entry.best_design = Some(design.to_string());
            entry.best_cost = Some(grade.cost);
        }
        better
    }

    /// Reveals the next hint of `level` and counts it: (its number from
    /// 1, its text), or `None` when all are shown.
    pub fn reveal_hint<'l>(&mut self, level: &'l Level) -> Option<(usize, &'l str)> {
        let entry = self.levels.entry(level.id.clone()).or_default();
        let next = entry.hints_used as usize;
        let hint = level.spec.hints.get(next)?;
        entry.hints_used += 1;
        Some((next + 1, hint.as_str()))
    }

    /// The hints of `level` revealed so far.
    pub fn hints<'l>(&self, level: &'l Level) -> &'l [String] {
        let n = (self.hints_used(&level.id) as usize).min(level.spec.hints.len());
        &level.spec.hints[..n]
    }
}
