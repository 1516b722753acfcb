//! Design changes the engine cannot make live (a call's retries and breaker, a cache's single flight, key popularity, cold start): applied to the design as loaded, checked by the loader, then the run restarts from time zero.

use crate::scenario;
use crate::sim::SimTime;
use crate::sim::components::breaker::BreakerSpec;
use crate::sim::components::retry::{Jitter, RetryPolicy};
use crate::sim::model::{LimiterAlgorithm, Model, NodeKind, Popularity};

/// One change to the design's shape or policies.
#[derive(Clone, Debug, PartialEq)]
pub enum DesignEdit {
    /// Call `call` of node `node`: total attempts (1 = no retry) and the
    /// retry budget (share of first attempts; `None` = unlimited).
    CallRetry {
        node: usize,
        call: usize,
        attempts: u32,
        budget: Option<f64>,
    },
    /// Call `call` of node `node`: a circuit breaker on it or not (when on,
    /// it trips at 50 % failures over 50 calls, stays open 2 s, probes 5).
    CallBreaker { node: usize, call: usize, on: bool },
    /// A cache's single flight (concurrent misses share one fetch).
    Coalesce { node: usize, on: bool },
    /// A workload's key popularity: Zipf with exponent `s`, or uniform.
    Popularity { workload: usize, zipf: Option<f64> },
    /// An autoscaled service's cold start.
    ColdStart { node: usize, cold_start: SimTime },
    /// A database's shards (its keys spread again over the new count).
    Shards { node: usize, shards: u32 },
    /// A token bucket's burst, or a leaky bucket's line.
    LimiterRoom { node: usize, size: u32 },
}

/// The breaker a learner switches on: the one the retry-storm lesson's
/// reference cure uses.
pub fn default_breaker() -> BreakerSpec {
    BreakerSpec {
        consecutive_failures: None,
        failure_rate: Some(0.5),
        window: 50,
        open_for: SimTime::from_millis(2000),
        probes: 5,
    }
}

impl DesignEdit {
    /// The field it changes, as `--set` names it (`api.calls`,
    /// `cache.coalesce`, `workload.users.keys`): what a level may lock.
    pub fn target(&self, model: &Model) -> String {
        let node = |i: usize| model.nodes.get(i).map_or("?", |n| n.id.as_str());
        match *self {
            DesignEdit::CallRetry { node: i, .. } | DesignEdit::CallBreaker { node: i, .. } => {
                format!("{}.calls", node(i))
            }
            DesignEdit::Coalesce { node: i, .. } => format!("{}.coalesce", node(i)),
            DesignEdit::ColdStart { node: i, .. } => format!("{}.autoscale", node(i)),
            DesignEdit::Shards { node: i, .. } => format!("{}.shards", node(i)),
            DesignEdit::LimiterRoom { node: i, .. } => {
                let field = match model.nodes.get(i).map(|n| &n.kind) {
                    Some(NodeKind::RateLimiter(r)) => limiter_room_field(&r.algorithm),
                    _ => "burst",
                };
                format!("{}.{field}", node(i))
            }
            DesignEdit::Popularity { workload, .. } => {
                let name = model
                    .workloads
                    .get(workload)
                    .map_or("?", |w| w.name.as_str());
                format!("workload.{name}.keys")
            }
        }
    }

    /// `model` with this change, checked by the loader (its message when
    /// refused). The model is written as TOML and read back, so a design
    /// the window builds is one `loadlab run` accepts.
    pub fn applied_to(&self, model: &Model) -> Result<Model, String> {
        let mut m = model.clone();
        self.apply(&mut m)?;
        let text = scenario::to_toml(&m);
        scenario::load_str(&text, "design.toml", &[])
            .map_err(|d| scenario::render(&d).trim_end().to_string())
    }

    fn apply(&self, m: &mut Model) -> Result<(), String> {
        match *self {
            DesignEdit::CallRetry {
                node,
                call,
                attempts,
                budget,
            } => {
                let policy = &mut call_of(m, node, call)?.policy;
                policy.retry = (attempts > 1).then(|| {
                    let mut r = policy.retry.unwrap_or(RetryPolicy {
                        max_attempts: attempts,
                        backoff: SimTime::from_millis(10),
                        max_backoff: SimTime::from_secs_f64(1.0),
                        jitter: Jitter::Full,
                        budget: None,
                    });
                    r.max_attempts = attempts;
                    r.budget = budget;
                    r
                });
            }
            DesignEdit::CallBreaker { node, call, on } => {
                call_of(m, node, call)?.policy.breaker = on.then(default_breaker);
            }
            DesignEdit::Coalesce { node, on } => match m.nodes.get_mut(node).map(|n| &mut n.kind) {
                Some(NodeKind::Cache(c)) => c.coalesce = on,
                _ => return Err(format!("node #{node} is not a cache")),
            },
            DesignEdit::Popularity { workload, zipf } => {
                let w = m
                    .workloads
                    .get_mut(workload)
                    .ok_or_else(|| format!("no workload #{workload}"))?;
                w.keys.popularity = zipf.map_or(Popularity::Uniform, |s| Popularity::Zipf { s });
            }
            DesignEdit::ColdStart { node, cold_start } => {
                match m.nodes.get_mut(node).map(|n| &mut n.kind) {
                    Some(NodeKind::Service(s)) if s.autoscale.is_some() => {
                        if let Some(a) = s.autoscale.as_mut() {
                            a.cold_start = cold_start;
                        }
                    }
                    _ => return Err(format!("node #{node} has no autoscaler")),
                }
            }
            DesignEdit::Shards { node, shards } => match m.nodes.get_mut(node).map(|n| &mut n.kind)
            {
                Some(NodeKind::Database(d)) => d.shards = shards,
                _ => return Err(format!("node #{node} is not a database")),
            },
            DesignEdit::LimiterRoom { node, size } => {
                let algorithm = match m.nodes.get_mut(node).map(|n| &mut n.kind) {
                    Some(NodeKind::RateLimiter(r)) => &mut r.algorithm,
                    _ => return Err(format!("node #{node} is not a rate limiter")),
                };
                match algorithm {
                    LimiterAlgorithm::TokenBucket { burst, .. } => *burst = size,
                    LimiterAlgorithm::LeakyBucket { capacity, .. } => *capacity = size,
                    _ => return Err(format!("node #{node} counts per window: no burst")),
                }
            }
        }
        Ok(())
    }
}

/// The field that holds a limiter's room for bursts, as files name it
/// (`burst` of a token bucket, `capacity` of a leaky bucket's line).
pub fn limiter_room_field(a: &LimiterAlgorithm) -> &'static str {
    match a {
        LimiterAlgorithm::LeakyBucket { .. } => "capacity",
        _ => "burst",
    }
}

/// Call `call` of a service or queue node.
fn call_of(
    m: &mut Model,
    node: usize,
    call: usize,
) -> Result<&mut crate::sim::model::Call, String> {
    let calls = match m.nodes.get_mut(node).map(|n| &mut n.kind) {
        Some(NodeKind::Service(s)) => &mut s.calls,
        Some(NodeKind::Queue(q)) => &mut q.calls,
        _ => return Err(format!("node #{node} makes no calls")),
    };
    calls
        .get_mut(call)
        .ok_or_else(|| format!("node #{node} has no call #{call}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson(name: &str) -> Model {
        let path = format!("{}/scenarios/lessons/{name}", env!("CARGO_MANIFEST_DIR"));
        scenario::load_file(std::path::Path::new(&path), &[]).expect("lesson loads")
    }

    fn node(m: &Model, id: &str) -> usize {
        m.nodes.iter().position(|n| n.id == id).expect("node")
    }

    #[test]
    fn each_edit_changes_what_it_names_and_loads_back() {
        let m = lesson("retry-storm.toml");
        let api = node(&m, "api");
        let e = DesignEdit::CallRetry {
            node: api,
            call: 0,
            attempts: 2,
            budget: Some(0.2),
        };
        let out = e.applied_to(&m).expect("applies");
        let NodeKind::Service(s) = &out.nodes[api].kind else {
            unreachable!()
        };
        let r = s.calls[0].policy.retry.expect("retries");
        assert_eq!((r.max_attempts, r.budget), (2, Some(0.2)));
        let off = DesignEdit::CallRetry {
            node: api,
            call: 0,
            attempts: 1,
            budget: None,
        };
        let out = off.applied_to(&m).expect("applies");
        let NodeKind::Service(s) = &out.nodes[api].kind else {
            unreachable!()
        };
        assert!(s.calls[0].policy.retry.is_none(), "one try is no retry");
        let b = DesignEdit::CallBreaker {
            node: api,
            call: 0,
            on: true,
        };
        let out = b.applied_to(&m).expect("applies");
        let NodeKind::Service(s) = &out.nodes[api].kind else {
            unreachable!()
        };
        assert_eq!(s.calls[0].policy.breaker, Some(default_breaker()));

        let m = lesson("cache-stampede.toml");
        let cache = node(&m, "cache");
        let out = DesignEdit::Coalesce {
            node: cache,
            on: true,
        }
        .applied_to(&m)
        .expect("applies");
        assert!(matches!(&out.nodes[cache].kind, NodeKind::Cache(c) if c.coalesce));
        let out = DesignEdit::Popularity {
            workload: 0,
            zipf: None,
        }
        .applied_to(&m)
        .expect("applies");
        assert!(matches!(
            out.workloads[0].keys.popularity,
            Popularity::Uniform
        ));
    }

    #[test]
    fn an_edit_the_design_cannot_take_is_refused_with_a_reason() {
        let m = lesson("retry-storm.toml");
        let backend = node(&m, "backend");
        let e = DesignEdit::ColdStart {
            node: backend,
            cold_start: SimTime::from_millis(1000),
        };
        let err = e.applied_to(&m).expect_err("no autoscaler");
        assert!(err.contains("no autoscaler"), "{err}");
        let e = DesignEdit::CallRetry {
            node: backend,
            call: 0,
            attempts: 3,
            budget: None,
        };
        assert!(e.applied_to(&m).is_err(), "backend makes no call");
        // The loader's own checks apply: a Zipf exponent of 0 is refused.
        let e = DesignEdit::Popularity {
            workload: 0,
            zipf: Some(0.0),
        };
        let err = e.applied_to(&m).expect_err("the loader refuses s = 0");
        assert!(!err.is_empty());
    }
}
