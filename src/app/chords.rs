//! Ctrl+key chords read from the keyboard's own events in their order: a quick keypress (Ctrl down, S, Ctrl up within one frame, as `xdotool key ctrl+s` sends it) reached egui with Ctrl already let go, and Ctrl+S never saved.

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;

/// One key going down this frame, in the keyboard's order, with the
/// modifiers held at that moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Press {
    pub key: KeyCode,
    /// What bevy_egui types for it (a character or a space), if anything.
    pub text: Option<String>,
    /// Ctrl (Cmd on macOS) held.
    pub ctrl: bool,
    pub shift: bool,
    /// Held down long enough to repeat.
    pub repeat: bool,
}

/// The keys pressed this frame, in order, with whether Ctrl (or Cmd) and
/// Shift were held for each.
#[derive(Resource, Default)]
pub struct Chords {
    presses: Vec<Press>,
    ctrl: bool,
    shift: bool,
}

impl Chords {
    /// Whether `key` was pressed with Ctrl this frame (and Shift as `shift`).
    pub fn pressed(&self, key: KeyCode, shift: bool) -> bool {
        self.chords().any(|p| p.key == key && p.shift == shift)
    }

    /// Whether `key` was pressed with Ctrl this frame, Shift or not.
    pub fn pressed_any(&self, key: KeyCode) -> bool {
        self.chords().any(|p| p.key == key)
    }

    /// Every key pressed this frame, in the keyboard's order.
    pub fn presses(&self) -> &[Press] {
        &self.presses
    }

    /// The keys pressed with Ctrl held (not the repeats of one held down).
    fn chords(&self) -> impl Iterator<Item = &Press> {
        self.presses.iter().filter(|p| p.ctrl && !p.repeat)
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
            key if down => self.presses.push(Press {
                key,
                text: typed(&m.logical_key),
                ctrl: self.ctrl,
                shift: self.shift,
                repeat: m.repeat,
            }),
            _ => {}
        }
    }
}

/// What bevy_egui turns a key into as text when no Ctrl is held.
fn typed(key: &Key) -> Option<String> {
    match key {
        Key::Character(c) if !c.chars().any(char::is_control) => Some(c.to_string()),
        Key::Space => Some(" ".into()),
        _ => None,
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<Chords>();
    app.add_systems(PreUpdate, read_chords);
}

/// Reads this frame's key events (before egui's pass begins).
pub(crate) fn read_chords(mut keys: MessageReader<KeyboardInput>, mut chords: ResMut<Chords>) {
    chords.presses.clear();
    for m in keys.read() {
        chords.read(m);
    }
}
