//! Where the time of the slowest requests goes: a waterfall window, one row per hop (indented by call depth), its time coloured by phase (line, service, calls, backoff, timeout, transit), with each phase's share of the request.

use bevy_egui::egui::{self, Color32, RichText, Stroke, pos2, vec2};

use crate::app::panels::{FAIL, MUTED, OK, SLOW};
use crate::app::view::{UiState, View};
use crate::report::traces::outcome_name;
use crate::sim::spans::{Phase, RequestSpans, attribute};

const ROW: f32 = 18.0;
const LABEL_WIDTH: f32 = 150.0;
const BAR_WIDTH: f32 = 420.0;
/// The height the window's title, header, totals and legend take (and a
/// margin), left to the screen beside the rows.
const ROOM_AROUND_ROWS: f32 = 300.0;

/// The phase's colour in the waterfall.
fn colour(p: Phase) -> Color32 {
    match p {
        Phase::Queue => SLOW,
        Phase::Service => OK,
        Phase::Calls => Color32::from_rgb(90, 130, 200),
        Phase::Backoff => Color32::from_rgb(170, 110, 210),
        Phase::Timeout => FAIL,
        Phase::Transit => Color32::from_rgb(120, 200, 220),
        Phase::Other => MUTED,
    }
}

/// The waterfall window, when open: on the request whose dot was clicked,
/// or on one of the slowest.
pub fn waterfall(ctx: &egui::Context, view: &View, state: &mut UiState) {
    let Some(mut k) = state.waterfall else {
        state.clicked_request = None;
        return;
    };
    let mut open = true;
    let mut back = false;
    let clicked = state.clicked_request.as_deref();
    egui::Window::new("Where the time goes")
        .open(&mut open)
        .default_pos(pos2(300.0, 60.0))
        .resizable(false)
        .show(ctx, |ui| {
            if let Some(r) = clicked {
                ui.horizontal(|ui| {
                    ui.label(RichText::new("The request whose dot you clicked").strong());
                    back = ui.button("Show the slowest instead").clicked();
                });
                request(ui, view, r);
                return;
            }
            if view.slowest.is_empty() {
                ui.label(
                    RichText::new(
                        "No sampled request has finished after warm-up yet (one in 20 is followed).",
                    )
                    .color(MUTED),
                );
                return;
            }
            k = k.min(view.slowest.len() - 1);
            picker(ui, view, &mut k);
            request(ui, view, &view.slowest[k]);
        });
    if back || !open {
        state.clicked_request = None;
    }
    state.waterfall = open.then_some(k);
}

/// Which of the slowest requests to show.
fn picker(ui: &mut egui::Ui, view: &View, k: &mut usize) {
    let name = |i: usize| {
        let r = &view.slowest[i];
        format!("#{} · {:.1} ms", i + 1, r.latency().as_millis_f64())
    };
    ui.horizontal(|ui| {
        ui.label("Slowest sampled requests:");
        egui::ComboBox::from_id_salt("waterfall-pick")
            .selected_text(name(*k))
            .show_ui(ui, |ui| {
                for i in 0..view.slowest.len() {
                    ui.selectable_value(k, i, name(i));
                }
            });
    });
}

/// One request: its header, the phase totals, the rows, the legend.
fn request(ui: &mut egui::Ui, view: &View, r: &RequestSpans) {
    let outcome = outcome_name(r.outcome);
    let workload = view
        .model
        .workloads
        .get(r.workload)
        .map_or("?", |w| w.name.as_str());
    ui.label(format!(
        "request {} from {workload}, a {}, sent at {:.2} s: {:.2} ms, {outcome}",
        r.id,
        r.kind.name(),
        r.created.as_secs_f64(),
        r.latency().as_millis_f64()
    ));
    totals(ui, r);
    // The rows scroll within what the screen leaves: fifty calls to a
    // database (8.1) ran the window off the screen, its legend with it.
    let room = (ui.ctx().content_rect().height() - ROOM_AROUND_ROWS).max(4.0 * ROW);
    egui::ScrollArea::vertical()
        .id_salt("waterfall-rows")
        .max_height(room)
        .show(ui, |ui| rows(ui, view, r));
    legend(ui);
}

/// Each phase's time and share of the request (they add up to its
/// latency).
fn totals(ui: &mut egui::Ui, r: &RequestSpans) {
    let total = r.latency().0.max(1) as f64;
    let mut by_phase = [0u64; Phase::ALL.len()];
    for ((_, p), ns) in attribute(r) {
        if let Some(i) = Phase::ALL.iter().position(|q| *q == p) {
            by_phase[i] += ns;
        }
    }
    ui.horizontal_wrapped(|ui| {
        for (p, ns) in Phase::ALL.iter().zip(by_phase) {
            if ns > 0 {
                ui.label(
                    RichText::new(format!(
                        "{} {:.1} ms ({:.0} %)",
                        p.name(),
                        ns as f64 / 1e6,
                        100.0 * ns as f64 / total
                    ))
                    .color(colour(*p)),
                );
            }
        }
    });
}

/// One row per hop: the node (indented by depth) and its bar.
fn rows(ui: &mut egui::Ui, view: &View, r: &RequestSpans) {
    let span = r.latency().0.max(1) as f32;
    let x = |t: crate::sim::SimTime| t.0.saturating_sub(r.created.0) as f32 / span * BAR_WIDTH;
    let height = ROW * r.hops.len() as f32;
    let (rect, _) =
        ui.allocate_exact_size(vec2(LABEL_WIDTH + BAR_WIDTH, height), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    for (i, hop) in r.hops.iter().enumerate() {
        let top = rect.top() + ROW * i as f32;
        let id = view
            .model
            .nodes
            .get(hop.node)
            .map_or("?", |n| n.id.as_str());
        painter.text(
            pos2(rect.left() + 8.0 * f32::from(hop.depth), top + ROW / 2.0),
            egui::Align2::LEFT_CENTER,
            id,
            egui::FontId::proportional(12.0),
            ui.visuals().text_color(),
        );
        let left = rect.left() + LABEL_WIDTH;
        let frame = egui::Rect::from_min_max(
            pos2(left + x(hop.start), top + 3.0),
            pos2(left + x(hop.end).max(x(hop.start) + 1.0), top + ROW - 3.0),
        );
        painter.rect_stroke(
            frame,
            1.0,
            Stroke::new(1.0, MUTED),
            egui::StrokeKind::Inside,
        );
        for s in r.segments.iter().filter(|s| s.hop as usize == i) {
            let seg = egui::Rect::from_min_max(
                pos2(left + x(s.start), top + 4.0),
                pos2(left + x(s.end).max(x(s.start) + 1.0), top + ROW - 4.0),
            );
            painter.rect_filled(seg, 0.0, colour(s.phase));
        }
    }
}

fn legend(ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        for p in Phase::ALL.iter().filter(|p| **p != Phase::Other) {
            ui.label(RichText::new("■").color(colour(*p)));
            ui.label(RichText::new(p.name()).small());
        }
    });
    ui.label(
        RichText::new(
            "One request in 20 is followed, and every one drawn as a dot; its time is \
             split over its hops exactly (the deepest hop at work takes each instant).",
        )
        .small()
        .color(MUTED),
    );
}
