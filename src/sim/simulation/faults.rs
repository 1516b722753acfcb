//! Faults, effective at the current instant: crash, recover, slow-down, partition, heal, and a cache flush.

use super::commands::err;
use super::nodes::NodeState;
use super::{MESSAGE, NONE, Simulation, VisitState};
use crate::sim::command::CommandError;
use crate::sim::limits::SLOW_FACTOR;
use crate::sim::metrics::FailureCause;

impl Simulation {
    pub(super) fn flush_cache(&mut self, node: usize) -> Result<(), CommandError> {
        self.check_node(node)?;
        let n = &mut self.nodes[node];
        let NodeState::Cache { store, .. } = &mut n.state else {
            return err(format!("`{}` is not a cache", n.id));
        };
        store.clear();
        Ok(())
    }

    pub(super) fn slow_down(&mut self, node: usize, factor: f64) -> Result<(), CommandError> {
        self.check_node(node)?;
        if !SLOW_FACTOR.contains(factor) {
            let (min, max) = (SLOW_FACTOR.min, SLOW_FACTOR.max);
            return err(format!(
                "a slow-down factor must be above {min} and at most {max:e}, got {factor}"
            ));
        }
        self.nodes[node].slow = factor;
        Ok(())
    }

    pub(super) fn partition(
        &mut self,
        from: usize,
        to: usize,
        hang: bool,
    ) -> Result<(), CommandError> {
        self.check_node(from)?;
        self.check_node(to)?;
        if from == to {
            return err("a partition needs two different nodes".into());
        }
        self.partitions
            .retain(|&(a, b, _)| !((a == from && b == to) || (a == to && b == from)));
        self.partitions.push((from, to, hang));
        Ok(())
    }

    pub(super) fn heal(&mut self, from: usize, to: usize) -> Result<(), CommandError> {
        self.check_node(from)?;
        self.check_node(to)?;
        self.partitions
            .retain(|&(a, b, _)| !((a == from && b == to) || (a == to && b == from)));
        Ok(())
    }

    /// Stations a crash/recover applies to (all when `replica` is `None`).
    fn targets(&self, node: usize, replica: Option<u32>) -> Result<Vec<usize>, CommandError> {
        let n = &self.nodes[node];
        match (n.stations(), replica) {
            (Some(ss), None) => Ok((0..ss.len()).collect()),
            (Some(ss), Some(r)) if (r as usize) < ss.len() => Ok(vec![r as usize]),
            (Some(ss), Some(r)) => err(format!("`{}` has replicas 0..{}, not {r}", n.id, ss.len())),
            (None, None) => Ok(Vec::new()),
            (None, Some(_)) => err(format!("`{}` has no replicas", n.id)),
        }
    }

    pub(super) fn crash(&mut self, node: usize, replica: Option<u32>) -> Result<(), CommandError> {
        let now = self.now;
        let targets = self.targets(node, replica)?;
        let is_queue = matches!(self.nodes[node].state, NodeState::Queue { .. });
        // A cache crashes whole, its workers (if any) with its contents.
        let is_cache = matches!(self.nodes[node].state, NodeState::Cache { .. });
        let mut waiting = Vec::new();
        let mut coalesced = Vec::new();
        let stations = self.nodes[node].stations_mut();
        let whole = stations.is_none() || is_cache;
        if let Some(ss) = stations {
            for &t in &targets {
                ss[t].set_down(true, now);
                if !is_queue {
                    waiting.extend(ss[t].take_line());
                }
            }
        }
        // (Recounts the balancing index and the window tally; a no-op for
        // kinds without stations.)
        self.nodes[node].reshaped(now);
        if whole {
            self.nodes[node].down = true;
            if let NodeState::Cache {
                store,
                fetching,
                dirty,
                dirty_set,
                ..
            } = &mut self.nodes[node].state
            {
                store.clear();
                // Waiters of a single-flight fetch have no call of their own
                // out: they leave as soon as they are failed.
                coalesced = fetching.values().flatten().copied().collect::<Vec<_>>();
                fetching.clear();
                let lost = dirty.len() as u64;
                dirty.clear();
                dirty_set.clear();
                self.nodes[node].stats.counts.data_lost += lost;
                self.nodes[node].stats.window_counts.data_lost += lost;
            }
        }
        // Everything the crashed part holds fails now.
        let victims: Vec<u32> = (0..self.visits.len() as u32)
            .filter(|&j| {
                let visit = &self.visits[j as usize];
                visit.node == node as u32
                    && visit.node != NONE
                    && !visit.answered
                    // A fan-out's sub-calls end with their calls; their
                    // parent (a visit here) is the one that fails.
                    && !visit.leg
                    && (whole || targets.contains(&(visit.station as usize)))
                    && !(is_queue && visit.parent == MESSAGE && visit.state == VisitState::Waiting)
            })
            .collect();
        for &j in &victims {
            let s = &mut self.nodes[node].stats;
            s.counts.errors += 1;
            s.window_counts.errors += 1;
            self.answer(j, Err(FailureCause::Error));
            if matches!(
                self.visits[j as usize].state,
                VisitState::Lookup | VisitState::Delayed
            ) {
                // Nothing more will happen to it here.
                self.leave(j);
            }
        }
        // The waiting line is gone: its visits (failed above, or already
        // answered by a timeout) leave without service.
        for j in waiting {
            if let Some(ss) = self.nodes[node].stations_mut() {
                let st = self.visits[j as usize].station as usize;
                if let Some(s) = ss.get_mut(st) {
                    s.drop_waiting();
                }
                self.nodes[node].station_changed(st);
            }
            self.leave(j);
        }
        for (w, generation) in coalesced {
            if self.visit_is(w, generation) {
                self.leave(w);
            }
        }
        Ok(())
    }

    pub(super) fn recover(
        &mut self,
        node: usize,
        replica: Option<u32>,
    ) -> Result<(), CommandError> {
        let now = self.now;
        let targets = self.targets(node, replica)?;
        self.nodes[node].down = false;
        for t in targets {
            if let Some(ss) = self.nodes[node].stations_mut() {
                ss[t].set_down(false, now);
            }
            self.nodes[node].reshaped(now);
            self.fill_workers(node, t);
        }
        Ok(())
    }
}
