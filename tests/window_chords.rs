//! Ctrl chords in a text box through the whole window, pressed quickly (within one frame, as `xdotool key ctrl+a` sends them): Ctrl+A selects all rather than typing an "a".
#![cfg(feature = "gui")]

mod window;

use bevy::prelude::*;
use bevy_egui::egui::accesskit;
use loadlab::app::UiState;
use window::Window;

fn seed_text(w: &Window) -> String {
    w.app.world().resource::<UiState>().seed_text.clone()
}

/// In the Seed box, a quick Ctrl+A then "7": the box holds "7" (it held
/// the seed with an "a" and a "7" typed into it).
#[test]
fn a_quick_ctrl_a_selects_all_in_a_text_box() {
    let mut w = Window::open(&[], None);
    let seed = w.bridge().seed.to_string();
    let field = w
        .find_role(accesskit::Role::TextInput, &seed)
        .expect("the Seed box shows the seed");
    w.click(field);
    w.quick_chord(KeyCode::KeyA, "a");
    assert_eq!(seed_text(&w), seed, "Ctrl+A typed into the box");
    w.type_text("7");
    assert_eq!(seed_text(&w), "7", "Ctrl+A then 7 replaces the seed");
}
