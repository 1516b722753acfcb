//! A call's fan-out: `repeat` (a count, or a count distribution in the `{ dist = ... }` form of durations), `parallel`, `wait` and `hedge`, with their cross-field rules.

use toml::de::DeValue;

use crate::scenario::distribution;
use crate::scenario::reader::{Errors, Field, Table, show, type_name};
use crate::sim::limits::{Limit, QUORUM, REPEAT, REPEAT_MEAN};
use crate::sim::model::{Count, FanOut, Wait};

/// The count distribution names and the parameters each takes.
const FORMS: [(&str, &[&str]); 4] = [
    ("constant", &["value"]),
    ("poisson", &["mean"]),
    ("uniform", &["min", "max"]),
    ("pareto", &["scale", "shape", "max"]),
];

const EXAMPLE: &str =
    "write a count such as 50, or a table such as { dist = \"poisson\", mean = 20 }";

/// The fan-out fields of call table `t` (a plain call without them).
pub(super) fn read_fan_out(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> Option<FanOut> {
    let repeat = match t.field("repeat") {
        Some(f) => read_count(errs, &f),
        None => Some(Count::Fixed(1)),
    };
    let parallel = match t.field("parallel") {
        Some(f) => f.boolean(errs),
        None => Some(false),
    };
    let wait = match t.field("wait") {
        Some(f) => read_wait(errs, &f),
        None => Some(Wait::All),
    };
    let hedge = match t.field("hedge") {
        Some(f) => f.positive_duration(errs).map(Some),
        None => Some(None),
    };
    let fan = FanOut {
        repeat: repeat?,
        parallel: parallel?,
        wait: wait?,
        hedge: hedge?,
    };
    check_rules(errs, t, &fan).then_some(fan)
}

/// The rules between the fields: a hedge stands alone, `wait` needs
/// `parallel`, a quorum fits in a fixed `repeat`.
fn check_rules(errs: &mut Errors<'_>, t: &Table<'_, '_>, fan: &FanOut) -> bool {
    if fan.hedge.is_some() {
        for other in ["repeat", "parallel", "wait"] {
            if let Some(f) = t.field(other) {
                f.error_at_key(
                    errs,
                    format!("`{other}` does not apply to a hedged call"),
                    Some(
                        "a hedged call sends one copy, and a second if the first has not answered after `hedge`; for n copies at once write repeat = n, parallel = true, wait = \"first\""
                            .into(),
                    ),
                );
                return false;
            }
        }
    }
    if let Some(f) = t.field("wait")
        && !fan.parallel
    {
        f.error_at_key(
            errs,
            "`wait` applies to parallel calls only",
            Some("add parallel = true; sub-calls made one after another must each succeed".into()),
        );
        return false;
    }
    if let (Wait::Quorum(k), Count::Fixed(n)) = (fan.wait, fan.repeat)
        && k > n
        && let Some(f) = t.field("wait")
    {
        f.error(
            errs,
            format!("a quorum of {k} out of {n} sub-calls can never be met"),
            Some(format!(
                "the quorum must be at most `repeat` ({n}); with a drawn `repeat` it is met by all sub-calls when fewer are drawn"
            )),
        );
        return false;
    }
    true
}

/// `wait = "all" | "first" | { quorum = k }`.
fn read_wait(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<Wait> {
    match f.get() {
        DeValue::Table(_) => {
            let t = f.table(errs)?;
            t.unknown_fields(errs, &["quorum"], &|_| None);
            let k = t.required(errs, "quorum")?.count_within(errs, QUORUM)?;
            Some(Wait::Quorum(k))
        }
        _ => match f.choice(errs, "wait", &["all", "first", "quorum"])? {
            0 => Some(Wait::All),
            1 => Some(Wait::First),
            _ => {
                f.error(
                    errs,
                    "a quorum needs its size",
                    Some("write wait = { quorum = 2 }".into()),
                );
                None
            }
        },
    }
}

/// `repeat = 50`, or `repeat = { dist = "poisson", mean = 20 }` (also
/// `constant`, `uniform`, `pareto`).
fn read_count(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<Count> {
    match f.get() {
        DeValue::Integer(_) => f.count_within(errs, REPEAT).map(Count::Fixed),
        DeValue::Table(_) => read_count_table(errs, f),
        other => {
            f.error(
                errs,
                format!(
                    "expected a count or a count distribution table, found {}",
                    type_name(other)
                ),
                Some(EXAMPLE.into()),
            );
            None
        }
    }
}

fn read_count_table(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<Count> {
    let t = f.table(errs)?;
    let hint = "name the distribution: dist = \"constant\" | \"poisson\" | \"uniform\" | \"pareto\"; or write a plain count";
    let (name, _) = distribution::form(errs, &t, &FORMS, "count distribution", hint.into())?;
    let int = |errs: &mut Errors<'_>, key: &str, limit: Limit<u32>| -> Option<u32> {
        t.required(errs, key)?.count_within(errs, limit)
    };
    let real = |errs: &mut Errors<'_>, key: &str| -> Option<f64> {
        t.required(errs, key)?.number_within(errs, REPEAT_MEAN)
    };
    match name {
        "constant" => int(errs, "value", REPEAT).map(Count::Fixed),
        "poisson" => real(errs, "mean").map(|mean| Count::Poisson { mean }),
        "uniform" => {
            let min = int(errs, "min", Limit::closed(0, REPEAT.max));
            let max = int(errs, "max", REPEAT);
            let (min, max) = (min?, max?);
            if min > max {
                if let Some(mf) = t.field("min") {
                    mf.error(
                        errs,
                        format!("min ({min}) must not be above max ({max})"),
                        None,
                    );
                }
                return None;
            }
            Some(Count::Uniform { min, max })
        }
        _ => {
            let scale = real(errs, "scale");
            read_pareto(errs, &t, scale)
        }
    }
}

fn read_pareto(errs: &mut Errors<'_>, t: &Table<'_, '_>, scale: Option<f64>) -> Option<Count> {
    let shape = t.required(errs, "shape").and_then(|sf| {
        let s = sf.number(errs)?;
        if !(s > 1.0 && s.is_finite()) {
            sf.error(
                errs,
                format!(
                    "shape must be a finite number greater than 1, got {}",
                    show(s)
                ),
                Some("a Pareto with shape <= 1 has an infinite mean".into()),
            );
            return None;
        }
        Some(s)
    });
    let max = match t.field("max") {
        Some(mf) => mf.count_within(errs, REPEAT),
        None => Some(REPEAT.max),
    };
    Some(Count::Pareto {
        scale: scale?,
        shape: shape?,
        max: max?,
    })
}
