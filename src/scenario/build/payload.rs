//! Payload fields: sizes (`request_bytes`, `response_bytes`: a size or a distribution of sizes), a link's `bandwidth` and an `egress_per_gb` price, with their ranges from `sim::limits`.

use toml::de::DeValue;

use crate::scenario::bytes::{
    BANDWIDTH_HINT, SIZE_HINT, format_bytes, parse_bandwidth, parse_bytes,
};
use crate::scenario::distribution::{Scale, read_table_in};
use crate::scenario::reader::{Errors, Field, Table, type_name};
use crate::scenario::units::DurationError;
use crate::sim::dist::Dist;
use crate::sim::limits::{BANDWIDTH, EGRESS_PER_GB, Limit, PAYLOAD_BYTES};
use crate::sim::model::{Payload, Workload};

/// Sizes, in bytes.
const BYTES: Scale = Scale {
    read: read_bytes,
    show: format_bytes,
    constant: "a size such as \"4MB\"",
};

/// A string with a unit, parsed by `parse`, within `limit`.
fn with_unit(
    f: &Field<'_, '_>,
    errs: &mut Errors<'_>,
    parse: fn(&str) -> Result<f64, DurationError>,
    what: &str,
    hint: &str,
    limit: Limit<f64>,
) -> Option<f64> {
    let x = match f.get() {
        DeValue::String(s) => match parse(s) {
            Ok(x) => x,
            Err(e) => {
                f.error(errs, e.message, e.hint);
                return None;
            }
        },
        DeValue::Integer(_) | DeValue::Float(_) => {
            let text = errs.sources().snippet(&f.span()).to_string();
            f.error(
                errs,
                format!("a {what} needs a unit, found the bare number `{text}`"),
                Some(hint.to_string()),
            );
            return None;
        }
        other => {
            f.error(
                errs,
                format!("expected a {what} string, found {}", type_name(other)),
                Some(hint.to_string()),
            );
            return None;
        }
    };
    if !limit.contains(x) {
        let text = errs.sources().snippet(&f.span()).to_string();
        let low = if limit.min_included {
            "at least"
        } else {
            "above"
        };
        f.error(
            errs,
            format!(
                "a {what} must be {low} {} and at most {}, got {text}",
                show(what, limit.min),
                show(what, limit.max)
            ),
            None,
        );
        return None;
    }
    Some(x)
}

fn show(what: &str, x: f64) -> String {
    if what == "bandwidth" {
        crate::scenario::bytes::format_bandwidth(x)
    } else {
        format_bytes(x)
    }
}

/// One size (a distribution parameter).
fn read_bytes(f: &Field<'_, '_>, errs: &mut Errors<'_>) -> Option<f64> {
    with_unit(f, errs, parse_bytes, "size", SIZE_HINT, PAYLOAD_BYTES)
}

/// A size (a constant) or a `{ dist = ..., }` table of sizes.
pub(super) fn read_size(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<Dist> {
    match f.get() {
        DeValue::Table(_) => read_table_in(errs, f, &BYTES),
        _ => read_bytes(f, errs).map(|value| Dist::Constant { value }),
    }
}

/// A bandwidth, in bytes per second.
pub(super) fn read_bandwidth(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<f64> {
    with_unit(
        f,
        errs,
        parse_bandwidth,
        "bandwidth",
        BANDWIDTH_HINT,
        BANDWIDTH,
    )
}

/// Dollars per GB.
pub(super) fn read_price(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<f64> {
    f.number_within(errs, EGRESS_PER_GB)
}

/// An optional field read by `read`: `Some(None)` when absent, `None` on error.
pub(super) fn optional<T>(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    key: &str,
    read: fn(&mut Errors<'_>, &Field<'_, '_>) -> Option<T>,
) -> Option<Option<T>> {
    match t.field(key) {
        Some(f) => read(errs, &f).map(Some),
        None => Some(None),
    }
}

/// A call's `request_bytes`, `response_bytes` and `bandwidth` (`None`
/// inside when it has none of them).
pub(super) fn read_call_payload(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
) -> Option<Option<Payload>> {
    let request = optional(errs, t, "request_bytes", read_size);
    let response = optional(errs, t, "response_bytes", read_size);
    let bandwidth = optional(errs, t, "bandwidth", read_bandwidth);
    let p = Payload {
        request: request?,
        response: response?,
        bandwidth: bandwidth?,
    };
    Some((!p.is_empty()).then_some(p))
}

/// A node's `egress_per_gb` prices its answers to the users: some workload
/// must send to it.
pub(super) fn check_user_egress(
    errs: &mut Errors<'_>,
    node_tables: &[Table<'_, '_>],
    workloads: &[Option<Workload>],
) {
    for (i, t) in node_tables.iter().enumerate() {
        let Some(f) = t.field("egress_per_gb") else {
            continue;
        };
        if workloads
            .iter()
            .any(|w| w.as_ref().is_none_or(|w| w.to == i))
        {
            continue;
        }
        f.error_at_key(
            errs,
            "`egress_per_gb` prices the answers a node sends to the users, and no workload sends to this node",
            Some("put it on the node a workload's `to` names (the users' entry), or price bytes between zones with a [[zone_link]]'s egress_per_gb".into()),
        );
    }
}
