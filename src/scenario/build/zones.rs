//! Zones: a node's `zone`, and the `[[zone_link]]` tables giving the network latency between two zones (or within one).

use toml::de::DeValue;

use super::payload::{optional, read_bandwidth, read_price};
use crate::scenario::distribution;
use crate::scenario::reader::{Errors, Field, Table, type_name};
use crate::scenario::suggest;
use crate::sim::model::ZoneLink;

const ZONE_LINK_FIELDS: [&str; 4] = ["between", "latency", "bandwidth", "egress_per_gb"];

/// A node's `zone`: a non-empty name.
pub(super) fn read_zone(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<String> {
    let s = f.str(errs)?;
    if s.trim().is_empty() {
        f.error(
            errs,
            "a zone name must not be empty",
            Some("e.g. zone = \"eu-west\"".into()),
        );
        return None;
    }
    Some(s.to_string())
}

/// The `[[zone_link]]` tables: each `between = ["a", "b"]` two zones that
/// nodes are in (the same one twice for the latency within a zone) and a
/// `latency`; a pair at most once (either way round).
pub(super) fn read_zone_links(
    errs: &mut Errors<'_>,
    tables: Option<Vec<Table<'_, '_>>>,
    node_tables: &[Table<'_, '_>],
) -> Option<Vec<ZoneLink>> {
    // From the tables, so a node with a mistake elsewhere still names its
    // zone (its mistake is reported once, not again at the link).
    let mut zones: Vec<&str> = node_tables
        .iter()
        .filter_map(|t| match t.field("zone")?.get() {
            DeValue::String(s) if !s.trim().is_empty() => Some(s.as_ref()),
            _ => None,
        })
        .collect();
    zones.sort_unstable();
    zones.dedup();
    let mut links: Vec<ZoneLink> = Vec::new();
    let mut ok = true;
    for (i, mut t) in tables.unwrap_or_default().into_iter().enumerate() {
        t.path = format!("zone_link[{i}]");
        match read_zone_link(errs, &t, &zones, &links) {
            Some(link) => links.push(link),
            None => ok = false,
        }
    }
    ok.then_some(links)
}

fn read_zone_link(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    zones: &[&str],
    earlier: &[ZoneLink],
) -> Option<ZoneLink> {
    t.unknown_fields(errs, &ZONE_LINK_FIELDS, &|key| {
        matches!(key, "from" | "to" | "zones").then(|| {
            (
                format!("unknown field `{key}` for a zone link"),
                Some("name the two zones in `between`, e.g. between = [\"us-east\", \"eu-west\"] (a link works both ways)".into()),
            )
        })
    });
    let between = t
        .required(errs, "between")
        .and_then(|f| read_between(errs, &f, zones));
    let latency = t
        .required(errs, "latency")
        .and_then(|f| distribution::read(errs, &f));
    let bandwidth = optional(errs, t, "bandwidth", read_bandwidth);
    let egress_per_gb = optional(errs, t, "egress_per_gb", read_price);
    let between = between?;
    let same = |l: &ZoneLink| {
        (l.between[0] == between[0] && l.between[1] == between[1])
            || (l.between[0] == between[1] && l.between[1] == between[0])
    };
    if earlier.iter().any(same) {
        if let Some(f) = t.field("between") {
            f.error(
                errs,
                format!(
                    "a second link between `{}` and `{}`",
                    between[0], between[1]
                ),
                Some("a zone link works both ways; give each pair once".into()),
            );
        }
        return None;
    }
    Some(ZoneLink {
        between,
        latency: latency?,
        bandwidth: bandwidth?,
        egress_per_gb: egress_per_gb?,
    })
}

/// `["a", "b"]`: two names of zones some node is in.
fn read_between(errs: &mut Errors<'_>, f: &Field<'_, '_>, zones: &[&str]) -> Option<[String; 2]> {
    let DeValue::Array(a) = f.get() else {
        f.error(
            errs,
            format!(
                "expected an array of two zones, found {}",
                type_name(f.get())
            ),
            Some("e.g. between = [\"us-east\", \"eu-west\"]".into()),
        );
        return None;
    };
    let items = f.items(a);
    if items.len() != 2 {
        f.error(
            errs,
            format!("a zone link is between two zones, found {}", items.len()),
            Some(
                "e.g. between = [\"us-east\", \"eu-west\"]; the same zone twice for the latency within it"
                    .into(),
            ),
        );
        return None;
    }
    let mut names = Vec::with_capacity(2);
    for item in &items {
        let name = item.str(errs)?;
        if !zones.contains(&name) {
            let hint = suggest::hint(name, zones).or_else(|| {
                Some(if zones.is_empty() {
                    "no node has a `zone`: give nodes one, e.g. zone = \"us-east\"".into()
                } else {
                    format!("the zones nodes are in: {}", zones.join(", "))
                })
            });
            item.error(errs, format!("no node is in zone `{name}`"), hint);
            return None;
        }
        names.push(name.to_string());
    }
    Some([names[0].clone(), names[1].clone()])
}
