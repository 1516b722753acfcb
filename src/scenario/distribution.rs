//! Reads a distribution field: a duration string (a constant) or `{ dist = "...", ... }` into `sim::dist::Dist`.

use toml::de::DeValue;

use crate::scenario::reader::{Errors, Field, Table, show};
use crate::scenario::units::{ADD_A_UNIT, format_seconds};
use crate::sim::dist::Dist;

/// The distribution names and the parameters each takes.
pub(crate) const FORMS: [(&str, &[&str]); 5] = [
    ("constant", &["value"]),
    ("exponential", &["mean"]),
    ("uniform", &["min", "max"]),
    ("lognormal", &["mean", "p99"]),
    ("pareto", &["scale", "shape"]),
];

const EXAMPLE: &str = "write a duration such as \"5ms\" (a constant) or a table such as { dist = \"exponential\", mean = \"5ms\" }";

/// Reads a distribution of durations (seconds in the `Dist`).
pub(crate) fn read(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<Dist> {
    match f.get() {
        DeValue::String(_) => f.seconds(errs).map(|value| Dist::Constant { value }),
        DeValue::Integer(_) | DeValue::Float(_) => {
            f.seconds(errs).map(|_| Dist::Constant { value: 0.0 })
        }
        DeValue::Table(_) => read_table(errs, f),
        _ => {
            f.error(
                errs,
                format!(
                    "expected a duration or a distribution table, found {}",
                    crate::scenario::reader::type_name(f.get())
                ),
                Some(EXAMPLE.to_string()),
            );
            None
        }
    }
}

/// What a distribution's values are: how a parameter is read and shown.
pub(crate) struct Scale {
    pub(crate) read: fn(&Field<'_, '_>, &mut Errors<'_>) -> Option<f64>,
    pub(crate) show: fn(f64) -> String,
    /// How a plain constant is written, for the hint.
    pub(crate) constant: &'static str,
}

/// Durations, in seconds.
pub(crate) const SECONDS: Scale = Scale {
    read: |f, errs| f.seconds(errs),
    show: format_seconds,
    constant: ADD_A_UNIT,
};

fn read_table(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<Dist> {
    read_table_in(errs, f, &SECONDS)
}

/// A `{ dist = "...", ... }` table whose parameters are in `scale`.
pub(crate) fn read_table_in(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    scale: &Scale,
) -> Option<Dist> {
    let t = f.table(errs)?;
    let hint = format!(
        "name the distribution: dist = \"constant\" | \"exponential\" | \"uniform\" | \"lognormal\" | \"pareto\"; or {} as a plain string for a constant",
        scale.constant
    );
    let (name, _) = form(errs, &t, &FORMS, "distribution", hint)?;
    let secs = |errs: &mut Errors<'_>, key: &str| -> Option<f64> {
        (scale.read)(&t.required(errs, key)?, errs)
    };
    let positive = |errs: &mut Errors<'_>, key: &str| -> Option<f64> {
        let field = t.required(errs, key)?;
        let d = (scale.read)(&field, errs)?;
        if d <= 0.0 {
            field.error(errs, format!("the {key} must be greater than 0"), None);
            return None;
        }
        Some(d)
    };
    match name {
        "constant" => secs(errs, "value").map(|value| Dist::Constant { value }),
        "exponential" => positive(errs, "mean").map(|mean| Dist::Exponential { mean }),
        "uniform" => {
            let min = secs(errs, "min");
            let max = secs(errs, "max");
            let (min, max) = (min?, max?);
            if min > max {
                if let Some(mf) = t.field("min") {
                    mf.error(
                        errs,
                        format!(
                            "min ({}) must not be above max ({})",
                            (scale.show)(min),
                            (scale.show)(max)
                        ),
                        None,
                    );
                }
                return None;
            }
            if max <= 0.0 {
                if let Some(mf) = t.field("max") {
                    mf.error(
                        errs,
                        "the mean must be greater than 0: max must be above 0",
                        None,
                    );
                }
                return None;
            }
            Some(Dist::Uniform { min, max })
        }
        "lognormal" => {
            let mean = positive(errs, "mean");
            let p99 = secs(errs, "p99");
            let (mean, p99) = (mean?, p99?);
            match Dist::lognormal(mean, p99) {
                Ok(d) => Some(d),
                Err(message) => {
                    // In the file's units: `p99 (4ms) must be above the
                    // mean (8ms)`, not `(0.004s)`.
                    let message = if p99 <= mean {
                        format!(
                            "p99 ({}) must be above the mean ({}) for a log-normal",
                            (scale.show)(p99),
                            (scale.show)(mean)
                        )
                    } else {
                        message
                    };
                    let at = t.field("p99").unwrap_or_else(|| f.clone());
                    at.error(
                        errs,
                        message,
                        Some(
                            "a log-normal needs a p99 above its mean and at most about 15 times it"
                                .into(),
                        ),
                    );
                    None
                }
            }
        }
        "pareto" => {
            let scale = positive(errs, "scale");
            let shape = t.required(errs, "shape").and_then(|sf| {
                let s = sf.number(errs)?;
                if s <= 1.0 {
                    sf.error(
                        errs,
                        format!("shape must be greater than 1, got {}", show(s)),
                        Some("a Pareto with shape <= 1 has an infinite mean".into()),
                    );
                    return None;
                }
                Some(s)
            });
            Some(Dist::Pareto {
                scale: scale?,
                shape: shape?,
            })
        }
        _ => None,
    }
}

/// The form a `{ dist = "...", ... }` table names among `forms`, with its
/// parameters. A missing or unknown `dist`, and a parameter of another
/// form, are located errors; `what` names the kind ("distribution",
/// "count distribution"), `missing_hint` says how to name one.
pub(crate) fn form<'f>(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    forms: &[(&'f str, &'f [&'f str])],
    what: &str,
    missing_hint: String,
) -> Option<(&'f str, &'f [&'f str])> {
    let names: Vec<&str> = forms.iter().map(|(n, _)| *n).collect();
    let Some(dist_field) = t.field("dist") else {
        t.missing(errs, "dist", Some(missing_hint));
        return None;
    };
    let (name, params) = forms.get(dist_field.choice(errs, what, &names)?).copied()?;
    let mut allowed = vec!["dist"];
    allowed.extend_from_slice(params);
    t.unknown_fields(errs, &allowed, &|key| {
        forms.iter().any(|(_, ps)| ps.contains(&key)).then(|| {
            (
                format!("`{key}` is not a parameter of the {name} {what}"),
                Some(format!("{name} takes {}", list(params))),
            )
        })
    });
    Some((name, params))
}

fn list(params: &[&str]) -> String {
    let v: Vec<String> = params.iter().map(|p| format!("`{p}`")).collect();
    v.join(" and ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Diagnostic;
    use crate::scenario::reader::Table;
    use crate::scenario::text_span::Sources;
    use toml::de::DeTable;

    fn dist(text: &str) -> (Option<Dist>, Vec<Diagnostic>) {
        let doc_text = format!("x = {text}");
        let (doc, syntax) = DeTable::parse_recoverable(&doc_text);
        assert!(syntax.is_empty(), "{syntax:?}");
        let overrides = [];
        let mut errs = Errors::new(Sources::new("t.toml", &doc_text, &overrides));
        let t = Table::new(doc.get_ref(), doc.span(), String::new());
        let d = read(&mut errs, &t.field("x").expect("x"));
        (d, errs.into_sorted(100))
    }

    #[test]
    fn a_duration_string_is_a_constant() {
        assert_eq!(dist("\"2ms\"").0, Some(Dist::Constant { value: 0.002 }));
        assert_eq!(dist("\"0s\"").0, Some(Dist::Constant { value: 0.0 }));
    }

    #[test]
    fn every_table_form_builds_its_dist() {
        assert_eq!(
            dist("{ dist = \"constant\", value = \"2ms\" }").0,
            Some(Dist::Constant { value: 0.002 })
        );
        assert_eq!(
            dist("{ dist = \"exponential\", mean = \"4ms\" }").0,
            Some(Dist::Exponential { mean: 0.004 })
        );
        assert_eq!(
            dist("{ dist = \"uniform\", min = \"1ms\", max = \"3ms\" }").0,
            Some(Dist::Uniform {
                min: 0.001,
                max: 0.003
            })
        );
        assert_eq!(
            dist("{ dist = \"lognormal\", mean = \"8ms\", p99 = \"40ms\" }").0,
            Dist::lognormal(0.008, 0.040).ok()
        );
        assert_eq!(
            dist("{ dist = \"pareto\", scale = \"1ms\", shape = 2.5 }").0,
            Some(Dist::Pareto {
                scale: 0.001,
                shape: 2.5
            })
        );
    }

    #[test]
    fn impossible_parameters_are_reported() {
        let cases = [
            (
                "{ dist = \"exponential\", mean = \"0s\" }",
                "greater than 0",
            ),
            (
                "{ dist = \"uniform\", min = \"3ms\", max = \"1ms\" }",
                "must not be above max",
            ),
            (
                "{ dist = \"lognormal\", mean = \"8ms\", p99 = \"4ms\" }",
                "must be above the mean",
            ),
            (
                "{ dist = \"pareto\", scale = \"1ms\", shape = 1 }",
                "greater than 1",
            ),
            (
                "{ dist = \"exponential\", mean = \"4ms\", p99 = \"9ms\" }",
                "not a parameter of the exponential",
            ),
            (
                "{ dist = \"gamma\", mean = \"4ms\" }",
                "unknown distribution `gamma`",
            ),
            ("{ mean = \"4ms\" }", "missing field `dist`"),
            ("4", "needs a unit"),
            ("[1]", "expected a duration or a distribution table"),
        ];
        for (text, want) in cases {
            let (_, diags) = dist(text);
            assert!(
                diags.iter().any(|x| x.message.contains(want)),
                "{text}: {diags:?}"
            );
        }
    }
}
