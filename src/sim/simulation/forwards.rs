//! Forwards over a link: a route's `latency` (or its zones') delays the request on its way to the next stage (the worker is freed at once; the answer goes straight back to the original caller); and where zone links apply.

use super::nodes::NodeState;
use super::{NO_WORK, Req, Simulation, VisitState};
use crate::sim::event::EventKind;
use crate::sim::model::Model;
use crate::sim::rng::stream;
use crate::sim::time::SimTime;

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
        let delay = match forward_links.get_mut(k) {
            Some(Some((l, rng))) => l.sample(rng),
            _ => SimTime::ZERO,
        };
        self.record_success(j);
        let visit = self.visits[j as usize];
        let caller = Simulation::caller_of_parent(&visit);
        self.leave(j);
        let req = Req {
            work: NO_WORK,
            ..visit.req
        };
        let mut transit = Simulation::new_visit(req, node, route.to as u32, caller, self.now);
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

    /// Zone links: every call and forward between nodes of two zones the
    /// model links, without a latency of its own, crosses the zones' link
    /// (same streams as a link of its own would use).
    pub(super) fn apply_zone_links(&mut self, model: &Model, seed: u64) {
        if model.zone_links.is_empty() {
            return;
        }
        for (n, node) in self.nodes.iter_mut().enumerate() {
            let id = node.id.clone();
            let calls: Vec<_> = node.calls().to_vec();
            for (i, c) in calls.iter().enumerate() {
                let zone = model.zone_latency(n, c.to).filter(|_| c.latency.is_none());
                if let (Some(d), Some(rt)) = (zone, node.call_rt(i)) {
                    rt.zone = Some(d);
                    rt.link = Some(stream(seed, &id, &format!("link {i}")));
                }
            }
            if let NodeState::Cache { spec, link, .. } = &mut node.state
                && let Some(to) = spec.on_miss
                && let Some(d) = model.zone_latency(n, to)
            {
                *link = Some((d, stream(seed, &id, "on_miss link")));
            }
            if let NodeState::Service {
                spec,
                forward_links,
                ..
            } = &mut node.state
            {
                for (k, r) in spec.forward.iter().enumerate() {
                    let zone = model.zone_latency(n, r.to).filter(|_| r.latency.is_none());
                    if let (Some(d), Some(slot)) = (zone, forward_links.get_mut(k)) {
                        *slot = Some((d, stream(seed, &id, &format!("forward link {k}"))));
                    }
                }
            }
        }
    }
}
