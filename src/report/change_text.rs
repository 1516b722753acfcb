//! Live changes and scheduled events in words, naming nodes and workloads by their ids: `api: replicas → 6`, `db instance 1 crashed`.

use crate::sim::model::Model;
use crate::sim::{Command, SimTime};

/// `command` in a learner's words, with the model's node and workload ids.
pub fn describe(model: &Model, command: &Command) -> String {
    let node = |i: usize| {
        model
            .nodes
            .get(i)
            .map_or_else(|| format!("node #{i}"), |n| n.id.clone())
    };
    let workload = |w: usize| {
        model
            .workloads
            .get(w)
            .map_or_else(|| format!("workload #{w}"), |x| x.name.clone())
    };
    let part = |i: usize, r: Option<u32>| match r {
        None => node(i),
        Some(k) => format!("{} {} {k}", node(i), replica_word(model, i)),
    };
    match command {
        Command::SetReplicas { node: i, replicas } => {
            format!("{}: replicas → {replicas}", node(*i))
        }
        Command::SetWorkers { node: i, workers } => format!("{}: workers → {workers}", node(*i)),
        Command::SetQueueCapacity { node: i, capacity } => match capacity {
            Some(c) => format!("{}: queue capacity → {c}", node(*i)),
            None => format!("{}: queue capacity → no limit", node(*i)),
        },
        Command::SetServiceTime { node: i, dist } => {
            format!("{}: service time → {}", node(*i), dist.describe())
        }
        Command::SetTimeout { node: i, timeout } => match timeout {
            Some(t) => format!("{}: timeout → {}", node(*i), ms(*t)),
            None => format!("{}: timeout → none", node(*i)),
        },
        Command::SetLbAlgorithm { node: i, algorithm } => {
            format!("{}: algorithm → {}", node(*i), algorithm.name())
        }
        Command::SetCacheCapacity { node: i, capacity } => {
            format!("{}: capacity → {capacity} keys", node(*i))
        }
        Command::SetCachePolicy { node: i, policy } => {
            format!("{}: eviction → {}", node(*i), policy.name())
        }
        Command::SetCacheTtl { node: i, ttl } => match ttl {
            Some(t) => format!("{}: ttl → {}", node(*i), ms(*t)),
            None => format!("{}: ttl → none", node(*i)),
        },
        Command::FlushCache { node: i } => format!("{} flushed", node(*i)),
        Command::SetLimiterRate { node: i, rate } => format!("{}: rate → {rate}/s", node(*i)),
        Command::SetLimiterLimit { node: i, limit } => format!("{}: limit → {limit}", node(*i)),
        Command::SetReadReplicas { node: i, replicas } => {
            format!("{}: read replicas → {replicas}", node(*i))
        }
        Command::SetWorkloadRate { workload: w, rate } => {
            format!("{}: rate → {rate} req/s", workload(*w))
        }
        Command::SetReadFraction {
            workload: w,
            read_fraction,
        } => format!("{}: reads → {:.0}%", workload(*w), read_fraction * 100.0),
        Command::SetRateFactor {
            workload: w,
            factor,
        } => {
            if (*factor - 1.0).abs() < 1e-12 {
                format!("{}: spike ended", workload(*w))
            } else {
                format!("{}: traffic ×{factor}", workload(*w))
            }
        }
        Command::Crash { node: i, replica } => format!("{} crashed", part(*i, *replica)),
        Command::Recover { node: i, replica } => format!("{} recovered", part(*i, *replica)),
        Command::SlowDown { node: i, factor } => {
            if (*factor - 1.0).abs() < 1e-12 {
                format!("{}: normal speed", node(*i))
            } else {
                format!("{} slowed ×{factor}", node(*i))
            }
        }
        Command::Partition { from, to, hang } => format!(
            "network cut {} ↔ {}{}",
            node(*from),
            node(*to),
            if *hang { " (calls hang)" } else { "" }
        ),
        Command::Heal { from, to } => format!("network healed {} ↔ {}", node(*from), node(*to)),
    }
}

/// "instance" for a database, "replica" for the rest.
fn replica_word(model: &Model, i: usize) -> &'static str {
    match model.nodes.get(i).map(|n| n.kind.name()) {
        Some("database") => "instance",
        _ => "replica",
    }
}

/// `250 ms`, `1.5 s`.
fn ms(t: SimTime) -> String {
    let v = t.as_millis_f64();
    if v >= 1000.0 {
        format!("{} s", v / 1000.0)
    } else {
        format!("{v} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/url-shortener.toml"
        ))
        .expect("shipped scenario");
        crate::scenario::load_str(&text, "url-shortener.toml", &[]).expect("loads")
    }

    #[test]
    fn changes_name_nodes_by_id_not_by_number() {
        let m = model();
        let api = m.nodes.iter().position(|n| n.id == "api").unwrap();
        let db = m.nodes.iter().position(|n| n.id == "db").unwrap();
        assert_eq!(
            describe(
                &m,
                &Command::SetReplicas {
                    node: api,
                    replicas: 6
                }
            ),
            "api: replicas → 6"
        );
        assert_eq!(
            describe(
                &m,
                &Command::Crash {
                    node: db,
                    replica: Some(1)
                }
            ),
            "db instance 1 crashed"
        );
        assert_eq!(
            describe(
                &m,
                &Command::SetTimeout {
                    node: api,
                    timeout: Some(SimTime::from_millis(250))
                }
            ),
            "api: timeout → 250 ms"
        );
    }
}
