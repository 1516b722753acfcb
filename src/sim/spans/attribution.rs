//! Splits a sampled request's latency over (hop, phase), exactly: each instant goes to the deepest hop at work on the request then.
//!
//! From creation to answer, an instant belongs to the root hop covering
//! it; within a hop, to its own phase, except while it waits on calls,
//! where it goes (recursively) to the callee covering it; of parallel
//! callees, the one that ends last. Abandoned attempts count as their
//! caller's `timeout`. What no hop covers is `(None, Other)`. The parts
//! add up to the latency to the nanosecond.

use std::collections::BTreeMap;

use super::{Phase, RequestSpans};
use crate::sim::time::SimTime;

/// Nanoseconds per (hop index, or `None` for no hop; phase).
pub type Breakdown = BTreeMap<(Option<u32>, Phase), u64>;

/// The request's latency split over its hops and phases.
pub fn attribute(r: &RequestSpans) -> Breakdown {
    let mut out = Breakdown::new();
    let roots: Vec<u32> = children(r, None);
    cover(
        r,
        &roots,
        (r.created, r.end),
        (None, Phase::Other),
        &mut out,
    );
    out
}

/// The hops called by `parent` (`None`: the roots), not abandoned.
fn children(r: &RequestSpans, parent: Option<u32>) -> Vec<u32> {
    (0..r.hops.len() as u32)
        .filter(|&h| {
            let hop = &r.hops[h as usize];
            hop.parent == parent && !hop.abandoned && hop.end > hop.start
        })
        .collect()
}

/// Gives each instant of [a, b) to the candidate hop covering it (the
/// one ending last, then the first), or to `fallback`.
fn cover(
    r: &RequestSpans,
    cands: &[u32],
    (a, b): (SimTime, SimTime),
    fallback: (Option<u32>, Phase),
    out: &mut Breakdown,
) {
    if b <= a {
        return;
    }
    let mut cuts = vec![a, b];
    for &h in cands {
        let hop = &r.hops[h as usize];
        cuts.extend([hop.start, hop.end].into_iter().filter(|&t| t > a && t < b));
    }
    cuts.sort_unstable();
    cuts.dedup();
    for w in cuts.windows(2) {
        let (x, y) = (w[0], w[1]);
        let pick = cands
            .iter()
            .copied()
            .filter(|&h| r.hops[h as usize].start <= x && r.hops[h as usize].end >= y)
            .max_by_key(|&h| (r.hops[h as usize].end, std::cmp::Reverse(h)));
        match pick {
            Some(h) => within_hop(r, h, (x, y), out),
            None => *out.entry(fallback).or_default() += y.0 - x.0,
        }
    }
}

/// Gives [x, y), inside hop `h`, to `h`'s phases (its calls to its callees).
fn within_hop(r: &RequestSpans, h: u32, (x, y): (SimTime, SimTime), out: &mut Breakdown) {
    let mut covered = 0;
    for s in r.segments.iter().filter(|s| s.hop == h) {
        let (a, b) = (s.start.max(x), s.end.min(y));
        if b <= a {
            continue;
        }
        covered += b.0 - a.0;
        if s.phase == Phase::Calls {
            let callees = children(r, Some(h));
            cover(r, &callees, (a, b), (Some(h), Phase::Calls), out);
        } else {
            *out.entry((Some(h), s.phase)).or_default() += b.0 - a.0;
        }
    }
    // Segments of one hop never overlap; a gap (none expected) is `other`.
    let gap = (y.0 - x.0).saturating_sub(covered);
    if gap > 0 {
        *out.entry((Some(h), Phase::Other)).or_default() += gap;
    }
}
