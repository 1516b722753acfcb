//! `[[event]]` tables: faults at given instants (and, through `set.rs`, live changes), read into `ScheduledEvent`s sorted by time.

use toml::de::DeValue;

use crate::scenario::graph::NodeIds;
use crate::scenario::reader::{Errors, Field, Span, Table};
use crate::scenario::suggest;
use crate::sim::command::Command;
use crate::sim::limits::{SLOW_FACTOR, SPIKE_FACTOR};
use crate::sim::model::{Arrival, DatabaseSpec, Node, NodeIdx, NodeKind, ScheduledEvent, Workload};
use crate::sim::time::SimTime;

use super::set;
use super::{article, list};

/// Fields every event has.
const EVENT_FIELDS: [&str; 2] = ["at", "action"];
/// Each action and the fields only it takes.
pub(crate) const ACTIONS: [(&str, &[&str]); 8] = [
    ("crash", &["node", "for"]),
    ("recover", &["node"]),
    ("slow", &["node", "factor", "for"]),
    ("partition", &["from", "to", "mode", "for"]),
    ("heal", &["from", "to"]),
    ("flush", &["node"]),
    ("spike", &["workload", "factor", "for"]),
    ("set", &["target", "value"]),
];

/// What events may refer to: the nodes and workloads as read.
pub(crate) struct Context<'m> {
    pub(crate) ids: &'m NodeIds,
    pub(crate) nodes: &'m [Option<Node>],
    pub(crate) workloads: &'m [Option<Workload>],
    /// Workload names by index (as written, or `workload.<index>`).
    pub(crate) names: &'m [String],
    /// The run's length, when it was read without error.
    pub(crate) duration: Option<SimTime>,
}

/// A replica named by a crash or recovery, checked once every event is
/// read (a `set` of the replicas may raise the count).
struct ReplicaCheck<'a, 'i> {
    node: NodeIdx,
    replica: u32,
    field: Field<'a, 'i>,
}

/// Reads every `[[event]]`; `None` when any is wrong. Each event gives one
/// command, plus the one that ends it when it has `for`; the result is
/// sorted by time, keeping file order among equal times.
pub(crate) fn read_events(
    errs: &mut Errors<'_>,
    tables: Vec<Table<'_, '_>>,
    cx: &Context<'_>,
) -> Option<Vec<ScheduledEvent>> {
    let mut out: Vec<ScheduledEvent> = Vec::new();
    let mut checks: Vec<ReplicaCheck<'_, '_>> = Vec::new();
    let mut ok = true;
    for (i, mut t) in tables.into_iter().enumerate() {
        t.path = format!("event[{i}]");
        match read_event(errs, &t, cx, &mut checks) {
            Some(events) => out.extend(events),
            None => ok = false,
        }
    }
    for c in checks {
        let most = most_replicas(cx, c.node, &out);
        if c.replica >= most {
            let id = cx.ids.id(c.node).unwrap_or("?");
            c.field.error(
                errs,
                format!(
                    "`{id}` has at most {most} replica{} ({id}.replica.0 to {id}.replica.{}), not {id}.replica.{}",
                    if most == 1 { "" } else { "s" },
                    most.saturating_sub(1),
                    c.replica
                ),
                Some(
                    "replicas are numbered from 0; a service has at most its `replicas`, its autoscale `max`, or what a `set` of its replicas gives it"
                        .into(),
                ),
            );
            ok = false;
        }
    }
    out.sort_by_key(|e| e.at);
    ok.then_some(out)
}

/// The most replicas service `node` may have during the run.
fn most_replicas(cx: &Context<'_>, node: NodeIdx, events: &[ScheduledEvent]) -> u32 {
    let declared = match cx.nodes.get(node).and_then(Option::as_ref).map(|n| &n.kind) {
        Some(NodeKind::Service(s)) => s.replicas.max(s.autoscale.map_or(0, |a| a.max)),
        _ => 0,
    };
    events
        .iter()
        .filter_map(|e| match e.command {
            Command::SetReplicas { node: n, replicas } if n == node => Some(replicas),
            _ => None,
        })
        .fold(declared, u32::max)
}

fn read_event<'a, 'i>(
    errs: &mut Errors<'_>,
    t: &Table<'a, 'i>,
    cx: &Context<'_>,
    checks: &mut Vec<ReplicaCheck<'a, 'i>>,
) -> Option<Vec<ScheduledEvent>> {
    let action = read_action(errs, t);
    let at = read_at(errs, t, cx);
    let (name, own) = action?;
    let lasting = match t.field("for") {
        Some(f) if own.contains(&"for") => f.positive_duration(errs).map(Some),
        _ => Some(None),
    };
    let command = match name {
        "crash" | "recover" => read_crash_or_recover(errs, t, cx, checks, name),
        "slow" => read_slow(errs, t, cx),
        "partition" | "heal" => read_partition_or_heal(errs, t, cx, name),
        "flush" => read_flush(errs, t, cx),
        "spike" => read_spike(errs, t, cx),
        _ => set::read_set(errs, t, cx),
    };
    Some(with_ending(at?, command?, lasting?, cx))
}

/// The event's `action` and the fields only it takes; every field the
/// action does not take is reported.
fn read_action(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
) -> Option<(&'static str, &'static [&'static str])> {
    let names: Vec<&str> = ACTIONS.iter().map(|(a, _)| *a).collect();
    let action = match t.field("action") {
        Some(f) => f
            .choice(errs, "event action", &names)
            .and_then(|k| ACTIONS.get(k).copied()),
        None => {
            t.missing(errs, "action", suggest::one_of(&names));
            None
        }
    };
    match action {
        Some((name, own)) => {
            let mut allowed: Vec<&str> = EVENT_FIELDS.to_vec();
            allowed.extend_from_slice(own);
            let known = allowed.clone();
            t.unknown_fields(errs, &allowed, &|key| {
                let owners: Vec<&str> = ACTIONS
                    .iter()
                    .filter(|(_, fs)| fs.contains(&key))
                    .map(|(a, _)| *a)
                    .collect();
                let hint = if owners.is_empty() {
                    suggest::hint(key, &known)
                } else {
                    Some(format!("`{key}` is a field of {} events", list(&owners)))
                };
                Some((
                    format!("`{key}` does not apply to {} {name} event", article(name)),
                    hint,
                ))
            });
        }
        None => {
            let mut all: Vec<&str> = EVENT_FIELDS.to_vec();
            for (_, fs) in ACTIONS {
                for f in fs {
                    if !all.contains(f) {
                        all.push(f);
                    }
                }
            }
            t.unknown_fields(errs, &all, &|_| None);
        }
    }
    action
}

/// `at`: a duration before the end of the run.
fn read_at(errs: &mut Errors<'_>, t: &Table<'_, '_>, cx: &Context<'_>) -> Option<SimTime> {
    match t.field("at") {
        Some(f) => f.duration(errs).and_then(|at| match cx.duration {
            Some(d) if at >= d => {
                f.error(
                    errs,
                    format!("the event at {at} is not before the end of the run ({d})"),
                    Some("events happen during the run: `at` must be below the scenario's `duration`".into()),
                );
                None
            }
            _ => Some(at),
        }),
        None => {
            t.missing(errs, "at", Some("when it happens, e.g. at = \"30s\"".into()));
            None
        }
    }
}

fn read_crash_or_recover<'a, 'i>(
    errs: &mut Errors<'_>,
    t: &Table<'a, 'i>,
    cx: &Context<'_>,
    checks: &mut Vec<ReplicaCheck<'a, 'i>>,
    name: &str,
) -> Option<Command> {
    let (node, replica) = required(
        errs,
        t,
        "node",
        "e.g. node = \"api\" or node = \"api.replica.0\"",
    )
    .and_then(|f| instance(errs, &f, cx, checks))?;
    Some(if name == "crash" {
        Command::Crash { node, replica }
    } else {
        Command::Recover { node, replica }
    })
}

fn read_slow(errs: &mut Errors<'_>, t: &Table<'_, '_>, cx: &Context<'_>) -> Option<Command> {
    let node = required(errs, t, "node", "e.g. node = \"db\"")
        .and_then(|f| whole_node(errs, &f, cx, "slow"));
    let factor = required(
        errs,
        t,
        "factor",
        "service times are multiplied by it, e.g. factor = 4",
    )
    .and_then(|f| f.number_within(errs, SLOW_FACTOR));
    Some(Command::SlowDown {
        node: node?,
        factor: factor?,
    })
}

fn read_partition_or_heal(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    cx: &Context<'_>,
    name: &str,
) -> Option<Command> {
    let pair = node_pair(errs, t, cx, name);
    let hang = match t.field("mode") {
        Some(f) => f
            .choice(errs, "partition mode", &["fail", "hang"])
            .map(|k| k == 1),
        None => Some(false),
    };
    let (from, to) = pair?;
    if name == "heal" {
        Some(Command::Heal { from, to })
    } else {
        Some(Command::Partition {
            from,
            to,
            hang: hang?,
        })
    }
}

fn read_flush(errs: &mut Errors<'_>, t: &Table<'_, '_>, cx: &Context<'_>) -> Option<Command> {
    let f = required(errs, t, "node", "the cache to empty, e.g. node = \"cache\"")?;
    let node = whole_node(errs, &f, cx, "flush")?;
    match cx.nodes.get(node).and_then(Option::as_ref).map(|n| &n.kind) {
        Some(NodeKind::Cache(_)) => Some(Command::FlushCache { node }),
        Some(kind) => {
            f.error(
                errs,
                format!(
                    "`{}` is {} {}: only a cache or a cdn can be flushed",
                    cx.ids.id(node).unwrap_or("?"),
                    article(kind.name()),
                    kind.name()
                ),
                None,
            );
            None
        }
        None => None,
    }
}

fn read_spike(errs: &mut Errors<'_>, t: &Table<'_, '_>, cx: &Context<'_>) -> Option<Command> {
    let workload = required(
        errs,
        t,
        "workload",
        "a workload's name or index, e.g. workload = \"users\"",
    )
    .and_then(|f| {
        let w = workload_of(errs, &f, cx)?;
        open_loop(errs, &f, cx, w, "a spike")
    });
    let factor = required(
        errs,
        t,
        "factor",
        "the rate is multiplied by it, e.g. factor = 3",
    )
    .and_then(|f| f.number_within(errs, SPIKE_FACTOR));
    Some(Command::SetRateFactor {
        workload: workload?,
        factor: factor?,
    })
}

/// The event, and the one that ends it when it lasts (`for`) and the end
/// falls within the run.
fn with_ending(
    at: SimTime,
    command: Command,
    lasting: Option<SimTime>,
    cx: &Context<'_>,
) -> Vec<ScheduledEvent> {
    let mut out = Vec::with_capacity(2);
    if let Some(d) = lasting
        && let Some(end) = ending(&command)
    {
        let until = at.saturating_add(d);
        out.push(ScheduledEvent { at, command });
        // An end at or after the end of the run would change nothing.
        if cx.duration.is_none_or(|dur| until < dur) {
            out.push(ScheduledEvent {
                at: until,
                command: end,
            });
        }
    } else {
        out.push(ScheduledEvent { at, command });
    }
    out
}

/// The command that undoes `command` (for an event with `for`).
pub(crate) fn ending(command: &Command) -> Option<Command> {
    match *command {
        Command::Crash { node, replica } => Some(Command::Recover { node, replica }),
        Command::SlowDown { node, .. } => Some(Command::SlowDown { node, factor: 1.0 }),
        Command::Partition { from, to, .. } => Some(Command::Heal { from, to }),
        Command::SetRateFactor { workload, .. } => Some(Command::SetRateFactor {
            workload,
            factor: 1.0,
        }),
        _ => None,
    }
}

pub(super) fn required<'a, 'i>(
    errs: &mut Errors<'_>,
    t: &Table<'a, 'i>,
    key: &str,
    hint: &str,
) -> Option<Field<'a, 'i>> {
    let f = t.field(key);
    if f.is_none() {
        t.missing(errs, key, Some(hint.to_string()));
    }
    f
}

/// Where part of a string value is written, when the value is a plain
/// `"..."` on one line (otherwise the whole value).
pub(super) fn sub_span(
    errs: &Errors<'_>,
    f: &Field<'_, '_>,
    text: &str,
    from: usize,
    len: usize,
) -> Span {
    let span = f.span();
    if errs.sources().snippet(&span) == format!("\"{text}\"") {
        let start = span.start.saturating_add(1).saturating_add(from);
        start..start.saturating_add(len)
    } else {
        span
    }
}

/// A node id naming a whole node (no `.replica.N`).
fn whole_node(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    cx: &Context<'_>,
    action: &str,
) -> Option<NodeIdx> {
    let text = f.str(errs)?;
    if let Some((id, _)) = text.split_once('.') {
        f.error(
            errs,
            format!(
                "{} {action} applies to a whole node, not to `{text}`",
                article(action)
            ),
            Some(format!(
                "write `{id}`; only crash and recover take a replica"
            )),
        );
        return None;
    }
    cx.ids.resolve(errs, f)
}

/// `node` (all of it), `node.replica.N` (a service replica or a database
/// read replica), `node.primary`, `node.shard.S.primary` or
/// `node.shard.S.replica.N` (database instances).
fn instance<'a, 'i>(
    errs: &mut Errors<'_>,
    f: &Field<'a, 'i>,
    cx: &Context<'_>,
    checks: &mut Vec<ReplicaCheck<'a, 'i>>,
) -> Option<(NodeIdx, Option<u32>)> {
    let text = f.str(errs)?;
    let mut parts = text.split('.');
    let id = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    let node = cx
        .ids
        .resolve_name(errs, f, id, sub_span(errs, f, text, 0, id.len()))?;
    if rest.is_empty() {
        return Some((node, None));
    }
    // A node with mistakes of its own was reported already.
    let kind = &cx.nodes.get(node).and_then(Option::as_ref)?.kind;
    match kind {
        NodeKind::Service(_) => service_replica(errs, f, text, &rest, node, checks),
        NodeKind::Database(d) => database_instance(errs, f, text, &rest, node, d),
        other => {
            f.error(
                errs,
                format!(
                    "`{id}` is {} {}: it has no replicas",
                    article(other.name()),
                    other.name()
                ),
                Some(format!("crash or recover the whole node: node = \"{id}\"")),
            );
            None
        }
    }
}

/// `id.replica.N` of a service (checked against its most replicas later).
fn service_replica<'a, 'i>(
    errs: &mut Errors<'_>,
    f: &Field<'a, 'i>,
    text: &str,
    rest: &[&str],
    node: NodeIdx,
    checks: &mut Vec<ReplicaCheck<'a, 'i>>,
) -> Option<(NodeIdx, Option<u32>)> {
    let id = text.split('.').next().unwrap_or("");
    match rest {
        ["replica", k] => {
            let replica = part_number(errs, f, text, k, "replica")?;
            checks.push(ReplicaCheck {
                node,
                replica,
                field: f.clone(),
            });
            Some((node, Some(replica)))
        }
        _ => {
            f.error(
                errs,
                format!("`{text}` names no part of the service `{id}`"),
                Some(format!(
                    "write `{id}` for the whole service or `{id}.replica.N` for one replica (from 0)"
                )),
            );
            None
        }
    }
}

/// `id.primary`, `id.replica.N`, `id.shard.S.primary` or
/// `id.shard.S.replica.N` of a database: the instance's station index.
fn database_instance(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    text: &str,
    rest: &[&str],
    node: NodeIdx,
    d: &DatabaseSpec,
) -> Option<(NodeIdx, Option<u32>)> {
    let id = text.split('.').next().unwrap_or("");
    let (shard, tail) = match rest {
        ["shard", s, tail @ ..] => (part_number(errs, f, text, s, "shard")?, tail),
        tail => (0, tail),
    };
    if shard >= d.shards {
        f.error(
            errs,
            format!(
                "`{id}` has {} shard{} ({id}.shard.0{}), not shard {shard}",
                d.shards,
                if d.shards == 1 { "" } else { "s" },
                if d.shards > 1 {
                    format!(" to {id}.shard.{}", d.shards - 1)
                } else {
                    String::new()
                }
            ),
            None,
        );
        return None;
    }
    let offset = match tail {
        ["primary"] => 0,
        ["replica", k] => {
            let k = part_number(errs, f, text, k, "replica")?;
            if k >= d.read_replicas {
                let have = match d.read_replicas {
                    0 => "no read replicas".to_string(),
                    1 => format!("1 read replica ({id}.replica.0)"),
                    n => format!(
                        "{n} read replicas ({id}.replica.0 to {id}.replica.{})",
                        n - 1
                    ),
                };
                f.error(
                    errs,
                    format!("`{id}` has {have}, not {id}.replica.{k}"),
                    Some(format!(
                        "read replicas are numbered from 0; the primary is `{id}.primary`"
                    )),
                );
                return None;
            }
            k.saturating_add(1)
        }
        _ => {
            f.error(
                errs,
                format!("`{text}` names no part of the database `{id}`"),
                Some(format!(
                    "write `{id}` (every instance), `{id}.primary`, `{id}.replica.N`, or `{id}.shard.S.primary` / `{id}.shard.S.replica.N` with shards"
                )),
            );
            return None;
        }
    };
    let per = d.read_replicas.saturating_add(1);
    Some((node, Some(shard.saturating_mul(per).saturating_add(offset))))
}

/// The replica or shard number `s` in `text` (`what` is "replica" or "shard").
fn part_number(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    text: &str,
    s: &str,
    what: &str,
) -> Option<u32> {
    let id = text.split('.').next().unwrap_or("");
    match s.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            f.error(
                errs,
                format!("{what} number `{s}` in `{text}` is too large"),
                Some(format!("{what}s are numbered from 0, e.g. `{id}.{what}.0`")),
            );
            None
        }
        Err(_) => {
            f.error(
                errs,
                format!("`{s}` is not a {what} number in `{text}`"),
                Some(format!("{what}s are numbered from 0, e.g. `{id}.{what}.0`")),
            );
            None
        }
    }
}

/// `from` and `to` of a partition or heal: two different whole nodes.
fn node_pair(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    cx: &Context<'_>,
    action: &str,
) -> Option<(NodeIdx, NodeIdx)> {
    let from_field = required(errs, t, "from", "one side, e.g. from = \"api\"");
    let to_field = required(errs, t, "to", "the other side, e.g. to = \"db\"");
    let from = from_field.and_then(|f| whole_node(errs, &f, cx, action));
    let to = to_field
        .as_ref()
        .and_then(|f| whole_node(errs, f, cx, action));
    let (from, to) = (from?, to?);
    if from == to {
        if let Some(f) = to_field {
            f.error(
                errs,
                format!(
                    "{} {action} needs two different nodes, but `from` and `to` are both `{}`",
                    article(action),
                    cx.ids.id(to).unwrap_or("?")
                ),
                Some("a partition cuts the link between two nodes: name the other side".into()),
            );
        }
        return None;
    }
    Some((from, to))
}

/// A workload by name, by index (an integer), or by an index written as a
/// string; reported with a hint when unknown.
fn workload_of(errs: &mut Errors<'_>, f: &Field<'_, '_>, cx: &Context<'_>) -> Option<usize> {
    match f.get() {
        DeValue::Integer(_) => {
            let i = f.int(errs, 0, i64::MAX)?;
            match usize::try_from(i).ok().filter(|&i| i < cx.names.len()) {
                Some(i) => Some(i),
                None => {
                    f.error(
                        errs,
                        format!("no workload has index {i}"),
                        Some(format!(
                            "there {} (indexes from 0)",
                            match cx.names.len() {
                                1 => "is 1 workload".to_string(),
                                n => format!("are {n} workloads"),
                            }
                        )),
                    );
                    None
                }
            }
        }
        _ => {
            let name = f.str(errs)?;
            let span = f.span();
            workload_named(errs, f, cx, name, span)
        }
    }
}

/// The workload called `name` (or with index `name`), else an error at `span`.
pub(super) fn workload_named(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    cx: &Context<'_>,
    name: &str,
    span: Span,
) -> Option<usize> {
    if let Some(i) = cx.names.iter().position(|n| n == name) {
        return Some(i);
    }
    if let Ok(i) = name.parse::<usize>()
        && i < cx.names.len()
    {
        return Some(i);
    }
    let known: Vec<&str> = cx.names.iter().map(String::as_str).collect();
    errs.error(
        &span,
        &f.path,
        format!("unknown workload `{name}`"),
        suggest::hint(name, &known)
            .map(|h| format!("{h} (a workload is named by `name` or by its index from 0)")),
    );
    None
}

/// `w` if it is an open-loop workload (a rate can be changed).
pub(super) fn open_loop(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    cx: &Context<'_>,
    w: usize,
    what: &str,
) -> Option<usize> {
    match cx
        .workloads
        .get(w)
        .and_then(Option::as_ref)
        .map(|w| &w.arrival)
    {
        Some(Arrival::Closed { .. }) => {
            f.error(
                errs,
                format!(
                    "workload `{}` is closed-loop: it has users, not a rate",
                    cx.names.get(w).map_or("?", String::as_str)
                ),
                Some(format!(
                    "{what} changes the rate of an open-loop (poisson or constant) workload"
                )),
            );
            None
        }
        Some(_) => Some(w),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Diagnostic, load_str};
    use crate::sim::command::Command;
    use crate::sim::dist::Dist;
    use crate::sim::model::{CachePolicy, LbAlgorithm, Model};
    use crate::sim::time::SimTime;

    const BASE: &str = r#"
[scenario]
name = "e"
duration = "60s"

[[workload]]
name = "users"
to = "lb"
rate = 100

[[workload]]
name = "admins"
to = "api"
arrival = "closed"
users = 2

[[node]]
id = "lb"
kind = "load_balancer"
to = "api"

[[node]]
id = "api"
kind = "service"
replicas = 3
service_time = "1ms"
calls = ["cache", "q"]

[[node]]
id = "cache"
kind = "cache"
capacity = 10
on_miss = "db"

[[node]]
id = "db"
kind = "database"
read_replicas = 2
shards = 2
service_time = "1ms"

[[node]]
id = "q"
kind = "queue"
service_time = "1ms"
calls = "db"
"#;

    fn load(events: &str) -> Result<Model, Vec<Diagnostic>> {
        load_str(&format!("{BASE}\n{events}"), "e.toml", &[])
    }

    fn commands(events: &str) -> Vec<(SimTime, Command)> {
        match load(events) {
            Ok(m) => m.events.into_iter().map(|e| (e.at, e.command)).collect(),
            Err(d) => panic!("{}", crate::scenario::render(&d)),
        }
    }

    fn errors(events: &str) -> String {
        match load(events) {
            Ok(_) => panic!("{events}: expected errors"),
            Err(d) => crate::scenario::render(&d),
        }
    }

    fn s(n: u64) -> SimTime {
        SimTime::from_secs(n)
    }

    #[test]
    fn faults_with_for_add_their_ending_and_events_are_sorted() {
        let c = commands(
            r#"
[[event]]
at = "30s"
action = "crash"
node = "api.replica.2"
for = "10s"

[[event]]
at = "5s"
action = "slow"
node = "db"
factor = 4
for = "100s"

[[event]]
at = "40s"
action = "partition"
from = "api"
to = "db"
mode = "hang"
for = "5s"

[[event]]
at = "50s"
action = "spike"
workload = 0
factor = 3
for = "1s"

[[event]]
at = "40s"
action = "flush"
node = "cache"
"#,
        );
        assert_eq!(
            c,
            vec![
                (
                    s(5),
                    Command::SlowDown {
                        node: 3,
                        factor: 4.0
                    }
                ),
                (
                    s(30),
                    Command::Crash {
                        node: 1,
                        replica: Some(2)
                    }
                ),
                (
                    s(40),
                    Command::Recover {
                        node: 1,
                        replica: Some(2)
                    }
                ),
                (
                    s(40),
                    Command::Partition {
                        from: 1,
                        to: 3,
                        hang: true
                    }
                ),
                (s(40), Command::FlushCache { node: 2 }),
                (s(45), Command::Heal { from: 1, to: 3 }),
                (
                    s(50),
                    Command::SetRateFactor {
                        workload: 0,
                        factor: 3.0
                    }
                ),
                (
                    s(51),
                    Command::SetRateFactor {
                        workload: 0,
                        factor: 1.0
                    }
                ),
            ]
        );
    }

    #[test]
    fn database_instances_are_numbered_primary_first_by_shard() {
        let at = |node: &str| {
            commands(&format!(
                "[[event]]\nat = \"1s\"\naction = \"crash\"\nnode = \"{node}\"\n"
            ))
            .remove(0)
            .1
        };
        let crash = |r| Command::Crash {
            node: 3,
            replica: r,
        };
        assert_eq!(at("db"), crash(None));
        assert_eq!(at("db.primary"), crash(Some(0)));
        assert_eq!(at("db.replica.1"), crash(Some(2)));
        assert_eq!(at("db.shard.1.primary"), crash(Some(3)));
        assert_eq!(at("db.shard.1.replica.0"), crash(Some(4)));
    }

    #[test]
    fn set_events_produce_every_live_change() {
        let set = |target: &str, value: &str| {
            commands(&format!(
                "[[event]]\nat = \"1s\"\naction = \"set\"\ntarget = \"{target}\"\nvalue = {value}\n"
            ))
            .remove(0)
            .1
        };
        assert_eq!(
            set("api.replicas", "6"),
            Command::SetReplicas {
                node: 1,
                replicas: 6
            }
        );
        assert_eq!(
            set("api.workers", "2"),
            Command::SetWorkers {
                node: 1,
                workers: 2
            }
        );
        assert_eq!(
            set("q.consumers", "2"),
            Command::SetWorkers {
                node: 4,
                workers: 2
            }
        );
        assert_eq!(
            set("api.queue", "\"none\""),
            Command::SetQueueCapacity {
                node: 1,
                capacity: None
            }
        );
        assert_eq!(
            set("q.capacity", "7"),
            Command::SetQueueCapacity {
                node: 4,
                capacity: Some(7)
            }
        );
        assert_eq!(
            set("db.service_time", "\"3ms\""),
            Command::SetServiceTime {
                node: 3,
                dist: Dist::Constant { value: 0.003 }
            }
        );
        assert_eq!(
            set("api.timeout", "\"2s\""),
            Command::SetTimeout {
                node: 1,
                timeout: Some(s(2))
            }
        );
        assert_eq!(
            set("lb.algorithm", "\"random\""),
            Command::SetLbAlgorithm {
                node: 0,
                algorithm: LbAlgorithm::Random
            }
        );
        assert_eq!(
            set("cache.capacity", "99"),
            Command::SetCacheCapacity {
                node: 2,
                capacity: 99
            }
        );
        assert_eq!(
            set("cache.policy", "\"lfu\""),
            Command::SetCachePolicy {
                node: 2,
                policy: CachePolicy::Lfu
            }
        );
        assert_eq!(
            set("cache.ttl", "\"none\""),
            Command::SetCacheTtl { node: 2, ttl: None }
        );
        assert_eq!(
            set("db.read_replicas", "0"),
            Command::SetReadReplicas {
                node: 3,
                replicas: 0
            }
        );
        assert_eq!(
            set("workload.users.rate", "250"),
            Command::SetWorkloadRate {
                workload: 0,
                rate: 250.0
            }
        );
        assert_eq!(
            set("workload.1.read_fraction", "0.5"),
            Command::SetReadFraction {
                workload: 1,
                read_fraction: 0.5
            }
        );
    }

    #[test]
    fn a_set_of_replicas_allows_crashing_the_new_ones() {
        let c = commands(
            "[[event]]\nat = \"9s\"\naction = \"crash\"\nnode = \"api.replica.5\"\n\
             [[event]]\nat = \"1s\"\naction = \"set\"\ntarget = \"api.replicas\"\nvalue = 6\n",
        );
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn a_fault_lasting_past_the_end_has_no_ending() {
        let c =
            commands("[[event]]\nat = \"50s\"\naction = \"crash\"\nnode = \"db\"\nfor = \"10s\"\n");
        assert_eq!(
            c,
            vec![(
                s(50),
                Command::Crash {
                    node: 3,
                    replica: None
                }
            )]
        );
    }

    #[test]
    fn event_mistakes_are_located_and_explained() {
        for (event, want) in [
            (
                "at = \"60s\"\naction = \"flush\"\nnode = \"cache\"",
                "49:6: error: the event at 60s is not before the end of the run (60s)",
            ),
            (
                "at = \"1s\"\naction = \"explode\"",
                "unknown event action `explode`",
            ),
            (
                "at = \"1s\"\naction = \"crashh\"\nnode = \"api\"",
                "did you mean `crash`?",
            ),
            (
                "at = \"1s\"\naction = \"crash\"\nnode = \"api.replica.3\"",
                "`api` has at most 3 replicas",
            ),
            (
                "at = \"1s\"\naction = \"crash\"\nnode = \"db.replica.2\"",
                "`db` has 2 read replicas",
            ),
            (
                "at = \"1s\"\naction = \"crash\"\nnode = \"db.shard.2.primary\"",
                "not shard 2",
            ),
            (
                "at = \"1s\"\naction = \"crash\"\nnode = \"cache.replica.0\"",
                "it has no replicas",
            ),
            (
                "at = \"1s\"\naction = \"crash\"\nnode = \"apii\"",
                "51:9: error: unknown node `apii`",
            ),
            (
                "at = \"1s\"\naction = \"partition\"\nfrom = \"api\"\nto = \"api\"",
                "needs two different nodes",
            ),
            (
                "at = \"1s\"\naction = \"crash\"\nnode = \"api\"\nfactor = 2",
                "`factor` does not apply to a crash event",
            ),
            (
                "at = \"1s\"\naction = \"flush\"\nnode = \"db\"",
                "only a cache or a cdn can be flushed",
            ),
            (
                "at = \"1s\"\naction = \"spike\"\nworkload = \"userz\"\nfactor = 2",
                "did you mean `users`?",
            ),
            (
                "at = \"1s\"\naction = \"spike\"\nworkload = \"admins\"\nfactor = 2",
                "closed-loop",
            ),
            (
                "at = \"1s\"\naction = \"set\"\ntarget = \"db.shards\"\nvalue = 2",
                "51:14: error: `shards` of a database cannot be set",
            ),
            (
                "at = \"1s\"\naction = \"set\"\ntarget = \"api.replicaz\"\nvalue = 2",
                "did you mean `replicas`?",
            ),
            (
                "at = \"1s\"\naction = \"set\"\ntarget = \"api\"\nvalue = 2",
                "is not a field to set",
            ),
            (
                "at = \"1s\"\naction = \"set\"\ntarget = \"api.queue\"\nvalue = \"unbounded\"",
                "expected an integer or \"none\"",
            ),
            (
                "at = \"1s\"\naction = \"slow\"\nnode = \"db.primary\"\nfactor = 2",
                "applies to a whole node",
            ),
            (
                "at = \"1s\"\naction = \"slow\"\nnode = \"db\"\nfactor = 0",
                "greater than 0",
            ),
            (
                "action = \"heal\"\nfrom = \"api\"\nto = \"db\"",
                "missing field `at`",
            ),
        ] {
            let e = errors(&format!("[[event]]\n{event}\n"));
            assert!(e.contains(want), "{event}:\n{e}");
        }
    }
}
