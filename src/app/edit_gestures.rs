//! Build mode's pointer gestures on the world view: drag a node (or a left-out one) to move it, Shift+drag from a node, or any drag from a traffic source (left out or not), onto another node to wire them, a click on a left-out part inspects it, Esc cancels a drag.

use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use crate::app::actions::ActionQueue;
use crate::app::bridge::SimBridge;
use crate::app::camera::{PanelInsets, WorldCamera};
use crate::app::editor::{Editor, EditorCommand};
use crate::app::frame::FrameSet;
use crate::app::ghosts::Ghosts;
use crate::app::layout::Place;
use crate::app::view::UiAction;
use crate::app::world::WorldLayout;
use crate::scenario::edit::{EdgeKind, Edit, Part, edge_kinds};

/// A drag that started on a node or source in build mode (the camera does
/// not pan while one is held).
#[derive(Resource, Default, Debug, Clone)]
pub struct EditDrag {
    pub from: Option<Place>,
    /// ... or on a node left out of the run (its id).
    pub ghost: Option<String>,
    /// Wiring, not moving: Shift was held, or the drag started on a
    /// traffic source (a source has no place of its own to move to).
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
    ghosts: Res<Ghosts>,
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
        let place = world.layout.pick(at);
        let ghost = place.is_none().then(|| ghosts.pick(at)).flatten();
        let on_source = matches!(place, Some(Place::Source(_))) || ghost.is_some_and(|g| g.source);
        let centre = match (place, ghost) {
            (Some(p), _) => world.layout.center(p),
            (None, Some(g)) => g.centre,
            (None, None) => return,
        };
        *drag = EditDrag {
            from: place,
            ghost: ghost.map(|g| g.id.clone()),
            connect: on_source
                || keys.pressed(KeyCode::ShiftLeft)
                || keys.pressed(KeyCode::ShiftRight),
            start: at,
            now: at,
            screen_from: cam
                .world_to_viewport(gt, centre.extend(0.0))
                .unwrap_or(cursor),
            screen_start: cursor,
            screen_now: cursor,
            moved: false,
        };
        return;
    }
    if drag.from.is_none() && drag.ghost.is_none() {
        return;
    }
    if buttons.pressed(MouseButton::Left) {
        drag.now = at;
        drag.screen_now = cursor;
        drag.moved |= drag.screen_start.distance(cursor) > 4.0;
        return;
    }
    let ends = Ends {
        world: &world,
        ghosts: &ghosts,
        bridge: &bridge,
    };
    if drag.moved
        && let Some(e) = finished(&drag, &ends, editor.as_deref())
    {
        queue.push(UiAction::Editor(EditorCommand::Edit(e)));
    } else if let (false, Some(id)) = (drag.moved, &drag.ghost) {
        // A click on a left-out node or source: the build inspector shows it.
        let source = ghosts.0.iter().any(|g| &g.id == id && g.source);
        let part = Some(if source {
            Part::Source(id.clone())
        } else {
            Part::Node(id.clone())
        });
        queue.push(UiAction::Editor(EditorCommand::Focus(part)));
    }
    *drag = EditDrag::default();
}

/// What a drag can start or end on: the run's nodes and sources, and the
/// nodes left out of it.
struct Ends<'a> {
    world: &'a WorldLayout,
    ghosts: &'a Ghosts,
    bridge: &'a SimBridge,
}

impl Ends<'_> {
    /// The node id at world point `p` and its kind.
    fn node_at(&self, p: Vec2) -> Option<(String, String)> {
        let model = self.bridge.sim.model();
        match self.world.layout.pick(p) {
            Some(Place::Node(j)) => model
                .nodes
                .get(j)
                .map(|n| (n.id.clone(), n.kind.name().to_string())),
            Some(Place::Source(_)) => None,
            None => self
                .ghosts
                .pick(p)
                .filter(|g| !g.source)
                .map(|g| (g.id.clone(), g.kind.clone())),
        }
    }

    /// Where the drag started: a source's name, or a node's id and kind.
    fn start(&self, drag: &EditDrag) -> Option<(String, Option<String>)> {
        let model = self.bridge.sim.model();
        match (drag.from, &drag.ghost) {
            (Some(Place::Source(w)), _) => Some((model.workloads.get(w)?.name.clone(), None)),
            (Some(Place::Node(i)), _) => {
                let n = model.nodes.get(i)?;
                Some((n.id.clone(), Some(n.kind.name().to_string())))
            }
            (None, Some(id)) => {
                let g = self.ghosts.0.iter().find(|g| &g.id == id)?;
                Some((g.id.clone(), (!g.source).then(|| g.kind.clone())))
            }
            (None, None) => None,
        }
    }

    /// The centre of where the drag started.
    fn centre(&self, drag: &EditDrag) -> Option<Vec2> {
        match (drag.from, &drag.ghost) {
            (Some(p), _) => Some(self.world.layout.center(p)),
            (None, Some(id)) => self.ghosts.0.iter().find(|g| &g.id == id).map(|g| g.centre),
            (None, None) => None,
        }
    }
}

/// The edit a released drag makes: a wire to the node under the pointer,
/// or the node moved by the drag.
fn finished(drag: &EditDrag, ends: &Ends, editor: Option<&Editor>) -> Option<Edit> {
    let (from, kind) = ends.start(drag)?;
    if drag.connect {
        let (to, _) = ends.node_at(drag.now)?;
        let kind = match kind {
            None => EdgeKind::Entry,
            Some(k) => {
                let natural = edge_kinds(&k).first().copied()?;
                editor
                    .and_then(|e| e.connect_kind)
                    .filter(|c| edge_kinds(&k).contains(c))
                    .unwrap_or(natural)
            }
        };
        return Some(Edit::Connect {
            from,
            to,
            kind,
            when: None,
        });
    }
    kind?;
    let c = ends.centre(drag)? + (drag.now - drag.start);
    Some(Edit::MoveNode {
        id: from,
        pos: [f64::from(c.x.round()), f64::from(-c.y.round())],
    })
}
