//! The "Predict, then run" window: pick a figure, enter a guess, lock it in (the run restarts from 0 on the same seed), then watch the run's figure and theory's beside it.

use bevy_egui::egui::{self, RichText, pos2};

use crate::app::guess::{Answer, Guess, Past, Target, answer, verdict};
use crate::app::panels::theory::figure;
use crate::app::panels::{MUTED, OK, SLOW};
use crate::app::view::{UiAction, UiState, View};

/// The window, when open; locking a guess restarts the run.
pub fn guess_window(ctx: &egui::Context, view: &View, state: &mut UiState) -> Vec<UiAction> {
    let mut out = Vec::new();
    if !state.guess.open {
        return out;
    }
    let mut open = true;
    egui::Window::new("Predict, then run")
        .open(&mut open)
        .default_pos(pos2(300.0, 90.0))
        .default_width(380.0)
        .resizable(false)
        .show(ctx, |ui| {
            if entry(ui, view, state) {
                let previous = state.guess.locked.as_ref().map(|g| answer(view, g.target));
                state.guess.lock(&view.model, previous);
                out.push(UiAction::Restart);
            }
            if let Some(g) = &state.guess.locked {
                ui.separator();
                current(ui, view, g);
            }
            past(ui, &state.guess.past);
        });
    state.guess.open = open;
    out
}

/// The question and the number; true when "Lock in and run" is clicked.
fn entry(ui: &mut egui::Ui, view: &View, state: &mut UiState) -> bool {
    ui.label(
        RichText::new(
            "Guess a figure before the run, then see it against the simulation and \
             queueing theory. Locking in restarts the run from 0 on the same seed.",
        )
        .color(MUTED),
    );
    let g = &mut state.guess;
    let targets = Target::all(&view.model);
    if !targets.contains(&g.target) {
        g.target = Target::MeanLatency;
    }
    egui::ComboBox::from_id_salt("guess-target")
        .selected_text(g.target.question(&view.model))
        .width(300.0)
        .show_ui(ui, |ui| {
            for t in targets {
                ui.selectable_value(&mut g.target, t, t.question(&view.model));
            }
        });
    let mut clicked = false;
    ui.horizontal(|ui| {
        ui.label("My guess:");
        ui.add(
            egui::DragValue::new(&mut g.value)
                .range(0.0..=1e9)
                .speed(0.5)
                .max_decimals(3),
        );
        clicked = ui.button("Lock in and run").clicked();
    });
    clicked
}

/// The guess being tested and what the run and theory say so far.
fn current(ui: &mut egui::Ui, view: &View, g: &Guess) {
    let a = answer(view, g.target);
    let when = if view.clock.ended {
        "at the end of the run".to_string()
    } else {
        format!("so far ({:.0} s simulated)", view.now.as_secs_f64())
    };
    ui.label(
        RichText::new(format!(
            "Your guess for {}: {}",
            g.question,
            figure(g.value)
        ))
        .strong(),
    );
    rows(ui, g.value, &a, &when);
}

/// The run's figure and theory's, each with the verdict on the guess.
fn rows(ui: &mut egui::Ui, guess: f64, a: &Answer, when: &str) {
    match a.simulated {
        Some(s) => {
            ui.label(
                RichText::new(format!(
                    "simulated {when}: {} — you were {}",
                    figure(s),
                    verdict(guess, s)
                ))
                .color(OK),
            );
        }
        None => {
            ui.label(RichText::new(format!("simulated {when}: not yet measured")).color(MUTED));
        }
    }
    match &a.theory {
        Ok(t) => {
            ui.label(
                RichText::new(format!(
                    "theory: {} — you were {}",
                    figure(*t),
                    verdict(guess, *t)
                ))
                .color(SLOW),
            );
        }
        Err(why) => {
            ui.label(RichText::new(format!("theory: no formula — {why}")).color(MUTED));
        }
    }
}

/// Earlier guesses, newest first, with what they got.
fn past(ui: &mut egui::Ui, past: &[Past]) {
    if past.is_empty() {
        return;
    }
    ui.separator();
    ui.label(RichText::new("Earlier guesses").color(MUTED));
    for p in past {
        ui.label(format!("{}: {}", p.guess.question, figure(p.guess.value)));
        rows(ui, p.guess.value, &p.answer, "then");
    }
}
