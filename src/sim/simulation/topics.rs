//! Topic nodes (publish/subscribe): each published message is stored in every subscriber queue, and the publisher answered once all hold it.

use super::nodes::NodeState;
use super::{Caller, Req, Simulation};
use crate::sim::metrics::FailureCause;

impl Simulation {
    /// A publisher's request reaches topic `node`: a copy goes to every
    /// subscriber queue at once. The publish succeeds when every copy was
    /// stored; otherwise it fails with the first refusal (the copies
    /// stored elsewhere stay: delivery is at least once).
    pub(super) fn publish(&mut self, req: Req, node: usize, caller: Caller) {
        let mut outcome = Ok(());
        let mut k = 0;
        while let NodeState::Topic { subscribers } = &self.nodes[node].state
            && let Some(&q) = subscribers.get(k)
        {
            k += 1;
            let copy = self.offer_copy(req, node, q);
            if outcome.is_ok() {
                outcome = copy;
            }
        }
        match outcome {
            Ok(()) => {
                let s = &mut self.nodes[node].stats;
                s.counts.completed += 1;
                s.window_counts.completed += 1;
            }
            Err(cause) => self.count_refusal(node, cause),
        }
        self.deliver(caller, req, outcome, node);
    }

    /// One copy of a message from topic `topic` to subscriber queue `q`:
    /// it arrives there unless a partition cuts the two apart (either
    /// mode: the broker does not hang), and is stored unless the queue is
    /// full or down.
    fn offer_copy(&mut self, req: Req, topic: usize, q: usize) -> Result<(), FailureCause> {
        if self.partitioned(topic, q).is_some() {
            return Err(FailureCause::Error);
        }
        let n = &mut self.nodes[q];
        n.stats.counts.arrived += 1;
        n.stats.window_counts.arrived += 1;
        if n.down || !matches!(n.state, NodeState::Queue { .. }) {
            self.count_refusal(q, FailureCause::Error);
            return Err(FailureCause::Error);
        }
        self.store_message(req, q)
    }
}
