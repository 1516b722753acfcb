//! A walker over the spanned TOML tree that reads typed fields and records every problem it meets, then carries on.

use std::collections::HashSet;
use std::num::IntErrorKind;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::scenario::diagnostic::Diagnostic;
use crate::scenario::suggest;
use crate::scenario::text_span::Sources;
use crate::scenario::units::{self, ADD_A_UNIT};
use crate::sim::limits::Limit;
use crate::sim::time::SimTime;

pub(crate) type Span = Range<usize>;
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;
/// Explains a key that is not allowed here: `(message, hint)`, or `None`
/// for the generic "unknown field" message.
pub(crate) type Elsewhere<'f> = &'f dyn Fn(&str) -> Option<(String, Option<String>)>;

/// The diagnostics found so far, kept with their virtual offset so they
/// can be listed in source order.
pub(crate) struct Errors<'t> {
    sources: Sources<'t>,
    found: Vec<(usize, Diagnostic)>,
    /// (offset, message) of each recorded diagnostic, to drop repeats.
    seen: HashSet<(usize, String)>,
    /// Diagnostics not recorded because `MAX_KEPT` were already.
    dropped: usize,
}

/// Most diagnostics kept in memory (bounds the work on huge bad inputs).
const MAX_KEPT: usize = 1000;

impl<'t> Errors<'t> {
    pub(crate) fn new(sources: Sources<'t>) -> Self {
        Errors {
            sources,
            found: Vec::new(),
            seen: HashSet::new(),
            dropped: 0,
        }
    }

    pub(crate) fn sources(&self) -> &Sources<'t> {
        &self.sources
    }

    /// Records a problem at the start of `span`.
    pub(crate) fn error(
        &mut self,
        span: &Span,
        path: &str,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let message = message.into();
        if !self.seen.insert((span.start, message.clone())) {
            return;
        }
        if self.found.len() >= MAX_KEPT {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        let (file, line, column) = self.sources.locate(span.start);
        let d = Diagnostic {
            file,
            line,
            column,
            path: path.to_string(),
            message,
            hint,
        };
        self.found.push((span.start, d));
    }

    /// Counts `n` more problems that were found but not recorded.
    pub(crate) fn not_shown(&mut self, n: usize) {
        self.dropped = self.dropped.saturating_add(n);
    }

    /// Diagnostics recorded so far (kept or dropped).
    pub(crate) fn count(&self) -> usize {
        self.found.len() + self.dropped
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty() && self.dropped == 0
    }

    /// All diagnostics in source order (file first, then `--set`s), at
    /// most `limit` of them plus one saying how many were left out.
    pub(crate) fn into_sorted(mut self, limit: usize) -> Vec<Diagnostic> {
        self.found.sort_by_key(|(at, _)| *at);
        let total = self.found.len().saturating_add(self.dropped);
        let mut out: Vec<Diagnostic> = self.found.into_iter().map(|(_, d)| d).collect();
        if total > out.len().min(limit) {
            out.truncate(limit);
            if let Some(last) = out.last().cloned() {
                out.push(Diagnostic {
                    path: String::new(),
                    message: format!("{} more errors not shown", total - out.len()),
                    hint: Some("fix the ones above first".into()),
                    ..last
                });
            }
        }
        out
    }
}

/// `a string`, `an integer`, ... for messages.
pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A number for a message: as written for everyday sizes, with an
/// exponent when very large or small (`1e308`, not 309 digits).
pub(crate) fn show(x: f64) -> String {
    if x != 0.0 && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// `base.key`, or `key` at the top level.
pub(crate) fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// A table being read, with where it is (for "missing field" errors).
pub(crate) struct Table<'a, 'i> {
    pub(crate) table: &'a DeTable<'i>,
    pub(crate) span: Span,
    pub(crate) path: String,
}

impl<'a, 'i> Table<'a, 'i> {
    pub(crate) fn new(table: &'a DeTable<'i>, span: Span, path: String) -> Self {
        Table { table, span, path }
    }

    /// The field `key`, if present.
    pub(crate) fn field(&self, key: &str) -> Option<Field<'a, 'i>> {
        self.table.get_key_value(key).map(|(k, v)| Field {
            value: v,
            key_span: Some(k.span()),
            path: join(&self.path, key),
        })
    }

    /// The field `key`; reports it missing when absent.
    pub(crate) fn required(&self, errs: &mut Errors<'_>, key: &str) -> Option<Field<'a, 'i>> {
        let f = self.field(key);
        if f.is_none() {
            self.missing(errs, key, None);
        }
        f
    }

    /// Reports `key` missing, at the start of this table.
    pub(crate) fn missing(&self, errs: &mut Errors<'_>, key: &str, hint: Option<String>) {
        errs.error(
            &self.span,
            &self.path,
            format!("missing field `{key}`"),
            hint,
        );
    }

    /// Reports each key not in `allowed`. `elsewhere` may explain a key
    /// that belongs somewhere else (message, hint); otherwise the message is
    /// "unknown field" with a did-you-mean hint.
    pub(crate) fn unknown_fields(
        &self,
        errs: &mut Errors<'_>,
        allowed: &[&str],
        elsewhere: Elsewhere<'_>,
    ) {
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref();
            if allowed.contains(&name) {
                continue;
            }
            let (message, hint) = elsewhere(name).unwrap_or_else(|| {
                (
                    format!("unknown field `{name}`"),
                    suggest::hint(name, allowed),
                )
            });
            errs.error(&key.span(), &join(&self.path, name), message, hint);
        }
    }
}

/// One value being read, with its field path for messages.
#[derive(Clone)]
pub(crate) struct Field<'a, 'i> {
    pub(crate) value: &'a Value<'i>,
    /// Where its key is written (`None` for array items).
    pub(crate) key_span: Option<Span>,
    pub(crate) path: String,
}

impl<'a, 'i> Field<'a, 'i> {
    pub(crate) fn span(&self) -> Span {
        self.value.span()
    }

    pub(crate) fn get(&self) -> &'a DeValue<'i> {
        self.value.get_ref()
    }

    /// Records a problem with this value.
    pub(crate) fn error(
        &self,
        errs: &mut Errors<'_>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        errs.error(&self.span(), &self.path, message, hint);
    }

    /// Records a problem with the field as a whole, at its key (e.g. a
    /// field that does not apply here).
    pub(crate) fn error_at_key(
        &self,
        errs: &mut Errors<'_>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let span = self.key_span.clone().unwrap_or_else(|| self.span());
        errs.error(&span, &self.path, message, hint);
    }

    fn wrong_type(&self, errs: &mut Errors<'_>, expected: &str) {
        let found = self.get();
        let hint = match found {
            DeValue::String(s)
                if s.trim().parse::<f64>().is_ok() && !expected.contains("string") =>
            {
                Some("remove the quotes".to_string())
            }
            _ => None,
        };
        self.error(
            errs,
            format!("expected {expected}, found {}", type_name(found)),
            hint,
        );
    }

    pub(crate) fn str(&self, errs: &mut Errors<'_>) -> Option<&'a str> {
        match self.get() {
            DeValue::String(s) => Some(s.as_ref()),
            _ => {
                self.wrong_type(errs, "a string");
                None
            }
        }
    }

    /// An integer in `min..=max`.
    pub(crate) fn int(&self, errs: &mut Errors<'_>, min: i64, max: i64) -> Option<i64> {
        let n = match self.get() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => n,
                Err(e) if *e.kind() == IntErrorKind::NegOverflow => {
                    self.error(errs, format!("must be at least {min}, got {i}"), None);
                    return None;
                }
                Err(e) if *e.kind() == IntErrorKind::PosOverflow => {
                    self.error(errs, format!("must be at most {max}, got {i}"), None);
                    return None;
                }
                Err(_) => {
                    self.not_an_integer(errs, i);
                    return None;
                }
            },
            DeValue::Float(f) => {
                self.error(
                    errs,
                    format!("expected an integer, found the float `{}`", f.as_str()),
                    None,
                );
                return None;
            }
            _ => {
                self.wrong_type(errs, "an integer");
                return None;
            }
        };
        if n < min {
            self.error(errs, format!("must be at least {min}, got {n}"), None);
            None
        } else if n > max {
            self.error(errs, format!("must be at most {max}, got {n}"), None);
            None
        } else {
            Some(n)
        }
    }

    /// An integer literal the TOML reader let through without digits
    /// (`0x`, `0b`).
    fn not_an_integer(&self, errs: &mut Errors<'_>, i: &toml::de::DeInteger<'_>) {
        self.error(
            errs,
            format!("`{i}` is not a valid integer"),
            Some("a hexadecimal, octal or binary integer needs digits after 0x, 0o or 0b".into()),
        );
    }

    /// A finite number (an integer or a float).
    pub(crate) fn number(&self, errs: &mut Errors<'_>) -> Option<f64> {
        let x = match self.get() {
            DeValue::Integer(i) => {
                if i.radix() == 10 {
                    i.as_str().parse::<f64>().ok()
                } else {
                    match u128::from_str_radix(i.as_str(), i.radix()) {
                        Ok(n) => Some(n as f64),
                        Err(e) if *e.kind() == IntErrorKind::PosOverflow => None,
                        Err(_) => {
                            self.not_an_integer(errs, i);
                            return None;
                        }
                    }
                }
            }
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            _ => {
                self.wrong_type(errs, "a number");
                return None;
            }
        };
        match x {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                let text = match self.get() {
                    DeValue::Float(f) => f.as_str().to_string(),
                    DeValue::Integer(i) => i.to_string(),
                    _ => String::new(),
                };
                self.error(errs, format!("must be a finite number, got `{text}`"), None);
                None
            }
        }
    }

    /// A finite number with `min < x` (or `min <= x` when `min_inclusive`)
    /// and `x <= max`.
    pub(crate) fn number_in(
        &self,
        errs: &mut Errors<'_>,
        min: f64,
        min_inclusive: bool,
        max: f64,
    ) -> Option<f64> {
        let x = self.number(errs)?;
        let (shown, lo, hi) = (show(x), show(min), show(max));
        if min_inclusive && x < min {
            self.error(errs, format!("must be at least {lo}, got {shown}"), None);
            None
        } else if !min_inclusive && x <= min {
            self.error(
                errs,
                format!("must be greater than {lo}, got {shown}"),
                None,
            );
            None
        } else if x > max {
            self.error(errs, format!("must be at most {hi}, got {shown}"), None);
            None
        } else {
            Some(x)
        }
    }

    /// A number within `limit` (a row of `sim::limits`).
    pub(crate) fn number_within(&self, errs: &mut Errors<'_>, limit: Limit<f64>) -> Option<f64> {
        self.number_in(errs, limit.min, limit.min_included, limit.max)
    }

    /// An integer within `limit` (a row of `sim::limits`).
    pub(crate) fn count_within(&self, errs: &mut Errors<'_>, limit: Limit<u32>) -> Option<u32> {
        self.int(errs, i64::from(limit.min), i64::from(limit.max))
            .and_then(|n| u32::try_from(n).ok())
    }

    /// A duration string such as `"5ms"`.
    pub(crate) fn duration(&self, errs: &mut Errors<'_>) -> Option<SimTime> {
        self.parsed_duration(errs, units::parse_duration)
    }

    /// A duration string read as seconds, keeping digits below the
    /// nanosecond (for distribution parameters and latency bounds).
    pub(crate) fn seconds(&self, errs: &mut Errors<'_>) -> Option<f64> {
        self.parsed_duration(errs, units::parse_seconds)
    }

    /// `true` or `false`.
    pub(crate) fn boolean(&self, errs: &mut Errors<'_>) -> Option<bool> {
        match self.get() {
            DeValue::Boolean(b) => Some(*b),
            DeValue::String(s) if matches!(s.trim(), "true" | "false") => {
                self.error(
                    errs,
                    "expected a boolean, found a string",
                    Some("remove the quotes".into()),
                );
                None
            }
            _ => {
                self.wrong_type(errs, "a boolean (true or false)");
                None
            }
        }
    }

    fn parsed_duration<T>(
        &self,
        errs: &mut Errors<'_>,
        parse: fn(&str) -> Result<T, units::DurationError>,
    ) -> Option<T> {
        match self.get() {
            DeValue::String(s) => match parse(s) {
                Ok(t) => Some(t),
                Err(e) => {
                    self.error(errs, e.message, e.hint);
                    None
                }
            },
            DeValue::Integer(_) | DeValue::Float(_) => {
                let text = errs.sources().snippet(&self.span()).to_string();
                self.error(
                    errs,
                    format!("a duration needs a unit, found the bare number `{text}`"),
                    Some(ADD_A_UNIT.to_string()),
                );
                None
            }
            _ => {
                self.wrong_type(errs, "a duration string such as \"5ms\"");
                None
            }
        }
    }

    /// A duration greater than zero.
    pub(crate) fn positive_duration(&self, errs: &mut Errors<'_>) -> Option<SimTime> {
        let t = self.duration(errs)?;
        if t == SimTime::ZERO {
            let text = errs.sources().snippet(&self.span()).to_string();
            self.error(errs, format!("must be greater than 0, got {text}"), None);
            return None;
        }
        Some(t)
    }

    /// A duration of at least `min`: the period of a timer that fires all
    /// run long (`sim::limits::MIN_PERIOD`); `hint` says what it paces.
    pub(crate) fn period(
        &self,
        errs: &mut Errors<'_>,
        min: SimTime,
        hint: &str,
    ) -> Option<SimTime> {
        let t = self.duration(errs)?;
        if t < min {
            let text = errs.sources().snippet(&self.span()).to_string();
            let min = units::format_duration(min);
            self.error(
                errs,
                format!("must be at least {min}, got {text}"),
                Some(hint.to_string()),
            );
            return None;
        }
        Some(t)
    }

    /// One of `names` (a string); `what` names the thing in the message,
    /// e.g. "node kind" → "unknown node kind `servise`".
    pub(crate) fn choice(
        &self,
        errs: &mut Errors<'_>,
        what: &str,
        names: &[&str],
    ) -> Option<usize> {
        let s = self.str(errs)?;
        match names.iter().position(|n| *n == s) {
            Some(i) => Some(i),
            None => {
                self.error(
                    errs,
                    format!("unknown {what} `{s}`"),
                    suggest::hint(s, names),
                );
                None
            }
        }
    }

    /// This value as a table.
    pub(crate) fn table(&self, errs: &mut Errors<'_>) -> Option<Table<'a, 'i>> {
        match self.get() {
            DeValue::Table(t) => Some(Table::new(t, self.span(), self.path.clone())),
            _ => {
                self.wrong_type(errs, "a table");
                None
            }
        }
    }

    /// This value as an array: its items, each with path `path[i]`.
    pub(crate) fn array(&self, errs: &mut Errors<'_>) -> Option<Vec<Field<'a, 'i>>> {
        match self.get() {
            DeValue::Array(a) => Some(self.items(a)),
            _ => {
                self.wrong_type(errs, "an array");
                None
            }
        }
    }

    /// The items of an array value, each with path `path[i]`.
    pub(crate) fn items(&self, a: &'a [Value<'i>]) -> Vec<Field<'a, 'i>> {
        a.iter()
            .enumerate()
            .map(|(i, v)| Field {
                value: v,
                key_span: None,
                path: format!("{}[{i}]", self.path),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_field<R>(
        text: &str,
        f: impl FnOnce(&mut Errors<'_>, Field<'_, '_>) -> R,
    ) -> (R, Vec<Diagnostic>) {
        let (doc, syntax) = DeTable::parse_recoverable(text);
        assert!(syntax.is_empty(), "{syntax:?}");
        let overrides = [];
        let mut errs = Errors::new(Sources::new("t.toml", text, &overrides));
        let t = Table::new(doc.get_ref(), doc.span(), String::new());
        let field = t.field("x").expect("field x");
        let r = f(&mut errs, field);
        (r, errs.into_sorted(100))
    }

    #[test]
    fn integers_in_range_pass_and_others_are_located_errors() {
        let (n, d) = with_field("x = 0x10", |e, f| f.int(e, 0, 100));
        assert_eq!((n, d.len()), (Some(16), 0));
        let (n, d) = with_field("x = 0", |e, f| f.int(e, 1, 100));
        assert_eq!(n, None);
        assert_eq!(d[0].message, "must be at least 1, got 0");
        assert_eq!((d[0].line, d[0].column, d[0].path.as_str()), (1, 5, "x"));
        let (_, d) = with_field("x = 99999999999999999999999", |e, f| f.int(e, 0, 5));
        assert!(d[0].message.starts_with("must be at most 5"), "{d:?}");
        let (_, d) = with_field("x = -99999999999999999999999", |e, f| f.int(e, 0, 5));
        assert!(d[0].message.starts_with("must be at least 0"), "{d:?}");
        let (_, d) = with_field("x = 0x", |e, f| f.int(e, 0, 5));
        assert_eq!(d[0].message, "`0x` is not a valid integer");
        let (_, d) = with_field("x = 0b", |e, f| f.number(e));
        assert_eq!(d[0].message, "`0b` is not a valid integer");
        let (_, d) = with_field("x = 1.5", |e, f| f.int(e, 0, 5));
        assert!(d[0].message.contains("expected an integer"), "{d:?}");
    }

    #[test]
    fn numbers_must_be_finite() {
        for bad in ["nan", "inf", "-inf", "1e400"] {
            let (x, d) = with_field(&format!("x = {bad}"), |e, f| f.number(e));
            assert_eq!(x, None, "{bad}");
            assert!(d[0].message.contains("finite"), "{bad}: {d:?}");
        }
        let (x, _) = with_field("x = 12", |e, f| f.number(e));
        assert_eq!(x, Some(12.0));
        let (_, d) = with_field("x = \"12\"", |e, f| f.number(e));
        assert_eq!(d[0].hint.as_deref(), Some("remove the quotes"));
    }

    #[test]
    fn huge_numbers_are_shown_with_an_exponent() {
        let (_, d) = with_field("x = 1e308", |e, f| f.number_in(e, 0.0, false, 1e9));
        assert_eq!(d[0].message, "must be at most 1000000000, got 1e308");
        let (_, d) = with_field("x = -1e-300", |e, f| f.number_in(e, 0.0, true, 1.0));
        assert_eq!(d[0].message, "must be at least 0, got -1e-300");
    }

    #[test]
    fn a_bare_number_for_a_duration_asks_for_a_unit() {
        let (t, d) = with_field("x = 5", |e, f| f.duration(e));
        assert_eq!(t, None);
        assert_eq!(d[0].hint.as_deref(), Some(ADD_A_UNIT));
        let (t, _) = with_field("x = \"5ms\"", |e, f| f.duration(e));
        assert_eq!(t, Some(SimTime::from_millis(5)));
    }

    #[test]
    fn an_unknown_choice_suggests_the_closest() {
        let (i, d) = with_field("x = \"lfru\"", |e, f| {
            f.choice(e, "cache policy", &["lru", "lfu"])
        });
        assert_eq!(i, None);
        assert_eq!(d[0].message, "unknown cache policy `lfru`");
        assert_eq!(d[0].hint.as_deref(), Some("did you mean `lru`?"));
    }
}
