//! Why no queueing formula applies to a node: what it is, what it does, and what lies on the way to it.

use super::path::Path;
use crate::sim::Model;
use crate::sim::model::{LbAlgorithm, NodeIdx, NodeKind};

/// A reason theory does not apply to a node, named for tests and the
/// window; [`WhyNot::text`] says it in words.
#[derive(Clone, Debug, PartialEq)]
pub enum WhyNot {
    /// A load balancer, topic or external service (its kind's name).
    NoLine(&'static str),
    Cache,
    RateLimiter,
    /// A queue whose messages in processing may be delivered again when
    /// its `visibility_timeout` passes.
    VisibilityTimeout,
    /// Its workers are held while it waits on the nodes it calls.
    MakesCalls,
    /// A queue whose consumers are held while they wait on their calls.
    ConsumersCall,
    Autoscaling,
    /// Its own `timeout` answers failures while the work goes on.
    OwnTimeout,
    /// Its line sheds requests (`shed`) before it is full.
    Sheds,
    /// A call reaching it carries a `service_time` of its own, done here
    /// instead of the node's.
    CallsBringWork {
        caller: String,
    },
    /// A database over several instances (shards × (1 + read replicas)).
    Spread {
        instances: u32,
    },
    ClosedLoop {
        workload: String,
    },
    /// A workload sending at evenly spaced gaps feeds it.
    Regular {
        workload: String,
    },
    BehindRateLimiter {
        limiter: String,
    },
    BehindCache {
        cache: String,
    },
    Retries {
        caller: String,
    },
    Hedges {
        caller: String,
    },
    CallTimeout {
        caller: String,
    },
    Fallback {
        caller: String,
    },
    /// Reached through a circuit breaker on this caller's calls.
    Breaker {
        caller: String,
    },
    /// Reached through a connection pool of `size` on this caller's calls.
    Pool {
        caller: String,
        size: u32,
    },
    /// Reached over a link with a bandwidth from this caller's calls.
    Bandwidth {
        caller: String,
    },
    /// Behind a node that thins what it passes on.
    Thinned {
        node: String,
        by: Thinning,
    },
    /// Fed (directly or further up) by a node whose departures are not
    /// Poisson, and why.
    NotPoissonFeed {
        node: String,
        cause: &'static str,
    },
    /// Replicas picked by a rule that looks at their lines or keys.
    Balancing {
        algorithm: &'static str,
    },
    /// A service time without a finite mean or variance.
    HeavyTail,
    /// A bounded line where M/M/c/K does not hold.
    BoundedLine {
        queue: u32,
    },
    /// No request reaches it at the rate given.
    NoTraffic,
    /// Offered more work than its workers can do.
    Unstable {
        utilisation: f64,
        growth_per_s: f64,
    },
}

/// How a node thins the stream it passes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Thinning {
    /// Its bounded line (`queue`, a queue's `capacity`) turns requests away.
    BoundedLine,
    /// Its own `timeout` abandons requests.
    Timeout,
    /// Its line sheds requests (`shed`).
    Shedding,
}

impl Thinning {
    /// What thins, and what it does, in words.
    fn text(self) -> &'static str {
        match self {
            Thinning::BoundedLine => "bounded line (requests turned away are not sent on)",
            Thinning::Timeout => "own timeout (requests abandoned are not sent on)",
            Thinning::Shedding => "load shedding (requests shed are not sent on)",
        }
    }
}

impl WhyNot {
    /// The reason in one sentence.
    pub fn text(&self) -> String {
        match self {
            WhyNot::NoLine(kind) => no_line_text(kind).into(),
            WhyNot::Cache => "a cache: what it answers itself and what it sends on \
                depend on its hit ratio, which is not known in closed form"
                .into(),
            WhyNot::RateLimiter => {
                "a rate limiter admits, delays or refuses by its own rule: not a queue".into()
            }
            WhyNot::ConsumersCall => "a queue whose consumers make calls: each is held \
                while it waits on other nodes, so its service time is not its own"
                .into(),
            WhyNot::VisibilityTimeout => "a queue with a visibility timeout: a message \
                processed longer than it is delivered again, so some work is done twice"
                .into(),
            WhyNot::MakesCalls => "makes calls: its workers are held while they wait on \
                other nodes, so its service time is not its own"
                .into(),
            WhyNot::Autoscaling => "autoscales: its replicas change with the load".into(),
            WhyNot::OwnTimeout => "has a timeout, and M/M/c+D (Erlang C whose visits \
                leave the line at the deadline) needs Poisson arrivals at each replica, \
                exponential service and an unbounded FIFO line (no `queue`, no `priority`)"
                .into(),
            WhyNot::Sheds => "sheds requests from its line (`shed`): no formula here \
                turns requests away by their type before the line is full"
                .into(),
            WhyNot::CallsBringWork { caller } => format!(
                "calls bring their own work: `{caller}`'s call carries its own service_time, \
                 done here instead of this node's"
            ),
            WhyNot::Spread { instances } => format!(
                "spreads its work over {instances} instances by key and request type \
                 (shards, read replicas): each one's share is not known in closed form"
            ),
            other => path_text(other),
        }
    }
}

fn no_line_text(kind: &str) -> &'static str {
    match kind {
        "load_balancer" => "a load balancer forwards at once: it has no line of its own",
        "topic" => "a topic copies each message to its subscribers at once: it has no line",
        _ => "an external service answers after its own latency: it has no line of its own",
    }
}

/// The reasons found on the way to the node, or in its figures.
fn path_text(w: &WhyNot) -> String {
    match w {
        WhyNot::ClosedLoop { workload } => format!(
            "fed by a closed-loop (finite) source `{workload}`: users wait for answers, \
             so arrivals are not Poisson"
        ),
        WhyNot::Regular { workload } => format!(
            "fed at evenly spaced gaps by `{workload}` (arrival = \"constant\"): arrivals \
             are not Poisson"
        ),
        WhyNot::BehindRateLimiter { limiter } => {
            format!("behind the rate limiter `{limiter}`: what it admits is not Poisson")
        }
        WhyNot::BehindCache { cache } => format!(
            "behind the cache `{cache}`: only misses reach it, and the hit ratio is not \
             known in closed form"
        ),
        WhyNot::Retries { caller } => format!(
            "retries on the path (`{caller}` retries its calls): failed attempts come back \
             as extra arrivals"
        ),
        WhyNot::Hedges { caller } => format!(
            "hedged calls on the path (`{caller}`): a second copy goes out when the first is slow"
        ),
        WhyNot::CallTimeout { caller } => format!(
            "timeouts on the path (`{caller}` calls it with a timeout): attempts are \
             abandoned while their work goes on"
        ),
        WhyNot::Fallback { caller } => {
            format!("a fallback of `{caller}`: only its failed calls come here")
        }
        WhyNot::Breaker { caller } => format!(
            "behind a circuit breaker on `{caller}`'s calls: refused calls never arrive, \
             so its arrivals are thinned and not Poisson"
        ),
        WhyNot::Pool { caller, size } => format!(
            "behind a connection pool on `{caller}`'s calls: at most {size} at once per \
             replica, the rest wait for a connection, so arrivals are not Poisson"
        ),
        WhyNot::Bandwidth { caller } => format!(
            "through a link with a bandwidth (`{caller}`'s calls): requests queue on the \
             link first come first served, which reshapes their arrivals"
        ),
        WhyNot::Thinned { node, by } => format!(
            "behind `{node}`'s {}: what it passes on is thinned and not Poisson",
            by.text()
        ),
        WhyNot::NotPoissonFeed { node, cause } => format!(
            "fed by `{node}` (directly or through the nodes after it), whose departures \
             are not Poisson ({cause}): no formula here holds for its arrivals"
        ),
        WhyNot::Balancing { algorithm } => format!(
            "its replicas are picked by {algorithm}: each one's arrivals depend on the others"
        ),
        WhyNot::NoTraffic => "gets no traffic: nothing to predict".into(),
        // True of every heavy tail (Pareto shape ≤ 2); its mean may be finite.
        WhyNot::HeavyTail => "its service time has no finite variance (a heavy tail)".into(),
        WhyNot::BoundedLine { queue } => format!(
            "a bounded line (queue = {queue}) without exponential service and Poisson \
             arrivals at each replica: M/M/c/K does not hold"
        ),
        WhyNot::Unstable {
            utilisation,
            growth_per_s,
        } => format!(
            "unstable: utilisation {utilisation:.2} >= 1, the line grows without bound by \
             about {growth_per_s:.0} requests per second (λ − c·μ)"
        ),
        _ => String::new(),
    }
}

/// The reason that does not depend on the arrival rate, if any: the
/// node's kind, what it does, then what lies on the way to it.
pub fn static_reason(model: &Model, i: NodeIdx, path: &Path) -> Option<WhyNot> {
    kind_reason(&model.nodes[i].kind)
        .or_else(|| call_work(model, i, path))
        .or_else(|| path_reason(model, path))
        .or_else(|| balancing(model, i))
}

fn kind_reason(kind: &NodeKind) -> Option<WhyNot> {
    match kind {
        NodeKind::LoadBalancer(_) | NodeKind::Topic(_) | NodeKind::External(_) => {
            Some(WhyNot::NoLine(kind.name()))
        }
        NodeKind::Cache(_) => Some(WhyNot::Cache),
        NodeKind::RateLimiter(_) => Some(WhyNot::RateLimiter),
        NodeKind::Queue(q) if !q.calls.is_empty() => Some(WhyNot::ConsumersCall),
        NodeKind::Queue(q) if q.visibility_timeout.is_some() => Some(WhyNot::VisibilityTimeout),
        NodeKind::Service(s) if !s.calls.is_empty() => Some(WhyNot::MakesCalls),
        NodeKind::Service(s) if s.autoscale.is_some() => Some(WhyNot::Autoscaling),
        NodeKind::Service(s) if s.line.as_ref().is_some_and(|l| !l.shed.is_empty()) => {
            Some(WhyNot::Sheds)
        }
        NodeKind::Database(d) if d.shards > 1 || d.read_replicas > 0 => Some(WhyNot::Spread {
            instances: d.shards.max(1) * (1 + d.read_replicas),
        }),
        NodeKind::Service(_) | NodeKind::Database(_) | NodeKind::Queue(_) => None,
    }
}

/// A node's id, or nothing.
fn id(model: &Model, i: NodeIdx) -> String {
    model.nodes.get(i).map_or(String::new(), |n| n.id.clone())
}

/// A service or database some call reaches with a work of its own.
fn call_work(model: &Model, i: NodeIdx, p: &Path) -> Option<WhyNot> {
    let does_work = matches!(
        model.nodes[i].kind,
        NodeKind::Service(_) | NodeKind::Database(_)
    );
    let caller = p.call_work.filter(|_| does_work)?;
    Some(WhyNot::CallsBringWork {
        caller: id(model, caller),
    })
}

fn path_reason(model: &Model, p: &Path) -> Option<WhyNot> {
    let id = |i: &NodeIdx| id(model, *i);
    if let Some(w) = &p.closed {
        return Some(WhyNot::ClosedLoop {
            workload: w.clone(),
        });
    }
    let found = [
        p.regular.as_ref().map(|w| WhyNot::Regular {
            workload: w.clone(),
        }),
        p.limiter
            .as_ref()
            .map(|i| WhyNot::BehindRateLimiter { limiter: id(i) }),
        p.cache
            .as_ref()
            .map(|i| WhyNot::BehindCache { cache: id(i) }),
        p.retries
            .as_ref()
            .map(|i| WhyNot::Retries { caller: id(i) }),
        p.hedges.as_ref().map(|i| WhyNot::Hedges { caller: id(i) }),
        p.call_timeout
            .as_ref()
            .map(|i| WhyNot::CallTimeout { caller: id(i) }),
        p.fallback
            .as_ref()
            .map(|i| WhyNot::Fallback { caller: id(i) }),
    ];
    found
        .into_iter()
        .flatten()
        .next()
        .or_else(|| call_policy_reason(model, p))
        .or_else(|| stream_reason(model, p))
}

/// A breaker, a connection pool or a link's bandwidth on a call on the way.
fn call_policy_reason(model: &Model, p: &Path) -> Option<WhyNot> {
    let id = |i: NodeIdx| id(model, i);
    p.breaker
        .map(|i| WhyNot::Breaker { caller: id(i) })
        .or_else(|| {
            p.pool.map(|(i, size)| WhyNot::Pool {
                caller: id(i),
                size,
            })
        })
        .or_else(|| p.bandwidth.map(|i| WhyNot::Bandwidth { caller: id(i) }))
}

/// A node on the way that thins its stream or sends it on not Poisson.
fn stream_reason(model: &Model, p: &Path) -> Option<WhyNot> {
    let id = |i: NodeIdx| id(model, i);
    p.thinned
        .map(|(i, by)| WhyNot::Thinned { node: id(i), by })
        .or_else(|| {
            p.not_poisson
                .map(|(i, cause)| WhyNot::NotPoissonFeed { node: id(i), cause })
        })
}

/// A service with replicas behind a load balancer whose rule looks at
/// the replicas' lines or at keys (random and round robin are modelled).
fn balancing(model: &Model, i: NodeIdx) -> Option<WhyNot> {
    let NodeKind::Service(s) = &model.nodes[i].kind else {
        return None;
    };
    if s.replicas <= 1 {
        return None;
    }
    model.nodes.iter().find_map(|n| match &n.kind {
        NodeKind::LoadBalancer(lb)
            if lb.to == i
                && !matches!(lb.algorithm, LbAlgorithm::Random | LbAlgorithm::RoundRobin) =>
        {
            Some(WhyNot::Balancing {
                algorithm: lb.algorithm.name(),
            })
        }
        _ => None,
    })
}
