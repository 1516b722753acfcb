//! The third star's extra fault: the design run again on every exam seed with the level's `three_stars.chaos` added to its chaos, every objective checked there.

use rayon::prelude::*;
use toml::Value;

use super::Level;
use super::grade::{Check, check};
use super::rules::Refusal;
use crate::report::objectives::{self, ObjectiveResult};
use crate::scenario;
use crate::sim::{Model, Simulation, Summary};

/// `design` with the extra events added to its `[[event]]`s.
pub(crate) fn with_extra_fault(design: &Model, chaos: &[toml::Table]) -> Result<Model, Refusal> {
    let mut doc: toml::Table = scenario::to_toml(design).parse().unwrap_or_default();
    let events = doc
        .entry("event")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = events {
        list.extend(chaos.iter().cloned().map(Value::Table));
    }
    let text = toml::to_string(&doc).unwrap_or_default();
    scenario::load_str(&text, "the design with the extra fault", &[]).map_err(|d| Refusal {
        breaches: vec![format!(
            "the level's extra fault does not apply to this design: {}",
            scenario::render(&d).trim()
        )],
    })
}

/// Every objective of the design and of the third star, on every seed, with
/// the extra fault; empty when the level has none.
pub(crate) fn checks(level: &Level, design: &Model, seeds: &[u64]) -> Result<Vec<Check>, Refusal> {
    let chaos = &level.spec.three_stars.chaos;
    if chaos.is_empty() {
        return Ok(Vec::new());
    }
    let hard = with_extra_fault(design, chaos)?;
    let runs: Vec<Summary> = seeds
        .par_iter()
        .map(|&seed| {
            let mut sim = Simulation::new(hard.clone(), seed);
            let _ = sim.run_until_draining(hard.duration, |_windows| Ok::<_, ()>(()));
            sim.summary_counting_unfinished()
        })
        .collect();
    let objs: Vec<_> = design
        .objectives
        .iter()
        .chain(&level.spec.three_stars.objectives)
        .cloned()
        .collect();
    let per_run: Vec<Vec<ObjectiveResult>> = runs
        .iter()
        .map(|r| objectives::evaluate(&objs, r))
        .collect();
    Ok((0..objs.len())
        .map(|i| check(seeds, per_run.iter().map(|r| &r[i])))
        .collect())
}
