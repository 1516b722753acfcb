//! A service's `priority` (which requests its line serves first) and `shed` (which it refuses first when the line is long).

use crate::scenario::graph::NodeIds;
use crate::scenario::reader::{Errors, Field, Table};
use crate::scenario::suggest;
use crate::sim::limits::SHED_LINE;
use crate::sim::model::{ClassIdx, LinePolicy, RequestKind, When};

/// `priority` and `shed` of a service whose line holds at most `queue`
/// (`None`: unbounded): `Some(None)` when it has neither.
pub(super) fn read_line_policy(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    ids: &NodeIds,
    queue: Option<Option<u32>>,
) -> Option<Option<LinePolicy>> {
    let priority = match t.field("priority") {
        Some(f) => read_priority(errs, &f, ids),
        None => Some(Vec::new()),
    };
    let shed = match t.field("shed") {
        Some(f) => read_shed(errs, &f, ids, queue.flatten()),
        None => Some(Vec::new()),
    };
    let (priority, shed) = (priority?, shed?);
    if priority.is_empty() && shed.is_empty() {
        return Some(None);
    }
    Some(Some(LinePolicy { priority, shed }))
}

/// The names a `priority` entry or a `shed` key may take.
fn names(ids: &NodeIds) -> Vec<&str> {
    let mut names = vec!["read", "write"];
    names.extend(ids.class_names());
    names
}

/// `"read"`, `"write"` or a declared class, as a condition.
fn when_of(name: &str, ids: &NodeIds) -> Option<When> {
    match name {
        "read" => Some(When::Kind(RequestKind::Read)),
        "write" => Some(When::Kind(RequestKind::Write)),
        class => Some(When::Class(ClassIdx::try_from(ids.class(class)?).ok()?)),
    }
}

/// `priority = ["checkout", "search"]`: served first to last.
fn read_priority(errs: &mut Errors<'_>, f: &Field<'_, '_>, ids: &NodeIds) -> Option<Vec<When>> {
    let items = f.array(errs)?;
    if items.is_empty() {
        f.error(
            errs,
            "`priority` lists nothing",
            Some("list the classes served first, e.g. priority = [\"checkout\"]; or remove it for a FIFO line".into()),
        );
        return None;
    }
    let names = names(ids);
    let mut out: Vec<When> = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in &items {
        let Some(name) = item.choice(errs, "request class", &names).map(|k| names[k]) else {
            ok = false;
            continue;
        };
        let when = when_of(name, ids)?;
        if out.contains(&when) {
            item.error(
                errs,
                format!("`{name}` is listed twice in `priority`"),
                Some("each class has one place in the order".into()),
            );
            ok = false;
        }
        out.push(when);
    }
    ok.then_some(out)
}

/// `shed = { browse = 20 }`: refused while the line holds at least 20.
fn read_shed(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    ids: &NodeIds,
    queue: Option<u32>,
) -> Option<Vec<(When, u32)>> {
    let t = f.table(errs)?;
    let names = names(ids);
    t.unknown_fields(errs, &names, &|key| {
        Some((
            format!("unknown request class `{key}` in `shed`"),
            suggest::hint(key, &names).or_else(|| {
                Some(format!(
                    "declare it first: [[class]] with name = \"{key}\"; or use \"read\" or \"write\""
                ))
            }),
        ))
    });
    let mut out = Vec::new();
    let mut ok = true;
    for (key, _) in t.table.iter() {
        let name: &str = key.get_ref();
        let (Some(when), Some(field)) = (when_of(name, ids), t.field(name)) else {
            ok = false;
            continue;
        };
        let Some(n) = field.count_within(errs, SHED_LINE) else {
            ok = false;
            continue;
        };
        if let Some(q) = queue.filter(|&q| n > q) {
            field.error(
                errs,
                format!(
                    "`{name}` is shed from a line of {n}, but the line holds at most {q} (`queue`)"
                ),
                Some(format!(
                    "shed below the line's capacity, e.g. {name} = {}",
                    (q / 2).max(1)
                )),
            );
            ok = false;
            continue;
        }
        out.push((when, n));
    }
    if !ok {
        return None;
    }
    if out.is_empty() {
        f.error(
            errs,
            "the `shed` table names no class",
            Some("give a line length per class, e.g. shed = { browse = 20 }".into()),
        );
        return None;
    }
    // A class's own threshold wins over its op's.
    out.sort_by_key(|(w, _)| matches!(w, When::Kind(_)));
    Some(out)
}
