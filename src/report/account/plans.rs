//! The ways to give a node the capacity it needs, in the knobs of its kind — replicas or workers for a service, read replicas, shards or workers for a database, consumers for a queue, workers for a cache — each with its bill, and only ways that add to what the design has.

use super::capacity::{Demand, Sizing};
use super::watch::{count, trim};

/// One way to give the node its capacity.
pub(super) struct Plan {
    /// The knobs it sets: (field, value).
    pub(super) sets: Vec<(&'static str, u32)>,
    /// `about 3 read replicas of 16 workers`.
    pub(super) words: String,
    /// `3 read replicas`, to say what it would cost.
    pub(super) short: String,
    /// What the node would cost, $/h.
    pub(super) cost: f64,
}

impl Plan {
    /// Whether it adds to the design: the capacity knob it sets first goes
    /// above what the design has (a plan of the design's own size is no
    /// advice), and any other it sets changes (read replicas dropped once
    /// shards take the reads).
    fn adds_to(&self, s: &Sizing) -> bool {
        let grows = |&(field, v): &(&str, u32)| s.now(field).is_none_or(|now| v > now);
        let moves = |&(field, v): &(&str, u32)| s.now(field).is_none_or(|now| v != now);
        self.sets.first().is_some_and(grows) && self.sets.iter().skip(1).all(moves)
    }
}

/// The ways for `s` to serve `busy` busy workers (of which `d` tells the
/// writes and reads) at a utilisation of `target`, with `units` replicas
/// of `per` workers now; none when the design has that much already.
pub(super) fn plans(d: &Demand, s: &Sizing, units: u32, per: u32, target: f64) -> Vec<Plan> {
    let need = (d.writes + d.reads) / target;
    let all = match s.kind {
        "database" => {
            s.db.map_or_else(Vec::new, |db| db_plans(d, db, per, s, target))
        }
        "queue" => vec![consumers_plan(need, s)],
        "service" => service_plans(need, units, per, s),
        _ => vec![workers_plan(need, units, s)],
    };
    all.into_iter().filter(|p| p.adds_to(s)).collect()
}

/// A service's ways: more replicas of the same size, or more workers on
/// each replica.
fn service_plans(need: f64, replicas: u32, per: u32, s: &Sizing) -> Vec<Plan> {
    let more = (need / f64::from(per)).ceil() as u32;
    vec![
        Plan {
            sets: vec![("replicas", more)],
            words: format!(
                "about {} workers ({more} replica{} × {per})",
                count(need.ceil()),
                plural(more)
            ),
            short: format!("{more} replica{}", plural(more)),
            cost: s.bill(more, per),
        },
        workers_plan(need, replicas, s),
    ]
}

/// More workers on each replica (or on the one instance).
fn workers_plan(need: f64, replicas: u32, s: &Sizing) -> Plan {
    let wider = (need / f64::from(replicas.max(1))).ceil() as u32;
    let (words, short) = if replicas > 1 {
        (
            format!("about {wider} workers on each of its {replicas} replicas"),
            format!("{wider} workers on each replica"),
        )
    } else {
        (format!("about {wider} workers"), format!("{wider} workers"))
    };
    Plan {
        sets: vec![("workers", wider)],
        words,
        short,
        cost: s.bill(replicas, wider),
    }
}

/// A queue's way: more consumers.
fn consumers_plan(need: f64, s: &Sizing) -> Plan {
    let more = need.ceil().max(1.0) as u32;
    Plan {
        sets: vec![("consumers", more)],
        words: format!("about {more} consumers"),
        short: format!("{more} consumers"),
        cost: s.bill(1, more),
    }
}

/// A database's ways: read replicas when its writes fit its primaries
/// and the design does not bound stale reads, shards when they do not
/// (read replicas do not take writes), or more workers per instance.
fn db_plans(d: &Demand, db: (u32, u32, f64, f64), per: u32, s: &Sizing, target: f64) -> Vec<Plan> {
    let (shards, rr, _, _) = db;
    let c = f64::from(per) * target;
    let up = |x: f64| x.ceil().max(1.0) as u32;
    let primary = if rr == 0 {
        d.writes + d.reads
    } else {
        d.writes
    };
    let split = format!(
        "{} busy workers of writes, {} of reads",
        trim(d.writes, 1),
        trim(d.reads, 1)
    );
    let mut plans = Vec::new();
    if d.writes / f64::from(shards) <= c && !s.fresh_reads {
        let more = up(d.reads / (f64::from(shards) * c)).max(rr);
        plans.push(Plan {
            sets: vec![("read_replicas", more)],
            words: format!(
                "about {more} read replicas of {per} workers (its writes fit its primary, and \
                 read replicas take the reads: {split})"
            ),
            short: format!("{more} read replicas"),
            cost: s.bill(shards * (1 + more), per),
        });
    }
    let by_writes = if rr == 0 {
        up(primary / c)
    } else {
        up(d.writes / c).max(up(d.reads / (c * f64::from(rr))))
    };
    let sh = by_writes.max(shards + 1);
    let why = if s.fresh_reads {
        "read replicas would serve stale reads"
    } else {
        "read replicas do not take writes"
    };
    // Primaries that can take the reads as well leave the read replicas
    // nothing to earn their keep with.
    if rr > 0 && (d.writes + d.reads) / f64::from(sh) <= c {
        plans.push(Plan {
            sets: vec![("shards", sh), ("read_replicas", 0)],
            words: format!(
                "about {sh} shards of {per} workers and no read replicas (read replicas do not \
                 take writes, and {sh} primaries take the reads as well: {split})"
            ),
            short: format!("{sh} shards without read replicas"),
            cost: s.bill(sh, per),
        });
    }
    plans.push(Plan {
        sets: vec![("shards", sh)],
        words: format!("about {sh} shards of {per} workers ({why}: {split})"),
        short: format!("{sh} shards"),
        cost: s.bill(sh * (1 + rr), per),
    });
    let on_replicas = if rr > 0 {
        d.reads / f64::from(shards * rr)
    } else {
        0.0
    };
    let busiest = (primary / f64::from(shards)).max(on_replicas);
    let wider = up(busiest / target);
    plans.push(Plan {
        sets: vec![("workers", wider)],
        words: format!("about {wider} workers per instance ({split})"),
        short: format!("{wider} workers per instance"),
        cost: s.bill(shards * (1 + rr), wider),
    });
    plans
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}
