//! The building blocks a request meets: traffic sources, load balancers, cache key stores, rate limiters (global or per key), retries and budgets, circuit breakers, the autoscaler rule.

pub(crate) mod autoscaler;
pub(crate) mod breaker;
pub(crate) mod cache;
pub(crate) mod call_keys;
pub(crate) mod key_zipf;
pub(crate) mod keyed_limiter;
pub(crate) mod load_balancer;
pub(crate) mod rate_limiter;
pub(crate) mod replica_index;
pub(crate) mod retry;
pub(crate) mod source;
