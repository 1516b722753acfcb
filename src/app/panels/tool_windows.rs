//! The tool windows ("Where the time goes", "Predict, then run") one at a time: opening one closes the other, and Esc closes the one open.

use bevy_egui::egui;

use crate::app::view::UiState;

/// Whether the waterfall was open the frame before (opened both in one
/// frame, the one already open gives way).
#[derive(Default)]
pub struct ToolWindows {
    waterfall: bool,
}

/// Keeps one tool window open, the one opened last ("Predict…" opened
/// over the waterfall, which ran off the screen); Esc closes it, as it
/// closes the briefing and the map. Call before drawing them.
pub fn one_at_a_time(ctx: &egui::Context, state: &mut UiState, was: &mut ToolWindows) {
    if state.waterfall.is_some() && state.guess.open {
        if was.waterfall {
            state.waterfall = None;
        } else {
            state.guess.open = false;
        }
    }
    let open = state.waterfall.is_some() || state.guess.open;
    if open && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
        state.waterfall = None;
        state.guess.open = false;
    }
    was.waterfall = state.waterfall.is_some();
}
