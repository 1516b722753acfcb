//! Routes (`to`) and calls (`calls`) with their per-call policies: timeout, retry, circuit breaker and connection pool.

use toml::de::DeValue;

use super::fanout::read_fan_out;
use super::workloads::read_keys;
use crate::scenario::distribution;
use crate::scenario::graph::{Edge, NodeIds};
use crate::scenario::reader::{Errors, Field, Table, show, type_name};
use crate::scenario::suggest;
use crate::sim::dist::Dist;
use crate::sim::limits::{
    BREAKER_FAILURE_RATE, BREAKER_FAILURES, BREAKER_PROBES, BREAKER_WINDOW, Limit, POOL_SIZE,
    RETRY_ATTEMPTS, RETRY_BUDGET,
};
use crate::sim::model::{
    BreakerSpec, Call, CallKey, CallPolicy, ClassIdx, Jitter, KeyWrites, Keys, NodeIdx, PoolSpec,
    Popularity, RequestKind, RetryPolicy, Route, When,
};
use crate::sim::time::SimTime;

/// The fields of one call table.
pub(crate) const CALL_FIELDS: [&str; 19] = [
    "to",
    "when",
    "timeout",
    "retry",
    "breaker",
    "pool",
    "latency",
    "op",
    "key",
    "keys",
    "repeat",
    "fallback",
    "parallel",
    "wait",
    "hedge",
    "service_time",
    "request_bytes",
    "response_bytes",
    "bandwidth",
];
const RETRY_FIELDS: [&str; 5] = ["attempts", "backoff", "max_backoff", "jitter", "budget"];
const BREAKER_FIELDS: [&str; 5] = [
    "consecutive_failures",
    "failure_rate",
    "window",
    "open_for",
    "probes",
];
const POOL_FIELDS: [&str; 2] = ["size", "acquire_timeout"];

/// Default wait before the first retry.
pub(crate) const DEFAULT_BACKOFF: SimTime = SimTime::from_millis(10);
/// Default cap on the backoff (raised to `backoff` when that is longer).
pub(crate) const DEFAULT_MAX_BACKOFF: SimTime = SimTime::from_secs(1);
pub(crate) const DEFAULT_BREAKER_WINDOW: u32 = 20;
pub(crate) const DEFAULT_OPEN_FOR: SimTime = SimTime::from_secs(5);
pub(crate) const DEFAULT_PROBES: u32 = 1;

/// The items of a routes or calls field: one node id, or an array.
fn items<'a, 'i>(
    errs: &mut Errors<'_>,
    f: &Field<'a, 'i>,
    example: &str,
) -> Option<Vec<Field<'a, 'i>>> {
    match f.get() {
        DeValue::String(_) => Some(vec![f.clone()]),
        DeValue::Array(a) => Some(f.items(a)),
        other => {
            f.error(
                errs,
                format!(
                    "expected a node id or an array of routes, found {}",
                    type_name(other)
                ),
                Some(example.into()),
            );
            None
        }
    }
}

/// Resolves the target of a route or call and records the edge.
pub(super) fn target(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    from: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
) -> Option<NodeIdx> {
    let to = ids.resolve(errs, f)?;
    edges.push(Edge {
        from,
        to,
        span: f.span(),
        path: f.path.clone(),
    });
    Some(to)
}

/// `when = "read" | "write" | "<class>"`: which requests take a route or
/// make a call.
fn read_when(errs: &mut Errors<'_>, t: &Table<'_, '_>, ids: &NodeIds) -> Option<Option<When>> {
    let Some(w) = t.field("when") else {
        return Some(None);
    };
    let mut names = vec!["read", "write"];
    names.extend(ids.class_names());
    let given = w.str(errs)?;
    if !names.contains(&given) {
        let hint = suggest::closest(given, &names)
            .map(|k| format!("did you mean `{k}`?"))
            .unwrap_or_else(|| {
                format!(
                    "the request types are {}; a name of your own needs a [[class]] table \
                     (name = \"{given}\", op = \"read\" or \"write\") that a workload sends",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
        w.error(errs, format!("unknown request type `{given}`"), Some(hint));
        return None;
    }
    let name = names.get(w.choice(errs, "request type", &names)?)?;
    Some(Some(match *name {
        "read" => When::Kind(RequestKind::Read),
        "write" => When::Kind(RequestKind::Write),
        class => When::Class(ClassIdx::try_from(ids.class(class)?).ok()?),
    }))
}

/// `"id"`, or an array of `"id"` / `{ to = "id", when = "read" }`: where a
/// service forwards a request.
pub(crate) fn read_routes(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    from: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
) -> Option<Vec<Route>> {
    let items = items(
        errs,
        f,
        "e.g. \"db\" or [ { to = \"cache\", when = \"read\" }, { to = \"db\", when = \"write\" } ]",
    )?;
    let mut routes = Vec::with_capacity(items.len());
    let mut ok = true;
    let mut shares = Vec::with_capacity(items.len());
    for item in &items {
        let (target_field, when, latency) = match item.get() {
            DeValue::String(_) => {
                shares.push(None);
                (Some(item.clone()), Some(None), Some(None))
            }
            DeValue::Table(_) => {
                let Some(rt) = item.table(errs) else {
                    ok = false;
                    continue;
                };
                shares.push(rt.field("p"));
                rt.unknown_fields(errs, &["to", "when", "latency", "p"], &|key| {
                    if matches!(key, "op" | "key" | "keys") {
                        return Some((
                            format!("`{key}` applies to `calls` only"),
                            Some(
                                "a forward hands on the request itself, with its own type and key; make it a call to send another"
                                    .into(),
                            ),
                        ));
                    }
                    if matches!(key, "repeat" | "parallel" | "wait" | "hedge") {
                        return Some((
                            format!("`{key}` applies to `calls` only"),
                            Some(
                                "a forward hands the request on once and is not waited for; make it a call to fan out"
                                    .into(),
                            ),
                        ));
                    }
                    CALL_FIELDS.contains(&key).then(|| {
                        (
                            format!("`{key}` applies to `calls` only"),
                            Some(
                                "a forward (`to`) hands the request on and is not waited for; make it a call to protect it"
                                    .into(),
                            ),
                        )
                    })
                });
                let latency = match rt.field("latency") {
                    Some(lf) => distribution::read(errs, &lf).map(Some),
                    None => Some(None),
                };
                (rt.required(errs, "to"), read_when(errs, &rt, ids), latency)
            }
            other => {
                item.error(
                    errs,
                    format!(
                        "expected a node id or {{ to = \"...\", when = \"read\" }}, found {}",
                        type_name(other)
                    ),
                    None,
                );
                ok = false;
                continue;
            }
        };
        let to = target_field
            .as_ref()
            .and_then(|tf| target(errs, tf, from, ids, edges));
        match (to, when, latency) {
            (Some(to), Some(when), Some(latency)) => routes.push(Route {
                latency,
                ..Route::new(to, when)
            }),
            _ => ok = false,
        }
    }
    let routes = ok.then_some(routes)?;
    super::routes::read_shares(errs, &items, &shares, routes, ids)
}

/// `"id"`, or an array of `"id"` / `{ to = "id", when = "write", timeout =
/// "200ms", retry = {...}, breaker = {...}, pool = {...} }`: the calls of a
/// service or a queue's consumers.
pub(crate) fn read_calls(
    errs: &mut Errors<'_>,
    f: &Field<'_, '_>,
    from: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
) -> Option<Vec<Call>> {
    let items = items(
        errs,
        f,
        "e.g. \"db\" or [ { to = \"db\", when = \"write\", timeout = \"200ms\", retry = { attempts = 3 } } ]",
    )?;
    let mut calls = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        let call = match item.get() {
            DeValue::String(_) => {
                target(errs, &item, from, ids, edges).map(|to| Call::new(to, None))
            }
            DeValue::Table(_) => item
                .table(errs)
                .and_then(|t| read_call_table(errs, &t, from, ids, edges)),
            other => {
                item.error(
                    errs,
                    format!(
                        "expected a node id or {{ to = \"...\", when = \"read\", ... }}, found {}",
                        type_name(other)
                    ),
                    None,
                );
                None
            }
        };
        match call {
            Some(c) => calls.push(c),
            None => ok = false,
        }
    }
    ok.then_some(calls)
}

fn read_call_table(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    from: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
) -> Option<Call> {
    t.unknown_fields(errs, &CALL_FIELDS, &|key| match key {
        "retries" | "attempts" | "max_attempts" => Some((
            format!("unknown field `{key}` for a call"),
            Some("retries go in a table: retry = { attempts = 3 }".into()),
        )),
        "circuit_breaker" => Some((
            format!("unknown field `{key}` for a call"),
            Some("did you mean `breaker`?".into()),
        )),
        "p" => Some((
            "`p` applies to the routes of `to` only".into(),
            Some("a call is made by every request it matches (`when`); to send a share of the requests on, forward them with to = [ { to = \"...\", p = 0.3 } ]".into()),
        )),
        _ => None,
    });
    let to = t
        .required(errs, "to")
        .and_then(|f| target(errs, &f, from, ids, edges));
    let when = read_when(errs, t, ids);
    let timeout = match t.field("timeout") {
        Some(f) => f.positive_duration(errs).map(Some),
        None => Some(None),
    };
    let retry = match t.field("retry") {
        Some(f) => read_retry(errs, &f).map(Some),
        None => Some(None),
    };
    let breaker = match t.field("breaker") {
        Some(f) => read_breaker(errs, &f).map(Some),
        None => Some(None),
    };
    let pool = match t.field("pool") {
        Some(f) => read_pool(errs, &f).map(Some),
        None => Some(None),
    };
    let latency = match t.field("latency") {
        Some(f) => distribution::read(errs, &f).map(Some),
        None => Some(None),
    };
    let op = match t.field("op") {
        Some(f) => read_kind(errs, &f).map(Some),
        None => Some(None),
    };
    let payload = super::payload::read_call_payload(errs, t);
    let key = read_call_key(errs, t);
    let work = read_call_work(errs, t, to, ids);
    let fan = read_fan_out(errs, t);
    let fallback = read_fallback(errs, t, from, ids, edges);
    let to = to?;
    let fallback = fallback?;
    if fallback == Some(to) {
        refuse_fallback_to_callee(errs, t);
        return None;
    }
    Some(Call {
        to,
        when: when?,
        policy: CallPolicy {
            timeout: timeout?,
            retry: retry?,
            breaker: breaker?,
            pool: pool?,
        },
        latency: latency?,
        payload: payload?,
        op: op?,
        key: key?,
        fan: fan?,
        fallback,
        service_time: work?,
    })
}

/// Kinds of node whose work a call may set (`service_time` on a call): a
/// load balancer passes it to the node it picks.
const WORKING_KINDS: [&str; 3] = ["service", "database", "load_balancer"];

/// `service_time` on a call: the work the callee does for it, instead of
/// its own; only for a callee that works (a service or a database).
fn read_call_work(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    to: Option<NodeIdx>,
    ids: &NodeIds,
) -> Option<Option<Dist>> {
    let Some(f) = t.field("service_time") else {
        return Some(None);
    };
    let work = distribution::read(errs, &f)?;
    let kind = to.and_then(|to| ids.kind(to));
    if let Some(kind) = kind.filter(|k| !WORKING_KINDS.contains(k)) {
        let callee = to.and_then(|to| ids.id(to)).unwrap_or_default();
        f.error_at_key(
            errs,
            format!(
                "a call's `service_time` is the work its callee does for it, and `{callee}` is {} {}",
                crate::scenario::build::article(kind),
                kind.replace('_', " ")
            ),
            Some(
                "give it to a call to a service or a database (the list query and the lookups of one database); a cache answers in its `hit_time`, a queue's consumers in the queue's `service_time`"
                    .into(),
            ),
        );
        return None;
    }
    Some(Some(work))
}

/// `fallback = "id"`: the node asked when the call fails for good.
fn read_fallback(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    from: NodeIdx,
    ids: &NodeIds,
    edges: &mut Vec<Edge>,
) -> Option<Option<NodeIdx>> {
    match t.field("fallback") {
        Some(f) => target(errs, &f, from, ids, edges).map(Some),
        None => Some(None),
    }
}

fn refuse_fallback_to_callee(errs: &mut Errors<'_>, t: &Table<'_, '_>) {
    if let Some(f) = t.field("fallback") {
        f.error(
            errs,
            "the fallback is the callee itself",
            Some("asking the same node again is a retry: retry = { attempts = 3 }; a fallback is another node (a stale cache, a default answer)".into()),
        );
    }
}

fn read_kind(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<RequestKind> {
    f.choice(errs, "request type", &["read", "write"])
        .map(|k| match k {
            0 => RequestKind::Read,
            _ => RequestKind::Write,
        })
}

/// `key = "request" | "random" | "derived"`, with `keys` (the call's own
/// key space) for the last two.
fn read_call_key(errs: &mut Errors<'_>, t: &Table<'_, '_>) -> Option<CallKey> {
    let kind = match t.field("key") {
        Some(f) => f.choice(errs, "call key", &["request", "random", "derived"])?,
        None => 0,
    };
    let keys = match t.field("keys") {
        Some(f) if kind == 0 => {
            f.error_at_key(
                errs,
                "`keys` applies to key = \"random\" or key = \"derived\" only",
                Some(
                    "the call sends the request's own key; add key = \"derived\" (fixed by the request's key) or key = \"random\" (a fresh draw), or remove `keys`"
                        .into(),
                ),
            );
            return None;
        }
        Some(f) => read_keys(errs, &f)?,
        None => Keys {
            count: 1_000_000,
            popularity: Popularity::Uniform,
            writes: KeyWrites::Existing,
        },
    };
    Some(match kind {
        0 => CallKey::Request,
        1 => CallKey::Random(keys),
        _ => CallKey::Derived(keys),
    })
}

/// A count field with a default.
fn count(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    key: &str,
    limit: Limit<u32>,
    default: Option<u32>,
) -> Option<u32> {
    match (t.field(key), default) {
        (Some(f), _) => f.count_within(errs, limit),
        (None, Some(d)) => Some(d),
        (None, None) => {
            t.missing(errs, key, None);
            None
        }
    }
}

fn duration_or(
    errs: &mut Errors<'_>,
    t: &Table<'_, '_>,
    key: &str,
    default: SimTime,
    positive: bool,
) -> Option<SimTime> {
    match t.field(key) {
        Some(f) if positive => f.positive_duration(errs),
        Some(f) => f.duration(errs),
        None => Some(default),
    }
}

fn read_retry(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<RetryPolicy> {
    let t = f.table(errs)?;
    t.unknown_fields(errs, &RETRY_FIELDS, &|key| match key {
        "max_attempts" | "retries" | "tries" => Some((
            format!("unknown field `{key}` for a retry"),
            Some(
                "write `attempts`: every try counts, the first included (attempts = 3 is one try and two retries)"
                    .into(),
            ),
        )),
        _ => None,
    });
    let max_attempts = match t.field("attempts") {
        Some(af) => af.count_within(errs, RETRY_ATTEMPTS),
        None => {
            t.missing(
                errs,
                "attempts",
                Some("the total number of tries, the first included, e.g. attempts = 3".into()),
            );
            None
        }
    };
    let backoff = duration_or(errs, &t, "backoff", DEFAULT_BACKOFF, false);
    let max_backoff = match (t.field("max_backoff"), backoff) {
        (Some(mf), b) => mf.duration(errs).and_then(|m| match b {
            Some(b) if m < b => {
                mf.error(
                    errs,
                    format!("max_backoff ({m}) must not be below backoff ({b})"),
                    Some("the backoff doubles on each retry up to max_backoff".into()),
                );
                None
            }
            _ => Some(m),
        }),
        (None, b) => Some(DEFAULT_MAX_BACKOFF.max(b.unwrap_or(SimTime::ZERO))),
    };
    let names: Vec<&str> = Jitter::ALL.iter().map(|j| j.name()).collect();
    let jitter = match t.field("jitter") {
        Some(jf) => jf
            .choice(errs, "jitter", &names)
            .and_then(|k| Jitter::ALL.get(k).copied()),
        None => Some(Jitter::Full),
    };
    let budget = match t.field("budget") {
        Some(bf) => {
            let b = bf.number(errs);
            match b {
                Some(b) if !RETRY_BUDGET.contains(b) => {
                    bf.error(
                        errs,
                        format!(
                            "a retry budget must be above {} and at most {}, got {}",
                            show(RETRY_BUDGET.min),
                            show(RETRY_BUDGET.max),
                            show(b)
                        ),
                        Some(
                            "the budget is retries as a share of calls: 0.1 allows retries on 10 % of calls; remove it for no limit"
                                .into(),
                        ),
                    );
                    None
                }
                Some(b) => Some(Some(b)),
                None => None,
            }
        }
        None => Some(None),
    };
    Some(RetryPolicy {
        max_attempts: max_attempts?,
        backoff: backoff?,
        max_backoff: max_backoff?,
        jitter: jitter?,
        budget: budget?,
    })
}

fn read_breaker(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<BreakerSpec> {
    let t = f.table(errs)?;
    t.unknown_fields(errs, &BREAKER_FIELDS, &|_| None);
    let consecutive = match t.field("consecutive_failures") {
        Some(cf) => cf.count_within(errs, BREAKER_FAILURES).map(Some),
        None => Some(None),
    };
    let rate = match t.field("failure_rate") {
        Some(rf) => rf.number_within(errs, BREAKER_FAILURE_RATE).map(Some),
        None => Some(None),
    };
    if t.field("consecutive_failures").is_none() && t.field("failure_rate").is_none() {
        errs.error(
            &t.span,
            &t.path,
            "a breaker needs `consecutive_failures`, `failure_rate` or both",
            Some(
                "e.g. breaker = { consecutive_failures = 5 } or breaker = { failure_rate = 0.5, window = 20 }"
                    .into(),
            ),
        );
        return None;
    }
    let window = count(
        errs,
        &t,
        "window",
        BREAKER_WINDOW,
        Some(DEFAULT_BREAKER_WINDOW),
    );
    let open_for = duration_or(errs, &t, "open_for", DEFAULT_OPEN_FOR, true);
    let probes = count(errs, &t, "probes", BREAKER_PROBES, Some(DEFAULT_PROBES));
    Some(BreakerSpec {
        consecutive_failures: consecutive?,
        failure_rate: rate?,
        window: window?,
        open_for: open_for?,
        probes: probes?,
    })
}

fn read_pool(errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<PoolSpec> {
    let t = f.table(errs)?;
    t.unknown_fields(errs, &POOL_FIELDS, &|key| {
        (key == "timeout").then(|| {
            (
                "unknown field `timeout` for a pool".to_string(),
                Some(
                    "did you mean `acquire_timeout`? (how long a call waits for a free connection)"
                        .into(),
                ),
            )
        })
    });
    let size = count(errs, &t, "size", POOL_SIZE, None);
    let acquire_timeout = match t.field("acquire_timeout") {
        Some(af) => af.positive_duration(errs),
        None => {
            t.missing(
                errs,
                "acquire_timeout",
                Some(
                    "how long a call waits for a free connection, e.g. acquire_timeout = \"100ms\""
                        .into(),
                ),
            );
            None
        }
    };
    Some(PoolSpec {
        size: size?,
        acquire_timeout: acquire_timeout?,
    })
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Diagnostic, load_str};
    use crate::sim::model::{Jitter, Model, NodeKind, RequestKind, When};
    use crate::sim::time::SimTime;

    fn with_calls(calls: &str) -> Result<Model, Vec<Diagnostic>> {
        let text = format!(
            "[scenario]\nname = \"c\"\n[[workload]]\nto = \"api\"\nrate = 1\n\
             [[node]]\nid = \"api\"\nkind = \"service\"\nservice_time = \"1ms\"\ncalls = {calls}\n\
             [[node]]\nid = \"db\"\nkind = \"database\"\nservice_time = \"1ms\"\n"
        );
        load_str(&text, "c.toml", &[])
    }

    fn errors(calls: &str) -> String {
        match with_calls(calls) {
            Ok(_) => panic!("{calls}: expected an error"),
            Err(d) => crate::scenario::render(&d),
        }
    }

    #[test]
    fn a_full_call_policy_is_read_with_defaults_filled_in() {
        let m = with_calls(
            "[ { to = \"db\", when = \"write\", timeout = \"200ms\", retry = { attempts = 3, budget = 0.1 }, \
             breaker = { consecutive_failures = 5 }, pool = { size = 10, acquire_timeout = \"100ms\" } } ]",
        )
        .expect("valid");
        let NodeKind::Service(api) = &m.nodes[0].kind else {
            panic!("service")
        };
        let c = api.calls[0];
        assert_eq!((c.to, c.when), (1, Some(When::Kind(RequestKind::Write))));
        assert_eq!(c.policy.timeout, Some(SimTime::from_millis(200)));
        let r = c.policy.retry.expect("retry");
        assert_eq!(r.max_attempts, 3);
        assert_eq!(r.backoff, SimTime::from_millis(10));
        assert_eq!(r.max_backoff, SimTime::from_secs(1));
        assert_eq!((r.jitter, r.budget), (Jitter::Full, Some(0.1)));
        let b = c.policy.breaker.expect("breaker");
        assert_eq!((b.consecutive_failures, b.failure_rate), (Some(5), None));
        assert_eq!(
            (b.window, b.open_for, b.probes),
            (20, SimTime::from_secs(5), 1)
        );
        let p = c.policy.pool.expect("pool");
        assert_eq!((p.size, p.acquire_timeout), (10, SimTime::from_millis(100)));
    }

    #[test]
    fn a_long_backoff_raises_the_default_cap() {
        let m = with_calls("[ { to = \"db\", retry = { attempts = 2, backoff = \"3s\" } } ]")
            .expect("valid");
        let NodeKind::Service(api) = &m.nodes[0].kind else {
            panic!("service")
        };
        let r = api.calls[0].policy.retry.expect("retry");
        assert_eq!(r.max_backoff, SimTime::from_secs(3));
    }

    #[test]
    fn policy_mistakes_are_explained() {
        for (calls, want) in [
            (
                "[ { to = \"db\", retry = { attempts = 0 } } ]",
                "must be at least 1",
            ),
            (
                "[ { to = \"db\", retry = {} } ]",
                "missing field `attempts`",
            ),
            (
                "[ { to = \"db\", retry = { attempts = 2, jitter = \"ful\" } } ]",
                "did you mean `full`?",
            ),
            (
                "[ { to = \"db\", retry = { attempts = 2, backoff = \"1s\", max_backoff = \"10ms\" } } ]",
                "must not be below backoff",
            ),
            (
                "[ { to = \"db\", retry = { attempts = 2, budget = 0 } } ]",
                "above 0 and at most 10",
            ),
            (
                "[ { to = \"db\", retry = { max_attempts = 2 } } ]",
                "write `attempts`",
            ),
            (
                "[ { to = \"db\", breaker = { window = 5 } } ]",
                "needs `consecutive_failures`",
            ),
            (
                "[ { to = \"db\", breaker = { failure_rate = 1.5 } } ]",
                "must be at most 1",
            ),
            (
                "[ { to = \"db\", pool = { size = 0, acquire_timeout = \"1s\" } } ]",
                "at least 1",
            ),
            (
                "[ { to = \"db\", pool = { size = 2 } } ]",
                "missing field `acquire_timeout`",
            ),
            ("[ { to = \"db\", timeout = \"0s\" } ]", "greater than 0"),
            (
                "[ { to = \"db\", retries = 3 } ]",
                "retry = { attempts = 3 }",
            ),
        ] {
            let e = errors(calls);
            assert!(e.contains(want), "{calls}: {e}");
        }
    }
}
