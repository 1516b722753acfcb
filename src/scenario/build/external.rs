//! Reads a `kind = "external"` node: a third-party dependency's latency, error rate, rate limit and concurrency limit.

use crate::scenario::distribution;
use crate::scenario::reader::{Errors, Table};
use crate::sim::limits::{CONCURRENCY, ERROR_RATE, LIMITER_LIMIT, LIMITER_RATE};
use crate::sim::model::{ExternalSpec, NodeKind, RateLimit};

use super::nodes::default_burst;

pub(super) fn read_external(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> Option<NodeKind> {
    let latency = match t.field("latency") {
        Some(f) => distribution::read(errs, &f),
        None => {
            t.missing(
                errs,
                "latency",
                Some("how long the service takes to answer a call, e.g. latency = { dist = \"lognormal\", mean = \"200ms\", p99 = \"1s\" }".into()),
            );
            None
        }
    };
    let error_rate = match t.field("error_rate") {
        Some(f) => f.number_within(errs, ERROR_RATE),
        None => Some(0.0),
    };
    let rate = match t.field("rate_limit") {
        Some(f) => f.number_within(errs, LIMITER_RATE).map(Some),
        None => Some(None),
    };
    let burst = match (t.field("burst"), t.field("rate_limit")) {
        (Some(f), None) => {
            f.error_at_key(
                errs,
                "`burst` applies with `rate_limit` only",
                Some("give the calls per second it accepts, e.g. rate_limit = 100, or remove `burst`".into()),
            );
            None
        }
        (Some(f), Some(_)) => f.count_within(errs, LIMITER_LIMIT).map(Some),
        (None, _) => Some(None),
    };
    let concurrency = match t.field("concurrency") {
        Some(f) => f.count_within(errs, CONCURRENCY).map(Some),
        None => Some(None),
    };
    let rate_limit = rate?.map(|rate| RateLimit {
        rate,
        burst: burst.flatten().unwrap_or_else(|| default_burst(rate)),
    });
    burst?;
    Some(NodeKind::External(ExternalSpec {
        latency: latency?,
        error_rate: error_rate?,
        rate_limit,
        concurrency: concurrency?,
    }))
}
