//! `[[class]]` tables (named request types, each a read or a write underneath) and a workload's `classes` shares.

use std::collections::HashMap;

use super::payload::{optional, read_size};
use super::workloads::rounded;
use crate::scenario::graph::{NodeIds, is_valid_id};
use crate::scenario::reader::{Errors, Field, Table};
use crate::scenario::suggest;
use crate::sim::limits::{CLASS_SHARE, CLASSES};
use crate::sim::model::{ClassIdx, RequestClass, RequestKind};

/// The fields of a `[[class]]` table.
pub(crate) const CLASS_FIELDS: [&str; 4] = ["name", "op", "request_bytes", "response_bytes"];
const OPS: [&str; 2] = ["read", "write"];

/// A class's name and op as far as they were read.
pub(crate) type ClassRef = (Option<String>, Option<RequestKind>);

/// Reads every `[[class]]` table: the names and ops by index (`None` where
/// one is bad, so references to the others still resolve), and the classes
/// (`None` when anything was wrong).
pub(super) fn read_classes(
    errs: &mut Errors<'_>,
    tables: Vec<Table<'_, '_>>,
) -> (Vec<ClassRef>, Option<Vec<RequestClass>>) {
    let mut names = Vec::with_capacity(tables.len());
    let mut classes = Vec::with_capacity(tables.len());
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut ok = true;
    for (i, mut t) in tables.into_iter().enumerate() {
        t.path = format!("class[{i}]");
        t.unknown_fields(errs, &CLASS_FIELDS, &|_| None);
        if i == CLASSES.max as usize {
            errs.error(
                &t.span,
                &t.path,
                format!("too many request classes: at most {}", CLASSES.max),
                Some("merge classes that behave alike".into()),
            );
        }
        let name = t.required(errs, "name").and_then(|f| {
            let name = f.str(errs)?;
            class_name_ok(errs, &f, name, &first_line).then(|| {
                first_line.insert(name.to_string(), errs.sources().line_of(f.span().start));
                name.to_string()
            })
        });
        let op = match t.field("op") {
            Some(f) => f.choice(errs, "class op", &OPS),
            None => {
                t.missing(
                    errs,
                    "op",
                    Some(
                        "a class is a read or a write underneath: op = \"read\" or op = \"write\""
                            .into(),
                    ),
                );
                None
            }
        };
        let op = op.map(|o| {
            if o == 0 {
                RequestKind::Read
            } else {
                RequestKind::Write
            }
        });
        let request_bytes = optional(errs, &t, "request_bytes", read_size);
        let response_bytes = optional(errs, &t, "response_bytes", read_size);
        names.push((name.clone(), op));
        match (name, op, request_bytes, response_bytes) {
            (Some(name), Some(op), Some(request_bytes), Some(response_bytes))
                if i < CLASSES.max as usize =>
            {
                classes.push(RequestClass {
                    name,
                    op,
                    request_bytes,
                    response_bytes,
                })
            }
            _ => ok = false,
        }
    }
    (names, ok.then_some(classes))
}

/// Reports a bad class name: malformed, a request type, or a duplicate.
fn class_name_ok(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    name: &str,
    first_line: &HashMap<String, usize>,
) -> bool {
    if !is_valid_id(name) {
        f.error(
            errs,
            format!("class name `{name}` may only contain letters, digits, `_` and `-`"),
            Some("for example `redirect`, `create` or `ride_request`".into()),
        );
        return false;
    }
    if OPS.contains(&name) {
        f.error(
            errs,
            format!("`{name}` is a request type, not a class name"),
            Some("name the class after what it does (`redirect`, `create`) and give `op`".into()),
        );
        return false;
    }
    if let Some(line) = first_line.get(name) {
        f.error(
            errs,
            format!("duplicate class name `{name}`"),
            Some(format!(
                "`{name}` is first declared on line {line}; class names must be unique"
            )),
        );
        return false;
    }
    true
}

/// `classes = { redirect = 0.9, create = 0.1 }`: declared classes, each a
/// share in [0, 1], summing to 1.
pub(super) fn read_shares(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    ids: &NodeIds,
) -> Option<Vec<(ClassIdx, f64)>> {
    let t = f.table(errs)?;
    let known = ids.class_names();
    t.unknown_fields(errs, &known, &|key| {
        let hint = if OPS.contains(&key) {
            Some(format!(
                "`{key}` is a request type: give the read/write split with `mix`, or declare a [[class]] with op = \"{key}\""
            ))
        } else if known.is_empty() {
            Some(format!(
                "declare it first: [[class]] with name = \"{key}\" and op = \"read\" or \"write\""
            ))
        } else {
            suggest::hint(key, &known)
        };
        Some((format!("unknown request class `{key}`"), hint))
    });
    let mut shares = Vec::new();
    let mut ok = true;
    for (key, _) in t.table.iter() {
        let name: &str = key.get_ref();
        let (Some(i), Some(field)) = (ids.class(name), t.field(name)) else {
            ok = false;
            continue;
        };
        match field.number_within(errs, CLASS_SHARE) {
            Some(share) => shares.push((ClassIdx::try_from(i).ok()?, share)),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    if shares.is_empty() {
        f.error(
            errs,
            "the `classes` table names no class",
            Some("give each class its share, e.g. { redirect = 0.9, create = 0.1 }".into()),
        );
        return None;
    }
    let sum: f64 = shares.iter().map(|(_, s)| s).sum();
    if (sum - 1.0).abs() > 1e-6 {
        let terms: Vec<String> = shares.iter().map(|(_, s)| s.to_string()).collect();
        f.error(
            errs,
            format!(
                "the class shares must sum to 1, got {} = {}",
                terms.join(" + "),
                rounded(sum)
            ),
            Some("give fractions, e.g. { redirect = 0.9, create = 0.1 }".into()),
        );
        return None;
    }
    Some(shares)
}
