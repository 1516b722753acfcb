//! The whole window app driven as winit would drive it, shared by the whole-window tests: open a scenario, click, drag, type, press keys, read egui's AccessKit tree.
#![allow(dead_code)] // each test file uses its own share of the harness

use std::path::Path;
use std::time::Duration;

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::input::mouse::{MouseButtonInput, MouseScrollUnit, MouseWheel};
use bevy::input::touch::TouchPhase;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::settings::{RenderCreation, WgpuSettings};
use bevy::time::TimeUpdateStrategy;
use bevy::window::{CursorMoved, PrimaryWindow, WindowEvent, WindowResolution};
use bevy::winit::WinitPlugin;
use bevy_egui::egui::accesskit;
use bevy_egui::{EguiContext, EguiOutput, EguiPlugin, PrimaryEguiContext};
use loadlab::app::bridge::SimBridge;
use loadlab::app::camera::WorldCamera;
use loadlab::app::editor::{Editor, EditorCommand};
use loadlab::app::world::WorldLayout;
use loadlab::app::{ActionQueue, Selected, UiAction, UiState, ViewOptions};
use loadlab::sim::Command;

/// The whole window app with no renderer and no OS window: Bevy's window,
/// input, camera and egui plugins, LoadLab's plugins, events written the
/// way winit writes them.
pub struct Window {
    pub app: App,
    pub window: Entity,
}

impl Window {
    pub fn open(overrides: &[&str], select: Option<&str>) -> Window {
        Window::open_file("scenarios/url-shortener.toml", overrides, select)
    }

    pub fn open_file(path: &str, overrides: &[&str], select: Option<&str>) -> Window {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let options = ViewOptions {
            file: file.clone(),
            overrides: overrides.iter().map(|s| s.to_string()).collect(),
            select: select.map(str::to_string),
            ..ViewOptions::default()
        };
        let bridge = SimBridge::open(&file, &options.overrides, None).expect("scenario loads");
        let mut app = App::new();
        app.add_plugins(
            DefaultPlugins
                .build()
                .disable::<WinitPlugin>()
                .disable::<bevy::log::LogPlugin>()
                .set(RenderPlugin {
                    render_creation: RenderCreation::Automatic(Box::new(WgpuSettings {
                        backends: None,
                        ..default()
                    })),
                    ..default()
                })
                .set(WindowPlugin {
                    primary_window: Some(bevy::window::Window {
                        resolution: WindowResolution::new(1280, 800),
                        ..default()
                    }),
                    ..default()
                }),
        );
        app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
            20,
        )));
        app.add_plugins(EguiPlugin::default());
        loadlab::app::install(&mut app, bridge, &options);
        app.update();
        let window = app
            .world_mut()
            .query_filtered::<Entity, With<PrimaryWindow>>()
            .single(app.world())
            .expect("a primary window");
        let mut w = Window { app, window };
        for (mut ctx,) in w
            .app
            .world_mut()
            .query_filtered::<(&mut EguiContext,), With<PrimaryEguiContext>>()
            .iter_mut(w.app.world_mut())
        {
            ctx.get_mut().enable_accesskit();
        }
        w.frames(10);
        w
    }

    pub fn frames(&mut self, n: usize) {
        for _ in 0..n {
            self.app.update();
        }
    }

    pub fn write_window_event(&mut self, event: WindowEvent) {
        self.app.world_mut().write_message(event);
    }

    pub fn move_to(&mut self, position: Vec2) {
        let window = self.window;
        self.app
            .world_mut()
            .get_mut::<bevy::window::Window>(window)
            .expect("window")
            .set_cursor_position(Some(position));
        let moved = CursorMoved {
            window,
            position,
            delta: None,
        };
        self.app.world_mut().write_message(moved.clone());
        self.write_window_event(WindowEvent::CursorMoved(moved));
        self.app.update();
    }

    pub fn button(&mut self, state: ButtonState) {
        let input = MouseButtonInput {
            button: MouseButton::Left,
            state,
            window: self.window,
        };
        self.app.world_mut().write_message(input);
        self.write_window_event(WindowEvent::MouseButtonInput(input));
        self.app.update();
    }

    /// Moves there, presses, releases (a frame each), as a hand would.
    pub fn click(&mut self, at: Vec2) {
        self.move_to(at);
        self.app.update();
        self.button(ButtonState::Pressed);
        self.button(ButtonState::Released);
        self.frames(2);
    }

    /// Presses at `from`, moves to `to` in steps, releases.
    pub fn drag(&mut self, from: Vec2, to: Vec2) {
        self.move_to(from);
        self.button(ButtonState::Pressed);
        for k in 1..=8 {
            self.move_to(from.lerp(to, k as f32 / 8.0));
        }
        self.button(ButtonState::Released);
        self.frames(2);
    }

    pub fn wheel(&mut self, at: Vec2, lines: f32) {
        self.move_to(at);
        let wheel = MouseWheel {
            unit: MouseScrollUnit::Line,
            x: 0.0,
            y: lines,
            window: self.window,
            phase: TouchPhase::Moved,
        };
        self.app.world_mut().write_message(wheel);
        self.write_window_event(WindowEvent::MouseWheel(wheel));
        self.frames(2);
    }

    pub fn key(&mut self, code: KeyCode, key: Key, text: Option<&str>) {
        for state in [ButtonState::Pressed, ButtonState::Released] {
            self.key_state(code, key.clone(), text, state);
        }
    }

    /// One key going down or up (a frame), e.g. Shift held over a drag.
    pub fn key_state(&mut self, code: KeyCode, key: Key, text: Option<&str>, state: ButtonState) {
        let input = KeyboardInput {
            key_code: code,
            logical_key: key,
            state,
            text: (state == ButtonState::Pressed)
                .then(|| text.map(Into::into))
                .flatten(),
            repeat: false,
            window: self.window,
        };
        self.app.world_mut().write_message(input.clone());
        self.write_window_event(WindowEvent::KeyboardInput(input));
        self.app.update();
    }

    /// Ctrl held around one key, all four events in one frame as a quick
    /// keypress (xdotool's `key ctrl+s`) arrives, then two frames.
    pub fn quick_chord(&mut self, code: KeyCode, c: &str) {
        let events = [
            (KeyCode::ControlLeft, Key::Control, ButtonState::Pressed),
            (code, Key::Character(c.into()), ButtonState::Pressed),
            (code, Key::Character(c.into()), ButtonState::Released),
            (KeyCode::ControlLeft, Key::Control, ButtonState::Released),
        ];
        for (key_code, logical_key, state) in events {
            let input = KeyboardInput {
                key_code,
                logical_key,
                state,
                text: None,
                repeat: false,
                window: self.window,
            };
            self.app.world_mut().write_message(input.clone());
            self.write_window_event(WindowEvent::KeyboardInput(input));
        }
        self.frames(2);
    }

    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let s = c.to_string();
            self.key(
                KeyCode::Digit0,
                Key::Character(s.as_str().into()),
                Some(s.as_str()),
            );
        }
    }

    /// Centre of the widget whose AccessKit label (or value) is `label`,
    /// from the last frame's tree, in logical pixels.
    pub fn find(&mut self, label: &str) -> Option<Vec2> {
        self.find_where(label, |_| true)
    }

    /// Like [`Window::find`], among widgets of one AccessKit role.
    pub fn find_role(&mut self, role: accesskit::Role, label: &str) -> Option<Vec2> {
        self.find_where(label, |r| r == role)
    }

    pub fn find_where(
        &mut self,
        label: &str,
        role: impl Fn(accesskit::Role) -> bool,
    ) -> Option<Vec2> {
        let world = self.app.world_mut();
        let output = world
            .query_filtered::<&EguiOutput, With<PrimaryEguiContext>>()
            .single(world)
            .ok()?;
        let update = output.platform_output.accesskit_update.as_ref()?;
        let scale = output.pixels_per_point.max(f32::MIN_POSITIVE) as f64;
        update.nodes.iter().find_map(|(_, node)| {
            let named =
                (node.label() == Some(label) || node.value() == Some(label)) && role(node.role());
            let b = node.bounds()?;
            (named && b.width() > 0.0).then(|| {
                Vec2::new(
                    ((b.x0 + b.x1) / 2.0 / scale) as f32,
                    ((b.y0 + b.y1) / 2.0 / scale) as f32,
                )
            })
        })
    }

    pub fn widget(&mut self, label: &str) -> Vec2 {
        self.find(label)
            .unwrap_or_else(|| panic!("no widget labelled {label:?} in the window"))
    }

    /// The last frame's AccessKit tree (empty before egui's first output).
    pub fn tree(&mut self) -> Vec<accesskit::Node> {
        let world = self.app.world_mut();
        world
            .query_filtered::<&EguiOutput, With<PrimaryEguiContext>>()
            .single(world)
            .ok()
            .and_then(|o| o.platform_output.accesskit_update.as_ref())
            .map(|u| u.nodes.iter().map(|(_, n)| n.clone()).collect())
            .unwrap_or_default()
    }

    pub fn roles(&mut self) -> Vec<(accesskit::Role, String)> {
        self.tree()
            .iter()
            .map(|n| (n.role(), n.label().unwrap_or_default().to_string()))
            .collect()
    }

    /// Every text on screen (labels' and values' AccessKit text).
    pub fn texts(&mut self) -> Vec<String> {
        self.tree()
            .iter()
            .flat_map(|n| [n.label(), n.value()])
            .flatten()
            .map(str::to_string)
            .collect()
    }

    /// What the inspector says the window did (why the run restarted, a
    /// file opened otherwise than asked).
    pub fn notice(&self) -> Option<String> {
        self.app
            .world()
            .resource::<loadlab::app::View>()
            .notice
            .clone()
    }

    pub fn selected(&self) -> Option<Selected> {
        self.app.world().resource::<UiState>().selected
    }

    pub fn bridge(&self) -> &SimBridge {
        self.app.world().resource::<SimBridge>()
    }

    pub fn node(&self, id: &str) -> usize {
        let model = self.bridge().sim.model();
        model
            .nodes
            .iter()
            .position(|n| n.id == id)
            .expect("node exists")
    }

    pub fn camera(&mut self) -> (Vec3, f32) {
        let world = self.app.world_mut();
        let (t, p) = world
            .query_filtered::<(&Transform, &Projection), With<WorldCamera>>()
            .single(world)
            .expect("world camera");
        let scale = match p {
            Projection::Orthographic(o) => o.scale,
            _ => 1.0,
        };
        (t.translation, scale)
    }

    /// Where node `id` is drawn, in window (logical) pixels.
    pub fn on_screen(&mut self, id: &str) -> Vec2 {
        let i = self.node(id);
        let world = self.app.world_mut();
        let centre = world.resource::<WorldLayout>().layout.node_centers[i];
        let (cam, gt) = world
            .query_filtered::<(&Camera, &GlobalTransform), With<WorldCamera>>()
            .single(world)
            .expect("world camera");
        cam.world_to_viewport(gt, centre.extend(0.0))
            .expect("node is on screen")
    }

    /// The last live change recorded by the window.
    pub fn last_change(&self) -> Option<Command> {
        self.bridge().changes.last().map(|(_, c)| c.clone())
    }
}

/// The window's editor.
pub fn editor(w: &Window) -> &Editor {
    w.app.world().resource::<Editor>()
}

/// Sends the editor `c` as a panel would, and lets two frames apply it.
pub fn send(w: &mut Window, c: EditorCommand) {
    w.app
        .world_mut()
        .resource_mut::<ActionQueue>()
        .push(UiAction::Editor(c));
    w.frames(2);
}
