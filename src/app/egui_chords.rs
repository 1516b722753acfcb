//! Ctrl+key chords handed to egui as they were typed: a quick Ctrl+A (all within one frame, as `xdotool key ctrl+a` sends it) reached a text box as a typed "a", bevy_egui having already seen Ctrl let go; here such a key gets its Ctrl back and loses its text, so egui selects all (and undoes, on Ctrl+Z) as for a slow one.

use bevy::prelude::*;
use bevy_egui::helpers::bevy_to_egui_physical_key;
use bevy_egui::{EguiInput, EguiPreUpdateSet, egui};

use crate::app::chords::{Chords, Press, read_chords};

pub fn plugin(app: &mut App) {
    app.add_systems(
        PreUpdate,
        give_egui_chords
            .after(read_chords)
            .after(EguiPreUpdateSet::ProcessInput)
            .before(EguiPreUpdateSet::BeginPass),
    );
}

/// Mends egui's input for this frame where a key went down with Ctrl held.
fn give_egui_chords(chords: Res<Chords>, mut inputs: Query<&mut EguiInput>) {
    let presses = chords.presses();
    if !presses.iter().any(|p| p.ctrl) {
        return;
    }
    for mut input in &mut inputs {
        mend(&mut input.0.events, presses);
    }
}

/// Pairs each key-down event with the keyboard's press of that key (the
/// n-th of its key with the n-th); one made with Ctrl held that egui got
/// without it gets Ctrl (and Shift as held), and the text bevy_egui typed
/// for it just before is dropped.
pub fn mend(events: &mut Vec<egui::Event>, presses: &[Press]) {
    let mut seen: Vec<egui::Key> = Vec::new();
    let mut k = 0;
    while k < events.len() {
        let press = match &events[k] {
            egui::Event::Key {
                pressed: true,
                physical_key: Some(key),
                ..
            } => {
                let nth = seen.iter().filter(|s| *s == key).count();
                seen.push(*key);
                nth_press(presses, *key, nth)
            }
            _ => None,
        };
        if let Some(p) = press.filter(|p| p.ctrl)
            && give_ctrl(&mut events[k], p.shift)
            && k > 0
            && matches!(&events[k - 1], egui::Event::Text(t) if Some(t) == p.text.as_ref())
        {
            events.remove(k - 1);
            continue;
        }
        k += 1;
    }
}

/// The `nth` press (from 0) of the key egui calls `key`.
fn nth_press(presses: &[Press], key: egui::Key, nth: usize) -> Option<&Press> {
    presses
        .iter()
        .filter(|p| bevy_to_egui_physical_key(&p.key) == Some(key))
        .nth(nth)
}

/// Sets Ctrl (Cmd on macOS) on a key event that lacks it; whether it did.
fn give_ctrl(event: &mut egui::Event, shift: bool) -> bool {
    let egui::Event::Key { modifiers, .. } = event else {
        return false;
    };
    if modifiers.command {
        return false;
    }
    if cfg!(target_os = "macos") {
        modifiers.mac_cmd = true;
    } else {
        modifiers.ctrl = true;
    }
    modifiers.command = true;
    modifiers.shift = shift;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(key: KeyCode, text: &str, ctrl: bool) -> Press {
        Press {
            key,
            text: Some(text.into()),
            ctrl,
            shift: false,
            repeat: false,
        }
    }

    fn key_a() -> egui::Event {
        egui::Event::Key {
            key: egui::Key::A,
            physical_key: Some(egui::Key::A),
            pressed: true,
            repeat: false,
            modifiers: egui::Modifiers::NONE,
        }
    }

    #[test]
    fn a_quick_ctrl_a_is_a_select_all_not_an_a() {
        let mut events = vec![egui::Event::Text("a".into()), key_a()];
        mend(&mut events, &[press(KeyCode::KeyA, "a", true)]);
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(
            matches!(&events[0], egui::Event::Key { key: egui::Key::A, modifiers, .. } if modifiers.command)
        );
    }

    #[test]
    fn a_plain_a_before_the_chord_is_still_typed() {
        let text = || egui::Event::Text("a".into());
        let mut events = vec![text(), key_a(), text(), key_a()];
        let presses = [
            press(KeyCode::KeyA, "a", false),
            press(KeyCode::KeyA, "a", true),
        ];
        mend(&mut events, &presses);
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(events[0], text());
        assert!(matches!(&events[2], egui::Event::Key { modifiers, .. } if modifiers.command));
    }
}
