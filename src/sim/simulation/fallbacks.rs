//! Fallbacks: a call that failed for good (after its retries, or refused by its open breaker) asks its `fallback` instead, and that answer stands for the call's.

use super::{MESSAGE, NO_WORK, Req, Simulation, VisitState};
use crate::sim::event::EventKind;
use crate::sim::metrics::FailureCause;

impl Simulation {
    /// Visit `j`'s current call failed for good: if it has a fallback (and
    /// this is not already its answer), sends the call's request there,
    /// once, under the call's timeout, and returns true.
    pub(super) fn try_fallback(&mut self, j: u32) -> bool {
        let visit = self.visits[j as usize];
        if visit.on_fallback || visit.leg || visit.answered {
            return false;
        }
        let node = visit.node as usize;
        let i = (visit.next_call as usize).saturating_sub(1);
        let Some(call) = self.nodes[node].calls().get(i).copied() else {
            return false;
        };
        let Some(to) = call.fallback else {
            return false;
        };
        // The fallback does its own work, not the call's.
        let req = Req {
            work: NO_WORK,
            ..self.call_req(node, i, &call, &visit)
        };
        let s = &mut self.nodes[node].stats;
        s.counts.fallbacks += 1;
        s.window_counts.fallbacks += 1;
        if visit.fanned {
            self.end_fan(j);
        }
        let jm = &mut self.visits[j as usize];
        jm.on_fallback = true;
        // Something goes out now: a queue message is charged the delivery.
        jm.short_circuited = false;
        jm.rep = 0;
        jm.token = jm.token.wrapping_add(1);
        jm.state = VisitState::Calling;
        let (generation, token) = (jm.generation, jm.token);
        if let Some(t) = call.policy.timeout {
            let at = self.now.saturating_add(t);
            let kind = EventKind::CallTimeout {
                visit: j,
                generation,
                token,
            };
            self.events.schedule(at, kind);
        }
        let caller = self.caller_of(j);
        self.send(req, to, caller, Some(node), None);
        true
    }

    /// The fallback of visit `j`'s current call answered (or timed out):
    /// the visit goes on as if the call had succeeded, or fails.
    pub(super) fn fallback_answered(&mut self, j: u32, outcome: Result<(), FailureCause>) {
        self.visits[j as usize].on_fallback = false;
        let Err(cause) = outcome else {
            self.continue_work(j);
            return;
        };
        let visit = self.visits[j as usize];
        let s = &mut self.nodes[visit.node as usize].stats;
        s.counts.fallbacks_failed += 1;
        s.window_counts.fallbacks_failed += 1;
        if visit.answered {
            self.leave(j);
            return;
        }
        if visit.parent != MESSAGE {
            s.counts.failed_downstream += 1;
            s.window_counts.failed_downstream += 1;
        }
        self.answer(j, Err(cause));
        self.leave(j);
    }
}
