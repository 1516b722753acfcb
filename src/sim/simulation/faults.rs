//! `Simulation::apply`: live changes and faults (crash, recover, slow-down, partition, spike), effective at the current instant.

use super::nodes::NodeState;
use super::{JobState, MESSAGE, NONE, Simulation};
use crate::sim::command::{Command, CommandError};
use crate::sim::components::rate_limiter::Limiter;
use crate::sim::metrics::FailureCause;
use crate::sim::model::{Arrival, MAX_DATABASE_INSTANCES, NodeKind};
use crate::sim::station::Station;
use crate::sim::time::SimTime;

fn err<T>(m: String) -> Result<T, CommandError> {
    Err(CommandError(m))
}

impl Simulation {
    fn check_node(&self, node: usize) -> Result<(), CommandError> {
        if node < self.nodes.len() {
            Ok(())
        } else {
            err(format!("no node with index {node}"))
        }
    }

    /// Applies a live change at the current instant. A refused command
    /// leaves the simulation unchanged.
    pub fn apply(&mut self, cmd: Command) -> Result<(), CommandError> {
        let now = self.now;
        match cmd {
            Command::SetReplicas { node, replicas } => {
                self.check_node(node)?;
                if !(1..=10_000).contains(&replicas) {
                    return err(format!("replicas must be 1..=10000, got {replicas}"));
                }
                let n = &mut self.nodes[node];
                let NodeState::Service {
                    spec,
                    stations,
                    scaling,
                    ..
                } = &mut n.state
                else {
                    return err(format!("`{}` is not a service", n.id));
                };
                spec.replicas = replicas;
                if let Some(sc) = scaling {
                    sc.target = replicas;
                }
                resize_stations(stations, replicas as usize, spec.workers, spec.queue, now);
                if let NodeKind::Service(s) = &mut self.model.nodes[node].kind {
                    s.replicas = replicas;
                }
            }
            Command::SetLimiterRate { node, rate } => {
                if !(rate.is_finite() && rate > 0.0 && rate <= 1e9) {
                    return err(format!(
                        "a rate limiter's rate must be above 0 and at most 1e9 requests per second, got {rate}"
                    ));
                }
                self.change_limiter(node, |l| {
                    l.set_rate(now, rate)
                        .then_some(())
                        .ok_or("it has a `limit` per window, not a rate")
                })?;
            }
            Command::SetLimiterLimit { node, limit } => {
                if limit == 0 {
                    return err("a rate limiter's limit must be at least 1".to_string());
                }
                self.change_limiter(node, |l| {
                    l.set_limit(limit)
                        .then_some(())
                        .ok_or("it has a `rate`, not a limit per window")
                })?;
            }
            Command::SetReadReplicas { node, replicas } => {
                self.check_node(node)?;
                if replicas > 1000 {
                    return err(format!("read replicas must be 0..=1000, got {replicas}"));
                }
                let n = &mut self.nodes[node];
                let NodeState::Database {
                    spec,
                    stations,
                    layout,
                    ..
                } = &mut n.state
                else {
                    return err(format!("`{}` is not a database", n.id));
                };
                let instances = layout.len() as u64 * (1 + u64::from(replicas));
                if instances > MAX_DATABASE_INSTANCES {
                    return err(format!(
                        "a database has at most {MAX_DATABASE_INSTANCES} instances: {} shards \
                         × (1 + {replicas}) = {instances}",
                        layout.len()
                    ));
                }
                // Station indices never move (visits hold them): removed
                // replicas leave the routing table and drain; new ones reuse
                // a retired station (inactive) before a new one is appended,
                // so raising and lowering replicas again and again does not
                // grow the table.
                let mut retired: Vec<usize> = (0..stations.len())
                    .rev()
                    .filter(|&i| !stations[i].active)
                    .collect();
                let mut spare: Vec<usize> = Vec::new();
                for shard in layout.iter_mut() {
                    while shard.len() > replicas as usize + 1 {
                        if let Some(i) = shard.pop() {
                            stations[i].set_active(false, now);
                            spare.push(i);
                        }
                    }
                }
                for shard in layout.iter_mut() {
                    while shard.len() < replicas as usize + 1 {
                        let i = match spare.pop().or_else(|| retired.pop()) {
                            Some(i) => {
                                stations[i].set_workers(spec.workers, now);
                                stations[i].set_active(true, now);
                                i
                            }
                            None => {
                                stations.push(Station::new(spec.workers, spec.queue, now));
                                stations.len() - 1
                            }
                        };
                        shard.push(i);
                    }
                }
                spec.read_replicas = replicas;
                if let NodeKind::Database(d) = &mut self.model.nodes[node].kind {
                    d.read_replicas = replicas;
                }
            }
            Command::SetWorkers { node, workers } => {
                self.check_node(node)?;
                if !(1..=100_000).contains(&workers) {
                    return err(format!("workers must be 1..=100000, got {workers}"));
                }
                let n = &mut self.nodes[node];
                let id = n.id.clone();
                match (&mut n.state, &mut self.model.nodes[node].kind) {
                    (NodeState::Service { spec, .. }, NodeKind::Service(m)) => {
                        spec.workers = workers;
                        m.workers = workers;
                    }
                    (NodeState::Database { spec, .. }, NodeKind::Database(m)) => {
                        spec.workers = workers;
                        m.workers = workers;
                    }
                    (NodeState::Queue { spec, .. }, NodeKind::Queue(m)) => {
                        spec.consumers = workers;
                        m.consumers = workers;
                    }
                    _ => return err(format!("`{id}` has no workers")),
                }
                let count = n.stations().map_or(0, Vec::len);
                for st in 0..count {
                    if let Some(ss) = self.nodes[node].stations_mut() {
                        ss[st].set_workers(workers, now);
                    }
                    self.fill_workers(node, st);
                }
            }
            Command::SetQueueCapacity { node, capacity } => {
                self.check_node(node)?;
                let n = &mut self.nodes[node];
                let id = n.id.clone();
                match (&mut n.state, &mut self.model.nodes[node].kind) {
                    (NodeState::Service { spec, .. }, NodeKind::Service(m)) => {
                        spec.queue = capacity;
                        m.queue = capacity;
                    }
                    (NodeState::Database { spec, .. }, NodeKind::Database(m)) => {
                        spec.queue = capacity;
                        m.queue = capacity;
                    }
                    (NodeState::Queue { spec, .. }, NodeKind::Queue(m)) => {
                        spec.capacity = capacity;
                        m.capacity = capacity;
                    }
                    _ => return err(format!("`{id}` has no queue")),
                }
                if let Some(ss) = n.stations_mut() {
                    for s in ss {
                        s.line_capacity = capacity;
                    }
                }
            }
            Command::SetServiceTime { node, dist } => {
                self.check_node(node)?;
                let m = dist.mean();
                if !(m >= 0.0 && m.is_finite()) {
                    return err("the service time needs a finite mean".into());
                }
                let n = &mut self.nodes[node];
                let id = n.id.clone();
                match (&mut n.state, &mut self.model.nodes[node].kind) {
                    (NodeState::Service { spec, .. }, NodeKind::Service(m)) => {
                        spec.service_time = dist;
                        m.service_time = dist;
                    }
                    (NodeState::Database { spec, .. }, NodeKind::Database(m)) => {
                        spec.service_time = dist;
                        m.service_time = dist;
                    }
                    (NodeState::Queue { spec, .. }, NodeKind::Queue(m)) => {
                        spec.service_time = dist;
                        m.service_time = dist;
                    }
                    (NodeState::Cache { spec, .. }, NodeKind::Cache(m)) => {
                        spec.hit_time = dist;
                        m.hit_time = dist;
                    }
                    _ => return err(format!("`{id}` has no service time")),
                }
            }
            Command::SetTimeout { node, timeout } => {
                self.check_node(node)?;
                if timeout == Some(SimTime::ZERO) {
                    return err("a timeout must be above zero (or none)".into());
                }
                let n = &mut self.nodes[node];
                let id = n.id.clone();
                match (&mut n.state, &mut self.model.nodes[node].kind) {
                    (NodeState::Service { spec, .. }, NodeKind::Service(m)) => {
                        spec.timeout = timeout;
                        m.timeout = timeout;
                    }
                    (NodeState::Database { spec, .. }, NodeKind::Database(m)) => {
                        spec.timeout = timeout;
                        m.timeout = timeout;
                    }
                    _ => return err(format!("`{id}` has no timeout")),
                }
            }
            Command::SetLbAlgorithm { node, algorithm } => {
                self.check_node(node)?;
                let n = &mut self.nodes[node];
                let NodeState::LoadBalancer { balancer, .. } = &mut n.state else {
                    return err(format!("`{}` is not a load balancer", n.id));
                };
                balancer.algorithm = algorithm;
                if let NodeKind::LoadBalancer(m) = &mut self.model.nodes[node].kind {
                    m.algorithm = algorithm;
                }
            }
            Command::SetCacheCapacity { node, capacity } => {
                self.check_node(node)?;
                let n = &mut self.nodes[node];
                let NodeState::Cache { spec, store, .. } = &mut n.state else {
                    return err(format!("`{}` is not a cache", n.id));
                };
                spec.capacity = capacity;
                store.set_capacity(capacity);
                if let NodeKind::Cache(m) = &mut self.model.nodes[node].kind {
                    m.capacity = capacity;
                }
            }
            Command::SetCachePolicy { node, policy } => {
                self.check_node(node)?;
                let n = &mut self.nodes[node];
                let NodeState::Cache { spec, store, .. } = &mut n.state else {
                    return err(format!("`{}` is not a cache", n.id));
                };
                spec.policy = policy;
                store.set_policy(policy);
                if let NodeKind::Cache(m) = &mut self.model.nodes[node].kind {
                    m.policy = policy;
                }
            }
            Command::SetCacheTtl { node, ttl } => {
                self.check_node(node)?;
                if ttl == Some(SimTime::ZERO) {
                    return err("a TTL must be above zero (or none)".into());
                }
                let n = &mut self.nodes[node];
                let NodeState::Cache { spec, store, .. } = &mut n.state else {
                    return err(format!("`{}` is not a cache", n.id));
                };
                spec.ttl = ttl;
                store.ttl = ttl;
                if let NodeKind::Cache(m) = &mut self.model.nodes[node].kind {
                    m.ttl = ttl;
                }
            }
            Command::FlushCache { node } => {
                self.check_node(node)?;
                let n = &mut self.nodes[node];
                let NodeState::Cache { store, .. } = &mut n.state else {
                    return err(format!("`{}` is not a cache", n.id));
                };
                store.clear();
            }
            Command::SetWorkloadRate { workload, rate } => {
                let Some(src) = self.sources.get_mut(workload) else {
                    return err(format!("no workload with index {workload}"));
                };
                if !(rate.is_finite() && (0.0..=1e9).contains(&rate)) {
                    return err(format!("rate must be 0..=1e9 requests/s, got {rate}"));
                }
                if matches!(src.spec.arrival, Arrival::Closed { .. }) {
                    return err("a closed-loop workload has users, not a rate".into());
                }
                src.set_rate(rate, now);
                self.model.workloads[workload].phases = src.spec.phases.clone();
                self.schedule_arrival(workload);
            }
            Command::SetReadFraction {
                workload,
                read_fraction,
            } => {
                let Some(src) = self.sources.get_mut(workload) else {
                    return err(format!("no workload with index {workload}"));
                };
                if !(0.0..=1.0).contains(&read_fraction) {
                    return err(format!("read fraction must be 0..=1, got {read_fraction}"));
                }
                src.spec.read_fraction = read_fraction;
                self.model.workloads[workload].read_fraction = read_fraction;
            }
            Command::SetRateFactor { workload, factor } => {
                let Some(src) = self.sources.get_mut(workload) else {
                    return err(format!("no workload with index {workload}"));
                };
                if !(factor.is_finite() && (0.0..=1e6).contains(&factor)) {
                    return err(format!("a rate factor must be 0..=1e6, got {factor}"));
                }
                if matches!(src.spec.arrival, Arrival::Closed { .. }) {
                    return err("a closed-loop workload has users, not a rate".into());
                }
                src.set_factor(factor);
                self.schedule_arrival(workload);
            }
            Command::SlowDown { node, factor } => {
                self.check_node(node)?;
                if !(factor.is_finite() && factor > 0.0 && factor <= 1e6) {
                    return err(format!(
                        "a slow-down factor must be above 0 and at most 1e6, got {factor}"
                    ));
                }
                self.nodes[node].slow = factor;
            }
            Command::Partition { from, to, hang } => {
                self.check_node(from)?;
                self.check_node(to)?;
                if from == to {
                    return err("a partition needs two different nodes".into());
                }
                self.partitions
                    .retain(|&(a, b, _)| !((a == from && b == to) || (a == to && b == from)));
                self.partitions.push((from, to, hang));
            }
            Command::Heal { from, to } => {
                self.check_node(from)?;
                self.check_node(to)?;
                self.partitions
                    .retain(|&(a, b, _)| !((a == from && b == to) || (a == to && b == from)));
            }
            Command::Crash { node, replica } => {
                self.check_node(node)?;
                self.crash(node, replica)?;
            }
            Command::Recover { node, replica } => {
                self.check_node(node)?;
                self.recover(node, replica)?;
            }
        }
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

    fn crash(&mut self, node: usize, replica: Option<u32>) -> Result<(), CommandError> {
        let now = self.now;
        let targets = self.targets(node, replica)?;
        let is_queue = matches!(self.nodes[node].state, NodeState::Queue { .. });
        let mut waiting = Vec::new();
        let mut coalesced = Vec::new();
        if let Some(ss) = self.nodes[node].stations_mut() {
            for &t in &targets {
                ss[t].set_down(true, now);
                if !is_queue {
                    waiting.extend(ss[t].line.drain(..));
                }
            }
        } else {
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
        let victims: Vec<u32> = (0..self.jobs.len() as u32)
            .filter(|&j| {
                let job = &self.jobs[j as usize];
                job.node == node as u32
                    && job.node != NONE
                    && !job.answered
                    && (targets.is_empty() || targets.contains(&(job.station as usize)))
                    && !(is_queue && job.parent == MESSAGE && job.state == JobState::Waiting)
            })
            .collect();
        for &j in &victims {
            let s = &mut self.nodes[node].stats;
            s.counts.errors += 1;
            s.window_counts.errors += 1;
            self.answer(j, Err(FailureCause::Error));
            if matches!(
                self.jobs[j as usize].state,
                JobState::Lookup | JobState::Delayed
            ) {
                // Nothing more will happen to it here.
                self.leave(j);
            }
        }
        // The waiting line is gone: its visits (failed above, or already
        // answered by a timeout) leave without service.
        for j in waiting {
            if let Some(ss) = self.nodes[node].stations_mut() {
                let st = self.jobs[j as usize].station as usize;
                if let Some(s) = ss.get_mut(st) {
                    s.drop_waiting();
                }
            }
            self.leave(j);
        }
        for (w, generation) in coalesced {
            if self.job_is(w, generation) {
                self.leave(w);
            }
        }
        Ok(())
    }

    fn recover(&mut self, node: usize, replica: Option<u32>) -> Result<(), CommandError> {
        let now = self.now;
        let targets = self.targets(node, replica)?;
        self.nodes[node].down = false;
        for t in targets {
            if let Some(ss) = self.nodes[node].stations_mut() {
                ss[t].set_down(false, now);
            }
            self.fill_workers(node, t);
        }
        Ok(())
    }
}

impl Simulation {
    /// Changes rate limiter `node` with `change`, then copies its settings
    /// into the model (what the window shows and a saved scenario writes).
    fn change_limiter(
        &mut self,
        node: usize,
        change: impl FnOnce(&mut Limiter) -> Result<(), &'static str>,
    ) -> Result<(), CommandError> {
        self.check_node(node)?;
        let n = &mut self.nodes[node];
        let NodeState::RateLimiter { limiter, .. } = &mut n.state else {
            return err(format!("`{}` is not a rate limiter", n.id));
        };
        if let Err(why) = change(limiter) {
            return err(format!(
                "`{}` is a {} limiter: {why}",
                n.id,
                limiter.algorithm.name()
            ));
        }
        let algorithm = limiter.algorithm;
        if let NodeKind::RateLimiter(m) = &mut self.model.nodes[node].kind {
            m.algorithm = algorithm;
        }
        Ok(())
    }
}

/// Makes `want` stations active: reactivates drained ones first, then adds;
/// surplus ones stop being routed to and drain.
pub(super) fn resize_stations(
    stations: &mut Vec<Station>,
    want: usize,
    workers: u32,
    queue: Option<u32>,
    now: SimTime,
) {
    for (i, s) in stations.iter_mut().enumerate() {
        s.set_active(i < want, now);
    }
    while stations.len() < want {
        stations.push(Station::new(workers, queue, now));
    }
}
