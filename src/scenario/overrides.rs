//! `--set TARGET.FIELD[.SUB]=VALUE` overrides, applied to the parsed tree so the file's own validation checks them.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use crate::scenario::reader::{Errors, Span};
use crate::scenario::suggest;

const EXAMPLE: &str = "e.g. --set api.workers=16, --set api.service_time=5ms, --set scenario.duration=2m, --set workload.0.rate=500";

/// Applies every override in order (a later one wins); problems are
/// reported at their place in the override text.
///
/// TARGET is a node id, `scenario`, or `workload.<name or index>`. VALUE is
/// read as a TOML value (`5`, `"5ms"`, `{ dist = "constant", value = "2ms" }`)
/// and, if it is not one, taken as a string (so `api.service_time=5ms` works).
pub(crate) fn apply<'i>(errs: &mut Errors<'_>, doc: &mut DeTable<'i>, overrides: &'i [String]) {
    for (k, text) in overrides.iter().enumerate() {
        let base = errs.sources().override_base(k);
        apply_one(errs, doc, text, base);
    }
}

/// A piece of the override text: its text and its virtual span.
#[derive(Clone)]
struct Piece<'i> {
    text: &'i str,
    span: Span,
}

fn apply_one<'i>(errs: &mut Errors<'_>, doc: &mut DeTable<'i>, text: &'i str, base: usize) {
    let path = format!("--set {text}");
    let Some(eq) = text.find('=') else {
        errs.error(
            &(base..base.saturating_add(text.len())),
            &path,
            format!("expected TARGET.FIELD=VALUE, got `{text}`"),
            Some(EXAMPLE.into()),
        );
        return;
    };
    let (lhs, rhs) = (
        text.get(..eq).unwrap_or(""),
        text.get(eq + 1..).unwrap_or(""),
    );
    let Some(pieces) = split_names(errs, &path, lhs, base) else {
        return;
    };
    let Some((table, fields)) = target_table(errs, doc, &path, &pieces) else {
        return;
    };
    let Some((last, middle)) = fields.split_last() else {
        let end = base.saturating_add(lhs.len());
        errs.error(
            &(end..end),
            &path,
            format!("missing field after `{lhs}`"),
            Some(EXAMPLE.into()),
        );
        return;
    };
    let Some(table) = inner_table(errs, table, middle, &path, lhs) else {
        return;
    };
    let Some(value) = read_value(errs, &path, text, rhs, base.saturating_add(eq + 1)) else {
        return;
    };
    let key = Spanned::new(last.span.clone(), Cow::Borrowed(last.text));
    table.insert(key, value);
}

/// The left side split on dots, each piece with where it starts; `None`
/// (reported) when a name is empty.
fn split_names<'i>(
    errs: &mut Errors<'_>,
    path: &str,
    lhs: &'i str,
    base: usize,
) -> Option<Vec<Piece<'i>>> {
    let at = |from: usize, to: usize| base.saturating_add(from)..base.saturating_add(to);
    let mut pieces: Vec<Piece<'i>> = Vec::new();
    let mut start = 0usize;
    for seg in lhs.split('.') {
        let lead = seg.len() - seg.trim_start().len();
        let trimmed = seg.trim();
        let s = start + lead;
        if trimmed.is_empty() {
            errs.error(
                &at(s, s),
                path,
                format!("empty name in `{lhs}`"),
                Some(EXAMPLE.into()),
            );
            return None;
        }
        pieces.push(Piece {
            text: trimmed,
            span: at(s, s + trimmed.len()),
        });
        start += seg.len() + 1;
    }
    Some(pieces)
}

/// The table the first piece names (`scenario`, `workload.<name or index>`
/// or a node id) and the pieces after it; `None` (reported) when unknown.
fn target_table<'d, 'i, 'p>(
    errs: &mut Errors<'_>,
    doc: &'d mut DeTable<'i>,
    path: &str,
    pieces: &'p [Piece<'i>],
) -> Option<(&'d mut DeTable<'i>, &'p [Piece<'i>])> {
    let first = pieces.first()?;
    match first.text {
        "scenario" => {
            let entry = doc
                .entry(Spanned::new(first.span.clone(), Cow::Borrowed("scenario")))
                .or_insert_with(|| {
                    Spanned::new(first.span.clone(), DeValue::Table(DeTable::new()))
                });
            match entry.get_mut() {
                DeValue::Table(t) => Some((t, pieces.get(1..).unwrap_or(&[]))),
                _ => {
                    errs.error(
                        &first.span,
                        path,
                        "`scenario` in the file is not a table",
                        None,
                    );
                    None
                }
            }
        }
        "workload" => {
            let Some(which) = pieces.get(1) else {
                errs.error(
                    &first.span,
                    path,
                    "expected workload.<name or index>.FIELD",
                    Some("e.g. --set workload.users.rate=500 or --set workload.0.rate=500".into()),
                );
                return None;
            };
            let by_name = find_index(doc, "workload", |t, _| {
                name_of(t, "name") == Some(which.text)
            });
            let by_index = which
                .text
                .parse::<usize>()
                .ok()
                .filter(|&i| find_index(doc, "workload", |_, j| j == i).is_some());
            let Some(i) = by_name.or(by_index) else {
                let names = list_names(doc, "workload", "name");
                let known: Vec<&str> = names.iter().map(String::as_str).collect();
                errs.error(
                    &which.span,
                    path,
                    format!("unknown workload `{}`", which.text),
                    suggest::hint(which.text, &known).map(|h| {
                        format!("{h} (a workload is named by `name` or by its index from 0)")
                    }),
                );
                return None;
            };
            // A found index is a table (find_index looks at tables only).
            let t = item_mut(doc, "workload", i)?;
            Some((t, pieces.get(2..).unwrap_or(&[])))
        }
        id => {
            let Some(i) = find_index(doc, "node", |t, _| name_of(t, "id") == Some(id)) else {
                let mut names = list_names(doc, "node", "id");
                names.push("scenario".into());
                names.push("workload".into());
                let known: Vec<&str> = names.iter().map(String::as_str).collect();
                errs.error(
                    &first.span,
                    path,
                    format!("unknown target `{id}`"),
                    suggest::hint(id, &known).map(|h| {
                        format!("{h} (a target is a node id, `scenario` or `workload.<name>`)")
                    }),
                );
                return None;
            };
            let t = item_mut(doc, "node", i)?;
            Some((t, pieces.get(1..).unwrap_or(&[])))
        }
    }
}

/// Walks (creating) the intermediate tables `middle` below `table`;
/// `None` (reported) when one of them is a value, not a table. An array
/// (a node's `calls`, `to`) is stepped into by the next piece: an index
/// from 0, or the id of the node an item goes to (`api.calls.db.timeout`).
fn inner_table<'d, 'i>(
    errs: &mut Errors<'_>,
    mut table: &'d mut DeTable<'i>,
    middle: &[Piece<'i>],
    path: &str,
    lhs: &str,
) -> Option<&'d mut DeTable<'i>> {
    let mut pieces = middle.iter();
    while let Some(piece) = pieces.next() {
        let entry = table
            .entry(Spanned::new(piece.span.clone(), Cow::Borrowed(piece.text)))
            .or_insert_with(|| Spanned::new(piece.span.clone(), DeValue::Table(DeTable::new())));
        table = match entry.get_mut() {
            DeValue::Table(t) => t,
            DeValue::Array(items) => {
                let Some(which) = pieces.next() else {
                    not_a_table(errs, piece, path, lhs, "an array");
                    return None;
                };
                array_item(errs, items, piece, which, path)?
            }
            _ => {
                not_a_table(errs, piece, path, lhs, "a value");
                return None;
            }
        };
    }
    Some(table)
}

fn not_a_table(errs: &mut Errors<'_>, piece: &Piece<'_>, path: &str, lhs: &str, what: &str) {
    let hint = if what == "an array" {
        format!(
            "name an item after it, by its index from 0 or the node it goes to, e.g. --set {lhs}.0.timeout=200ms",
            lhs = lhs.rsplit_once('.').map_or(lhs, |(l, _)| l)
        )
    } else {
        format!(
            "set the whole value instead, e.g. --set {}={{ dist = \"exponential\", mean = \"5ms\" }}",
            lhs.rsplit_once('.').map_or(lhs, |(l, _)| l)
        )
    };
    errs.error(
        &piece.span,
        path,
        if what == "an array" {
            format!(
                "`{}` is an array here: name one of its items to set a field inside it",
                piece.text
            )
        } else {
            format!(
                "`{}` is not a table here, so a field inside it cannot be set",
                piece.text
            )
        },
        Some(hint),
    );
}

/// The item of array `array` (`calls`, `to`…) that `which` names, made a
/// table if it was a bare node id (`"db"` becomes `{ to = "db" }`).
fn array_item<'d, 'i>(
    errs: &mut Errors<'_>,
    items: &'d mut DeArray<'i>,
    array: &Piece<'i>,
    which: &Piece<'i>,
    path: &str,
) -> Option<&'d mut DeTable<'i>> {
    let goes_to = |v: &DeValue<'_>| match v {
        DeValue::String(s) => Some(s.to_string()),
        DeValue::Table(t) => name_of(t, "to").map(str::to_string),
        _ => None,
    };
    let targets: Vec<Option<String>> = items.iter().map(|v| goes_to(v.get_ref())).collect();
    let by_id: Vec<usize> = (0..targets.len())
        .filter(|&i| targets[i].as_deref() == Some(which.text))
        .collect();
    let index = match (which.text.parse::<usize>(), by_id.as_slice()) {
        (Ok(i), _) if i < items.len() => i,
        (_, [one]) => *one,
        (_, []) => {
            let mut known: Vec<String> = targets.iter().flatten().cloned().collect();
            known.dedup();
            errs.error(
                &which.span,
                path,
                format!(
                    "`{}` has no item `{}` ({} item(s): an index from 0, or the node an item goes to: {})",
                    array.text,
                    which.text,
                    items.len(),
                    known.join(", ")
                ),
                None,
            );
            return None;
        }
        (_, many) => {
            errs.error(
                &which.span,
                path,
                format!(
                    "`{}` has {} items going to `{}`: name one by its index ({})",
                    array.text,
                    many.len(),
                    which.text,
                    many.iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None,
            );
            return None;
        }
    };
    let item = items.get_mut(index)?;
    if let DeValue::String(id) = item.get_ref() {
        let mut t = DeTable::new();
        let span = item.span();
        t.insert(
            Spanned::new(span.clone(), Cow::Borrowed("to")),
            Spanned::new(span, DeValue::String(id.clone())),
        );
        *item.get_mut() = DeValue::Table(t);
    }
    match item.get_mut() {
        DeValue::Table(t) => Some(t),
        _ => {
            errs.error(
                &which.span,
                path,
                format!("item `{}` of `{}` is not a table", which.text, array.text),
                None,
            );
            None
        }
    }
}

/// The right side, which starts at virtual offset `base`: a TOML value
/// (spans moved into the override's range), or else the text as a string;
/// `None` (reported) when empty or a broken quoted/bracketed value.
fn read_value<'i>(
    errs: &mut Errors<'_>,
    path: &str,
    text: &str,
    rhs: &'i str,
    base: usize,
) -> Option<Spanned<DeValue<'i>>> {
    let lead = rhs.len() - rhs.trim_start().len();
    let value_text = rhs.trim();
    let value_base = base.saturating_add(lead);
    let value_span = value_base..value_base.saturating_add(value_text.len());
    if value_text.is_empty() {
        errs.error(
            &value_span,
            path,
            format!("no value after `=` in `{text}`"),
            Some(EXAMPLE.into()),
        );
        return None;
    }
    match DeValue::parse(value_text) {
        Ok(v) => Some(shift(v, value_base)),
        // Quotes, brackets and braces mean a TOML value: say what is wrong
        // with it rather than take it as a string.
        Err(e) if value_text.starts_with(['"', '\'', '[', '{']) => {
            let message = e.message().lines().next().unwrap_or("").to_string();
            errs.error(
                &value_span,
                path,
                format!("`{value_text}` is not a valid TOML value: {message}"),
                Some(
                    "a quoted string, an array [...] or a table { ... } must be complete; quote the whole --set in the shell, e.g. --set 'api.service_time={ dist = \"exponential\", mean = \"5ms\" }'"
                        .into(),
                ),
            );
            None
        }
        Err(_) => Some(Spanned::new(
            value_span,
            DeValue::String(Cow::Borrowed(value_text)),
        )),
    }
}

/// The string field `key` of a table value, if it is one.
fn name_of<'a>(t: &'a DeTable<'_>, key: &str) -> Option<&'a str> {
    t.get(key).and_then(|v| v.get_ref().as_str())
}

/// Index of the first table in the array `key` for which `wanted(table, index)`.
fn find_index(
    doc: &DeTable<'_>,
    key: &str,
    wanted: impl Fn(&DeTable<'_>, usize) -> bool,
) -> Option<usize> {
    let DeValue::Array(items) = doc.get(key)?.get_ref() else {
        return None;
    };
    items
        .iter()
        .enumerate()
        .position(|(i, v)| match v.get_ref() {
            DeValue::Table(t) => wanted(t, i),
            _ => false,
        })
}

/// The table at `index` of the array `key`.
fn item_mut<'d, 'i>(
    doc: &'d mut DeTable<'i>,
    key: &str,
    index: usize,
) -> Option<&'d mut DeTable<'i>> {
    let DeValue::Array(items) = doc.get_mut(key)?.get_mut() else {
        return None;
    };
    match items.get_mut(index)?.get_mut() {
        DeValue::Table(t) => Some(t),
        _ => None,
    }
}

/// `name` (or `index` when unnamed) of each table in the array `key`.
fn list_names(doc: &DeTable<'_>, key: &str, field: &str) -> Vec<String> {
    let Some(DeValue::Array(items)) = doc.get(key).map(|v| v.get_ref()) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| match v.get_ref() {
            DeValue::Table(t) => name_of(t, field).map_or_else(|| i.to_string(), str::to_string),
            _ => i.to_string(),
        })
        .collect()
}

/// The same value with every span moved `by` bytes (into the virtual
/// range of its override).
fn shift<'i>(v: Spanned<DeValue<'i>>, by: usize) -> Spanned<DeValue<'i>> {
    let span = v.span();
    let moved = span.start.saturating_add(by)..span.end.saturating_add(by);
    let inner = match v.into_inner() {
        DeValue::Array(items) => {
            let mut out = DeArray::new();
            for item in items {
                out.push(shift(item, by));
            }
            DeValue::Array(out)
        }
        DeValue::Table(t) => {
            let mut out = DeTable::new();
            for (k, val) in t {
                let ks = k.span();
                out.insert(
                    Spanned::new(
                        ks.start.saturating_add(by)..ks.end.saturating_add(by),
                        k.into_inner(),
                    ),
                    shift(val, by),
                );
            }
            DeValue::Table(out)
        }
        other => other,
    };
    Spanned::new(moved, inner)
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Diagnostic, load_str};
    use crate::sim::dist::Dist;
    use crate::sim::model::{Model, NodeKind};

    const BASE: &str = "[scenario]\nname = \"o\"\n[[workload]]\nname = \"users\"\nto = \"api\"\nrate = 10\n[[node]]\nid = \"api\"\nkind = \"service\"\nservice_time = \"4ms\"\n";

    fn load(overrides: &[&str]) -> Result<Model, Vec<Diagnostic>> {
        let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        load_str(BASE, "o.toml", &o)
    }

    fn service_time(m: &Model) -> Option<Dist> {
        match &m.nodes.first()?.kind {
            NodeKind::Service(s) => Some(s.service_time),
            _ => None,
        }
    }

    #[test]
    fn a_value_that_is_not_toml_is_taken_as_a_string() {
        let m = load(&["api.service_time=7ms"]).expect("valid");
        assert_eq!(service_time(&m), Some(Dist::Constant { value: 0.007 }));
    }

    #[test]
    fn an_inline_table_replaces_the_whole_value() {
        let m =
            load(&["api.service_time={ dist = \"exponential\", mean = \"2ms\" }"]).expect("valid");
        assert_eq!(service_time(&m), Some(Dist::Exponential { mean: 0.002 }));
    }

    #[test]
    fn missing_tables_on_the_way_are_created() {
        let m = load(&["workload.users.keys.count=10"]).expect("valid");
        assert_eq!(m.workloads.first().map(|w| w.keys.count), Some(10));
    }

    #[test]
    fn the_later_override_wins() {
        let m = load(&["scenario.seed=1", "scenario.seed=2"]).expect("valid");
        assert_eq!(m.seed, 2);
    }

    #[test]
    fn errors_inside_an_override_value_point_into_it() {
        let d = load(&["api.service_time={ dist = \"exponential\", mean = 5 }"]).expect_err("bad");
        assert_eq!(
            (d[0].file.as_str(), d[0].line, d[0].column),
            ("--set", 1, 49),
            "{d:?}"
        );
        assert!(d[0].message.contains("needs a unit"), "{d:?}");
    }

    #[test]
    fn a_field_inside_a_non_table_cannot_be_set() {
        let d = load(&["api.service_time.mean=5ms"]).expect_err("bad");
        assert_eq!(d[0].column, 5, "{d:?}");
        assert!(d[0].message.contains("is not a table"), "{d:?}");
        assert!(
            d[0].hint
                .as_deref()
                .unwrap_or("")
                .contains("--set api.service_time={"),
            "{d:?}"
        );
    }

    #[test]
    fn malformed_overrides_are_explained() {
        for (o, col, want) in [
            ("api.workers", 1, "expected TARGET.FIELD=VALUE"),
            ("api..workers=2", 5, "empty name"),
            ("api=2", 4, "missing field after `api`"),
            ("workload=2", 1, "expected workload.<name or index>.FIELD"),
            ("workload.7.rate=2", 10, "unknown workload `7`"),
        ] {
            let d = load(&[o]).expect_err(o);
            assert_eq!(d[0].column, col, "{o}: {d:?}");
            assert!(d[0].message.contains(want), "{o}: {d:?}");
        }
    }
}
