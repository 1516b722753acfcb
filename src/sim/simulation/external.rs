//! External services (third-party dependencies): a latency per call, an error probability, a rate limit and a concurrency limit, and no queue.

use rand::RngExt;

use super::nodes::NodeState;
use super::{Caller, Req, Simulation, VisitState};
use crate::sim::components::rate_limiter::Verdict;
use crate::sim::event::EventKind;
use crate::sim::metrics::FailureCause;

impl Simulation {
    /// A call reaches external service `node`: refused at once beyond its
    /// rate or concurrency limit, otherwise answered after a draw of its
    /// latency.
    pub(super) fn call_external(&mut self, req: Req, node: usize, caller: Caller) {
        let now = self.now;
        let n = &mut self.nodes[node];
        let NodeState::External { spec, limiter, .. } = &mut n.state else {
            return;
        };
        if limiter
            .as_mut()
            .is_some_and(|l| l.decide(now) != Verdict::Admit)
        {
            n.stats.counts.throttled += 1;
            n.stats.window_counts.throttled += 1;
            self.refuse(node, caller, req, FailureCause::Rejected);
            return;
        }
        if spec
            .concurrency
            .is_some_and(|c| n.stats.present >= u64::from(c))
        {
            n.stats.counts.over_concurrency += 1;
            n.stats.window_counts.over_concurrency += 1;
            self.refuse(node, caller, req, FailureCause::Rejected);
            return;
        }
        let delay = n.sample_work(req.kind, None);
        let done = |visit, generation| EventKind::ServiceDone { visit, generation };
        // Its latency is the provider's work: service time in a trace, not
        // a wait in line (it has none).
        self.timed_visit(req, node, caller, VisitState::Lookup, delay, done);
    }

    /// An external call's latency is over: it answers, with an error with
    /// probability `error_rate`.
    pub(super) fn external_done(&mut self, j: u32) {
        let node = self.visits[j as usize].node as usize;
        let n = &mut self.nodes[node];
        let NodeState::External { spec, errors, .. } = &mut n.state else {
            return;
        };
        let failed = spec.error_rate > 0.0 && errors.random::<f64>() < spec.error_rate;
        if failed {
            n.stats.counts.error_responses += 1;
            n.stats.window_counts.error_responses += 1;
            n.stats.counts.errors += 1;
            n.stats.window_counts.errors += 1;
            self.answer(j, Err(FailureCause::Error));
        } else {
            self.answer(j, Ok(()));
        }
        self.leave(j);
    }
}
