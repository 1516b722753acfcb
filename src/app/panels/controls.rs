//! Run controls: play/pause, step, speed (log slider), restart, seed, the clock; keyboard shortcuts.

use bevy_egui::egui::{self, RichText};

use crate::app::bridge::{MAX_SPEED, MIN_SPEED};
use crate::app::help;
use crate::app::panels::{FAIL, MUTED, OK, SLOW};
use crate::app::view::{UiAction, UiState, View, format_clock};

pub fn controls(ui: &mut egui::Ui, view: &View, state: &mut UiState) -> Vec<UiAction> {
    let mut out = Vec::new();
    let c = view.clock;
    ui.horizontal(|ui| {
        ui.label(RichText::new(format_clock(view.now)).monospace().size(22.0))
            .on_hover_text("Simulated time since the start (minutes:seconds).");
        let (text, colour) = if c.paused {
            ("paused".to_string(), MUTED)
        } else if c.behind {
            (
                format!("cannot keep up: {}", speed_text(c.speed_actual)),
                FAIL,
            )
        } else {
            ("running".to_string(), OK)
        };
        ui.label(RichText::new(text).color(colour));
    });
    let speed_line = format!(
        "sim speed {} (target {})",
        speed_text(c.speed_actual),
        speed_text(c.speed_target)
    );
    ui.label(RichText::new(speed_line).color(if c.behind { SLOW } else { MUTED }))
        .on_hover_text(help::SPEED);
    ui.horizontal(|ui| {
        if c.paused {
            if ui
                .button("Play")
                .on_hover_text("Run the simulation (shortcut: space).")
                .clicked()
            {
                out.push(UiAction::SetPaused(false));
            }
        } else if ui
            .button("Pause")
            .on_hover_text("Freeze the simulation (shortcut: space).")
            .clicked()
        {
            out.push(UiAction::SetPaused(true));
        }
        if ui.button("Step").on_hover_text(help::STEP).clicked() {
            out.push(UiAction::Step);
        }
        if ui.button("Restart").on_hover_text(help::RESTART).clicked() {
            out.push(UiAction::Restart);
        }
        if ui
            .add_enabled(view.file.is_some(), egui::Button::new("Reload file"))
            .on_hover_text(help::RELOAD)
            .on_disabled_hover_text(
                "A design of your own has no file yet: Restart runs it from 0 s",
            )
            .clicked()
        {
            out.push(UiAction::Reload);
        }
    });
    let mut speed = c.speed_target;
    let r = ui
        .add(
            egui::Slider::new(&mut speed, MIN_SPEED..=MAX_SPEED)
                .logarithmic(true)
                .text("Speed")
                .suffix("×")
                .max_decimals(1),
        )
        .on_hover_text(help::SPEED);
    if r.changed() {
        out.push(UiAction::SetSpeed(speed));
    }
    ui.horizontal(|ui| {
        ui.label("Seed").on_hover_text(help::SEED);
        // A new run (another file, a restart with a seed) shows its own seed.
        if state.seed_text.is_empty() || state.seed_shown != Some(view.seed) {
            state.seed_text = view.seed.to_string();
            state.seed_shown = Some(view.seed);
        }
        let r = ui.add(egui::TextEdit::singleline(&mut state.seed_text).desired_width(90.0));
        let parsed = state.seed_text.trim().parse::<u64>();
        if r.lost_focus() {
            match parsed {
                Ok(s) if s != view.seed => out.push(UiAction::SetSeed(s)),
                Err(_) => state.seed_text = view.seed.to_string(),
                _ => {}
            }
        }
        if parsed.as_ref().is_ok_and(|&s| s != view.seed)
            && ui
                .button("Restart with seed")
                .on_hover_text(help::SEED)
                .clicked()
        {
            out.push(UiAction::SetSeed(*parsed.as_ref().unwrap_or(&view.seed)));
            out.push(UiAction::Restart);
        }
    });
    // Paused, the engine handles none: the rate of the last frames run
    // stayed ("17k events/s" on a blank design never started).
    let events = if c.paused { 0.0 } else { c.events_per_sec };
    ui.label(
        RichText::new(format!(
            "{} events/s · {:.0} ms/frame",
            si(events),
            c.frame_ms
        ))
        .small()
        .color(MUTED),
    )
    .on_hover_text("Simulated events the engine handles per wall second, and the time one frame of the window takes.");
    out
}

/// When the run has reached the scenario's duration: how it did over the
/// whole measured run, and that Play keeps going. Drawn over the top of
/// the picture (`world`: its rectangle), not in the panel: appearing there
/// it pushed every control below it down under the pointer.
/// In a level (`in_level`) it says that Submit is what grades. Returns
/// the card's foot when drawn (the hints' card goes below it).
pub fn verdict_card(
    ctx: &egui::Context,
    view: &View,
    world: egui::Rect,
    in_level: bool,
) -> Option<f32> {
    // Until Play goes on past the end (the figures would move under a
    // card that says the run reached its end).
    if !(view.clock.ended && view.clock.paused) {
        return None;
    }
    let shown = egui::Area::new(egui::Id::new("run-verdict"))
        .order(egui::Order::Foreground)
        .pivot(egui::Align2::CENTER_TOP)
        .fixed_pos(egui::pos2(world.center().x, world.min.y + 40.0))
        .show(ctx, |ui| {
            ui.set_max_width((world.width() - 40.0).clamp(200.0, 520.0));
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                verdict(ui, view);
                if in_level {
                    ui.label(
                        RichText::new(format!(
                            "This run is on seed {}; Submit grades the design on the \
                             level's exam seeds, from 0 s.",
                            view.seed
                        ))
                        .small()
                        .color(MUTED),
                    );
                }
            });
        });
    Some(shown.response.rect.max.y)
}

fn verdict(ui: &mut egui::Ui, view: &View) {
    let met = view.objectives.iter().filter(|o| o.run.pass).count();
    let total = view.objectives.len();
    let (text, colour) = if total == 0 {
        (
            format!(
                "The run reached its {:.0} s (no objectives to judge).",
                view.model.duration.as_secs_f64()
            ),
            MUTED,
        )
    } else {
        (
            format!(
                "The run reached its {:.0} s: {met} of {total} objectives met over the whole run.",
                view.model.duration.as_secs_f64()
            ),
            if met == total { OK } else { FAIL },
        )
    };
    ui.label(RichText::new(text).color(colour).strong());
    for o in view.objectives.iter().filter(|o| !o.run.pass) {
        ui.label(
            RichText::new(format!(
                "✖ {}: {}",
                o.text,
                crate::app::panels::scenario::run_figure(o)
            ))
            .color(FAIL),
        );
    }
    ui.label(
        RichText::new("Press Play to keep running, Restart to run it again.")
            .small()
            .color(MUTED),
    );
}

/// `950`, `42k`, `1.3M`.
pub fn si(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.0}k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// `312×`, `0.5×`.
pub fn speed_text(s: f64) -> String {
    if s >= 10.0 {
        format!("{s:.0}×")
    } else {
        format!("{s:.1}×")
    }
}

/// Keyboard: space pause/play, + and - speed ×2 / ÷2, R restart. Ignored
/// while a text field has the keyboard.
pub fn shortcuts(ctx: &egui::Context, view: &View) -> Vec<UiAction> {
    if ctx.egui_wants_keyboard_input() {
        return Vec::new();
    }
    let mut out = Vec::new();
    ctx.input(|i| {
        if i.key_pressed(egui::Key::Space) {
            out.push(UiAction::SetPaused(!view.clock.paused));
        }
        if i.key_pressed(egui::Key::Plus) || i.key_pressed(egui::Key::Equals) {
            out.push(UiAction::SetSpeed(
                (view.clock.speed_target * 2.0).min(MAX_SPEED),
            ));
        }
        if i.key_pressed(egui::Key::Minus) {
            out.push(UiAction::SetSpeed(
                (view.clock.speed_target / 2.0).max(MIN_SPEED),
            ));
        }
        if i.key_pressed(egui::Key::R) {
            out.push(UiAction::Restart);
        }
    });
    out
}
