//! Forwards over a link: a route's `latency` delays the request on its way to the next stage (the worker is freed at once; the answer goes straight back to the original caller).

use super::nodes::NodeState;
use super::{Simulation, VisitState};
use crate::sim::event::EventKind;

impl Simulation {
    /// Visit `j` forwards over route `k`'s link: it is done here (freeing
    /// its worker) and its request travels as a transit visit, which no
    /// node counts, until the link's draw is over.
    #[cold]
    #[inline(never)]
    pub(super) fn forward_over_link(&mut self, j: u32, node: usize, k: usize) {
        let NodeState::Service {
            spec,
            forward_links,
            ..
        } = &mut self.nodes[node].state
        else {
            return;
        };
        let Some(route) = spec.forward.get(k).copied() else {
            return;
        };
        let delay = match (route.latency, forward_links.get_mut(k)) {
            (Some(l), Some(Some(rng))) => l.sample(rng),
            _ => crate::sim::time::SimTime::ZERO,
        };
        self.record_success(j);
        let visit = self.visits[j as usize];
        let caller = Simulation::caller_of_parent(&visit);
        self.leave(j);
        let mut transit = Simulation::new_visit(visit.req, node, route.to as u32, caller, self.now);
        transit.leg = true;
        transit.state = VisitState::Transit;
        let t = self.alloc_visit(transit);
        let generation = self.visits[t as usize].generation;
        self.events.schedule(
            self.now.saturating_add(delay),
            EventKind::ForwardArrives {
                visit: t,
                generation,
            },
        );
    }

    /// A forwarded request has crossed its link: the next stage (kept in
    /// the transit visit's `station`) gets it, from the forwarding node.
    #[cold]
    #[inline(never)]
    pub(super) fn forward_arrives(&mut self, t: u32, generation: u32) {
        if !self.visit_is(t, generation) {
            return;
        }
        let transit = self.visits[t as usize];
        let caller = Simulation::caller_of_parent(&transit);
        self.leave(t);
        self.send(
            transit.req,
            transit.station as usize,
            caller,
            Some(transit.node as usize),
            None,
        );
    }
}
