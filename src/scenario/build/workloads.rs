//! `[[workload]]` tables: where traffic enters, open or closed loop, the read/write mix, key popularity and rate phases.

use super::classes;
use crate::scenario::distribution;
use crate::scenario::graph::NodeIds;
use crate::scenario::reader::{Errors, Field, Table};
use crate::scenario::suggest;
use crate::sim::dist::Dist;
use crate::sim::limits::{self, USERS};
use crate::sim::model::{Arrival, KeyWrites, Keys, Phase, Popularity, Workload};
use crate::sim::time::SimTime;

pub(crate) const WORKLOAD_FIELDS: [&str; 10] = [
    "name", "to", "arrival", "rate", "users", "think", "mix", "keys", "phases", "classes",
];
const ARRIVALS: [&str; 3] = ["poisson", "constant", "closed"];

pub(super) fn read_workload(
    errs: &mut Errors<'_>,
    mut t: Table<'_, '_>,
    i: usize,
    ids: &NodeIds,
    names: &mut Vec<(String, usize)>,
) -> Option<Workload> {
    t.path = format!("workload[{i}]");
    let mut name = format!("workload.{i}");
    if let Some(f) = t.field("name")
        && let Some(s) = f.str(errs)
    {
        t.path = format!("workload `{s}` (workload[{i}])");
        if s.trim().is_empty() {
            f.error(errs, "the workload name must not be empty", None);
        } else if let Some((_, line)) = names.iter().find(|(n, _)| n == s) {
            f.error(
                errs,
                format!("duplicate workload name `{s}`"),
                Some(format!(
                    "`{s}` is first used on line {line}; workload names must be unique"
                )),
            );
        }
        name = s.to_string();
    }
    names.push((name.clone(), errs.sources().line_of(t.span.start)));
    t.unknown_fields(errs, &WORKLOAD_FIELDS, &|_| None);

    let to = t.required(errs, "to").and_then(|f| ids.resolve(errs, &f));
    let arrival_kind = match t.field("arrival") {
        Some(f) => f
            .choice(errs, "arrival", &ARRIVALS)
            .and_then(|i| ARRIVALS.get(i).copied()),
        None => Some("poisson"),
    };
    let open = matches!(arrival_kind, Some("poisson" | "constant"));
    let closed = arrival_kind == Some("closed");

    let rate = match t.field("rate") {
        Some(f) if closed => {
            f.error_at_key(
                errs,
                "`rate` does not apply to a closed workload",
                Some("a closed workload's rate follows from `users` and `think`; remove `rate`, or use arrival = \"poisson\"".into()),
            );
            None
        }
        Some(f) => f.number_within(errs, limits::ARRIVAL_RATE),
        None => {
            if open {
                t.missing(
                    errs,
                    "rate",
                    Some("an open-loop workload needs its rate in requests per second, e.g. rate = 1000".into()),
                );
            }
            None
        }
    };
    let users = match t.field("users") {
        Some(f) if open => {
            f.error_at_key(
                errs,
                "`users` applies to closed workloads only",
                Some("set arrival = \"closed\", or remove `users`".into()),
            );
            None
        }
        Some(f) => f.int(errs, USERS.min.into(), USERS.max.into()),
        None => {
            if closed {
                t.missing(
                    errs,
                    "users",
                    Some("a closed workload needs a number of users, e.g. users = 50".into()),
                );
            }
            None
        }
    };
    let think = match t.field("think") {
        Some(f) if open => {
            f.error_at_key(
                errs,
                "`think` applies to closed workloads only",
                Some("set arrival = \"closed\", or remove `think`".into()),
            );
            None
        }
        Some(f) => distribution::read(errs, &f),
        None => Some(Dist::Constant { value: 0.0 }),
    };
    let read_fraction = t.field("mix").map_or(Some(1.0), |f| read_mix(errs, &f));
    let classes = match (t.field("classes"), t.field("mix")) {
        (Some(f), Some(_)) => {
            f.error_at_key(
                errs,
                "give either `mix` or `classes`, not both",
                Some("with classes, each class's `op` makes its requests reads or writes; remove `mix`".into()),
            );
            None
        }
        (Some(f), None) => classes::read_shares(errs, &f, ids),
        (None, _) => Some(Vec::new()),
    };
    let keys = t.field("keys").map_or(
        Some(Keys {
            count: 1_000_000,
            popularity: Popularity::Uniform,
            writes: KeyWrites::Existing,
        }),
        |f| read_workload_keys(errs, &f),
    );
    let phases = match t.field("phases") {
        Some(f) if closed => {
            f.error_at_key(
                errs,
                "`phases` apply to open-loop workloads only",
                Some("a closed workload's load is set by `users`".into()),
            );
            None
        }
        Some(f) => read_phases(errs, &f),
        None => Some(Vec::new()),
    };
    let arrival = match arrival_kind? {
        "poisson" => Arrival::Poisson { rate: rate? },
        "constant" => Arrival::Constant { rate: rate? },
        _ => Arrival::Closed {
            users: u32::try_from(users?).ok()?,
            think: think?,
        },
    };
    Some(Workload {
        name,
        to: to?,
        arrival,
        phases: phases?,
        read_fraction: read_fraction?,
        keys: keys?,
        classes: classes?,
    })
}

fn read_mix(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<f64> {
    let t = f.table(errs)?;
    t.unknown_fields(errs, &["read", "write"], &|key| {
        Some((
            format!("unknown request type `{key}`"),
            suggest::closest(key, &["read", "write"])
                .map(|k| format!("did you mean `{k}`?"))
                .or_else(|| Some("the request types are `read` and `write`".into())),
        ))
    });
    let read = t.field("read").map(|f| f.number_in(errs, 0.0, true, 1.0));
    let write = t.field("write").map(|f| f.number_in(errs, 0.0, true, 1.0));
    match (read, write) {
        (Some(r), Some(w)) => {
            let (r, w) = (r?, w?);
            if (r + w - 1.0).abs() > 1e-6 {
                f.error(
                    errs,
                    format!("the mix must sum to 1, got {r} + {w} = {}", rounded(r + w)),
                    Some("give fractions, e.g. { read = 0.9, write = 0.1 }".into()),
                );
                return None;
            }
            Some(r)
        }
        (Some(r), None) => r,
        (None, Some(w)) => w.map(|w| 1.0 - w),
        (None, None) => {
            f.error(
                errs,
                "the mix names no request type",
                Some("give `read`, `write` or both, e.g. { read = 0.9, write = 0.1 }".into()),
            );
            None
        }
    }
}

/// `{ count = 1_000_000, popularity = "zipf", s = 1.0 }`: a call's own key
/// space (`writes` is a workload's only).
pub(super) fn read_keys(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<Keys> {
    let t = f.table(errs)?;
    t.unknown_fields(errs, &["count", "popularity", "s"], &|key| {
        (key == "writes").then(|| {
            (
                "a call's key space has no `writes` (a workload's keys do)".to_string(),
                Some("to create keys, give the workload's keys writes = \"new\"".to_string()),
            )
        })
    });
    key_space(errs, &t, KeyWrites::Existing)
}

/// A workload's `keys`: a key space, and with `writes = "new"` writes that
/// create keys no read asks for.
fn read_workload_keys(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<Keys> {
    let t = f.table(errs)?;
    t.unknown_fields(errs, &["count", "popularity", "s", "writes"], &|_| None);
    let writes = match t.field("writes") {
        Some(f) => match f.choice(errs, "kind of write key", &["existing", "new"])? {
            0 => KeyWrites::Existing,
            _ => KeyWrites::New,
        },
        None => KeyWrites::Existing,
    };
    key_space(errs, &t, writes)
}

/// The fields every key space has: `count`, `popularity`, `s`.
fn key_space(errs: &mut Errors<'_>, t: &Table<'_, '_>, writes: KeyWrites) -> Option<Keys> {
    let count = match t.field("count") {
        Some(f) => f.int(errs, 1, i64::MAX).map(i64::unsigned_abs),
        None => Some(1_000_000),
    };
    let popularity = match t.field("popularity") {
        Some(f) => f.choice(errs, "key popularity", &["uniform", "zipf"]),
        None => Some(0),
    };
    let s = match t.field("s") {
        Some(f) => f.number_in(errs, 0.0, false, f64::MAX),
        None => Some(1.0),
    };
    let popularity = match popularity? {
        0 => Popularity::Uniform,
        _ => Popularity::Zipf { s: s? },
    };
    Some(Keys {
        count: count?,
        popularity,
        writes,
    })
}

fn read_phases(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<Vec<Phase>> {
    let items = f.array(errs)?;
    let mut phases = Vec::with_capacity(items.len());
    let mut ok = true;
    let mut previous: Option<SimTime> = None;
    for item in items {
        let Some(t) = item.table(errs) else {
            ok = false;
            continue;
        };
        t.unknown_fields(errs, &["at", "rate", "ramp"], &|_| None);
        let at_field = t.required(errs, "at");
        let at = at_field.as_ref().and_then(|f| f.duration(errs));
        if let (Some(at), Some(prev), Some(af)) = (at, previous, at_field.as_ref())
            && at <= prev
        {
            af.error(
                errs,
                format!(
                    "phases must be in time order: {at} is not after the previous phase's {prev}"
                ),
                None,
            );
            ok = false;
        }
        if at.is_some() {
            previous = at;
        }
        let rate = t
            .required(errs, "rate")
            .and_then(|f| f.number_within(errs, limits::WORKLOAD_RATE));
        let ramp = match t.field("ramp") {
            Some(f) => f.duration(errs),
            None => Some(SimTime::ZERO),
        };
        match (at, rate, ramp) {
            (Some(at), Some(rate), Some(ramp)) => phases.push(Phase { at, rate, ramp }),
            _ => ok = false,
        }
    }
    ok.then_some(phases)
}

/// `x` with at most 9 decimals and no trailing zeros (for sums that floating
/// point makes ugly, like 0.8999999999999999).
pub(super) fn rounded(x: f64) -> String {
    let s = format!("{x:.9}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
