//! One level: its scenario (the starting design, traffic, objectives, chaos) and its `[level]` table, with what a briefing shows.

use std::path::{Path, PathBuf};

use crate::scenario;
use crate::scenario::level::{LevelSpec, limit};
use crate::sim::Model;

/// A level loaded from its file.
#[derive(Clone, Debug)]
pub struct Level {
    /// `chapter folder/file stem`, e.g. `01-url-shortener/02-cache`; the
    /// file stem alone for a level outside a campaign.
    pub id: String,
    pub path: PathBuf,
    /// The scenario's `name`.
    pub title: String,
    /// The scenario's `story`.
    pub story: String,
    /// The starting design, traffic, objectives and chaos.
    pub model: Model,
    pub spec: LevelSpec,
}

/// One field of one node, as the briefing shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Knob {
    pub node: String,
    pub field: String,
    /// Its value in the design asked about, as a scenario file writes it.
    pub value: String,
    /// Why it may not change; `None` when the learner may change it.
    pub locked: Option<String>,
    /// The upper limit, if any.
    pub max: Option<f64>,
    /// The lower limit, if any.
    pub min: Option<f64>,
}

impl Level {
    /// Loads the level at `path` (a file outside a campaign folder: its id
    /// is its file stem). The error is the rendered diagnostics.
    pub fn load(path: &Path) -> Result<Level, String> {
        let chapter = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Level::load_in(path, &chapter)
    }

    pub(crate) fn load_in(path: &Path, chapter: &str) -> Result<Level, String> {
        let (model, spec) =
            scenario::load_level_file(path, &[]).map_err(|d| scenario::render(&d))?;
        let Some(spec) = spec else {
            return Err(format!(
                "{}: not a level: the file has no [level] table (see docs/scenario-format.md, Levels)\n",
                path.display()
            ));
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Level {
            id: if chapter.is_empty() {
                stem
            } else {
                format!("{chapter}/{stem}")
            },
            path: path.to_path_buf(),
            title: model.name.clone(),
            story: model.story.clone(),
            model,
            spec,
        })
    }

    /// A design for this level from `file` (or the starting design when
    /// `None`), with `--set` overrides applied; the error is rendered.
    pub fn load_design(&self, file: Option<&Path>, set: &[String]) -> Result<Model, String> {
        let path = file.unwrap_or(&self.path);
        scenario::load_file(path, set).map_err(|d| scenario::render(&d))
    }

    /// The budget in $/h (the `cost_per_hour below` objective).
    pub fn budget(&self) -> f64 {
        LevelSpec::budget(&self.model).unwrap_or(f64::INFINITY)
    }

    /// Every exam seed, the scenario's first.
    pub fn seeds(&self) -> Vec<u64> {
        self.spec.seeds(&self.model)
    }

    /// Every field of every node of the starting design, locked or not.
    pub fn knobs(&self) -> Vec<Knob> {
        self.knobs_in(&self.model)
    }

    /// Every field of every node of `design` (the level's design as it
    /// runs: `--set` overrides and live changes applied), with this
    /// level's locks and limits.
    pub fn knobs_in(&self, design: &Model) -> Vec<Knob> {
        let mut out = Vec::new();
        for (node, table) in super::rules::node_tables(design) {
            let kind = table.get("kind").and_then(|k| k.as_str()).unwrap_or("");
            for (field, value) in &table {
                if matches!(field.as_str(), "id" | "kind" | "pos") {
                    continue;
                }
                out.push(Knob {
                    locked: self.spec.lock_reason(&node, field).map(str::to_string),
                    max: self.spec.max_of(&node, kind, field),
                    min: self.spec.min_of(&node, kind, field),
                    value: value.to_string(),
                    node: node.clone(),
                    field: field.clone(),
                });
            }
        }
        out
    }

    /// The limits a knob line does not show: inside a node's tables
    /// (`app.calls.db.pool.size at most 25`) and on added nodes by kind
    /// (`service.replicas at most 6`), upper ones first.
    pub fn other_limits(&self) -> Vec<String> {
        let tables = super::rules::node_tables(&self.model);
        self.limits_where(|key| {
            !key.split_once('.').is_some_and(|(node, field)| {
                tables
                    .iter()
                    .any(|(n, t)| n == node && t.contains_key(field))
            })
        })
    }

    /// Every upper and lower limit, in words (`api.replicas at most 6`).
    pub fn all_limits(&self) -> Vec<String> {
        self.limits_where(|_| true)
    }

    fn limits_where(&self, keep: impl Fn(&str) -> bool) -> Vec<String> {
        let said = |limits: &[(String, f64)], words: &str| {
            limits
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| format!("{k} {words} {}", limit::shown(k, *v)))
                .collect::<Vec<_>>()
        };
        let mut out = said(&self.spec.max, "at most");
        out.extend(said(&self.spec.min, "at least"));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_briefing_knows_every_limit_of_the_n_plus_one_level() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/campaign/08-case-studies/01-n-plus-one.toml");
        let level = Level::load(&path).expect("level loads");
        let knobs = level.knobs();
        let replicas = knobs
            .iter()
            .find(|k| k.node == "app" && k.field == "replicas")
            .expect("app.replicas");
        assert_eq!((replicas.max, replicas.min), (Some(6.0), None));
        // The limits inside the calls table are not on any knob line.
        let other = level.other_limits();
        assert!(
            other.contains(&"app.calls.db.pool.size at most 25".to_string()),
            "{other:?}"
        );
        assert!(
            other.contains(&"app.calls.db.repeat at least 5".to_string()),
            "{other:?}"
        );
        assert!(
            !other.iter().any(|l| l.starts_with("app.replicas")),
            "{other:?}"
        );
    }
}
