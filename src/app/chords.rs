//! Ctrl+key chords read from the keyboard's own events in their order: a quick keypress (Ctrl down, S, Ctrl up within one frame, as `xdotool key ctrl+s` sends it) reached egui with Ctrl already let go, and Ctrl+S never saved.

use bevy::input::ButtonState;
use bevy::input::keyboard::KeyboardInput;
use bevy::prelude::*;

/// The keys pressed with Ctrl (or Cmd) held this frame, with whether Shift
/// was held too.
#[derive(Resource, Default)]
pub struct Chords {
    pressed: Vec<(KeyCode, bool)>,
    ctrl: bool,
    shift: bool,
}

impl Chords {
    /// Whether `key` was pressed with Ctrl this frame (and Shift as `shift`).
    pub fn pressed(&self, key: KeyCode, shift: bool) -> bool {
        self.pressed.contains(&(key, shift))
    }

    /// Whether `key` was pressed with Ctrl this frame, Shift or not.
    pub fn pressed_any(&self, key: KeyCode) -> bool {
        self.pressed.iter().any(|(k, _)| *k == key)
    }

    /// One key event, in the order the keyboard sent it.
    fn read(&mut self, m: &KeyboardInput) {
        let down = m.state == ButtonState::Pressed;
        match m.key_code {
            KeyCode::ControlLeft | KeyCode::ControlRight => self.ctrl = down,
            KeyCode::SuperLeft | KeyCode::SuperRight if cfg!(target_os = "macos") => {
                self.ctrl = down;
            }
            KeyCode::ShiftLeft | KeyCode::ShiftRight => self.shift = down,
            key if down && self.ctrl && !m.repeat => self.pressed.push((key, self.shift)),
            _ => {}
        }
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<Chords>();
    app.add_systems(PreUpdate, read_chords);
}

fn read_chords(mut keys: MessageReader<KeyboardInput>, mut chords: ResMut<Chords>) {
    chords.pressed.clear();
    for m in keys.read() {
        chords.read(m);
    }
}
