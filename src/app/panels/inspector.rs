//! The inspector: every tunable of the selected node (or traffic source) applied live, and its own metrics.

use bevy_egui::egui::{self, RichText};

use crate::app::help;
use crate::app::panels::knobs::Knobs;
use crate::app::panels::{
    FAIL, MUTED, OK, SLOW, design, metric_row, section, settle, settle_enabled,
};
use crate::app::panels::{happened, theory};
use crate::app::view::{Selected, UiAction, UiState, View, format_ms};
use crate::sim::components::breaker::BreakerState;
use crate::sim::dist::Dist;
use crate::sim::limits;
use crate::sim::model::{
    Arrival, CachePolicy, CacheSpec, DatabaseSpec, LbAlgorithm, LimiterAlgorithm, LoadBalancerSpec,
    NodeKind, QueueSpec, RateLimiterSpec, ServiceSpec,
};
use crate::sim::snapshot::NodeSnapshot;
use crate::sim::{Command, SimTime};

pub fn inspector(ui: &mut egui::Ui, view: &View, state: &mut UiState) -> Vec<UiAction> {
    let mut out = Vec::new();
    picker(ui, view, state, &mut out);
    match state.selected {
        Some(Selected::Node(i)) if i < view.model.nodes.len() => {
            node(ui, view, state, i, &mut out);
            let id = view.model.nodes[i].id.as_str();
            out.extend(happened::what_happened(ui, view, Some(id)));
        }
        Some(Selected::Workload(w)) if w < view.model.workloads.len() => {
            workload(ui, view, state, w, &mut out)
        }
        _ => {
            ui.label(
                RichText::new("Click a node in the picture (or pick one above) to tune it.")
                    .color(MUTED),
            );
            out.extend(happened::what_happened(ui, view, None));
        }
    }
    if let Some(n) = &view.notice {
        ui.label(RichText::new(n).color(SLOW));
    }
    out
}

fn picker(ui: &mut egui::Ui, view: &View, state: &mut UiState, out: &mut Vec<UiAction>) {
    let name = |s: Option<Selected>| match s {
        Some(Selected::Node(i)) => view.model.nodes.get(i).map_or("?".into(), |n| n.id.clone()),
        Some(Selected::Workload(w)) => view
            .model
            .workloads
            .get(w)
            .map_or("?".into(), |n| format!("{} (traffic)", n.name)),
        None => "nothing selected".into(),
    };
    let mut sel = state.selected;
    egui::ComboBox::from_id_salt("inspector-picker")
        .selected_text(name(sel))
        .show_ui(ui, |ui| {
            for w in 0..view.model.workloads.len() {
                ui.selectable_value(
                    &mut sel,
                    Some(Selected::Workload(w)),
                    name(Some(Selected::Workload(w))),
                );
            }
            for i in 0..view.model.nodes.len() {
                ui.selectable_value(
                    &mut sel,
                    Some(Selected::Node(i)),
                    name(Some(Selected::Node(i))),
                );
            }
        });
    if sel != state.selected {
        state.selected = sel;
        out.push(UiAction::Select(sel));
    }
}

fn node(ui: &mut egui::Ui, view: &View, state: &mut UiState, i: usize, out: &mut Vec<UiAction>) {
    let n = &view.model.nodes[i];
    let kind = n.kind.name();
    ui.label(
        RichText::new(format!("{} · {}", n.id, kind.replace('_', " ")))
            .strong()
            .size(16.0),
    );
    ui.label(RichText::new(help::node_kind(kind)).color(MUTED).small());
    section(ui, "Tune (applied live)");
    let k = Knobs::new(view.account.room(), &n.id, kind);
    match &n.kind {
        NodeKind::Service(s) => tune_service(ui, &k, i, s, out),
        NodeKind::Database(d) => tune_database(ui, &k, i, d, out),
        NodeKind::LoadBalancer(lb) => tune_load_balancer(ui, &k, i, lb, out),
        NodeKind::Cache(c) => tune_cache(ui, &k, i, c, out),
        NodeKind::Queue(q) => tune_queue(ui, &k, i, q, out),
        NodeKind::RateLimiter(r) => tune_rate_limiter(ui, &k, i, r, out),
        NodeKind::External(e) => {
            ui.label(format!("Latency {}", e.latency.describe()));
            ui.label(format!("Errors {:.2}%", e.error_rate * 100.0));
            if let Some(r) = e.rate_limit {
                ui.label(format!("Rate limit {} calls/s, burst {}", r.rate, r.burst));
            }
            if let Some(c) = e.concurrency {
                ui.label(format!("At most {c} calls at once"));
            }
        }
        NodeKind::Topic(t) => {
            let names: Vec<&str> = t
                .subscribers
                .iter()
                .filter_map(|&q| view.model.nodes.get(q).map(|s| s.id.as_str()))
                .collect();
            ui.label(format!("Copies each message to: {}", names.join(", ")));
        }
    }
    k.explain(ui);
    design::node(ui, view, i, out);
    chaos(ui, view, state, i, out);
    node_metrics(ui, view, i);
    theory::node_theory(ui, view, i);
    per_shard(ui, view, i);
}

/// Sends a live change with its chart label.
fn apply(out: &mut Vec<UiAction>, cmd: Command, label: String) {
    out.push(UiAction::Apply(cmd, label));
}

/// The live controls of a service.
fn tune_service(ui: &mut egui::Ui, k: &Knobs, i: usize, s: &ServiceSpec, out: &mut Vec<UiAction>) {
    let r = s.replicas;
    // The engine's whole range (sim::limits), or the level's: a typed 200
    // is taken where no level bounds it; the log scale keeps 1-10 wide.
    let range = k.range("replicas", limits::REPLICAS.min..=limits::REPLICAS.max);
    if let Some(r) = k.control(ui, "replicas", |ui| {
        settle(
            ui,
            r,
            |r| {
                egui::Slider::new(r, range)
                    .logarithmic(true)
                    .clamping(k.clamping("replicas"))
                    .text("Replicas")
            },
            help::REPLICAS,
        )
    }) {
        apply(
            out,
            Command::SetReplicas {
                node: i,
                replicas: r,
            },
            format!("{} ×{r}", k.node),
        );
    }
    workers_queue_time(
        ui,
        k,
        i,
        ("workers", s.workers),
        ("queue", s.queue),
        &s.service_time,
        s.timeout,
        out,
    );
}

/// The live controls of a database.
fn tune_database(
    ui: &mut egui::Ui,
    k: &Knobs,
    i: usize,
    d: &DatabaseSpec,
    out: &mut Vec<UiAction>,
) {
    let r = d.read_replicas;
    let range = k.range(
        "read_replicas",
        limits::READ_REPLICAS.min..=limits::READ_REPLICAS.max,
    );
    if let Some(r) = k.control(ui, "read_replicas", |ui| {
        settle(
            ui,
            r,
            |r| {
                egui::Slider::new(r, range)
                    .logarithmic(true)
                    .clamping(k.clamping("read_replicas"))
                    .text("Read replicas")
            },
            help::READ_REPLICAS,
        )
    }) {
        apply(
            out,
            Command::SetReadReplicas {
                node: i,
                replicas: r,
            },
            format!("{} read replicas → {r}", k.node),
        );
    }
    workers_queue_time(
        ui,
        k,
        i,
        ("workers", d.workers),
        ("queue", d.queue),
        &d.service_time,
        d.timeout,
        out,
    );
}

/// The live controls of a load balancer.
fn tune_load_balancer(
    ui: &mut egui::Ui,
    k: &Knobs,
    i: usize,
    lb: &LoadBalancerSpec,
    out: &mut Vec<UiAction>,
) {
    let mut a = lb.algorithm;
    k.control(ui, "algorithm", |ui| {
        egui::ComboBox::from_label("Algorithm")
            .selected_text(a.name())
            .show_ui(ui, |ui| {
                for x in LbAlgorithm::ALL {
                    ui.selectable_value(&mut a, x, x.name())
                        .on_hover_text(help::lb_algorithm(x));
                }
            })
            .response
            .on_hover_text(format!(
                "{}\n{}",
                help::LB_ALGORITHM,
                help::lb_algorithm(lb.algorithm)
            ))
    });
    if a != lb.algorithm {
        apply(
            out,
            Command::SetLbAlgorithm {
                node: i,
                algorithm: a,
            },
            format!("{}: {}", k.node, a.name()),
        );
    }
}

/// The live controls of a cache.
fn tune_cache(ui: &mut egui::Ui, k: &Knobs, i: usize, c: &CacheSpec, out: &mut Vec<UiAction>) {
    let cap = c.capacity;
    let range = k.range("capacity", 1..=10_000_000);
    if let Some(cap) = k.control(ui, "capacity", |ui| {
        settle(
            ui,
            cap,
            |cap| {
                egui::Slider::new(cap, range)
                    .logarithmic(true)
                    .clamping(k.clamping("capacity"))
                    .text("Capacity (keys)")
            },
            help::CACHE_CAPACITY,
        )
    }) {
        apply(
            out,
            Command::SetCacheCapacity {
                node: i,
                capacity: cap,
            },
            format!("{} {cap} keys", k.node),
        );
    }
    let mut p = c.policy;
    k.control(ui, "policy", |ui| {
        egui::ComboBox::from_label("Eviction policy")
            .selected_text(p.name())
            .show_ui(ui, |ui| {
                for x in CachePolicy::ALL {
                    ui.selectable_value(&mut p, x, x.name())
                        .on_hover_text(help::cache_policy(x));
                }
            })
            .response
            .on_hover_text(help::CACHE_POLICY)
    });
    if p != c.policy {
        apply(
            out,
            Command::SetCachePolicy { node: i, policy: p },
            format!("{}: {}", k.node, p.name()),
        );
    }
    let ttl = k.control(ui, "ttl", |ui| {
        optional_duration(ui, (k, "ttl"), "TTL", c.ttl, 0.1..=3600.0, help::CACHE_TTL)
    });
    if let Some(ttl) = ttl {
        apply(
            out,
            Command::SetCacheTtl { node: i, ttl },
            format!("{} ttl", k.node),
        );
    }
}

/// The live controls of a queue.
fn tune_queue(ui: &mut egui::Ui, k: &Knobs, i: usize, q: &QueueSpec, out: &mut Vec<UiAction>) {
    workers_queue_time(
        ui,
        k,
        i,
        ("consumers", q.consumers),
        ("capacity", q.capacity),
        &q.service_time,
        None,
        out,
    );
}

/// The live controls of a rate limiter.
fn tune_rate_limiter(
    ui: &mut egui::Ui,
    k: &Knobs,
    i: usize,
    r: &RateLimiterSpec,
    out: &mut Vec<UiAction>,
) {
    match r.algorithm {
        LimiterAlgorithm::TokenBucket { rate, .. } | LimiterAlgorithm::LeakyBucket { rate, .. } => {
            let x = rate;
            let range = k.range("rate", 0.1..=100_000.0);
            if let Some(x) = k.control(ui, "rate", |ui| {
                settle(
                    ui,
                    x,
                    |x| {
                        egui::Slider::new(x, range)
                            .logarithmic(true)
                            .clamping(k.clamping("rate"))
                            .text("Rate (req/s)")
                    },
                    help::LIMITER_RATE,
                )
            }) {
                apply(
                    out,
                    Command::SetLimiterRate { node: i, rate: x },
                    format!("{} {x:.1} req/s", k.node),
                );
            }
        }
        LimiterAlgorithm::FixedWindow { limit, window }
        | LimiterAlgorithm::SlidingWindow { limit, window } => {
            let l = limit;
            let range = k.range("limit", limits::LIMITER_LIMIT.min..=1_000_000);
            if let Some(l) = k.control(ui, "limit", |ui| {
                settle(
                    ui,
                    l,
                    |l| {
                        egui::Slider::new(l, range)
                            .logarithmic(true)
                            .clamping(k.clamping("limit"))
                            .text(format!("Limit per {window}"))
                    },
                    help::LIMITER_LIMIT,
                )
            }) {
                apply(
                    out,
                    Command::SetLimiterLimit { node: i, limit: l },
                    format!("{} {l} per {window}", k.node),
                );
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn workers_queue_time(
    ui: &mut egui::Ui,
    k: &Knobs,
    i: usize,
    (workers_field, workers): (&str, u32),
    (queue_field, queue): (&str, Option<u32>),
    service_time: &Dist,
    timeout: Option<SimTime>,
    out: &mut Vec<UiAction>,
) {
    let id = k.node;
    // The engine's whole range: a node built with 5 000 workers shows
    // 5 000, not the slider's end.
    let range = k.range(workers_field, limits::WORKERS.min..=limits::WORKERS.max);
    let w = k.control(ui, workers_field, |ui| {
        settle(
            ui,
            workers,
            |w| {
                egui::Slider::new(w, range)
                    .logarithmic(true)
                    .clamping(k.clamping(workers_field))
                    .text("Workers")
            },
            help::WORKERS,
        )
    });
    if let Some(w) = w {
        out.push(UiAction::Apply(
            Command::SetWorkers {
                node: i,
                workers: w,
            },
            format!("{id} {w} workers"),
        ));
    }
    if let Some(capacity) = k.control(ui, queue_field, |ui| {
        queue_control(ui, (k, queue_field), queue)
    }) {
        out.push(UiAction::Apply(
            Command::SetQueueCapacity { node: i, capacity },
            format!(
                "{id} queue {}",
                capacity.map_or("∞".into(), |c| c.to_string())
            ),
        ));
    }
    let m = service_time.mean() * 1000.0;
    let m = k.control(ui, "service_time", |ui| {
        settle(
            ui,
            m,
            |m| {
                egui::Slider::new(m, 0.05..=2000.0)
                    .logarithmic(true)
                    .text("Service time")
                    .suffix(" ms")
            },
            help::SERVICE_TIME,
        )
    });
    if let Some(m) = m.filter(|m| *m > 0.0) {
        out.push(UiAction::Apply(
            Command::SetServiceTime {
                node: i,
                dist: service_time.with_mean(m / 1000.0),
            },
            format!("{id} {} service", format_ms(m)),
        ));
    }
    let t = k.control(ui, "timeout", |ui| {
        let range = 0.001..=60.0;
        optional_duration(ui, (k, "timeout"), "Timeout", timeout, range, help::TIMEOUT)
    });
    if let Some(t) = t {
        out.push(UiAction::Apply(
            Command::SetTimeout {
                node: i,
                timeout: t,
            },
            format!("{id} timeout"),
        ));
    }
}

/// The line's length: a slider and "no limit"; the new bound (`None`:
/// unbounded) when changed.
fn queue_control(
    ui: &mut egui::Ui,
    (k, field): (&Knobs, &str),
    queue: Option<u32>,
) -> Option<Option<u32>> {
    let mut unbounded = queue.is_none();
    let range = k.range(field, 0..=10_000);
    let q = queue.unwrap_or_else(|| 200.min(*range.end()));
    ui.horizontal(|ui| {
        let a = settle_enabled(
            ui,
            !unbounded,
            q,
            |q| {
                egui::Slider::new(q, range)
                    .logarithmic(true)
                    .clamping(k.clamping(field))
                    .text("Queue")
            },
            help::QUEUE,
        );
        let b = ui
            .checkbox(&mut unbounded, "no limit")
            .on_hover_text(help::QUEUE);
        let q = a.unwrap_or(q);
        (a.is_some() || b.changed()).then_some((!unbounded).then_some(q))
    })
    .inner
}

/// A log slider in seconds, within `range` and the level's limits on
/// `field`, for a duration that may be absent ("none"); returns the new
/// value when changed.
fn optional_duration(
    ui: &mut egui::Ui,
    (k, field): (&Knobs, &str),
    name: &str,
    value: Option<SimTime>,
    range: std::ops::RangeInclusive<f64>,
    hover: &str,
) -> Option<Option<SimTime>> {
    let mut none = value.is_none();
    let range = k.range(field, range);
    let mut secs = value.map_or(range.end().min(10.0), SimTime::as_secs_f64);
    let mut changed = false;
    ui.horizontal(|ui| {
        if let Some(s) = settle_enabled(
            ui,
            !none,
            secs,
            |x| {
                egui::Slider::new(x, range)
                    .logarithmic(true)
                    .clamping(k.clamping(field))
                    .text(name)
                    .suffix(" s")
            },
            hover,
        ) {
            secs = s;
            changed = true;
        }
        changed |= ui
            .checkbox(&mut none, "none")
            .on_hover_text(hover)
            .changed();
    });
    changed.then(|| (!none).then(|| SimTime::from_secs_f64(secs)))
}

/// The "Chaos" section: crash / recover, slow down, partition / heal
/// with another node, flush (caches); and what the node's defences do
/// about it (breakers, autoscaler).
fn chaos(ui: &mut egui::Ui, view: &View, state: &mut UiState, i: usize, out: &mut Vec<UiAction>) {
    let id = &view.model.nodes[i].id;
    let snap = view.snapshot.nodes.get(i);
    let down = snap.is_some_and(NodeSnapshot::crashed);
    section(ui, "Chaos").on_hover_text(help::CHAOS);
    // One line either way, so Crash and Recover sit where the pointer is.
    if down {
        ui.label(RichText::new(format!("{id} is DOWN: every request to it fails")).color(FAIL));
    } else {
        ui.label(RichText::new(format!("{id} is up")).color(MUTED));
    }
    ui.horizontal(|ui| {
        if down {
            if ui
                .button("Recover")
                .on_hover_text("Bring the node back: requests are routed to it again.")
                .clicked()
            {
                out.push(UiAction::Apply(
                    Command::Recover {
                        node: i,
                        replica: None,
                    },
                    format!("{id} recovered"),
                ));
            }
        } else if ui.button("Crash").on_hover_text(help::CRASH).clicked() {
            out.push(UiAction::Apply(
                Command::Crash {
                    node: i,
                    replica: None,
                },
                format!("{id} crashed"),
            ));
        }
        if matches!(view.model.nodes[i].kind, NodeKind::Cache(_))
            && ui.button("Flush").on_hover_text(help::FLUSH).clicked()
        {
            out.push(UiAction::Apply(
                Command::FlushCache { node: i },
                format!("{id} flushed"),
            ));
        }
    });
    recover_replicas(ui, view, i, out);
    let slow = snap.map_or(1.0, |s| s.slow);
    if let Some(slow) = settle(
        ui,
        slow,
        |slow| {
            egui::Slider::new(slow, 1.0..=20.0)
                .logarithmic(true)
                .text("Slow-down")
                .suffix("×")
        },
        help::SLOW_DOWN,
    ) {
        out.push(UiAction::Apply(
            Command::SlowDown {
                node: i,
                factor: slow,
            },
            format!("{id} slowed ×{slow:.1}"),
        ));
    }
    partition(ui, view, state, i, out);
    if let Some(s) = snap {
        if let Some(t) = s.scale_target {
            let running = s.replicas.iter().filter(|r| r.active && !r.down).count();
            metric_row(
                ui,
                "Autoscaler wants",
                format!("{t} replicas ({running} running)"),
                help::SCALE_TARGET,
            );
        }
        if !s.breakers.is_empty() {
            ui.label(RichText::new("Circuit breakers:").color(MUTED))
                .on_hover_text(help::BREAKERS);
            for (callee, b) in &s.breakers {
                let color = match b {
                    BreakerState::Closed => OK,
                    BreakerState::HalfOpen => SLOW,
                    BreakerState::Open => FAIL,
                };
                ui.label(
                    RichText::new(format!("-> {callee}: {}", b.name().replace('_', "-")))
                        .color(color),
                )
                .on_hover_text(help::BREAKERS);
            }
        }
    }
}

/// One Recover button per replica or database instance crashed on its own.
fn recover_replicas(ui: &mut egui::Ui, view: &View, i: usize, out: &mut Vec<UiAction>) {
    let Some(snap) = view.snapshot.nodes.get(i) else {
        return;
    };
    let id = &view.model.nodes[i].id;
    let is_db = matches!(view.model.nodes[i].kind, NodeKind::Database(_));
    for k in snap.replicas_down() {
        let name = if is_db {
            format!("instance {k}")
        } else {
            format!("replica {k}")
        };
        ui.horizontal(|ui| {
            ui.label(RichText::new(format!("{name} is down")).color(FAIL));
            if ui
                .button("Recover")
                .on_hover_text(format!(
                    "Bring {name} back: requests are routed to it again."
                ))
                .clicked()
            {
                out.push(UiAction::Apply(
                    Command::Recover {
                        node: i,
                        replica: Some(k),
                    },
                    format!("{id} {name} recovered"),
                ));
            }
        });
    }
}

/// Partition / heal between node `i` and a chosen other node.
fn partition(
    ui: &mut egui::Ui,
    view: &View,
    state: &mut UiState,
    i: usize,
    out: &mut Vec<UiAction>,
) {
    let nodes = &view.model.nodes;
    if nodes.len() < 2 {
        return;
    }
    let peer = match state.partition_peer {
        Some(p) if p != i && p < nodes.len() => p,
        _ => (0..nodes.len()).find(|&p| p != i).unwrap_or(0),
    };
    let mut chosen = peer;
    ui.horizontal(|ui| {
        ui.label(RichText::new("Network cut to").color(MUTED))
            .on_hover_text(help::PARTITION);
        egui::ComboBox::from_id_salt("chaos-partition-peer")
            .selected_text(nodes[peer].id.as_str())
            .show_ui(ui, |ui| {
                for (p, n) in nodes.iter().enumerate() {
                    if p != i {
                        ui.selectable_value(&mut chosen, p, n.id.as_str());
                    }
                }
            })
            .response
            .on_hover_text(help::PARTITION);
    });
    state.partition_peer = Some(chosen);
    let (a, b) = (&nodes[i].id, &nodes[chosen].id);
    ui.horizontal(|ui| {
        ui.checkbox(&mut state.partition_hang, "hang")
            .on_hover_text(help::PARTITION_HANG);
        if ui
            .button("Partition")
            .on_hover_text(help::PARTITION)
            .clicked()
        {
            out.push(UiAction::Apply(
                Command::Partition {
                    from: i,
                    to: chosen,
                    hang: state.partition_hang,
                },
                format!(
                    "{a} ✂ {b}{}",
                    if state.partition_hang { " (hang)" } else { "" }
                ),
            ));
        }
        if ui.button("Heal").on_hover_text(help::HEAL).clicked() {
            out.push(UiAction::Apply(
                Command::Heal {
                    from: i,
                    to: chosen,
                },
                format!("{a} ↔ {b} healed"),
            ));
        }
    });
}

/// A sharded database's instances, shard by shard (primary first), with
/// their utilisation since warm-up: a hot shard stands out in red.
fn per_shard(ui: &mut egui::Ui, view: &View, i: usize) {
    let NodeKind::Database(d) = &view.model.nodes[i].kind else {
        return;
    };
    let Some(ns) = view.summary.nodes.get(i) else {
        return;
    };
    let per = (1 + d.read_replicas) as usize;
    if d.shards < 2 || ns.replica_utilisation.len() != d.shards as usize * per {
        return;
    }
    section(ui, "Per shard (utilisation since warm-up)").on_hover_text(help::PER_SHARD);
    let shard_use: Vec<f64> = ns
        .replica_utilisation
        .chunks(per)
        .map(|c| c.iter().flatten().sum::<f64>() / per as f64)
        .collect();
    let mean = shard_use.iter().sum::<f64>() / shard_use.len() as f64;
    for (k, chunk) in ns.replica_utilisation.chunks(per).enumerate() {
        let cells: Vec<String> = chunk
            .iter()
            .map(|u| u.map_or("-".into(), |u| format!("{:.0}%", u * 100.0)))
            .collect();
        let hot = shard_use[k] > 1.5 * mean && shard_use[k] > 0.2;
        let text = format!("shard {k}: {}", cells.join(" · "));
        let colour = if hot { FAIL } else { MUTED };
        ui.label(RichText::new(text).color(colour))
            .on_hover_text(help::PER_SHARD);
    }
}

fn node_metrics(ui: &mut egui::Ui, view: &View, i: usize) {
    section(ui, "Now (last simulated second)");
    let snap = view.snapshot.nodes.get(i);
    let win = view.last_window();
    let nw = win.and_then(|w| w.nodes.get(i));
    let secs = win.map_or(1.0, |w| {
        w.end.saturating_sub(w.start).as_secs_f64().max(1e-9)
    });
    if let Some(s) = snap {
        if !s.replicas.is_empty() {
            let running = s.running();
            let down = s.replicas.iter().filter(|r| r.active && r.down).count();
            let warming = s.replicas.iter().filter(|r| r.warming).count();
            let mut state = format!("{running} running");
            if down > 0 {
                state.push_str(&format!(", {down} down"));
            }
            if warming > 0 {
                state.push_str(&format!(", {warming} starting"));
            }
            let busy: u32 = s.replicas.iter().map(|r| r.busy).sum();
            let workers: u32 = s
                .replicas
                .iter()
                .filter(|r| r.active)
                .map(|r| r.workers)
                .sum();
            let queued: u32 = s.replicas.iter().map(|r| r.queued).sum();
            metric_row(
                ui,
                "Instances",
                format!("{state} ({workers} workers, {busy} busy now)"),
                help::REPLICAS,
            );
            metric_row(ui, "Waiting in line", format!("{queued}"), help::QUEUED);
        }
        if let Some(k) = s.cache_keys {
            metric_row(ui, "Keys held", format!("{k}"), help::CACHE_CAPACITY);
        }
    }
    // The design's own figure: true now, whenever the last second closed.
    if let Some(ns) = view.summary.nodes.get(i) {
        metric_row(
            ui,
            "Cost",
            format!("${:.2}/h", ns.cost_per_hour),
            help::COST,
        );
    }
    before_change_note(ui, view);
    if let Some(w) = nw {
        if let Some(u) = w.utilisation {
            metric_row(
                ui,
                "Utilisation",
                format!("{:.0}%", u * 100.0),
                help::UTILISATION,
            );
        }
        if let Some(h) = w.hit_ratio {
            metric_row(
                ui,
                "Hit ratio",
                format!("{:.1}%", h * 100.0),
                help::HIT_RATIO,
            );
        }
        metric_row(
            ui,
            "Requests in",
            format!("{:.0}/s", w.counts.arrived as f64 / secs),
            help::THROUGHPUT,
        );
        if let (Some(p50), Some(p99)) = (w.sojourn.p50_ms, w.sojourn.p99_ms) {
            metric_row(
                ui,
                "Time here p50 / p99",
                format!("{} / {}", format_ms(p50), format_ms(p99)),
                help::P99,
            );
        }
        metric_row(
            ui,
            "Rejected",
            format!("{:.0}/s", w.counts.rejected as f64 / secs),
            help::REJECTS,
        );
        metric_row(
            ui,
            "Timed out",
            format!("{:.0}/s", w.counts.timed_out as f64 / secs),
            help::TIMEOUTS,
        );
        failures_by_cause(ui, &w.counts, secs);
    }
}

/// A line over the last second's measured figures when that second closed
/// before the last change (paused after it): they are not yet the changed
/// design's (the node read 100 % busy beside its 10 000 idle replicas).
fn before_change_note(ui: &mut egui::Ui, view: &View) {
    if let Some(at) = view.measured_before_change() {
        let text = format!(
            "Measured in the second before your change at {:.1} s: \
             the next second shows its effect.",
            at.as_secs_f64()
        );
        ui.label(RichText::new(text).color(SLOW).small());
    }
}

/// The rest of what went wrong here in the last second, one row per cause
/// that happened: failures passed up from calls, nodes down or cut off,
/// retries, breakers, call timeouts.
fn failures_by_cause(ui: &mut egui::Ui, c: &crate::sim::metrics::NodeCounts, secs: f64) {
    let rows: [(&str, u64, &str); 5] = [
        (
            "Failed (a call failed)",
            c.failed_downstream,
            help::FAILED_DOWNSTREAM,
        ),
        ("Failed (down or cut off)", c.errors, help::NODE_ERRORS),
        ("Retries sent", c.retries, help::RETRIES),
        ("Calls timed out", c.call_timeouts, help::CALL_TIMEOUTS),
        ("Breaker fast-fails", c.short_circuited, help::BREAKERS),
    ];
    for (label, n, hover) in rows {
        if n > 0 {
            metric_row(ui, label, format!("{:.0}/s", n as f64 / secs), hover);
        }
    }
}

fn workload(
    ui: &mut egui::Ui,
    view: &View,
    state: &mut UiState,
    w: usize,
    out: &mut Vec<UiAction>,
) {
    let wl = &view.model.workloads[w];
    ui.label(
        RichText::new(format!("{} · traffic source", wl.name))
            .strong()
            .size(16.0),
    );
    section(ui, "Tune (applied live)");
    match wl.arrival {
        Arrival::Closed { users, .. } => {
            ui.label(format!(
                "Closed loop: {users} users, each waits for its answer."
            ));
        }
        _ => {
            let rate = view.offered.get(w).copied().unwrap_or(0.0);
            if let Some(rate) = settle(
                ui,
                rate,
                |rate| {
                    egui::Slider::new(rate, 1.0..=1_000_000.0)
                        .logarithmic(true)
                        .text("Rate")
                        .suffix(" req/s")
                        .max_decimals(0)
                },
                help::WORKLOAD_RATE,
            ) {
                out.push(UiAction::Apply(
                    Command::SetWorkloadRate { workload: w, rate },
                    format!("{:.0} req/s", rate),
                ));
            }
        }
    }
    let share = wl.read_fraction;
    // A workload with classes has no read share of its own to change.
    if wl.classes.is_empty()
        && let Some(share) = settle(
            ui,
            share,
            |share| egui::Slider::new(share, 0.0..=1.0).text("Read share"),
            help::READ_SHARE,
        )
    {
        out.push(UiAction::Apply(
            Command::SetReadFraction {
                workload: w,
                read_fraction: share,
            },
            format!("{:.0}% reads", share * 100.0),
        ));
    }
    design::workload(ui, view, w, out);
    spike(ui, view, state, w, out);
    section(ui, "Now (last simulated second)");
    before_change_note(ui, view);
    if let Some(win) = view.last_window() {
        let secs = win.end.saturating_sub(win.start).as_secs_f64().max(1e-9);
        metric_row(
            ui,
            "Sent",
            format!("{:.0}/s", win.counts.arrived as f64 / secs),
            help::WORKLOAD_RATE,
        );
        metric_row(
            ui,
            "Answered",
            format!("{:.0}/s", win.throughput_rps),
            help::THROUGHPUT,
        );
        metric_row(
            ui,
            "Failed",
            format!("{:.0}/s", win.counts.failed() as f64 / secs),
            help::ERROR_RATE,
        );
        if let Some(p) = win.latency.p99_ms {
            metric_row(ui, "p99 latency", format_ms(p), help::P99);
        }
    }
    ui.label(RichText::new(help::DOTS).small().color(MUTED));
}

/// The "Chaos" section of a traffic source: a traffic spike (×factor).
fn spike(ui: &mut egui::Ui, view: &View, state: &mut UiState, w: usize, out: &mut Vec<UiAction>) {
    section(ui, "Chaos").on_hover_text(help::CHAOS);
    if matches!(view.model.workloads[w].arrival, Arrival::Closed { .. }) {
        ui.label(
            RichText::new("No traffic spike for a closed loop: its users wait for answers.")
                .color(MUTED),
        );
        return;
    }
    ui.add(
        egui::Slider::new(&mut state.spike_factor, 1.0..=50.0)
            .logarithmic(true)
            .text("Spike")
            .suffix("×"),
    )
    .on_hover_text(help::TRAFFIC_SPIKE);
    let name = &view.model.workloads[w].name;
    ui.horizontal(|ui| {
        let f = state.spike_factor;
        if ui
            .button(format!("Start spike ×{f:.1}"))
            .on_hover_text(help::TRAFFIC_SPIKE)
            .clicked()
        {
            out.push(UiAction::Apply(
                Command::SetRateFactor {
                    workload: w,
                    factor: f,
                },
                format!("{name} spike ×{f:.1}"),
            ));
        }
        let spiking = view.rate_factors.get(w).is_some_and(|&f| f != 1.0);
        if ui
            .add_enabled(spiking, egui::Button::new("End spike"))
            .on_hover_text(help::TRAFFIC_SPIKE)
            .clicked()
        {
            out.push(UiAction::Apply(
                Command::SetRateFactor {
                    workload: w,
                    factor: 1.0,
                },
                format!("{name} spike over"),
            ));
        }
    });
}
