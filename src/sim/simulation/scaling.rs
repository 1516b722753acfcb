//! The autoscaler at work: periodic looks at a service, replicas added after a cold start or drained, decisions recorded.

use super::Simulation;
use super::nodes::NodeState;
use crate::sim::components::autoscaler::{ScaleEvent, ScaleMetric, desired_replicas};
use crate::sim::event::EventKind;
use crate::sim::station::Station;
use crate::sim::time::SimTime;

impl Simulation {
    pub(super) fn autoscale_tick(&mut self, node: usize) {
        let now = self.now;
        let areas = self.nodes[node].areas(now);
        let n = &mut self.nodes[node];
        let NodeState::Service {
            spec,
            stations,
            scaling: Some(sc),
            ..
        } = &mut n.state
        else {
            return;
        };
        let Some(auto) = spec.autoscale else {
            return;
        };
        self.events.schedule(
            now.saturating_add(auto.interval.max(SimTime(1))),
            EventKind::AutoscaleTick { node: node as u32 },
        );
        let d = areas.minus(&sc.areas_at_tick);
        let dt = now.saturating_sub(sc.tick_at).0 as f64;
        sc.areas_at_tick = areas;
        sc.tick_at = now;
        let serving = stations.iter().filter(|s| s.routable()).count().max(1) as f64;
        let observed = match auto.metric {
            ScaleMetric::Utilisation => {
                if d.capacity == 0 {
                    return;
                }
                d.busy as f64 / d.capacity as f64
            }
            ScaleMetric::QueueDepth => {
                if dt <= 0.0 {
                    return;
                }
                d.queued as f64 / dt / serving
            }
        };
        if sc
            .last_action
            .is_some_and(|t| now.saturating_sub(t) < auto.cooldown)
        {
            return;
        }
        let current = sc.target;
        let Some(want) = desired_replicas(&auto, current, observed) else {
            return;
        };
        sc.target = want;
        sc.last_action = Some(now);
        let (workers, queue) = (spec.workers, spec.queue);
        spec.replicas = want;
        if want > current {
            // Reuse drained replicas first (they are warm), then start new ones.
            let mut needed = (want - current) as usize;
            for s in stations.iter_mut() {
                if needed == 0 {
                    break;
                }
                if !s.active && !s.warming && !s.down {
                    s.set_active(true, now);
                    needed -= 1;
                }
            }
            for _ in 0..needed {
                let mut s = Station::new(workers, queue, now);
                s.active = false;
                s.warming = true;
                stations.push(s);
                let station = (stations.len() - 1) as u32;
                self.events.schedule(
                    now.saturating_add(auto.cold_start),
                    EventKind::ReplicaReady {
                        node: node as u32,
                        station,
                    },
                );
            }
        } else {
            // Drain from the newest serving replicas down.
            let mut surplus = (current - want) as usize;
            for s in stations.iter_mut().rev() {
                if surplus == 0 {
                    break;
                }
                if s.warming {
                    s.warming = false;
                    s.set_active(false, now);
                    surplus -= 1;
                } else if s.active {
                    s.set_active(false, now);
                    surplus -= 1;
                }
            }
        }
        self.nodes[node].reshaped(now);
        self.sync_model(node);
        self.scale_events.push(ScaleEvent {
            at: now,
            node,
            from: current,
            to: want,
            observed,
        });
        // Bounded: a run keeps the most recent decisions.
        if self.scale_events.len() > 100_000 {
            self.scale_events.drain(..50_000);
        }
    }

    /// A replica's cold start is over: it serves from now on.
    pub(super) fn replica_ready(&mut self, node: usize, station: usize) {
        let now = self.now;
        if let Some(ss) = self.nodes[node].stations_mut()
            && let Some(s) = ss.get_mut(station)
            && s.warming
        {
            s.advance(now);
            s.warming = false;
            s.active = true;
            self.nodes[node].reshaped(now);
            self.fill_workers(node, station);
        }
    }
}
