//! Build mode's pointer gestures on the world view: drag a node to move it, Shift+drag from a node or traffic source onto another node to wire them, Esc cancels a drag.

use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use crate::app::actions::ActionQueue;
use crate::app::bridge::SimBridge;
use crate::app::camera::{PanelInsets, WorldCamera};
use crate::app::editor::{Editor, EditorCommand};
use crate::app::frame::FrameSet;
use crate::app::layout::Place;
use crate::app::view::UiAction;
use crate::app::world::WorldLayout;
use crate::scenario::edit::{EdgeKind, Edit, edge_kinds};

/// A drag that started on a node or source in build mode (the camera does
/// not pan while one is held).
#[derive(Resource, Default, Debug, Clone, Copy)]
pub struct EditDrag {
    pub from: Option<Place>,
    /// Shift was held: wiring, not moving.
    pub connect: bool,
    /// World positions where it started and is now.
    pub start: Vec2,
    pub now: Vec2,
    /// In window (logical) pixels, for the preview: the node's centre, where
    /// the pointer pressed, where it is.
    pub screen_from: Vec2,
    pub screen_start: Vec2,
    pub screen_now: Vec2,
    /// Past the click threshold (4 px).
    pub moved: bool,
}

pub fn plugin(app: &mut App) {
    app.init_resource::<EditDrag>();
    app.add_systems(
        Update,
        gestures
            .in_set(FrameSet::Input)
            .before(crate::app::camera::pointer),
    );
}

#[allow(clippy::too_many_arguments)]
fn gestures(
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    insets: Res<PanelInsets>,
    window: Single<&Window, With<PrimaryWindow>>,
    camera: Single<(&Camera, &GlobalTransform), With<WorldCamera>>,
    world: Res<WorldLayout>,
    editor: Option<Res<Editor>>,
    bridge: Res<SimBridge>,
    mut drag: ResMut<EditDrag>,
    mut queue: ResMut<ActionQueue>,
) {
    if !editor.as_ref().is_some_and(|e| e.on) || keys.just_pressed(KeyCode::Escape) {
        *drag = EditDrag::default();
        return;
    }
    let (cam, gt) = *camera;
    let size = Vec2::new(window.width(), window.height());
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    let Ok(at) = cam.viewport_to_world_2d(gt, cursor) else {
        return;
    };
    if buttons.just_pressed(MouseButton::Left) && insets.over_world(cursor, size) {
        if let Some(place) = world.layout.pick(at) {
            let centre = world.layout.center(place);
            *drag = EditDrag {
                from: Some(place),
                connect: keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight),
                start: at,
                now: at,
                screen_from: cam
                    .world_to_viewport(gt, centre.extend(0.0))
                    .unwrap_or(cursor),
                screen_start: cursor,
                screen_now: cursor,
                moved: false,
            };
        }
        return;
    }
    let Some(from) = drag.from else {
        return;
    };
    if buttons.pressed(MouseButton::Left) {
        drag.now = at;
        drag.screen_now = cursor;
        drag.moved |= drag.screen_start.distance(cursor) > 4.0;
        return;
    }
    if drag.moved
        && let Some(e) = finished(&drag, from, &world, &bridge, editor.as_deref())
    {
        queue.push(UiAction::Editor(EditorCommand::Edit(e)));
    }
    *drag = EditDrag::default();
}

/// The edit a released drag makes: a wire to the node under the pointer,
/// or the node moved by the drag.
fn finished(
    drag: &EditDrag,
    from: Place,
    world: &WorldLayout,
    bridge: &SimBridge,
    editor: Option<&Editor>,
) -> Option<Edit> {
    let model = bridge.sim.model();
    if drag.connect {
        let Some(Place::Node(j)) = world.layout.pick(drag.now) else {
            return None;
        };
        let to = model.nodes.get(j)?.id.clone();
        let (from, kind) = match from {
            Place::Source(w) => (model.workloads.get(w)?.name.clone(), EdgeKind::Entry),
            Place::Node(i) => {
                let n = model.nodes.get(i)?;
                let natural = edge_kinds(n.kind.name()).first().copied()?;
                let chosen = editor.and_then(|e| e.connect_kind);
                let kind = chosen
                    .filter(|k| edge_kinds(n.kind.name()).contains(k))
                    .unwrap_or(natural);
                (n.id.clone(), kind)
            }
        };
        return Some(Edit::Connect {
            from,
            to,
            kind,
            when: None,
        });
    }
    let Place::Node(i) = from else {
        return None;
    };
    let c = world.layout.center(from) + (drag.now - drag.start);
    Some(Edit::MoveNode {
        id: model.nodes.get(i)?.id.clone(),
        pos: [f64::from(c.x.round()), f64::from(-c.y.round())],
    })
}
