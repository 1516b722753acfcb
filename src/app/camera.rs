//! The cameras: the world camera (pan by dragging, zoom with the wheel, click to select, fit to the system) in the space the egui panels leave, and the egui camera on top.

use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraOutputMode, Viewport};
use bevy::input::mouse::{MouseScrollUnit, MouseWheel};
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy::window::PrimaryWindow;
use bevy_egui::{EguiGlobalSettings, PrimaryEguiContext};

use crate::app::dots::{DOT_RADIUS, Dots};
use crate::app::ghosts::Ghosts;
use crate::app::layout::Place;
use crate::app::view::{Selected, UiState};
use crate::app::world::WorldLayout;

/// The camera that draws the world.
#[derive(Component)]
pub struct WorldCamera;

/// Room the egui panels take at each edge, logical pixels.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub struct PanelInsets {
    pub left: f32,
    pub right: f32,
    pub top: f32,
    pub bottom: f32,
    /// egui had the pointer last frame: over one of its own layers (the
    /// legend, an open list, a tooltip) or using it (dragging a slider).
    pub egui_pointer: bool,
    /// The legend over the world view: (min, max) corners, logical pixels.
    pub legend: Option<(Vec2, Vec2)>,
}

impl PanelInsets {
    /// Whether the pointer at `cursor` (logical pixels) is over the world
    /// view and not over a panel, the legend or an egui popup; `window` is
    /// the window's logical size. The panels are laid out in egui's
    /// background layer, where egui's own hover test cannot see them, so
    /// the room they take decides.
    pub fn over_world(&self, cursor: Vec2, window: Vec2) -> bool {
        let between_panels = cursor.x >= self.left
            && cursor.x < window.x - self.right
            && cursor.y >= self.top
            && cursor.y < window.y - self.bottom;
        let over_legend = self
            .legend
            .is_some_and(|(lo, hi)| cursor.cmpge(lo).all() && cursor.cmple(hi).all());
        between_panels && !over_legend && !self.egui_pointer
    }
}

/// The node or traffic source under the pointer in the world view (none
/// while dragging or over a panel), for the hover card.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub struct Hovered(pub Option<Place>);

#[derive(Default)]
pub(crate) struct Drag {
    pressed_at: Option<Vec2>,
    last: Option<Vec2>,
    moved: bool,
}

pub fn plugin(app: &mut App) {
    app.init_resource::<PanelInsets>();
    app.init_resource::<Hovered>();
    app.add_systems(Startup, spawn_cameras);
    app.add_systems(PostUpdate, (fit_viewport, fit_camera).chain());
    crate::app::frame::configure(app);
    app.add_systems(
        Update,
        (pointer, zoom).in_set(crate::app::frame::FrameSet::Input),
    );
}

/// Spawns the world camera and the egui camera (drawn on top, nothing else).
pub fn spawn_cameras(mut commands: Commands, mut egui: ResMut<EguiGlobalSettings>) {
    egui.auto_create_primary_context = false;
    // No multisampling: on a software renderer (llvmpipe) 4× MSAA on two
    // full-window passes dominates the frame; shapes are flat and large
    // enough not to need it.
    commands.spawn((WorldCamera, Camera2d, Msaa::Off));
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        Msaa::Off,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}

/// Keeps the world camera's viewport to the space between the panels.
fn fit_viewport(
    insets: Res<PanelInsets>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut camera: Single<&mut Camera, With<WorldCamera>>,
) {
    let s = window.scale_factor();
    let (w, h) = (window.physical_width(), window.physical_height());
    let pos = UVec2::new((insets.left * s) as u32, (insets.top * s) as u32);
    let used = pos + UVec2::new((insets.right * s) as u32, (insets.bottom * s) as u32);
    if used.x + 16 > w || used.y + 16 > h {
        return;
    }
    let vp = Viewport {
        physical_position: pos,
        physical_size: UVec2::new(w, h) - used,
        ..default()
    };
    if camera
        .viewport
        .as_ref()
        .map(|v| (v.physical_position, v.physical_size))
        != Some((vp.physical_position, vp.physical_size))
    {
        camera.viewport = Some(vp);
    }
}

/// Frames the whole system when asked (start, restart, "Fit"), the nodes
/// left out of the run included.
fn fit_camera(
    mut world: ResMut<WorldLayout>,
    ghosts: Option<Res<Ghosts>>,
    mut camera: Single<(&Camera, &mut Transform, &mut Projection), With<WorldCamera>>,
    mut fitted_for: Local<Option<Vec2>>,
) {
    let (cam, transform, projection) = &mut *camera;
    let Some(size) = cam.logical_viewport_size() else {
        return;
    };
    let resized = *fitted_for != Some(size);
    if !(world.fit || (world.auto_fit && resized)) {
        return;
    }
    world.fit = false;
    *fitted_for = Some(size);
    // The nodes a problem leaves out of the run too (build mode).
    let b = ghosts.map_or_else(|| world.layout.bounds(), |g| g.framed(&world.layout));
    transform.translation = b.center().extend(transform.translation.z);
    if let Projection::Orthographic(o) = &mut **projection {
        // A small system is not blown up past 1.25× (its text would
        // outgrow the boxes and overlap its neighbours').
        o.scale = (b.width() / size.x).max(b.height() / size.y).max(0.8) * 1.05;
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn pointer(
    edit: Option<Res<crate::app::edit_gestures::EditDrag>>,
    buttons: Res<ButtonInput<MouseButton>>,
    insets: Res<PanelInsets>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut camera: Single<(&Camera, &GlobalTransform, &mut Transform, &Projection), With<WorldCamera>>,
    mut world: ResMut<WorldLayout>,
    mut state: Option<ResMut<UiState>>,
    mut hovered: ResMut<Hovered>,
    mut drag: Local<Drag>,
    dots: Option<Res<Dots>>,
    clock: Res<Time<Virtual>>,
) {
    let cursor = window.cursor_position();
    let window_size = Vec2::new(window.width(), window.height());
    let now_over = cursor
        .filter(|&c| insets.over_world(c, window_size) && !drag.moved)
        .and_then(|c| camera.0.viewport_to_world_2d(camera.1, c).ok())
        .and_then(|p| world.layout.pick(p));
    if hovered.0 != now_over {
        hovered.0 = now_over;
    }
    let (cam, gt, transform, projection) = &mut *camera;
    let scale = match projection {
        Projection::Orthographic(o) => o.scale,
        _ => 1.0,
    };
    if buttons.just_pressed(MouseButton::Left)
        || buttons.just_pressed(MouseButton::Right)
        || buttons.just_pressed(MouseButton::Middle)
    {
        if !cursor.is_some_and(|c| insets.over_world(c, window_size)) {
            *drag = Drag::default();
            return;
        }
        *drag = Drag {
            pressed_at: cursor,
            last: cursor,
            moved: false,
        };
    }
    let held = buttons.pressed(MouseButton::Left)
        || buttons.pressed(MouseButton::Right)
        || buttons.pressed(MouseButton::Middle);
    if held && let (Some(last), Some(now)) = (drag.last, cursor) {
        let d = now - last;
        if drag.pressed_at.is_some_and(|p| p.distance(now) > 4.0) {
            drag.moved = true;
        }
        // In build mode a drag that started on a node moves or wires it.
        let editing = edit
            .as_ref()
            .is_some_and(|e| e.from.is_some() || e.ghost.is_some());
        if drag.moved && !editing {
            world.auto_fit = false;
            transform.translation.x -= d.x * scale;
            transform.translation.y += d.y * scale;
        }
        drag.last = Some(now);
    }
    if buttons.just_released(MouseButton::Left) && drag.pressed_at.is_some() && !drag.moved {
        if let (Some(c), Some(state)) = (cursor, state.as_mut())
            && let Ok(p) = cam.viewport_to_world_2d(gt, c)
        {
            let picked = world.layout.pick(p).map(|pl| match pl {
                Place::Node(i) => Selected::Node(i),
                Place::Source(w) => Selected::Workload(w),
            });
            // A click on a node not yet selected selects it, whatever dots
            // it holds; on one already selected, or between nodes, a red
            // or amber dot opens that request's waterfall.
            let newly_selected = picked.is_some() && picked != state.selected;
            state.selected = picked;
            let radius = DOT_RADIUS + 4.0 * scale;
            let t = clock.elapsed_secs_f64();
            if let Some(r) = dots
                .as_ref()
                .filter(|_| !newly_selected)
                .and_then(|d| d.pick(&world.layout, t, p, radius))
            {
                state.clicked_request = Some(Box::new(r.clone()));
                state.waterfall = Some(0);
            }
        }
        drag.pressed_at = None;
    }
    if !held {
        drag.last = None;
    }
}

fn zoom(
    mut wheel: MessageReader<MouseWheel>,
    insets: Res<PanelInsets>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut camera: Single<
        (&Camera, &GlobalTransform, &mut Transform, &mut Projection),
        With<WorldCamera>,
    >,
    mut world: ResMut<WorldLayout>,
) {
    let mut lines = 0.0;
    for ev in wheel.read() {
        lines += match ev.unit {
            MouseScrollUnit::Line => ev.y,
            MouseScrollUnit::Pixel => ev.y / 40.0,
        };
    }
    let window_size = Vec2::new(window.width(), window.height());
    let over_world = window
        .cursor_position()
        .is_some_and(|c| insets.over_world(c, window_size));
    if lines == 0.0 || !over_world {
        return;
    }
    let (cam, gt, transform, projection) = &mut *camera;
    let Projection::Orthographic(o) = &mut **projection else {
        return;
    };
    let before = window
        .cursor_position()
        .and_then(|c| cam.viewport_to_world_2d(gt, c).ok());
    world.auto_fit = false;
    let old = o.scale;
    o.scale = (o.scale * 0.85f32.powf(lines)).clamp(0.05, 40.0);
    // Keep the point under the cursor where it is.
    if let Some(p) = before {
        let k = o.scale / old;
        let c = transform.translation.truncate();
        let n = p + (c - p) * k;
        transform.translation.x = n.x;
        transform.translation.y = n.y;
    }
}
