//! How much capacity the node that gave way needs: the demand sent its way (counting what was turned away upstream), in the knob that takes it (shards for writes, read replicas for reads), and whether a level leaves room for it.

use super::room::Room;
use super::watch::{count, per_s, trim};
use crate::report::topology::{OfferedLoad, offered_load, targets};
use crate::sim::Summary;
use crate::sim::metrics::NodeSummary;
use crate::sim::model::{Model, NodeKind};

/// The utilisation a suggestion sizes capacity for.
const TARGET_UTILISATION: f64 = 0.7;
/// Busier targets tried, in order, when a level has no room for the first:
/// a queue still works there, with longer waits.
const TIGHTER_TARGETS: [f64; 2] = [0.8, 0.9];

/// What the account keeps of a node to size it: the load its workloads
/// send its way, the nodes upstream of it, and its make-up and price.
#[derive(Clone, Debug)]
pub(super) struct Sizing {
    path: OfferedLoad,
    upstream: Vec<usize>,
    kind: &'static str,
    /// A database: shards, read replicas, mean read and write work (s).
    db: Option<(u32, u32, f64, f64)>,
    price: f64,
    cost_unit: u64,
    /// A service: its own mean work per visit (s) and the nodes it calls.
    own: Option<(f64, Vec<String>)>,
}

impl Sizing {
    /// One per node, in model order.
    pub(super) fn of(model: &Model) -> Vec<Sizing> {
        let path = offered_load(model);
        let outs: Vec<Vec<usize>> = model.nodes.iter().map(|n| targets(&n.kind)).collect();
        model
            .nodes
            .iter()
            .enumerate()
            .map(|(k, n)| Sizing {
                path: path.get(k).copied().unwrap_or_default(),
                upstream: upstream_of(&outs, k),
                kind: n.kind.name(),
                db: match &n.kind {
                    NodeKind::Database(d) => Some((
                        d.shards.max(1),
                        d.read_replicas,
                        d.service_time.mean(),
                        d.write_service_time.unwrap_or(d.service_time).mean(),
                    )),
                    _ => None,
                },
                price: n.cost_per_hour,
                cost_unit: n.cost_unit,
                own: match &n.kind {
                    NodeKind::Service(sv) => Some((
                        sv.service_time.mean(),
                        (outs.get(k).into_iter().flatten())
                            .filter_map(|&t| model.nodes.get(t).map(|m| m.id.clone()))
                            .collect(),
                    )),
                    _ => None,
                },
            })
            .collect()
    }
}

/// The nodes from which `k` can be reached, in model order.
fn upstream_of(outs: &[Vec<usize>], k: usize) -> Vec<usize> {
    let mut seen = vec![false; outs.len()];
    let mut stack = vec![k];
    while let Some(t) = stack.pop() {
        for (i, o) in outs.iter().enumerate() {
            if o.contains(&t) && !seen[i] && i != k {
                seen[i] = true;
                stack.push(i);
            }
        }
    }
    (0..outs.len()).filter(|&i| seen[i]).collect()
}

/// The work sent to a node, in busy workers, and how it is known.
struct Demand {
    /// Busy workers of writes and of reads (a node other than a database:
    /// all of it as `reads`).
    writes: f64,
    reads: f64,
    /// Busy seconds per visit that started, as measured.
    per_visit: f64,
    /// The sentence telling where the figure comes from.
    told: String,
}

/// One way to give the node its capacity.
pub(super) struct Plan {
    /// The knobs it sets: (field, value).
    pub(super) sets: Vec<(&'static str, u32)>,
    /// `about 3 read replicas of 16 workers`.
    words: String,
    /// `3 read replicas`, to say what it would cost.
    pub(super) short: String,
    /// What the node would cost, $/h.
    cost: f64,
}

/// "give db more capacity: 4 000/s are sent its way …; for a utilisation
/// of 0.7 it needs about …", or, in a level that leaves no room for it,
/// why more capacity is not the fix.
pub(super) fn capacity(
    n: &NodeSummary,
    k: usize,
    sizing: &[Sizing],
    summary: &Summary,
    room: Option<&Room>,
) -> Option<String> {
    let s = sizing.get(k)?;
    let servers = f64::from(n.workers?);
    let units = f64::from(n.replicas.unwrap_or(1).max(1));
    let demand = demand(n, s, summary)?;
    let busy = demand.writes + demand.reads;
    if (busy / TARGET_UTILISATION).ceil() <= servers {
        return None;
    }
    let per = (servers / units).round().max(1.0) as u32;
    let plans_at = |target: f64| match s.db {
        Some(db) => db_plans(&demand, db, per, s, target),
        None => service_plans(busy / target, units as u32, per, s),
    };
    let plans = plans_at(TARGET_UTILISATION);
    let head = format!(
        "{}; that is {} busy workers of work and it has {}{}",
        demand.told,
        trim(demand.writes + demand.reads, 1),
        count(servers),
        waiting(s, demand.per_visit)
    );
    let others = summary.cost_per_hour - n.cost_per_hour;
    let Some(room) = room else {
        let first = plans.first()?;
        return Some(format!(
            "give {} more capacity: {head}; for a utilisation of {TARGET_UTILISATION} it needs \
             {}, or less work per visit (a cache in front, fewer calls)",
            n.id, first.words
        ));
    };
    let plan_cost = |p: &Plan| others + p.cost;
    let fits = |plans: &[Plan]| {
        plans
            .iter()
            .find(|p| room.blocks(&n.id, s.kind, p, plan_cost(p)).is_none())
            .map(|p| p.words.clone())
    };
    if let Some(words) = fits(&plans) {
        return Some(format!(
            "give {} more capacity: {head}; for a utilisation of {TARGET_UTILISATION} it needs \
             {words}, within the level's limits and budget",
            n.id
        ));
    }
    // A busier target the level has room for: the right size, just.
    for target in TIGHTER_TARGETS {
        if let Some(words) = fits(&plans_at(target)) {
            return Some(format!(
                "give {} more capacity: {head}; the budget has no room for a utilisation of \
                 {TARGET_UTILISATION}, but at {target} it needs {words}, within the level's \
                 limits and budget",
                n.id
            ));
        }
    }
    let why: Vec<String> = plans
        .iter()
        .filter_map(|p| room.blocks(&n.id, s.kind, p, plan_cost(p)))
        .collect();
    Some(format!(
        "more capacity cannot fix {} within the level: {head}. {}. Look for less work per \
         visit instead — a cache in front, fewer or batched calls",
        n.id,
        why.join("; ")
    ))
}

/// ", but of its 309 ms per visit only 5 ms is its own work, the rest
/// waiting on its calls (db)": more workers would mostly wait too.
fn waiting(s: &Sizing, per_visit: f64) -> String {
    match &s.own {
        Some((own, callees)) if !callees.is_empty() && own * 2.0 < per_visit => format!(
            ", but of its {} ms per visit only {} ms is its own work, the rest waiting on its \
             calls ({})",
            trim(per_visit * 1000.0, 1),
            trim(own * 1000.0, 2),
            callees.join(", ")
        ),
        _ => String::new(),
    }
}

/// The node's demand: what its workloads send its way when that is known
/// (requests turned away upstream count), else what reached it — then
/// "at least", naming the requests that failed upstream.
fn demand(n: &NodeSummary, s: &Sizing, summary: &Summary) -> Option<Demand> {
    let measured = summary.measured.as_secs_f64();
    if n.started == 0 || measured <= 0.0 {
        return None;
    }
    let reached = n.counts.arrived as f64 / measured;
    let sent = s.path.reads + s.path.writes;
    // Work per visit that started, times what reached it (a saturated
    // node starts fewer than arrive).
    let per_visit = n.utilisation? * f64::from(n.workers?) * measured / n.started as f64;
    let busy = reached * per_visit;
    if !s.path.upper_bound && sent > reached * 1.02 {
        let (writes, reads) = match s.db {
            Some((_, _, read, write)) => (s.path.writes * write, s.path.reads * read),
            None => (0.0, sent * per_visit),
        };
        let mix = match s.db {
            Some(_) => format!(
                " ({} reads/s, {} writes/s)",
                count(s.path.reads),
                count(s.path.writes)
            ),
            None => String::new(),
        };
        let told = format!(
            "{}{mix} are sent its way but only {} reached it, the rest turned away or timed \
             out upstream",
            per_s(sent),
            per_s(reached)
        );
        return Some(Demand {
            writes,
            reads,
            per_visit,
            told,
        });
    }
    let share = write_share(n, s);
    let mut told = format!("it was offered {}", per_s(reached));
    let lost = failed_upstream(s, summary);
    if !lost.is_empty() {
        let total: u64 = lost.iter().map(|l| l.1).sum();
        let names: Vec<&str> = lost.iter().map(|l| l.0.as_str()).collect();
        told = format!(
            "it was offered at least {}: {} requests failed upstream (turned away or timed \
             out at {}), some never reaching it, so the real demand is higher",
            per_s(reached),
            count(total as f64),
            names.join(", ")
        );
        if s.path.upper_bound && sent > reached {
            told.push_str(&format!(" (up to {} are sent its way)", per_s(sent)));
        }
    }
    Some(Demand {
        writes: busy * share,
        reads: busy * (1.0 - share),
        per_visit,
        told,
    })
}

/// The share of a database's work that is writes: from its instances'
/// utilisation when reads have replicas of their own, else from the mix
/// sent its way; 0 for the other kinds.
fn write_share(n: &NodeSummary, s: &Sizing) -> f64 {
    let Some((shards, rr, read, write)) = s.db else {
        return 0.0;
    };
    let per = (1 + rr) as usize;
    if rr > 0 && n.replica_utilisation.len() == shards as usize * per {
        let us: Vec<f64> = n
            .replica_utilisation
            .iter()
            .map(|u| u.unwrap_or(0.0))
            .collect();
        let primaries: f64 = us.iter().step_by(per).sum();
        let all: f64 = us.iter().sum();
        return if all > 0.0 { primaries / all } else { 1.0 };
    }
    let (w, r) = (s.path.writes * write, s.path.reads * read);
    if w + r > 0.0 { w / (w + r) } else { 1.0 }
}

/// The nodes upstream that turned requests away or timed them out, with
/// how many.
fn failed_upstream(s: &Sizing, summary: &Summary) -> Vec<(String, u64)> {
    s.upstream
        .iter()
        .filter_map(|&i| summary.nodes.get(i))
        .map(|u| {
            let c = &u.counts;
            (u.id.clone(), c.rejected + c.shed + c.timed_out)
        })
        .filter(|l| l.1 > 0)
        .collect()
}

/// A service's ways: more replicas of the same size, or more workers on
/// each replica.
fn service_plans(need: f64, replicas: u32, per: u32, s: &Sizing) -> Vec<Plan> {
    let more = (need / f64::from(per)).ceil() as u32;
    let wider = (need / f64::from(replicas.max(1))).ceil() as u32;
    vec![
        Plan {
            sets: vec![("replicas", more)],
            words: format!(
                "about {} workers ({more} replicas × {per})",
                count(need.ceil())
            ),
            short: format!("{more} replicas"),
            cost: s.bill(more, per),
        },
        Plan {
            sets: vec![("workers", wider)],
            words: format!("about {wider} workers on each of its {replicas} replicas"),
            short: format!("{wider} workers on each replica"),
            cost: s.bill(replicas, wider),
        },
    ]
}

/// A database's ways: read replicas when its writes fit its primaries,
/// shards when they do not (read replicas do not take writes), or more
/// workers per instance.
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
    if d.writes / f64::from(shards) <= c {
        let more = up(d.reads / (f64::from(shards) * c)).max(rr);
        plans.push(Plan {
            sets: vec![("read_replicas", more)],
            words: format!(
                "reads can go to read replicas and its writes fit its primary ({split}): about \
                 {more} read replicas of {per} workers"
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
    plans.push(Plan {
        sets: vec![("shards", sh)],
        words: format!(
            "shards, as read replicas do not take writes ({split}): about {sh} shards of {per} \
             workers"
        ),
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

impl Sizing {
    /// What `instances` of `workers` each cost, $/h.
    fn bill(&self, instances: u32, workers: u32) -> f64 {
        if self.cost_unit == 0 {
            return self.price;
        }
        let units = u64::from(workers).div_ceil(self.cost_unit);
        f64::from(instances) * units as f64 * self.price
    }
}
