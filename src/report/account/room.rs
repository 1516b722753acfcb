//! What a campaign level leaves room for — its locked knobs, its maxima and its budget — as plain data the account checks a capacity suggestion against.

use super::plans::Plan;
use super::watch::count;
use crate::scenario::level::LevelSpec;

/// A level's locks and limits, and the budget ($/h) of its design.
#[derive(Clone, Debug)]
pub struct Room {
    spec: LevelSpec,
    budget: f64,
    /// The level's own nodes: a node the learner added is not locked.
    nodes: Vec<String>,
}

impl Room {
    /// The room `spec` leaves, under a budget of `budget` $/h (infinite
    /// when the level has none), for a level whose design has `nodes`.
    pub fn new(spec: &LevelSpec, budget: f64, nodes: Vec<String>) -> Room {
        Room {
            spec: spec.clone(),
            budget,
            nodes,
        }
    }

    /// Why the level locks `node.field`, or `None` when it may change (a
    /// node the learner added is free).
    pub fn lock_reason(&self, node: &str, field: &str) -> Option<&str> {
        let levels_own = self.nodes.iter().any(|n| n == node);
        self.spec.lock_reason(node, field).filter(|_| levels_own)
    }

    /// The level's upper limit on `node.field` (`node` of `kind`).
    pub fn max_of(&self, node: &str, kind: &str, field: &str) -> Option<f64> {
        self.spec.max_of(node, kind, field)
    }

    /// The level's lower limit on `node.field` (`node` of `kind`).
    pub fn min_of(&self, node: &str, kind: &str, field: &str) -> Option<f64> {
        self.spec.min_of(node, kind, field)
    }

    /// Whether the level lets the design add a node of `kind`.
    pub fn may_add(&self, kind: &str) -> bool {
        self.spec.add.iter().any(|k| k == kind)
    }

    /// The knobs the level unlocks on `node` (`node.field`, or `node.*`),
    /// in the level's order; none for a node the learner added (all of it
    /// is theirs).
    pub fn unlocked_on(&self, node: &str) -> Vec<&str> {
        if !self.nodes.iter().any(|n| n == node) {
            return Vec::new();
        }
        (self.spec.unlocked.iter())
            .filter(|k| k.split_once('.').is_some_and(|(n, _)| n == node))
            .map(String::as_str)
            .collect()
    }

    /// Why `plan` for `node` (of `kind`) is out of the level's reach: a
    /// locked knob, a value over its maximum, or a bill of `total` $/h over
    /// the budget; `None` when it fits.
    pub(super) fn blocks(&self, node: &str, kind: &str, plan: &Plan, total: f64) -> Option<String> {
        for &(field, value) in &plan.sets {
            if let Some(why) = self.lock_reason(node, field) {
                let why = why.trim_end_matches('.');
                let mut chars = why.chars();
                let why: String = (chars.next().into_iter())
                    .flat_map(char::to_lowercase)
                    .chain(chars)
                    .collect();
                return Some(format!("{node}.{field} is locked ({why})"));
            }
            if let Some(max) = self.spec.max_of(node, kind, field)
                && f64::from(value) > max
            {
                return Some(format!(
                    "{} would pass the level's max of {} ({node}.{field})",
                    plan.short,
                    count(max)
                ));
            }
        }
        (total > self.budget + 1e-9).then(|| {
            format!(
                "{} would bring the bill to ${:.2}/h against a ${:.2}/h budget",
                plan.short, total, self.budget
            )
        })
    }
}
