//! A campaign level's own sections (`[level]`: the ask, par, exam seeds, what may change, hints, three-star condition, debriefs), read with located errors.

pub mod limit;
mod read;
pub mod template;
mod write;

pub use template::{FIGURES, Segment, Template};
pub use write::level_to_toml;

use crate::sim::model::{Bound, Model, Objective, ObjectiveMetric};

/// What a scenario file's `[level]` table says: everything a campaign
/// level adds to a scenario (the design, traffic, objectives and chaos are
/// the scenario's own tables).
#[derive(Clone, Debug)]
pub struct LevelSpec {
    /// The ask in numbers, one line ("5 000 redirects/s, p99 < 50 ms, < $1.50/h").
    pub ask: String,
    /// Two stars when the design costs at most this ($/h) on every exam seed.
    pub par: f64,
    /// Exam seeds besides the scenario's own `seed` (at least two).
    pub exam_seeds: Vec<u64>,
    /// Knobs the learner may change: `node.field`, or `node.*` for all of a node's fields.
    pub unlocked: Vec<String>,
    /// Why a locked knob is locked: (`node.field` or `node`, reason), most specific first.
    pub locked: Vec<(String, String)>,
    /// Why the other knobs are locked.
    pub locked_reason: String,
    /// Upper limits: (`node.field`, `kind.field` for added nodes, or a
    /// path into a node's calls, forwards or autoscaler; most allowed,
    /// durations in seconds). See [`limit`].
    pub max: Vec<(String, f64)>,
    /// Lower limits, keyed as `max`: least allowed.
    pub min: Vec<(String, f64)>,
    /// Node kinds the design may add.
    pub add: Vec<String>,
    /// What one unit of an added node of each kind costs ($/h), by kind.
    pub price: Vec<(String, f64)>,
    /// `cache_is_store`: a cache may be the only store of what it holds
    /// (no `on_miss`: presence, sessions). Otherwise a cache the design
    /// adds, or whose `on_miss` it drops, must keep one.
    pub cache_is_store: bool,
    /// `cached_reads_see_writes`: the story's reads must see the last
    /// write (9.12's edited profiles), so a cache the design adds must be
    /// reached by the writes (write-through or invalidated), not only read
    /// through while the writes bypass it.
    pub cached_reads_see_writes: bool,
    /// Revealed one at a time on request.
    pub hints: Vec<String>,
    /// `NODE.TYPE` entries: request types of a level's node that the
    /// lesson sends somewhere new instead of along the level's edges (2.1:
    /// `api.read`, a timeline read from a store the writes fill). Any other
    /// type keeps every edge of the level's design.
    pub redesign: Vec<String>,
    pub three_stars: ThreeStars,
    /// Shown after a pass and after a miss; quote the run's figures.
    pub debrief_pass: Template,
    pub debrief_miss: Template,
}

/// The level's own condition for the third star, on top of two stars.
#[derive(Clone, Debug)]
pub struct ThreeStars {
    /// The condition in words ("p99 under 40 ms, with at most one hint").
    pub why: String,
    /// Extra objectives that must hold on every exam seed.
    pub objectives: Vec<Objective>,
    /// At most this many hints revealed.
    pub max_hints: Option<u32>,
    /// An extra fault for the third star: `[[event]]` tables (as written
    /// in `three_stars.chaos`) added to the level's chaos in a second exam,
    /// where every objective and three-star objective must still hold.
    pub chaos: Vec<toml::Table>,
}

impl LevelSpec {
    /// Every exam seed: the scenario's seed first, then the level's others.
    pub fn seeds(&self, model: &Model) -> Vec<u64> {
        std::iter::once(model.seed)
            .chain(self.exam_seeds.iter().copied())
            .collect()
    }

    /// The budget: the bound of the scenario's `cost_per_hour below` objective.
    pub fn budget(model: &Model) -> Option<f64> {
        model.objectives.iter().find_map(|o| match o {
            Objective {
                metric: ObjectiveMetric::CostPerHour,
                bound: Bound::Below(x),
                of: None,
            } => Some(*x),
            _ => None,
        })
    }

    /// Whether `node.field` may change.
    pub fn is_unlocked(&self, node: &str, field: &str) -> bool {
        self.unlocked.iter().any(|k| {
            k.split_once('.')
                .is_some_and(|(n, f)| n == node && (f == field || f == "*"))
        })
    }

    /// Why `node.field` is locked, or `None` when it is unlocked.
    pub fn lock_reason(&self, node: &str, field: &str) -> Option<&str> {
        if self.is_unlocked(node, field) {
            return None;
        }
        let knob = format!("{node}.{field}");
        let specific = self.locked.iter().find(|(k, _)| *k == knob);
        let whole = self.locked.iter().find(|(k, _)| k == node);
        Some(
            specific
                .or(whole)
                .map_or(self.locked_reason.as_str(), |(_, r)| r.as_str()),
        )
    }

    /// The upper limit on `node.field` (an added node's by its kind).
    pub fn max_of(&self, node: &str, kind: &str, field: &str) -> Option<f64> {
        limit_of(&self.max, node, kind, field)
    }

    /// The lower limit on `node.field` (an added node's by its kind).
    pub fn min_of(&self, node: &str, kind: &str, field: &str) -> Option<f64> {
        limit_of(&self.min, node, kind, field)
    }
}

/// The limit in `limits` on `node.field`, else on `kind.field`.
fn limit_of(limits: &[(String, f64)], node: &str, kind: &str, field: &str) -> Option<f64> {
    let find = |n: &str| {
        limits
            .iter()
            .find(|(k, _)| k.split_once('.') == Some((n, field)))
            .map(|(_, m)| *m)
    };
    find(node).or_else(|| find(kind))
}

pub(crate) use read::read_level;
