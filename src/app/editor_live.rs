//! Build mode: an edit of a setting the engine changes while it runs (a service's replicas; a service's or database's workers, line, timeout, service time) goes to the running simulation instead of restarting it.

use crate::scenario::edit::{Edit, Part};
use crate::sim::model::NodeKind;
use crate::sim::{Command, Model};

/// The live command that makes the run what `e` made the design, `new`
/// (the design as loaded after it), with its label for the charts; `None`
/// when `e` changes something only a restart can.
pub fn live_command(e: &Edit, new: &Model) -> Option<(Command, String)> {
    let Edit::SetField {
        part: Part::Node(id),
        path,
        ..
    } = e
    else {
        return None;
    };
    let node = new.nodes.iter().position(|n| &n.id == id)?;
    let (workers, queue, timeout, service_time) = match &new.nodes[node].kind {
        NodeKind::Service(s) => (s.workers, s.queue, s.timeout, s.service_time),
        NodeKind::Database(d) => (d.workers, d.queue, d.timeout, d.service_time),
        _ => return None,
    };
    let cmd = match (path.as_str(), &new.nodes[node].kind) {
        ("replicas", NodeKind::Service(s)) => Command::SetReplicas {
            node,
            replicas: s.replicas,
        },
        ("workers", _) => Command::SetWorkers { node, workers },
        ("queue", _) => Command::SetQueueCapacity {
            node,
            capacity: queue,
        },
        ("timeout", _) => Command::SetTimeout { node, timeout },
        ("service_time", _) => Command::SetServiceTime {
            node,
            dist: service_time,
        },
        _ => return None,
    };
    Some((cmd, format!("{id}: {path} (live)")))
}
