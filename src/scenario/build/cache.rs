//! A cache's own fields beyond its key store: `warm` (pre-filled with the most popular keys at the start), and `workers` and `queue` (its own throughput limit).

use toml::de::DeValue;

use crate::scenario::reader::{Errors, Table};
use crate::sim::limits::{LINE_CAPACITY, WARM_SHARE, WORKERS};

/// `warm`: `true` (the whole capacity), `false` (cold, the default) or the
/// share of the capacity filled at the start.
pub(super) fn read_warm(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> Option<f64> {
    let Some(f) = t.field("warm") else {
        return Some(0.0);
    };
    match f.get() {
        DeValue::Boolean(b) => Some(if *b { 1.0 } else { 0.0 }),
        DeValue::Integer(_) | DeValue::Float(_) => f.number_within(errs, WARM_SHARE),
        _ => {
            f.error(
                errs,
                format!(
                    "`warm` takes true, false or a share of the capacity, found {}",
                    crate::scenario::reader::type_name(f.get())
                ),
                Some("e.g. warm = true (full of the most popular keys) or warm = 0.5".into()),
            );
            None
        }
    }
}

/// `workers` (lookups served at once; absent: unlimited) and `queue`
/// (lookups that may wait for one; absent: unbounded), which needs
/// `workers`.
pub(super) fn read_workers(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
) -> Option<(Option<u32>, Option<u32>)> {
    let workers = match t.field("workers") {
        Some(f) => Some(f.count_within(errs, WORKERS)?),
        None => None,
    };
    let queue = match t.field("queue") {
        Some(f) if workers.is_none() => {
            f.error_at_key(
                errs,
                "`queue` needs `workers`: a cache without workers never makes a lookup wait",
                Some("add workers = N (lookups served at once), or remove `queue`".into()),
            );
            return None;
        }
        Some(f) => Some(f.count_within(errs, LINE_CAPACITY)?),
        None => None,
    };
    Some((workers, queue))
}
