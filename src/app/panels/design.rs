//! The inspector's "Design" section: what the engine cannot change live (a call's retries, retry budget and breaker; a cache's single flight; a database's shards; a limiter's burst; key popularity; cold start), each change restarting the run from time zero.

use bevy_egui::egui::{self, RichText};

use crate::app::design_edit::{DesignEdit, limiter_room_field};
use crate::app::help;
use crate::app::panels::{MUTED, section, settle, settle_enabled, unless_locked};
use crate::app::view::{UiAction, View};
use crate::sim::SimTime;
use crate::sim::model::{Call, LimiterAlgorithm, NodeKind, Popularity, Workload};

/// The design controls of node `i`, if it has any.
pub fn node(ui: &mut egui::Ui, view: &View, i: usize, out: &mut Vec<UiAction>) {
    let n = &view.model.nodes[i];
    let calls: &[Call] = match &n.kind {
        NodeKind::Service(s) => &s.calls,
        NodeKind::Queue(q) => &q.calls,
        _ => &[],
    };
    let cache = matches!(&n.kind, NodeKind::Cache(_));
    let autoscaled = matches!(&n.kind, NodeKind::Service(s) if s.autoscale.is_some());
    let database = matches!(&n.kind, NodeKind::Database(_));
    let room = match &n.kind {
        NodeKind::RateLimiter(r) => limiter_room(&r.algorithm),
        _ => None,
    };
    if calls.is_empty() && !cache && !autoscaled && !database && room.is_none() {
        return;
    }
    heading(ui);
    // A level greys out what it locks (its live refusal says why too).
    let why = |field: &str| view.account.room()?.lock_reason(&n.id, field);
    unless_locked(ui, why("calls"), |ui| {
        for (c, call) in calls.iter().enumerate() {
            call_policy(ui, view, i, c, call, out);
        }
    });
    if let Some(reason) = why("calls").filter(|_| !calls.is_empty()) {
        let text = format!("Locked in this level: calls. {reason}");
        ui.label(RichText::new(text).color(MUTED).small());
    }
    if let NodeKind::Cache(c) = &n.kind {
        let mut on = c.coalesce;
        let changed = unless_locked(ui, why("coalesce"), |ui| {
            ui.checkbox(&mut on, "Single flight (misses on one key share a fetch)")
                .on_hover_text(help::COALESCE)
                .changed()
        });
        if changed {
            let label = format!("{} single flight {}", n.id, if on { "on" } else { "off" });
            out.push(UiAction::Redesign(
                DesignEdit::Coalesce { node: i, on },
                label,
            ));
        }
    }
    if let NodeKind::Database(d) = &n.kind
        && let Some(shards) =
            unless_locked(ui, why("shards"), |ui| shards(ui, view, &n.id, d.shards))
    {
        out.push(UiAction::Redesign(
            DesignEdit::Shards { node: i, shards },
            format!("{} shards → {shards}", n.id),
        ));
    }
    if let NodeKind::RateLimiter(r) = &n.kind
        && let Some((now, label)) = room
        && let Some(size) = unless_locked(ui, why(limiter_room_field(&r.algorithm)), |ui| {
            settle(
                ui,
                now,
                |x| {
                    egui::Slider::new(x, 1..=100_000)
                        .logarithmic(true)
                        .text(label)
                },
                help::LIMITER_ROOM,
            )
        })
    {
        out.push(UiAction::Redesign(
            DesignEdit::LimiterRoom { node: i, size },
            format!("{} {} → {size}", n.id, limiter_room_field(&r.algorithm)),
        ));
    }
    if let NodeKind::Service(s) = &n.kind
        && let Some(a) = &s.autoscale
        && let Some(secs) = unless_locked(ui, why("autoscale"), |ui| {
            settle(
                ui,
                a.cold_start.as_secs_f64(),
                |x| {
                    egui::Slider::new(x, 0.0..=120.0)
                        .text("Cold start")
                        .suffix(" s")
                },
                help::COLD_START,
            )
        })
    {
        out.push(UiAction::Redesign(
            DesignEdit::ColdStart {
                node: i,
                cold_start: SimTime::from_secs_f64(secs),
            },
            format!("{} cold start {secs:.0} s", n.id),
        ));
    }
}

/// A limiter's room for bursts now and its control's label: a token
/// bucket's burst, a leaky bucket's line (windows have none).
fn limiter_room(a: &LimiterAlgorithm) -> Option<(u32, &'static str)> {
    match *a {
        LimiterAlgorithm::TokenBucket { burst, .. } => Some((burst, "Burst (tokens)")),
        LimiterAlgorithm::LeakyBucket { capacity, .. } => Some((capacity, "Line (requests)")),
        _ => None,
    }
}

/// A database's shard count, up to the level's most (64 outside a level).
fn shards(ui: &mut egui::Ui, view: &View, id: &str, now: u32) -> Option<u32> {
    let most = view
        .account
        .room()
        .and_then(|r| r.max_of(id, "database", "shards"))
        .map_or(64, |m| m as u32)
        .max(now);
    settle(
        ui,
        now,
        |x| egui::Slider::new(x, 1..=most).text("Shards"),
        help::SHARDS,
    )
}

/// The design controls of workload `w`: how popular its keys are.
pub fn workload(ui: &mut egui::Ui, view: &View, w: usize, out: &mut Vec<UiAction>) {
    let wl = &view.model.workloads[w];
    heading(ui);
    let traffic = view
        .account
        .room()
        .map(|_| "The traffic is the level's: the exam runs its own.");
    unless_locked(ui, traffic, |ui| popularity(ui, w, wl, out));
}

/// A workload's key popularity: popular (Zipf, its exponent) or uniform.
fn popularity(ui: &mut egui::Ui, w: usize, wl: &Workload, out: &mut Vec<UiAction>) {
    let current = match wl.keys.popularity {
        Popularity::Zipf { s } => Some(s),
        Popularity::Uniform => None,
    };
    let mut zipf = current.is_some();
    let mut out_edit = None;
    ui.horizontal(|ui| {
        if ui
            .checkbox(&mut zipf, "Popular keys")
            .on_hover_text(help::POPULARITY)
            .changed()
        {
            out_edit = Some(zipf.then_some(current.unwrap_or(1.0)));
        }
        if let Some(s) = settle_enabled(
            ui,
            zipf,
            current.unwrap_or(1.0),
            |x| egui::Slider::new(x, 0.1..=2.0).text("Zipf s"),
            help::POPULARITY,
        ) {
            out_edit = Some(Some(s));
        }
    });
    if let Some(zipf) = out_edit {
        let label = match zipf {
            Some(s) => format!("{} keys Zipf s={s:.2}", wl.name),
            None => format!("{} keys uniform", wl.name),
        };
        out.push(UiAction::Redesign(
            DesignEdit::Popularity { workload: w, zipf },
            label,
        ));
    }
}

fn heading(ui: &mut egui::Ui) {
    section(ui, "Design (restarts the run)").on_hover_text(help::DESIGN);
}

/// Tries, retry budget and breaker of call `c` (node `i`).
fn call_policy(
    ui: &mut egui::Ui,
    view: &View,
    i: usize,
    c: usize,
    call: &Call,
    out: &mut Vec<UiAction>,
) {
    let id = &view.model.nodes[i].id;
    let callee = view.model.nodes.get(call.to).map_or("?", |n| n.id.as_str());
    ui.label(RichText::new(format!("Call to {callee}")).color(MUTED));
    let retry = call.policy.retry;
    let attempts = retry.map_or(1, |r| r.max_attempts);
    let budget = retry.and_then(|r| r.budget);
    let edit = |attempts: u32, budget: Option<f64>| DesignEdit::CallRetry {
        node: i,
        call: c,
        attempts,
        budget,
    };
    if let Some(a) = settle(
        ui,
        attempts,
        |x| egui::Slider::new(x, 1..=10).text("Tries"),
        help::RETRY_TRIES,
    ) {
        out.push(UiAction::Redesign(
            edit(a, budget),
            format!("{id} -> {callee}: {a} tries"),
        ));
    }
    ui.horizontal(|ui| {
        let mut limited = budget.is_some();
        let toggled = ui
            .add_enabled(
                attempts > 1,
                egui::Checkbox::new(&mut limited, "Retry budget"),
            )
            .on_hover_text(help::RETRY_BUDGET)
            .changed();
        let share = settle_enabled(
            ui,
            limited && attempts > 1,
            budget.unwrap_or(0.1),
            |x| {
                egui::Slider::new(x, 0.01..=1.0)
                    .logarithmic(true)
                    .max_decimals(2)
            },
            help::RETRY_BUDGET,
        );
        let new = if toggled {
            Some(limited.then_some(budget.unwrap_or(0.1)))
        } else {
            share.map(Some)
        };
        if let Some(b) = new {
            let text = b.map_or("no retry budget".into(), |b| {
                format!("retry budget {:.0}%", b * 100.0)
            });
            out.push(UiAction::Redesign(
                edit(attempts, b),
                format!("{id} -> {callee}: {text}"),
            ));
        }
    });
    let mut breaker = call.policy.breaker.is_some();
    if ui
        .checkbox(&mut breaker, "Circuit breaker")
        .on_hover_text(help::BREAKER_SWITCH)
        .changed()
    {
        out.push(UiAction::Redesign(
            DesignEdit::CallBreaker {
                node: i,
                call: c,
                on: breaker,
            },
            format!(
                "{id} -> {callee}: breaker {}",
                if breaker { "on" } else { "off" }
            ),
        ));
    }
}
