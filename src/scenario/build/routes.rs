//! Probabilistic forwarding: the `p` of a service's routes, each in (0, 1], given on every route or none, and adding up to at most 1 for each request type (plain reads, plain writes, each class a route names).

use crate::scenario::graph::NodeIds;
use crate::scenario::reader::{Errors, Field, show};
use crate::sim::limits::ROUTE_SHARE;
use crate::sim::model::{RequestKind, Route, When};

/// Reads each route's `p` (`shares[k]`, the field of `items[k]`, if any)
/// into `routes`. `None` when anything was reported.
pub(super) fn read_shares(
    errs: &mut Errors<'_>,
    items: &[Field<'_, '_>],
    shares: &[Option<Field<'_, '_>>],
    mut routes: Vec<Route>,
    ids: &NodeIds,
) -> Option<Vec<Route>> {
    if shares.iter().all(Option::is_none) {
        return Some(routes);
    }
    let mut ok = true;
    for ((route, share), item) in routes.iter_mut().zip(shares).zip(items) {
        match share {
            Some(f) => match f.number_within(errs, ROUTE_SHARE) {
                Some(p) => route.p = Some(p),
                None => ok = false,
            },
            None => {
                item.error(
                    errs,
                    "give every route a `p`, or none",
                    Some(
                        "with `p` the routes split the requests by probability: e.g. to = [ { to = \"a\", p = 0.3 }, { to = \"b\", p = 0.7 } ]"
                            .into(),
                    ),
                );
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    // Each sort of request: plain reads and writes, and each class a
    // route names (with its op).
    let mut sorts = vec![(RequestKind::Read, None), (RequestKind::Write, None)];
    for r in &routes {
        if let Some(When::Class(c)) = r.when
            && let Some(op) = ids.class_op(usize::from(c))
            && !sorts.contains(&(op, Some(c)))
        {
            sorts.push((op, Some(c)));
        }
    }
    for (kind, class) in sorts {
        let sum: f64 = routes
            .iter()
            .filter(|r| r.matches(kind, class))
            .filter_map(|r| r.p)
            .sum();
        if sum > 1.0 + 1e-9 {
            let at = (routes.iter())
                .rposition(|r| r.matches(kind, class))
                .unwrap_or(0);
            let f = shares
                .get(at)
                .and_then(Option::as_ref)
                .unwrap_or(&items[at]);
            let sort = match class {
                Some(c) => format!("`{}`", ids.class_name(usize::from(c)).unwrap_or("?")),
                None => kind.name().to_string(),
            };
            f.error(
                errs,
                format!(
                    "the `p` of the routes a {sort} takes add up to {}, more than 1",
                    show(sum)
                ),
                Some(
                    "each request takes one route at most: the shares of the routes it matches sum to 1 or less (the rest is answered here)"
                        .into(),
                ),
            );
            return None;
        }
    }
    Some(routes)
}
