//! How much capacity the node that gave way needs: the demand sent its way (counting what was turned away upstream, past the caches before it at their hit ratios in the run (see `in_front`), and its busiest few seconds when they stand well above the average), in the knobs of its kind (see `plans`), and whether a level leaves room for it; when it does not, or when more of it would only wait on a saturated callee, where to look instead (see `elsewhere`).

use super::Account;
use super::autoscaled::autoscaled;
use super::elsewhere::{Near, instead, more_hits};
use super::in_front::{and_list, cache_to_add, caches_in_front, sent_past};
use super::peak::PEAK_SPAN;
use super::plans::{Plan, plans};
use super::room::Room;
use super::watch::{Trouble, count, per_s, seconds_text, trim};
use crate::report::topology::{OfferedLoad, offered_load, targets};
use crate::sim::metrics::NodeSummary;
use crate::sim::model::{Model, NodeKind, ObjectiveMetric};
use crate::sim::{SimTime, Summary};
use std::sync::{Arc, OnceLock};

/// The utilisation a suggestion sizes capacity for.
const TARGET_UTILISATION: f64 = 0.7;
/// Busier targets tried, in order, when a level has no room for the first:
/// a queue still works there, with longer waits.
const TIGHTER_TARGETS: [f64; 2] = [0.8, 0.9];
/// A busiest stretch this much above the run's average is a peak to size
/// for (below it, the noise of a steady rate).
const PEAK_MATTERS: f64 = 1.25;
/// How advice begins when the level leaves a node no room to grow.
pub(super) const NO_ROOM: &str = "more capacity cannot fix";

/// What the account keeps of a node to size it: the load its workloads
/// send its way, the nodes around it, its make-up, what it has and its
/// price.
#[derive(Clone, Debug)]
pub(super) struct Sizing {
    path: OfferedLoad,
    /// The nodes from which it can be reached, in model order: found on
    /// first use (`upstream`), from `feeds`.
    upstream: OnceLock<Vec<usize>>,
    /// Each node's feeders (shared by every node's `Sizing`).
    feeds: Arc<Vec<Vec<usize>>>,
    at: usize,
    /// The nodes it sends to (through a load balancer: its service).
    pub(super) callees: Vec<usize>,
    /// The caches right in front of it.
    pub(super) in_front: Vec<usize>,
    pub(super) kind: &'static str,
    /// A database: shards, read replicas, mean read and write work (s).
    pub(super) db: Option<(u32, u32, f64, f64)>,
    /// The design bounds its stale reads: read replicas are no way to
    /// more capacity (they serve reads the writes have not reached).
    pub(super) fresh_reads: bool,
    price: f64,
    cost_unit: u64,
    /// A service: its own mean work per visit (s) and the nodes it calls.
    own: Option<(f64, Vec<String>)>,
    /// Its capacity knobs as the design sets them: (field, value).
    now: Vec<(&'static str, u32)>,
    /// An autoscaled service: its most replicas, how often the autoscaler
    /// looks, how long after acting it may act again, and a new replica's
    /// cold start.
    pub(super) autoscale: Option<(u32, SimTime, SimTime, SimTime)>,
}

impl Sizing {
    /// One per node, in model order.
    pub(super) fn of(model: &Model) -> Vec<Sizing> {
        let path = offered_load(model);
        let outs: Vec<Vec<usize>> = model.nodes.iter().map(|n| targets(&n.kind)).collect();
        let feeds = Arc::new(feeders(&outs));
        model
            .nodes
            .iter()
            .enumerate()
            .map(|(k, n)| Sizing {
                path: path.get(k).copied().unwrap_or_default(),
                upstream: OnceLock::new(),
                feeds: Arc::clone(&feeds),
                at: k,
                callees: callees_of(model, &outs, k),
                in_front: caches_in_front(model, &feeds, k),
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
                fresh_reads: (model.objectives.iter())
                    .any(|o| o.metric == ObjectiveMetric::StaleReads),
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
                now: knobs(&n.kind),
                autoscale: match &n.kind {
                    NodeKind::Service(sv) => (sv.autoscale.as_ref())
                        .map(|a| (a.max, a.interval, a.cooldown, a.cold_start)),
                    _ => None,
                },
            })
            .collect()
    }

    /// The nodes from which this one can be reached, in model order.
    pub(super) fn upstream(&self) -> &[usize] {
        self.upstream
            .get_or_init(|| upstream_of(&self.feeds, self.at))
    }

    /// The design's value of capacity knob `field`, when it has one.
    pub(super) fn now(&self, field: &str) -> Option<u32> {
        self.now.iter().find(|k| k.0 == field).map(|k| k.1)
    }

    /// What `instances` of `workers` each cost, $/h.
    pub(super) fn bill(&self, instances: u32, workers: u32) -> f64 {
        if self.cost_unit == 0 {
            return self.price;
        }
        let units = u64::from(workers).div_ceil(self.cost_unit);
        f64::from(instances) * units as f64 * self.price
    }
}

/// A node's capacity knobs and their values.
fn knobs(kind: &NodeKind) -> Vec<(&'static str, u32)> {
    match kind {
        NodeKind::Service(s) => vec![("replicas", s.replicas), ("workers", s.workers)],
        NodeKind::Database(d) => vec![
            ("shards", d.shards.max(1)),
            ("read_replicas", d.read_replicas),
            ("workers", d.workers),
        ],
        NodeKind::Queue(q) => vec![("consumers", q.consumers)],
        NodeKind::Cache(c) => c.workers.map(|w| ("workers", w)).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Each node's feeders: the nodes that send to it (not itself), each
/// once, in model order.
pub(super) fn feeders(outs: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut feeds = vec![Vec::new(); outs.len()];
    for (i, o) in outs.iter().enumerate() {
        for &t in o {
            let f: &mut Vec<usize> = match feeds.get_mut(t) {
                Some(f) => f,
                None => continue,
            };
            if t != i && f.last() != Some(&i) {
                f.push(i);
            }
        }
    }
    feeds
}

/// The nodes from which `k` can be reached, in model order: a walk
/// back along `feeds` (it scanned every node's targets at each step,
/// cubic in a chain's length).
fn upstream_of(feeds: &[Vec<usize>], k: usize) -> Vec<usize> {
    let mut seen = vec![false; feeds.len()];
    let mut stack = vec![k];
    while let Some(t) = stack.pop() {
        for &i in feeds.get(t).into_iter().flatten() {
            if !seen[i] && i != k {
                seen[i] = true;
                stack.push(i);
            }
        }
    }
    (0..feeds.len()).filter(|&i| seen[i]).collect()
}

/// The nodes `k` sends to, and behind a load balancer its service.
fn callees_of(model: &Model, outs: &[Vec<usize>], k: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for &t in outs.get(k).into_iter().flatten() {
        out.push(t);
        if let Some(NodeKind::LoadBalancer(lb)) = model.nodes.get(t).map(|n| &n.kind) {
            out.push(lb.to);
        }
    }
    out
}

/// The work sent to a node, in busy workers, and how it is known.
pub(super) struct Demand {
    /// Busy workers of writes and of reads (a node other than a database:
    /// all of it as `reads`).
    pub(super) writes: f64,
    pub(super) reads: f64,
    /// Busy seconds per visit that started, as measured.
    per_visit: f64,
    /// The sentence telling where the figure comes from.
    told: String,
    /// Sized for its busiest few seconds rather than the average.
    peaked: bool,
}

impl Demand {
    /// The same demand at the node's busiest stretch (`rate` per second
    /// from `from`), when that stands well above the `reached` average
    /// and above what the figure counts already.
    fn at_peak(mut self, (rate, from): (f64, SimTime), reached: f64) -> Demand {
        let busy = self.writes + self.reads;
        let at_peak = rate * self.per_visit;
        if busy <= 0.0 || rate < PEAK_MATTERS * reached || at_peak <= busy {
            return self;
        }
        let f = at_peak / busy;
        self.writes *= f;
        self.reads *= f;
        self.peaked = true;
        self.told.push_str(&format!(
            " on average, and {} at its peak (the {} from {})",
            per_s(rate),
            seconds_text(PEAK_SPAN.as_secs_f64()),
            seconds_text(from.as_secs_f64())
        ));
        self
    }
}

/// "give db more capacity: 4 000/s are sent its way …; for a utilisation
/// of 0.7 it needs about …", or, in a level that leaves no room for it,
/// why more capacity is not the fix and where to look instead.
pub(super) fn capacity(
    n: &NodeSummary,
    k: usize,
    account: &Account,
    summary: &Summary,
) -> Option<String> {
    capacity_at(n, k, account, summary, 0)
}

/// How deep `stuck` follows saturated callees for their own advice.
const CALLEE_DEPTH: u32 = 3;

/// `capacity`, `depth` callees down from the node that gave way.
fn capacity_at(
    n: &NodeSummary,
    k: usize,
    account: &Account,
    summary: &Summary,
    depth: u32,
) -> Option<String> {
    let s = account.sizing.get(k)?;
    let servers = f64::from(n.workers?);
    let mut demand = demand(n, s, summary, sent(account, k, summary))?;
    if let Some(peak) = account.node(&n.id).and_then(|w| w.peak.rate()) {
        let reached = n.counts.arrived as f64 / summary.measured.as_secs_f64();
        demand = demand.at_peak(peak, reached);
    }
    let busy = demand.writes + demand.reads;
    if (busy / TARGET_UTILISATION).ceil() <= servers && !primary_full(n, s, &demand) {
        return None;
    }
    let head = head(s, &demand, servers);
    let (upstream, callees) = (ids(s.upstream(), summary), ids(&s.callees, summary));
    let in_front = ids(&s.in_front, summary);
    let near = Near {
        upstream: &upstream,
        callees: &callees,
        in_front: &in_front,
    };
    let room = account.room.as_ref();
    let elsewhere = instead(room, &n.id, near);
    let waits = Waits {
        per_visit: demand.per_visit,
        callees: &callees,
        depth,
    };
    if let Some((text, fix)) = stuck(&n.id, s, account, summary, &waits, &head) {
        return Some(format!("{text} {}", fix.unwrap_or(elsewhere)));
    }
    if let Some(text) = autoscaled(&n.id, s, busy / TARGET_UTILISATION, &head, room) {
        return Some(text);
    }
    let units = n.replicas.unwrap_or(1).max(1);
    let per = (servers / f64::from(units)).round().max(1.0) as u32;
    let plans_at = |target: f64| plans(&demand, s, units, per, target);
    let Some(room) = room else {
        let first = plans_at(TARGET_UTILISATION).into_iter().next()?;
        let cache = cache_to_add(&in_front).unwrap_or_else(|| more_hits(&in_front));
        return Some(format!(
            "give {} more capacity: {head}; for a utilisation of {TARGET_UTILISATION} it needs \
             {}, or less work per visit: {cache}, fewer calls",
            n.id, first.words
        ));
    };
    let others = summary.cost_per_hour - n.cost_per_hour;
    let fit = Fit {
        room,
        id: &n.id,
        s,
        others,
    };
    Some(fit.advice(&plans_at, &head, servers, &elsewhere))
}

/// A database whose primaries cannot take their writes (and, without
/// read replicas, their reads) however idle its read replicas are.
fn primary_full(n: &NodeSummary, s: &Sizing, demand: &Demand) -> bool {
    let (Some((shards, rr, _, _)), Some(workers)) = (s.db, n.workers) else {
        return false;
    };
    let instances = f64::from(shards.max(1) * (1 + rr));
    let per = f64::from(workers) / instances;
    let on_primaries = if rr == 0 {
        demand.writes + demand.reads
    } else {
        demand.writes
    };
    (on_primaries / f64::from(shards.max(1)) / TARGET_UTILISATION).ceil() > per
}

/// "it was offered 2 000/s; that is 259.5 busy workers of work and it
/// has 200": the demand against what the node has.
fn head(s: &Sizing, demand: &Demand, servers: f64) -> String {
    format!(
        "{}; that is {} busy workers of work{} and it {} {}{}",
        demand.told,
        trim(demand.writes + demand.reads, 1),
        if demand.peaked { " at the peak" } else { "" },
        if s.autoscale.is_some() {
            "ended the run with"
        } else {
            "has"
        },
        count(servers),
        waiting(s, demand.per_visit)
    )
}

/// The ids of nodes `ks`.
fn ids<'a>(ks: &[usize], summary: &'a Summary) -> Vec<&'a str> {
    ks.iter()
        .filter_map(|&i| summary.nodes.get(i).map(|m| m.id.as_str()))
        .collect()
}

/// A level's room for the plans of one node, whose bill is added to the
/// `others` nodes' ($/h).
struct Fit<'a> {
    room: &'a Room,
    id: &'a str,
    s: &'a Sizing,
    others: f64,
}

impl Fit<'_> {
    /// Why `p` is out of the level's reach, or `None` when it fits.
    fn blocks(&self, p: &Plan) -> Option<String> {
        (self.room).blocks(self.id, self.s.kind, p, self.others + p.cost)
    }

    /// The first of `plans` the level has room for, in words.
    fn first(&self, plans: &[Plan]) -> Option<String> {
        plans
            .iter()
            .find(|p| self.blocks(p).is_none())
            .map(|p| p.words.clone())
    }

    /// The plan at the target the level has room for (0.7, else 0.8 or
    /// 0.9: the right size, just), or why none fits and where to look.
    fn advice(
        &self,
        plans_at: &dyn Fn(f64) -> Vec<Plan>,
        head: &str,
        servers: f64,
        elsewhere: &str,
    ) -> String {
        let id = self.id;
        let mut enough = None;
        for target in std::iter::once(TARGET_UTILISATION).chain(TIGHTER_TARGETS) {
            let plans = plans_at(target);
            if plans.is_empty() {
                enough = Some(format!(
                    "at a utilisation of {target} its {} workers are enough already",
                    count(servers)
                ));
                break;
            }
            let Some(words) = self.first(&plans) else {
                continue;
            };
            return if target == TARGET_UTILISATION {
                format!(
                    "give {id} more capacity: {head}; for a utilisation of {target} it needs \
                     {words}, within the level's limits and budget"
                )
            } else {
                format!(
                    "give {id} more capacity: {head}; the budget has no room for a utilisation \
                     of {TARGET_UTILISATION}, but at {target} it needs {words}, within the \
                     level's limits and budget"
                )
            };
        }
        let mut why: Vec<String> = (plans_at(TARGET_UTILISATION).iter())
            .filter_map(|p| self.blocks(p))
            .collect();
        // A tighter fit the level would allow but for another limit (3
        // read replicas at 0.8, over the budget): said too, or "4 would
        // pass the max of 3" reads as if 3 could not carry the load.
        for target in TIGHTER_TARGETS {
            let tight = plans_at(target);
            if let Some(block) = tight.first().and_then(|p| self.blocks(p))
                && !block.contains(" is locked (")
                && !why.iter().any(|w| w.ends_with(&block))
            {
                why.push(format!("at a utilisation of {target}, {block}"));
            }
        }
        why.extend(enough);
        // Two plans blocked by one locked field say it once.
        let mut seen = std::collections::HashSet::new();
        why.retain(|w| seen.insert(w.clone()));
        format!(
            "{NO_ROOM} {id} within the level: {head}. {}. {elsewhere}",
            why.join("; ")
        )
    }
}

/// What a node waits on: its time per visit, its callees, and how many
/// callees down the advice is already.
struct Waits<'a> {
    per_visit: f64,
    callees: &'a [&'a str],
    depth: u32,
}

/// "more capacity is not the fix for gateway: … and reports saturated
/// itself (from 10 s): more gateway workers would wait on it too", when
/// the node mostly waits on its calls and one of its callees gave way —
/// as a whole, or in an instance busy all run (a database's read replica
/// while its primary idles) — with the capacity that callee needs when
/// the level has room for it.
fn stuck(
    id: &str,
    s: &Sizing,
    account: &Account,
    summary: &Summary,
    waits: &Waits<'_>,
    head: &str,
) -> Option<(String, Option<String>)> {
    let (own, _) = s.own.as_ref()?;
    if own * 2.0 >= waits.per_visit {
        return None;
    }
    let fix = |c: &str| {
        let (k, n) = node_of(summary, c).filter(|_| waits.depth < CALLEE_DEPTH)?;
        capacity_at(n, k, account, summary, waits.depth + 1)
            .filter(|t| t.starts_with("give "))
            .map(|t| format!("Instead, {t}"))
    };
    // A callee saturated as a whole; or one with instances busy all run
    // (not as a whole) whose capacity the level has room for: then that is
    // the fix to name (8.1's read replicas, busy because of its N+1 calls,
    // have none: there the calls are the fix).
    let (callee, how, fix) = waits.callees.iter().find_map(|c| {
        if let Some(i) = account.node(c).and_then(|w| w.first(Trouble::Saturated)) {
            let how = format!(
                "saturated itself (from {})",
                seconds_text(i.at.as_secs_f64())
            );
            return Some((*c, how, fix(c)));
        }
        let (_, node) = node_of(summary, c)?;
        let how = busy_instances(node, account, summary)?;
        Some((*c, how, Some(fix(c)?)))
    })?;
    let calls = account
        .room
        .as_ref()
        .is_none_or(|r| r.lock_reason(id, "calls").is_none());
    let cap = if calls {
        format!(
            " Cap what the calls to {callee} may hold — a pool on the call (a bulkhead) — so \
             its other calls keep their workers (a shorter timeout frees them too, but fails \
             every call slower than it)."
        )
    } else {
        String::new()
    };
    Some((
        format!(
            "more capacity is not the fix for {id}: {head}; and {callee} {how}: more {id} \
             workers would wait on it too.{cap}"
        ),
        fix,
    ))
}

/// Node `id` of the summary, with its index.
fn node_of<'a>(summary: &'a Summary, id: &str) -> Option<(usize, &'a NodeSummary)> {
    summary.nodes.iter().enumerate().find(|(_, n)| n.id == id)
}

/// "had its read replica busy 100 % of the run (its primary 37 %)": a node
/// whose instances, taken together, were not saturated, while some of them
/// were busy all run.
fn busy_instances(n: &NodeSummary, account: &Account, summary: &Summary) -> Option<String> {
    let us: Vec<f64> = n
        .replica_utilisation
        .iter()
        .map(|u| u.unwrap_or(0.0))
        .collect();
    let full = us.iter().filter(|&&u| u >= 0.95).count();
    if full == 0 || full == us.len() {
        return None;
    }
    let k = node_of(summary, &n.id)?.0;
    let rr = account.sizing.get(k).and_then(|s| s.db).map(|d| (d.0, d.1));
    let pct = |u: f64| format!("{:.0} %", u * 100.0);
    let max = us.iter().copied().fold(0.0, f64::max);
    let text = match rr {
        Some((shards, rr)) if rr > 0 && us.len() == (shards * (1 + rr)) as usize => {
            let per = (1 + rr) as usize;
            let primary = |i: &usize| i.is_multiple_of(per);
            let prim: Vec<f64> = (us.iter().enumerate())
                .filter(|(i, _)| primary(i))
                .map(|(_, &u)| u)
                .collect();
            let reps = us.len() - prim.len();
            let full_reps = full - prim.iter().filter(|&&u| u >= 0.95).count();
            if full_reps == full {
                let what = if reps == 1 {
                    "its read replica was"
                } else if full_reps == reps {
                    "its read replicas were"
                } else {
                    "some of its read replicas were"
                };
                format!(
                    "is saturated where its reads go: {what} busy {} of the run, its primar{} {}",
                    pct(max),
                    if prim.len() == 1 { "y" } else { "ies" },
                    pct(prim.iter().sum::<f64>() / prim.len().max(1) as f64)
                )
            } else {
                format!(
                    "had {full} of its {} instances busy {} of the run",
                    us.len(),
                    pct(max)
                )
            }
        }
        _ => format!(
            "had {full} of its {} instances busy {} of the run",
            us.len(),
            pct(max)
        ),
    };
    Some(text)
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

/// The load sent a node's way, and the words telling it passed caches.
struct Sent {
    load: OfferedLoad,
    /// " (past edge-eu and edge-us, at their hit ratios in the run)", or
    /// nothing.
    past: String,
}

/// What the workloads send node `k`'s way: past the caches before it at
/// their hit ratios in the run when without them it is only an upper
/// bound (every request missing).
fn sent(account: &Account, k: usize, summary: &Summary) -> Sent {
    let Some(s) = account.sizing.get(k) else {
        return Sent {
            load: OfferedLoad::default(),
            past: String::new(),
        };
    };
    let plain = Sent {
        load: s.path,
        past: String::new(),
    };
    if !s.path.upper_bound {
        return plain;
    }
    let Some(load) = sent_past(&account.design, summary, k) else {
        return plain;
    };
    let caches: Vec<&str> = (s.upstream().iter())
        .filter_map(|&i| summary.nodes.get(i))
        .filter(|m| m.hit_ratio.is_some())
        .map(|m| m.id.as_str())
        .collect();
    if caches.is_empty() {
        return plain;
    }
    Sent {
        load,
        past: format!(
            " (past {}, at {} hit ratio{} in the run)",
            and_list(&caches),
            if caches.len() == 1 { "its" } else { "their" },
            if caches.len() == 1 { "" } else { "s" }
        ),
    }
}

/// The node's demand: what its workloads send its way when that is known
/// (requests turned away upstream count), else what reached it — then
/// "at least", naming the requests that failed upstream.
fn demand(n: &NodeSummary, s: &Sizing, summary: &Summary, path: Sent) -> Option<Demand> {
    let measured = summary.measured.as_secs_f64();
    if n.started == 0 || measured <= 0.0 {
        return None;
    }
    let reached = n.counts.arrived as f64 / measured;
    let Sent { load, past } = path;
    let sent = load.reads + load.writes;
    // Work per visit that started, times what reached it (a saturated
    // node starts fewer than arrive); at least a service's own work (an
    // autoscaler's replicas came and went: its workers now undercount).
    let measured_work = n.utilisation? * f64::from(n.workers?) * measured / n.started as f64;
    let own = s.own.as_ref().filter(|_| s.autoscale.is_some());
    let per_visit = measured_work.max(own.map_or(0.0, |o| o.0));
    let busy = reached * per_visit;
    if !load.upper_bound && sent > reached * 1.02 {
        let (writes, reads) = match s.db {
            Some((_, _, read, write)) => (load.writes * write, load.reads * read),
            None => (0.0, sent * per_visit),
        };
        let mix = match s.db {
            Some(_) => format!(
                " ({} reads/s, {} writes/s)",
                count(load.reads),
                count(load.writes)
            ),
            None => String::new(),
        };
        let told = format!(
            "{}{mix} are sent its way{past} but only {} reached it, the rest turned away or \
             timed out upstream",
            per_s(sent),
            per_s(reached)
        );
        return Some(Demand {
            writes,
            reads,
            per_visit,
            told,
            peaked: false,
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
        if load.upper_bound && sent > reached {
            told.push_str(&format!(" (up to {} are sent its way)", per_s(sent)));
        }
    }
    Some(Demand {
        writes: busy * share,
        reads: busy * (1.0 - share),
        per_visit,
        told,
        peaked: false,
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
    s.upstream()
        .iter()
        .filter_map(|&i| summary.nodes.get(i))
        .map(|u| {
            let c = &u.counts;
            (u.id.clone(), c.rejected + c.shed + c.timed_out)
        })
        .filter(|l| l.1 > 0)
        .collect()
}
