//! The exam: a design run from time 0 with the level's chaos on every exam seed in parallel, its objectives checked per seed, stars given, the debrief rendered.

use rayon::prelude::*;
use serde_json::{Value, json};

use super::Level;
use super::figures::{self, Sources};
pub use super::rules::Refusal;
use super::unmentioned;
use crate::report::account::{Account, Happening, Room};
use crate::report::objectives::{self, ObjectiveResult};
use crate::report::{summary_json, table};
use crate::scenario::level::Template;
use crate::sim::model::{Objective, ObjectiveMetric};
use crate::sim::{Model, Simulation, Summary};

/// One figure of one exam seed.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedFigure {
    pub seed: u64,
    /// In the objective's unit (ms for latencies); `None` when the run
    /// has none (nothing finished).
    pub value: Option<f64>,
    pub pass: bool,
    /// How far past its bound the figure is (`None` when it passed, or
    /// has no value, or most requests failed).
    pub missed_by: Option<f64>,
    /// A latency of the few requests that completed, most having failed.
    pub most_failed: bool,
}

/// An objective (or the par) and how every seed did.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// `p99 below 50 ms`.
    pub label: String,
    pub per_seed: Vec<SeedFigure>,
    /// Held on every seed.
    pub pass: bool,
    /// The unit the figures are in, with its leading space (` ms`,
    /// ` $/h`), or empty for a fraction or a count.
    pub unit: &'static str,
    /// What is checked (its metric, bound, target and scope; the value
    /// of one seed), for a reader that words and formats it its own way
    /// (the window, as its objectives list does).
    pub objective: Option<ObjectiveResult>,
}

/// The exam's result.
#[derive(Clone, Debug)]
pub struct Grade {
    pub level: String,
    pub seeds: Vec<u64>,
    /// At least one star.
    pub passed: bool,
    /// 0 to 3: every objective on every seed; also at or under par; also
    /// the level's three-star condition.
    pub stars: u8,
    pub objectives: Vec<Check>,
    /// Cost at most the par on every seed.
    pub par: Check,
    /// The level's extra objectives for the third star.
    pub three_stars: Vec<Check>,
    /// With the level's extra fault (`three_stars.chaos`): every objective
    /// and three-star objective on a second exam with that chaos added;
    /// empty when the level has none or the design has fewer than two stars.
    pub extra_fault: Vec<Check>,
    pub hints_used: u32,
    /// Hints used within the three-star condition's `max_hints`.
    pub hints_ok: bool,
    /// The highest cost over the seeds, $/h.
    pub cost: f64,
    /// The pass or miss debrief, with the figures of `told_seed`.
    pub debrief: String,
    /// The seed the debrief and `what_happened` tell: the level's own (the
    /// first) on a pass, the first seed that missed an objective on a miss.
    pub told_seed: u64,
    /// Each seed's summary, in `seeds` order.
    pub runs: Vec<Summary>,
    /// What happened on `told_seed`, in words.
    pub what_happened: Vec<Happening>,
}

/// Grades `design` for `level` (`hints_used` hints revealed). Refused,
/// without running, when it breaks the level's rules.
pub fn grade(level: &Level, design: &Model, hints_used: u32) -> Result<Grade, Refusal> {
    // Every reason at once: a cache left with nothing behind it is also
    // a path dropped, and its own reason says what to do.
    let mut breaches = Vec::new();
    for check in [super::rules::check, super::empty_stores::check] {
        if let Err(r) = check(level, design) {
            breaches.extend(r.breaches);
        }
    }
    if !breaches.is_empty() {
        return Err(Refusal { breaches });
    }
    let seeds = level.seeds();
    let spec = &level.spec;
    let wants_start =
        figures::wants_start(&spec.debrief_pass) || figures::wants_start(&spec.debrief_miss);
    let mut jobs: Vec<(&Model, u64)> = seeds.iter().map(|&s| (design, s)).collect();
    if wants_start {
        jobs.push((&level.model, level.model.seed));
    }
    let mut told: Vec<(Summary, Account)> = jobs.par_iter().map(|(m, s)| exam_run(m, *s)).collect();
    let start = wants_start.then(|| told.pop().map(|t| t.0)).flatten();
    let nodes = level.model.nodes.iter().map(|n| n.id.clone()).collect();
    let room = Room::new(spec, level.budget(), nodes);
    let (runs, accounts): (Vec<Summary>, Vec<Account>) = told.into_iter().unzip();
    let checks = |objs: &[Objective]| -> Vec<Check> {
        let per_run: Vec<Vec<ObjectiveResult>> =
            runs.iter().map(|r| objectives::evaluate(objs, r)).collect();
        (0..objs.len())
            .map(|i| check(&seeds, per_run.iter().map(|r| &r[i])))
            .collect()
    };
    let objectives = checks(&design.objectives);
    let three_stars = checks(&spec.three_stars.objectives);
    let par = par_check(&seeds, &runs, spec.par);
    let hints_ok = spec.three_stars.max_hints.is_none_or(|m| hints_used <= m);
    let one = objectives.iter().all(|c| c.pass);
    let two = one && par.pass;
    // The extra fault's exam only for a design that can earn the third star.
    let extra_fault = if two {
        super::extra_fault::checks(level, design, &seeds)?
    } else {
        Vec::new()
    };
    let three =
        two && hints_ok && three_stars.iter().all(|c| c.pass) && extra_fault.iter().all(|c| c.pass);
    let stars = u8::from(one) + u8::from(two) + u8::from(three);
    let only_the_bill = !one
        && objectives
            .iter()
            .zip(&design.objectives)
            .all(|(c, o)| c.pass || is_the_budget(o));
    // The seed the debrief and the account tell: the first that missed an
    // objective (a miss explained by a seed that passed says nothing).
    let shown = if one { 0 } else { first_miss(&objectives) };
    let account = accounts.get(shown).map(|a| a.clone().within(room));
    let over_budget = Template::parse(OVER_BUDGET).ok();
    let template = match (one, &over_budget) {
        (true, _) => &spec.debrief_pass,
        (false, Some(t)) if only_the_bill => t,
        _ => &spec.debrief_miss,
    };
    let mut debrief = figures::render(
        template,
        &Sources {
            run: &runs[shown],
            start: start.as_ref(),
            budget: level.budget(),
            par: spec.par,
        },
        one,
    );
    if !one {
        let silent =
            unmentioned::sentences(template, &design.objectives, &objectives, seeds[shown]);
        debrief.push_str(&silent);
    }
    let mut judged = objectives::evaluate(&design.objectives, &runs[shown]);
    if one && !par.pass {
        judged.push(over_par(spec.par, &runs[shown]));
    }
    let what_happened = account.map_or_else(Vec::new, |a| {
        let told = a.tell(&runs[shown], &judged);
        if one { told_as_par(told) } else { told }
    });
    Ok(Grade {
        what_happened,
        level: level.id.clone(),
        passed: stars >= 1,
        stars,
        cost: runs.iter().map(|r| r.cost_per_hour).fold(0.0, f64::max),
        objectives,
        par,
        three_stars,
        extra_fault,
        hints_used,
        hints_ok,
        debrief,
        told_seed: seeds[shown],
        seeds,
        runs,
    })
}

/// The index of the first seed on which some objective missed (0 if none).
fn first_miss(objectives: &[Check]) -> usize {
    objectives
        .iter()
        .filter_map(|c| c.per_seed.iter().position(|s| !s.pass))
        .min()
        .unwrap_or(0)
}

/// The debrief of a design that holds every objective but the budget: the
/// level's own miss text tells of the trouble the design no longer has.
const OVER_BUDGET: &str = "Every objective holds but the budget: p99 is {p99} and {error_rate} \
of requests failed, but the bill is {cost} against a budget of {budget}. The design does the \
job at too high a price: the level's lesson does it for less (the par is {par}).";

/// Whether `o` is the level's budget (the system's `cost_per_hour`).
fn is_the_budget(o: &Objective) -> bool {
    o.metric == ObjectiveMetric::CostPerHour && o.of.is_none()
}

/// One exam run: from time 0 to the end, nothing live; its summary and
/// the account of its windows.
fn exam_run(model: &Model, seed: u64) -> (Summary, Account) {
    let end = model.duration;
    let mut account = Account::new(model);
    let mut sim = Simulation::new(model.clone(), seed);
    let _ = sim.run_until_draining(end, |w| {
        account.observe_all(&w);
        Ok::<_, ()>(())
    });
    sim.flush_window();
    account.observe_all(&sim.take_windows());
    // Requests still waiting at the end count at their age so far: a line
    // left to grow must not look fast.
    (sim.summary_counting_unfinished(), account)
}

/// One objective over the seeds.
pub(super) fn check<'a>(
    seeds: &[u64],
    results: impl Iterator<Item = &'a ObjectiveResult>,
) -> Check {
    let mut label = String::new();
    let mut unit = "";
    let mut objective = None;
    let per_seed: Vec<SeedFigure> = seeds
        .iter()
        .zip(results)
        .map(|(&seed, r)| {
            label = r.label();
            unit = objectives::unit(r.metric);
            objective = Some(r.clone());
            let missed_by = match (r.pass, r.value) {
                _ if r.most_failed => None,
                (false, Some(v)) if r.bound == "below" => Some(v - r.target),
                (false, Some(v)) => Some(r.target - v),
                _ => None,
            };
            SeedFigure {
                seed,
                value: r.value,
                pass: r.pass,
                missed_by,
                most_failed: r.most_failed,
            }
        })
        .collect();
    Check {
        label,
        unit,
        pass: per_seed.iter().all(|s| s.pass),
        per_seed,
        objective,
    }
}

/// The par missed, as a cost bound the account can tell (what costs
/// what, the dearest first): a design that missed only the par got no
/// advice beside "$1.50/h against a par of $1.30/h".
fn over_par(par: f64, run: &Summary) -> ObjectiveResult {
    ObjectiveResult {
        metric: ObjectiveMetric::CostPerHour,
        bound: "below",
        target: par,
        value: Some(run.cost_per_hour),
        pass: false,
        of: None,
        most_failed: false,
    }
}

/// With every objective held, the only bill over its bound is the par's:
/// told as such, not as "over budget".
fn told_as_par(mut told: Vec<Happening>) -> Vec<Happening> {
    for h in &mut told {
        if let Some(rest) = h.text.strip_prefix("over budget: ") {
            h.text = format!("over par (the second star): {rest}");
        }
    }
    told
}

fn par_check(seeds: &[u64], runs: &[Summary], par: f64) -> Check {
    let per_seed: Vec<SeedFigure> = seeds
        .iter()
        .zip(runs)
        .map(|(&seed, r)| SeedFigure {
            seed,
            value: Some(r.cost_per_hour),
            pass: r.cost_per_hour <= par + 1e-9,
            missed_by: (r.cost_per_hour > par + 1e-9).then_some(r.cost_per_hour - par),
            most_failed: false,
        })
        .collect();
    let pass = per_seed.iter().all(|s| s.pass);
    Check {
        label: format!("cost_per_hour at most {par} $/h (par)"),
        unit: " $/h",
        pass,
        per_seed,
        objective: Some(ObjectiveResult {
            metric: ObjectiveMetric::CostPerHour,
            bound: "at most",
            target: par,
            value: None,
            pass,
            of: None,
            most_failed: false,
        }),
    }
}

impl Grade {
    /// The result as JSON (keys documented in docs/output-format.md).
    pub fn to_json(&self) -> Value {
        let checks = |cs: &[Check]| -> Value { cs.iter().map(Check::to_json).collect() };
        json!({
            "level": self.level,
            "passed": self.passed,
            "stars": self.stars,
            "seeds": self.seeds,
            "objectives": checks(&self.objectives),
            "par": self.par.to_json(),
            "three_stars": checks(&self.three_stars),
            "extra_fault": checks(&self.extra_fault),
            "hints_used": self.hints_used,
            "hints_ok": self.hints_ok,
            "cost_per_hour": finite(Some(self.cost)),
            "debrief": self.debrief,
            "told_seed": self.told_seed,
            "what_happened": summary_json::what_happened(&self.what_happened),
        })
    }

    /// The result for a terminal: stars, each check per seed, the debrief.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}: {} ({} of 3 stars) on seeds {:?}\n",
            self.level,
            if self.passed { "PASSED" } else { "NOT PASSED" },
            self.stars,
            self.seeds
        );
        for c in &self.objectives {
            out.push_str(&format!("  {}\n", c.to_text()));
        }
        out.push_str(&format!("  two stars: {}\n", self.par.to_text()));
        for c in &self.three_stars {
            out.push_str(&format!("  three stars: {}\n", c.to_text()));
        }
        for c in &self.extra_fault {
            out.push_str(&format!("  three stars, extra fault: {}\n", c.to_text()));
        }
        out.push_str(&format!(
            "hints used: {}{}\n\n{}\n",
            self.hints_used,
            if self.hints_ok {
                ""
            } else {
                " (too many for three stars)"
            },
            self.debrief
        ));
        if self.told_seed != self.seeds.first().copied().unwrap_or(self.told_seed) {
            out.push_str(&format!(
                "\n(what happened on seed {}, the first that missed)\n",
                self.told_seed
            ));
        }
        out.push_str(&table::what_happened(&self.what_happened));
        out
    }
}

impl Check {
    fn to_json(&self) -> Value {
        let seeds: Vec<Value> = self
            .per_seed
            .iter()
            .map(|s| {
                json!({"seed": s.seed, "value": finite(s.value), "pass": s.pass, "missed_by": finite(s.missed_by)})
            })
            .collect();
        json!({"objective": self.label, "pass": self.pass, "per_seed": seeds})
    }

    /// One seed's figure, in the objective's unit, and how far it missed
    /// (`83.886 ms (missed by 33.886 ms)`).
    pub fn figure(&self, s: &SeedFigure) -> String {
        let unit = self.unit;
        let v = s.value.map_or("n/a".into(), |v| {
            format!("{}{unit}", objectives::readable(v))
        });
        match s.missed_by {
            // A figure on its bound (a bill summed to 0.30000000000000004).
            Some(m) if m.abs() < 1e-9 => format!("{v} (on the bound: must be beyond it)"),
            Some(m) => format!("{v} (missed by {}{unit})", objectives::readable(m)),
            None if s.pass => v,
            None if s.most_failed => format!("{v} (miss: most requests failed)"),
            None => format!("{v} (miss)"),
        }
    }

    fn to_text(&self) -> String {
        let figures: Vec<String> = self.per_seed.iter().map(|s| self.figure(s)).collect();
        format!(
            "{} {}: {}",
            if self.pass { "PASS" } else { "FAIL" },
            self.label,
            figures.join(" | ")
        )
    }
}

fn finite(x: Option<f64>) -> Value {
    match x {
        Some(v) if v.is_finite() => json!(v),
        _ => Value::Null,
    }
}
