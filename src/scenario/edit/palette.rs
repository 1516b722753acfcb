//! What a node dropped from the editor's palette starts with: the fields each kind requires, at modest values, so it runs as soon as it is wired.

use toml::{Table, Value};

/// Every node kind the palette offers, in its order.
pub const KINDS: [&str; 9] = [
    "load_balancer",
    "service",
    "cache",
    "cdn",
    "database",
    "rate_limiter",
    "queue",
    "topic",
    "external",
];

/// What a node the palette adds outside a level costs an hour (per
/// replica or instance), so that a sandbox design's bill means something:
/// the prices of the shipped URL shortener and its kin (a level prices
/// what it lets you add in `[level] price`).
pub fn sandbox_prices() -> Vec<(String, f64)> {
    [
        ("load_balancer", 0.05),
        ("service", 0.20),
        ("cache", 0.50),
        ("cdn", 0.50),
        ("database", 0.80),
        ("rate_limiter", 0.05),
        ("queue", 0.10),
        ("topic", 0.10),
    ]
    .into_iter()
    .map(|(k, p)| (k.to_string(), p))
    .collect()
}

/// The id a new node of `kind` is named after.
pub fn id_stem(kind: &str) -> &str {
    match kind {
        "load_balancer" => "lb",
        "service" => "api",
        "database" => "db",
        "rate_limiter" => "limiter",
        other => other,
    }
}

/// A node of `kind` called `id` with the palette's starting fields.
pub fn new_node(kind: &str, id: &str) -> Result<Table, String> {
    let mut t = Table::new();
    t.insert("id".into(), s(id));
    t.insert("kind".into(), s(kind));
    let fields: &[(&str, Value)] = match kind {
        "load_balancer" => &[("algorithm", s("round_robin"))],
        "service" => &[
            ("replicas", Value::Integer(1)),
            ("workers", Value::Integer(4)),
            ("service_time", s("5ms")),
        ],
        "cache" | "cdn" => &[
            ("capacity", Value::Integer(10_000)),
            ("hit_time", s("0.5ms")),
        ],
        "database" => &[("workers", Value::Integer(8)), ("service_time", s("5ms"))],
        "rate_limiter" => &[
            ("algorithm", s("token_bucket")),
            ("rate", Value::Integer(1000)),
        ],
        "queue" => &[("consumers", Value::Integer(1)), ("service_time", s("5ms"))],
        // Its subscriber queues are wired (Shift+drag), not typed.
        "topic" => &[],
        // A third-party service: it only answers, so it runs as it is.
        "external" => &[("latency", s("100ms"))],
        other => {
            return Err(format!(
                "no node kind `{other}` (the palette has {})",
                KINDS.join(", ")
            ));
        }
    };
    for (k, v) in fields {
        t.insert((*k).into(), v.clone());
    }
    Ok(t)
}

fn s(x: &str) -> Value {
    Value::String(x.into())
}
