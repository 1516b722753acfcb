//! Lays out the egui panels around the world view each frame and routes what they ask for.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::app::actions::ActionQueue;
use crate::app::camera::{Hovered, PanelInsets};
use crate::app::campaign_play::{CampaignPlay, Screen};
use crate::app::chords::Chords;
use crate::app::edit_gestures::EditDrag;
use crate::app::editor::{Editor, EditorCommand};
use crate::app::ghosts::{GHOST_GAP, GHOST_SIZE, Ghosts};
use crate::app::layout::Place;
use crate::app::panels::{self, FAIL, MUTED, OK, SLOW};
use crate::app::view::{Selected, UiAction, UiState, View};
use crate::scenario::edit::Part;

pub const LEFT_WIDTH: f32 = 280.0;
pub const RIGHT_WIDTH: f32 = 290.0;
pub const CHARTS_HEIGHT: f32 = 200.0;

pub fn plugin(app: &mut App) {
    app.init_resource::<UiState>();
    app.add_systems(EguiPrimaryContextPass, (fonts_once, panels_system).chain());
}

/// Sets the window's fonts on egui's context, once it exists: bevy_egui
/// makes it when the camera appears, after `Startup`, where this ran
/// before and found no context (the fonts, Hack's arrows, never reached
/// the window: "1 000 □ 3 000" in 3.3's ask).
fn fonts_once(mut contexts: EguiContexts, mut done: Local<bool>) {
    if *done {
        return;
    }
    if let Ok(ctx) = contexts.ctx_mut() {
        ctx.set_fonts(fonts());
        *done = true;
    }
}

/// egui's own fonts with Hack, its monospace font, last in the
/// proportional family: Ubuntu Light has no arrows, so `replicas → 3` on
/// a chart or `Enqueue → processed` drew a box where the arrow goes.
pub fn fonts() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    if let Some(family) = fonts.families.get_mut(&egui::FontFamily::Proportional) {
        family.push("Hack".into());
    }
    fonts
}

#[allow(clippy::too_many_arguments)]
fn panels_system(
    mut contexts: EguiContexts,
    view: Option<Res<View>>,
    mut state: ResMut<UiState>,
    mut queue: ResMut<ActionQueue>,
    mut insets: ResMut<PanelInsets>,
    editor: Res<Editor>,
    play: Res<CampaignPlay>,
    edit_drag: Res<EditDrag>,
    mut synced: Local<Option<Selected>>,
    hovered: Res<Hovered>,
    ghosts: Res<Ghosts>,
    chords: Res<Chords>,
    mut tools: Local<panels::tool_windows::ToolWindows>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let Some(view) = view else {
        return Ok(());
    };
    let state = &mut *state;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let mut actions = Vec::new();
    // The briefing holds the keys as well as the pointer.
    if !play.briefing_open() {
        actions.extend(panels::shortcuts(&ctx, &view));
        actions.extend(panels::build::keys(&ctx, &editor, &chords));
    }
    actions.extend(focus_follows_selection(
        &editor,
        &view,
        state.selected,
        &mut synced,
    ));
    let left = egui::Panel::left("run")
        .resizable(false)
        .exact_size(LEFT_WIDTH)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.add_space(4.0);
                actions.extend(panels::campaign::level_bar(ui, &play));
                actions.extend(panels::controls(ui, &view, state));
                ui.separator();
                actions.extend(panels::build::build(ui, &view, &editor));
                ui.separator();
                actions.extend(panels::scenario(ui, &view, state));
                ui.separator();
                actions.extend(panels::export(ui, &view, state));
            });
        })
        .response
        .rect
        .width();
    let bottom = egui::Panel::bottom("charts")
        .resizable(false)
        .exact_size(CHARTS_HEIGHT)
        .show(&mut root, |ui| {
            actions.extend(panels::charts(ui, &view, state));
        })
        .response
        .rect
        .height();
    let right = egui::Panel::right("inspector")
        .resizable(false)
        .exact_size(RIGHT_WIDTH)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.add_space(4.0);
                if editor.on {
                    actions.extend(panels::build_inspector::build_inspector(ui, &editor, &view));
                } else {
                    actions.extend(panels::inspector(ui, &view, state));
                }
            });
        })
        .response
        .rect
        .width();
    let legend = legend(&ctx, left, &mut actions);
    let new_insets = PanelInsets {
        left,
        right,
        top: 0.0,
        bottom,
        egui_pointer: ctx.is_pointer_over_egui() || ctx.egui_is_using_pointer(),
        legend: Some((
            Vec2::new(legend.min.x, legend.min.y),
            Vec2::new(legend.max.x, legend.max.y),
        )),
    };
    if *insets != new_insets {
        *insets = new_insets;
    }
    if let Some(place) = hovered.0
        && !ctx.is_pointer_over_egui()
    {
        hover_card(&ctx, &view, place);
    }
    let world_rect = egui::Rect::from_min_max(
        egui::pos2(left, 0.0),
        egui::pos2(
            ctx.viewport_rect().max.x - right,
            ctx.viewport_rect().max.y - bottom,
        ),
    );
    paint_ghosts(&ctx, &ghosts, world_rect);
    // Not beside the campaign's map, briefing or debrief: the debrief's
    // verdict is the exam's, on other seeds ("2 of 3 objectives met" in
    // red sat over "Passed ★★★").
    let verdict = if play.campaign.is_none() || play.screen == Screen::Playing {
        panels::verdict_card(&ctx, &view, world_rect, play.level().is_some())
    } else {
        None
    };
    let refusal = panels::refusal::refusal_card(&ctx, &editor, &view, world_rect);
    let above = egui::Rect::from_min_max(world_rect.min, world_rect.max - egui::vec2(0.0, refusal));
    panels::campaign::status_card(&ctx, &play, above);
    // Under the run's verdict when it is up: both sit over the top.
    let hints_top = verdict.map_or(legend.max.y, |v| v.max(legend.max.y));
    actions.extend(panels::campaign::hint_card(
        &ctx, &play, world_rect, hints_top,
    ));
    actions.extend(panels::build::confirm_modal(&ctx, &editor));
    drag_preview(&ctx, &edit_drag, &view);
    actions.extend(panels::campaign::windows(&ctx, &play, &view.model));
    panels::tool_windows::one_at_a_time(&ctx, state, &mut tools);
    panels::waterfall::waterfall(&ctx, &view, state);
    actions.extend(panels::guess::guess_window(&ctx, &view, state));
    queue.0.extend(actions);
    Ok(())
}

fn legend_swatch(ui: &mut egui::Ui, colour: egui::Color32, text: &str) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 4.5, colour);
    ui.label(egui::RichText::new(text).color(MUTED));
}

/// A card by the pointer for the node or traffic source under it: what it
/// is, and its figures of the last simulated second.
fn hover_card(ctx: &egui::Context, view: &View, place: Place) {
    let text = match place {
        Place::Source(w) => view.model.workloads.get(w).map(|wl| {
            format!(
                "{} · traffic source\n{:.0} req/s offered now\nClick to select and tune.",
                wl.name,
                view.offered.get(w).copied().unwrap_or(0.0)
            )
        }),
        Place::Node(i) => view.model.nodes.get(i).map(|n| {
            let mut t = format!("{} · {}", n.id, n.kind.name().replace('_', " "));
            if let Some(w) = view.last_window().and_then(|w| w.nodes.get(i)) {
                let secs = view.last_window().map_or(1.0, |x| {
                    x.end.saturating_sub(x.start).as_secs_f64().max(1e-9)
                });
                t.push_str(&format!("\n{:.0} req/s in", w.counts.arrived as f64 / secs));
                if let Some(u) = w.utilisation {
                    t.push_str(&format!(", {:.0}% utilised", u * 100.0));
                }
                if let Some(p99) = w.sojourn.p99_ms {
                    t.push_str(&format!("\np99 here {}", crate::app::view::format_ms(p99)));
                }
            }
            if let Some(trouble) = view.node_failing(i) {
                let secs = view.last_window().map_or(1.0, |x| {
                    x.end.saturating_sub(x.start).as_secs_f64().max(1e-9)
                });
                t.push_str(&format!("\n! {}", trouble.describe(secs)));
            }
            t.push_str("\nClick to select and tune.");
            t
        }),
    };
    if let Some(text) = text {
        egui::Tooltip::always_open(
            ctx.clone(),
            egui::LayerId::background(),
            egui::Id::new("world-hover"),
            egui::PopupAnchor::Pointer,
        )
        .show(|ui| ui.label(text));
    }
}

/// The legend over the top of the world view (what the colours and bars
/// mean, and Fit), wrapped within the world view; returns its rectangle.
fn legend(ctx: &egui::Context, left: f32, actions: &mut Vec<UiAction>) -> egui::Rect {
    let world_width = (ctx.content_rect().width() - left - RIGHT_WIDTH - 20.0).max(120.0);
    egui::Area::new("legend".into())
        .fixed_pos(egui::pos2(left + 10.0, 8.0))
        .show(ctx, |ui| {
            // Wrapped within the world view: never over the inspector.
            ui.set_max_width(world_width);
            ui.horizontal_wrapped(|ui| {
                legend_swatch(ui, OK, "ok");
                legend_swatch(ui, SLOW, "slower than p99 goal");
                legend_swatch(ui, FAIL, "failed");
                ui.label(
                    egui::RichText::new("   bars: busy workers | waiting line  (hover for help)")
                        .color(MUTED),
                )
                .on_hover_text(format!(
                    "{}\n\nIn a service or database box, each row is one replica: the long bar \
                     is the share of its workers busy (green to red), the short bar its \
                     waiting line. A red ! badge means something fails there: the line under \
                     the node says what, per second.",
                    crate::app::help::DOTS
                ));
                if ui
                    .small_button("Fit")
                    .on_hover_text(
                        "Show the whole system (drag to pan, wheel to zoom, click a node to \
                         select it).",
                    )
                    .clicked()
                {
                    actions.push(UiAction::FitView);
                }
            });
        })
        .response
        .rect
}

/// In build mode a node or source selected in the picture is what the
/// build inspector shows.
fn focus_follows_selection(
    editor: &Editor,
    view: &View,
    selected: Option<Selected>,
    synced: &mut Option<Selected>,
) -> Option<UiAction> {
    if !editor.on || *synced == selected {
        return None;
    }
    *synced = selected;
    let part = match selected {
        // A click on empty canvas: nothing is focused any more (the
        // design's objectives come back to the inspector), unless the
        // click was on a node left out of the run, which focuses that.
        None if editor.focus.as_ref().is_some_and(|p| in_run(view, p)) => {
            return Some(UiAction::Editor(EditorCommand::Focus(None)));
        }
        None => return None,
        Some(Selected::Node(i)) => Part::Node(view.model.nodes.get(i)?.id.clone()),
        Some(Selected::Workload(w)) => Part::Source(view.model.workloads.get(w)?.name.clone()),
    };
    Some(UiAction::Editor(EditorCommand::Focus(Some(part))))
}

/// Whether `part` is a node or source of the running design (not one the
/// run left out).
fn in_run(view: &View, part: &Part) -> bool {
    match part {
        Part::Node(id) => view.model.nodes.iter().any(|n| &n.id == id),
        Part::Source(name) => view.model.workloads.iter().any(|w| &w.name == name),
        _ => false,
    }
}

/// What a build-mode drag will do: a line to the pointer (wiring) or the
/// node's box following it (moving).
/// The nodes left out of the run (build mode): a dashed red box where each
/// stands, its id and kind, and the problem that leaves it out.
/// An arrow from each left-out part to each left-out part it sends to,
/// box edge to box edge: a wire made between two of them (a source to a
/// load balancer not wired on yet) showed nowhere but in the problem list.
fn wires_between(painter: &egui::Painter, ghosts: &Ghosts) {
    let stroke = egui::Stroke::new(1.5, egui::Color32::from_gray(170));
    let rect = |r: &Rect| {
        egui::Rect::from_min_max(egui::pos2(r.min.x, r.min.y), egui::pos2(r.max.x, r.max.y))
    };
    for from in &ghosts.0 {
        for to in ghosts
            .0
            .iter()
            .filter(|g| from.sends_to.contains(&g.id) && g.id != from.id)
        {
            let (a, b) = (rect(&from.screen), rect(&to.screen));
            let (p, q) = (edge_towards(a, b.center()), edge_towards(b, a.center()));
            painter.arrow(p, q - p, stroke);
        }
    }
}

/// Where the segment from `r`'s centre towards `p` leaves `r`.
fn edge_towards(r: egui::Rect, p: egui::Pos2) -> egui::Pos2 {
    let d = p - r.center();
    if d.x == 0.0 && d.y == 0.0 {
        return r.center();
    }
    let t = (r.width() / 2.0 / d.x.abs()).min(r.height() / 2.0 / d.y.abs());
    r.center() + d * t.min(1.0)
}

fn paint_ghosts(ctx: &egui::Context, ghosts: &Ghosts, world: egui::Rect) {
    if ghosts.0.is_empty() {
        return;
    }
    let painter = ctx
        .layer_painter(egui::LayerId::new(
            egui::Order::Background,
            egui::Id::new("left-out nodes"),
        ))
        .with_clip_rect(world);
    let stroke = egui::Stroke::new(2.0, FAIL);
    wires_between(&painter, ghosts);
    for g in &ghosts.0 {
        let r = egui::Rect::from_min_max(
            egui::pos2(g.screen.min.x, g.screen.min.y),
            egui::pos2(g.screen.max.x, g.screen.max.y),
        );
        let corners = [
            r.left_top(),
            r.right_top(),
            r.right_bottom(),
            r.left_bottom(),
            r.left_top(),
        ];
        painter.extend(egui::Shape::dashed_line(&corners, stroke, 6.0, 4.0));
        // Texts zoom with the box, as the run's nodes' do: zoomed out,
        // a fixed size ran into the next box's ("traffic soload balancer").
        let zoom = r.width() / GHOST_SIZE.x;
        if zoom * 12.0 < 4.0 {
            continue;
        }
        painter.text(
            r.center(),
            egui::Align2::CENTER_CENTER,
            format!("{}\n{}", g.id, g.kind.replace('_', " ")),
            egui::FontId::monospace(12.0 * zoom),
            egui::Color32::from_gray(220),
        );
        let problem = ctx.fonts_mut(|f| {
            f.layout(
                g.problem.clone(),
                egui::FontId::proportional(11.0 * zoom),
                FAIL,
                (GHOST_GAP - 10.0) * zoom,
            )
        });
        let at = egui::pos2(r.center().x - problem.size().x / 2.0, r.max.y + 4.0);
        painter.galley(at, problem, FAIL);
    }
}

fn drag_preview(ctx: &egui::Context, drag: &EditDrag, view: &View) {
    if (drag.from.is_none() && drag.ghost.is_none()) || !drag.moved {
        return;
    }
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::new("edit-drag"),
    ));
    let from = egui::pos2(drag.screen_from.x, drag.screen_from.y);
    let now = egui::pos2(drag.screen_now.x, drag.screen_now.y);
    if drag.connect {
        painter.line_segment([from, now], egui::Stroke::new(2.5, SLOW));
        painter.circle_filled(now, 5.0, SLOW);
        painter.text(
            now + egui::vec2(10.0, -10.0),
            egui::Align2::LEFT_BOTTOM,
            "drop on a node to wire",
            egui::FontId::proportional(13.0),
            SLOW,
        );
    } else {
        let start = egui::pos2(drag.screen_start.x, drag.screen_start.y);
        let moved = from + (now - start);
        let _ = view;
        painter.rect_stroke(
            egui::Rect::from_center_size(moved, egui::vec2(90.0, 60.0)),
            6.0,
            egui::Stroke::new(2.0, OK),
            egui::StrokeKind::Outside,
        );
    }
}
