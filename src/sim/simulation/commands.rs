//! `Simulation::apply`: dispatches each live command to its own short handler; the model follows the runtime (`sync_model`).

use super::Simulation;
use super::nodes::NodeState;
use crate::sim::command::{Command, CommandError};
use crate::sim::components::rate_limiter::Limiter;
use crate::sim::dist::Dist;
use crate::sim::limits::{
    DATABASE_INSTANCES, LIMITER_LIMIT, LIMITER_RATE, READ_FRACTION, READ_REPLICAS, REPLICAS,
    SPIKE_FACTOR, WORKERS, WORKLOAD_RATE,
};
use crate::sim::model::{Arrival, CachePolicy, LbAlgorithm, NodeKind};
use crate::sim::station::Station;
use crate::sim::time::SimTime;

pub(super) fn err<T>(m: String) -> Result<T, CommandError> {
    Err(CommandError(m))
}

impl Simulation {
    /// Applies a live change at the current instant. A refused command
    /// leaves the simulation unchanged.
    pub fn apply(&mut self, cmd: Command) -> Result<(), CommandError> {
        let done = self.apply_one(cmd);
        // Replicas added, removed, crashed or recovered: balancers see it.
        let now = self.now;
        for n in &mut self.nodes {
            n.reshaped(now);
        }
        done
    }

    fn apply_one(&mut self, cmd: Command) -> Result<(), CommandError> {
        match cmd {
            Command::SetReplicas { node, replicas } => self.set_replicas(node, replicas),
            Command::SetWorkers { node, workers } => self.set_workers(node, workers),
            Command::SetQueueCapacity { node, capacity } => self.set_queue_capacity(node, capacity),
            Command::SetServiceTime { node, dist } => self.set_service_time(node, dist),
            Command::SetTimeout { node, timeout } => self.set_timeout(node, timeout),
            Command::SetLbAlgorithm { node, algorithm } => self.set_lb_algorithm(node, algorithm),
            Command::SetCacheCapacity { node, capacity } => self.set_cache_capacity(node, capacity),
            Command::SetCachePolicy { node, policy } => self.set_cache_policy(node, policy),
            Command::SetCacheTtl { node, ttl } => self.set_cache_ttl(node, ttl),
            Command::FlushCache { node } => self.flush_cache(node),
            Command::SetLimiterRate { node, rate } => self.set_limiter_rate(node, rate),
            Command::SetLimiterLimit { node, limit } => self.set_limiter_limit(node, limit),
            Command::SetReadReplicas { node, replicas } => self.set_read_replicas(node, replicas),
            Command::SetWorkloadRate { workload, rate } => self.set_workload_rate(workload, rate),
            Command::SetReadFraction {
                workload,
                read_fraction,
            } => self.set_read_fraction(workload, read_fraction),
            Command::SetRateFactor { workload, factor } => self.set_rate_factor(workload, factor),
            Command::SlowDown { node, factor } => self.slow_down(node, factor),
            Command::Partition { from, to, hang } => self.partition(from, to, hang),
            Command::Heal { from, to } => self.heal(from, to),
            Command::Crash { node, replica } => {
                self.check_node(node)?;
                self.crash(node, replica)
            }
            Command::Recover { node, replica } => {
                self.check_node(node)?;
                self.recover(node, replica)
            }
        }
    }

    pub(super) fn check_node(&self, node: usize) -> Result<(), CommandError> {
        if node < self.nodes.len() {
            Ok(())
        } else {
            err(format!("no node with index {node}"))
        }
    }

    /// Copies node `node`'s live settings into the model (what the window
    /// shows and a saved scenario writes). Live changes write the runtime
    /// only and then call this, so the two never drift apart.
    pub(super) fn sync_model(&mut self, node: usize) {
        match (&self.nodes[node].state, &mut self.model.nodes[node].kind) {
            (NodeState::Service { spec, .. }, NodeKind::Service(m)) => m.clone_from(spec),
            (NodeState::Database { spec, .. }, NodeKind::Database(m)) => m.clone_from(spec),
            (NodeState::Queue { spec, .. }, NodeKind::Queue(m)) => m.clone_from(spec),
            (NodeState::Cache { spec, .. }, NodeKind::Cache(m)) => m.clone_from(spec),
            (NodeState::External { spec, .. }, NodeKind::External(m)) => m.clone_from(spec),
            (NodeState::LoadBalancer { balancer, .. }, NodeKind::LoadBalancer(m)) => {
                m.algorithm = balancer.algorithm;
            }
            (NodeState::RateLimiter { limiter, .. }, NodeKind::RateLimiter(m)) => {
                m.algorithm = limiter.algorithm;
            }
            _ => {}
        }
    }

    /// The same for workload `w` (its rate phases and read fraction).
    fn sync_workload(&mut self, w: usize) {
        let spec = &self.sources[w].spec;
        let m = &mut self.model.workloads[w];
        m.phases.clone_from(&spec.phases);
        m.read_fraction = spec.read_fraction;
    }

    fn set_replicas(&mut self, node: usize, replicas: u32) -> Result<(), CommandError> {
        self.check_node(node)?;
        if !REPLICAS.contains(replicas) {
            let (min, max) = (REPLICAS.min, REPLICAS.max);
            return err(format!("replicas must be {min}..={max}, got {replicas}"));
        }
        let now = self.now;
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
        self.sync_model(node);
        Ok(())
    }

    fn set_workers(&mut self, node: usize, workers: u32) -> Result<(), CommandError> {
        self.check_node(node)?;
        if !WORKERS.contains(workers) {
            let (min, max) = (WORKERS.min, WORKERS.max);
            return err(format!("workers must be {min}..={max}, got {workers}"));
        }
        let now = self.now;
        let n = &mut self.nodes[node];
        match &mut n.state {
            NodeState::Service { spec, .. } => spec.workers = workers,
            NodeState::Database { spec, .. } => spec.workers = workers,
            NodeState::Queue { spec, .. } => spec.consumers = workers,
            NodeState::Cache { spec, stations, .. } if !stations.is_empty() => {
                spec.workers = Some(workers);
            }
            _ => return err(format!("`{}` has no workers", n.id)),
        }
        self.sync_model(node);
        let count = self.nodes[node].stations().map_or(0, Vec::len);
        for st in 0..count {
            if let Some(ss) = self.nodes[node].stations_mut() {
                ss[st].set_workers(workers, now);
            }
            self.fill_workers(node, st);
        }
        Ok(())
    }

    fn set_queue_capacity(
        &mut self,
        node: usize,
        capacity: Option<u32>,
    ) -> Result<(), CommandError> {
        self.check_node(node)?;
        let n = &mut self.nodes[node];
        match &mut n.state {
            NodeState::Service { spec, .. } => spec.queue = capacity,
            NodeState::Database { spec, .. } => spec.queue = capacity,
            NodeState::Queue { spec, .. } => spec.capacity = capacity,
            NodeState::Cache { spec, stations, .. } if !stations.is_empty() => {
                spec.queue = capacity;
            }
            _ => return err(format!("`{}` has no queue", n.id)),
        }
        if let Some(ss) = n.stations_mut() {
            for s in ss {
                s.line_capacity = capacity;
            }
        }
        self.sync_model(node);
        Ok(())
    }

    fn set_service_time(&mut self, node: usize, dist: Dist) -> Result<(), CommandError> {
        self.check_node(node)?;
        let m = dist.mean();
        if !(m >= 0.0 && m.is_finite()) {
            return err("the service time needs a finite mean".into());
        }
        let n = &mut self.nodes[node];
        match &mut n.state {
            NodeState::Service { spec, .. } => spec.service_time = dist,
            NodeState::Database { spec, .. } => spec.service_time = dist,
            NodeState::Queue { spec, .. } => spec.service_time = dist,
            NodeState::Cache { spec, .. } => spec.hit_time = dist,
            NodeState::External { spec, .. } => spec.latency = dist,
            _ => return err(format!("`{}` has no service time", n.id)),
        }
        self.sync_model(node);
        Ok(())
    }

    fn set_timeout(&mut self, node: usize, timeout: Option<SimTime>) -> Result<(), CommandError> {
        self.check_node(node)?;
        if timeout == Some(SimTime::ZERO) {
            return err("a timeout must be above zero (or none)".into());
        }
        let n = &mut self.nodes[node];
        match &mut n.state {
            NodeState::Service { spec, .. } => spec.timeout = timeout,
            NodeState::Database { spec, .. } => spec.timeout = timeout,
            _ => return err(format!("`{}` has no timeout", n.id)),
        }
        self.sync_model(node);
        Ok(())
    }

    fn set_lb_algorithm(
        &mut self,
        node: usize,
        algorithm: LbAlgorithm,
    ) -> Result<(), CommandError> {
        self.check_node(node)?;
        let n = &mut self.nodes[node];
        let NodeState::LoadBalancer { balancer, .. } = &mut n.state else {
            return err(format!("`{}` is not a load balancer", n.id));
        };
        balancer.algorithm = algorithm;
        self.sync_model(node);
        Ok(())
    }

    fn set_cache_capacity(&mut self, node: usize, capacity: u64) -> Result<(), CommandError> {
        self.check_node(node)?;
        let n = &mut self.nodes[node];
        let NodeState::Cache { spec, store, .. } = &mut n.state else {
            return err(format!("`{}` is not a cache", n.id));
        };
        spec.capacity = capacity;
        store.set_capacity(capacity);
        self.sync_model(node);
        Ok(())
    }

    fn set_cache_policy(&mut self, node: usize, policy: CachePolicy) -> Result<(), CommandError> {
        self.check_node(node)?;
        let n = &mut self.nodes[node];
        let NodeState::Cache { spec, store, .. } = &mut n.state else {
            return err(format!("`{}` is not a cache", n.id));
        };
        spec.policy = policy;
        store.set_policy(policy);
        self.sync_model(node);
        Ok(())
    }

    fn set_cache_ttl(&mut self, node: usize, ttl: Option<SimTime>) -> Result<(), CommandError> {
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
        self.sync_model(node);
        Ok(())
    }

    fn set_limiter_rate(&mut self, node: usize, rate: f64) -> Result<(), CommandError> {
        if !LIMITER_RATE.contains(rate) {
            let (min, max) = (LIMITER_RATE.min, LIMITER_RATE.max);
            return err(format!(
                "a rate limiter's rate must be above {min} and at most {max:e} requests per second, got {rate}"
            ));
        }
        let now = self.now;
        self.change_limiter(node, |l| {
            l.set_rate(now, rate)
                .then_some(())
                .ok_or("it has a `limit` per window, not a rate")
        })
    }

    fn set_limiter_limit(&mut self, node: usize, limit: u32) -> Result<(), CommandError> {
        if !LIMITER_LIMIT.contains(limit) {
            let min = LIMITER_LIMIT.min;
            return err(format!("a rate limiter's limit must be at least {min}"));
        }
        self.change_limiter(node, |l| {
            l.set_limit(limit)
                .then_some(())
                .ok_or("it has a `rate`, not a limit per window")
        })
    }

    /// Changes rate limiter `node` with `change`, then syncs the model.
    fn change_limiter(
        &mut self,
        node: usize,
        change: impl Fn(&mut Limiter) -> Result<(), &'static str>,
    ) -> Result<(), CommandError> {
        self.check_node(node)?;
        let n = &mut self.nodes[node];
        let NodeState::RateLimiter { limiter, keyed, .. } = &mut n.state else {
            return err(format!("`{}` is not a rate limiter", n.id));
        };
        if let Err(why) = change(limiter) {
            return err(format!(
                "`{}` is a {} limiter: {why}",
                n.id,
                limiter.algorithm.name()
            ));
        }
        if let Some(k) = keyed {
            k.change_all(|l| change(l).is_ok());
        }
        self.sync_model(node);
        Ok(())
    }

    fn set_read_replicas(&mut self, node: usize, replicas: u32) -> Result<(), CommandError> {
        self.check_node(node)?;
        if !READ_REPLICAS.contains(replicas) {
            let (min, max) = (READ_REPLICAS.min, READ_REPLICAS.max);
            return err(format!(
                "read replicas must be {min}..={max}, got {replicas}"
            ));
        }
        let now = self.now;
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
        if instances > DATABASE_INSTANCES.max {
            return err(format!(
                "a database has at most {} instances: {} shards \
                 × (1 + {replicas}) = {instances}",
                DATABASE_INSTANCES.max,
                layout.len()
            ));
        }
        relayout_shards(stations, layout, replicas as usize + 1, spec, now);
        spec.read_replicas = replicas;
        self.sync_model(node);
        Ok(())
    }

    fn set_workload_rate(&mut self, workload: usize, rate: f64) -> Result<(), CommandError> {
        let Some(src) = self.sources.get_mut(workload) else {
            return err(format!("no workload with index {workload}"));
        };
        if !WORKLOAD_RATE.contains(rate) {
            let (min, max) = (WORKLOAD_RATE.min, WORKLOAD_RATE.max);
            return err(format!(
                "rate must be {min}..={max:e} requests/s, got {rate}"
            ));
        }
        if matches!(src.spec.arrival, Arrival::Closed { .. }) {
            return err("a closed-loop workload has users, not a rate".into());
        }
        src.set_rate(rate, self.now);
        self.sync_workload(workload);
        self.schedule_arrival(workload);
        Ok(())
    }

    fn set_read_fraction(&mut self, workload: usize, fraction: f64) -> Result<(), CommandError> {
        let Some(src) = self.sources.get_mut(workload) else {
            return err(format!("no workload with index {workload}"));
        };
        if !src.spec.classes.is_empty() {
            return err(format!(
                "workload `{}` draws its requests from classes: its read fraction follows from their ops",
                src.spec.name
            ));
        }
        if !READ_FRACTION.contains(fraction) {
            let (min, max) = (READ_FRACTION.min, READ_FRACTION.max);
            return err(format!(
                "read fraction must be {min}..={max}, got {fraction}"
            ));
        }
        src.spec.read_fraction = fraction;
        self.sync_workload(workload);
        Ok(())
    }

    /// A traffic spike: the model keeps the workload's own rate.
    fn set_rate_factor(&mut self, workload: usize, factor: f64) -> Result<(), CommandError> {
        let Some(src) = self.sources.get_mut(workload) else {
            return err(format!("no workload with index {workload}"));
        };
        if !SPIKE_FACTOR.contains(factor) {
            let (min, max) = (SPIKE_FACTOR.min, SPIKE_FACTOR.max);
            return err(format!(
                "a rate factor must be {min}..={max:e}, got {factor}"
            ));
        }
        if matches!(src.spec.arrival, Arrival::Closed { .. }) {
            return err("a closed-loop workload has users, not a rate".into());
        }
        src.set_factor(factor);
        self.schedule_arrival(workload);
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
    let levels = stations.first().map_or(0, |s| s.levels());
    while stations.len() < want {
        stations.push(Station::new(workers, queue, now).with_levels(levels));
    }
}

/// Gives every shard of a database `per_shard` instances (the primary and
/// its read replicas). Station indices never move (visits hold them):
/// removed replicas leave the routing table and drain; new ones reuse a
/// retired station (inactive) before a new one is appended, so raising and
/// lowering replicas again and again does not grow the table.
fn relayout_shards(
    stations: &mut Vec<Station>,
    layout: &mut [Vec<usize>],
    per_shard: usize,
    spec: &crate::sim::model::DatabaseSpec,
    now: SimTime,
) {
    let mut retired: Vec<usize> = (0..stations.len())
        .rev()
        .filter(|&i| !stations[i].active)
        .collect();
    let mut spare: Vec<usize> = Vec::new();
    for shard in layout.iter_mut() {
        while shard.len() > per_shard {
            if let Some(i) = shard.pop() {
                stations[i].set_active(false, now);
                spare.push(i);
            }
        }
    }
    for shard in layout.iter_mut() {
        while shard.len() < per_shard {
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
}
