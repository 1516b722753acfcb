//! Build mode: the nodes and traffic sources the run leaves out because a problem names them (a load balancer or a source not wired yet), drawn where they stand with their problem, and picked like nodes to move, wire or inspect.

use bevy::prelude::*;

use crate::app::camera::WorldCamera;
use crate::app::editor::Editor;
use crate::app::frame::FrameSet;
use crate::app::layout::Layout;
use crate::app::world::WorldLayout;
use crate::scenario::edit::{Table, Value};

/// A left-out node's box in the world.
pub const GHOST_SIZE: Vec2 = Vec2::new(120.0, 56.0);
/// Room between left-out nodes with no `pos`, in a row under the design:
/// a box and, beside it, air for its problem's text.
pub const GHOST_GAP: f32 = 170.0;
/// Room under a left-out node's box for its problem (two lines).
const PROBLEM_ROOM: f32 = 40.0;

/// One node (or traffic source) left out of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct Ghost {
    pub id: String,
    /// The node's kind, or `traffic source`.
    pub kind: String,
    /// A traffic source: wired by a drag from it, never moved or a
    /// drag's end.
    pub source: bool,
    /// Its centre in the world (its `pos`, or a place under the design).
    pub centre: Vec2,
    /// Its box in window (logical) pixels, as drawn this frame.
    pub screen: Rect,
    /// The first problem that names it.
    pub problem: String,
    /// The parts it sends to (a source's `to`; a node's `to`, calls,
    /// `on_miss`, `origin`): drawn as arrows to those left out too, so a
    /// wire made between two of them shows.
    pub sends_to: Vec<String>,
}

/// The nodes left out of the run, in build mode (empty otherwise).
#[derive(Resource, Default, Debug)]
pub struct Ghosts(pub Vec<Ghost>);

impl Ghosts {
    /// The left-out node at world point `p`.
    pub fn pick(&self, p: Vec2) -> Option<&Ghost> {
        self.0.iter().find(|g| {
            Rect::from_center_size(g.centre, GHOST_SIZE)
                .inflate(6.0)
                .contains(p)
        })
    }

    /// The run's nodes and sources (`layout`, when it has any) and every
    /// left-out node with its problem under it: what "Fit" frames.
    pub fn framed(&self, layout: &Layout) -> Rect {
        let drawn = layout.has_places().then(|| layout.bounds());
        let half = Vec2::new(GHOST_GAP / 2.0, GHOST_SIZE.y / 2.0);
        self.0
            .iter()
            .map(|g| {
                let lo = g.centre - half - Vec2::new(0.0, PROBLEM_ROOM);
                Rect::from_corners(lo, g.centre + half + Vec2::Y * 16.0)
            })
            .fold(drawn, |r, b| Some(r.map_or(b, |r| r.union(b))))
            .unwrap_or_else(|| layout.bounds())
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<Ghosts>();
    // After the world's layout for this frame: the row of left-out
    // nodes goes under it, and the camera frames both.
    app.add_systems(
        Update,
        place
            .in_set(FrameSet::Draw)
            .after(crate::app::world::rebuild),
    );
}

/// Where each left-out node is this frame, in the world and on screen.
fn place(
    editor: Option<Res<Editor>>,
    world: Res<WorldLayout>,
    camera: Single<(&Camera, &GlobalTransform), With<WorldCamera>>,
    mut ghosts: ResMut<Ghosts>,
) {
    let (cam, gt) = *camera;
    let on_screen = |p: Vec2| cam.world_to_viewport(gt, p.extend(0.0)).ok();
    let items: Vec<Ghost> = editor
        .as_deref()
        .filter(|e| e.on)
        .map(|e| left_out(e, &world.layout))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|mut g| {
            let half = GHOST_SIZE / 2.0;
            let a = on_screen(g.centre - half)?;
            let b = on_screen(g.centre + half)?;
            g.screen = Rect::from_corners(a, b);
            Some(g)
        })
        .collect();
    if ghosts.0 != items {
        ghosts.0 = items;
    }
}

/// The editor's left-out nodes and sources, each at its `pos` or in a
/// row under what the run draws (screen box not yet known).
fn left_out(editor: &Editor, layout: &Layout) -> Vec<Ghost> {
    let Some(h) = &editor.history else {
        return Vec::new();
    };
    let design = h.design();
    let bounds = layout.bounds();
    let row = Vec2::new(bounds.min.x + GHOST_SIZE.x, bounds.min.y - GHOST_SIZE.y);
    // Kind, `pos`, whether a source and where it sends: looked up once a
    // part a frame.
    let part = |id: &String| match design.node(id) {
        Some(t) => {
            let kind = t.get("kind").and_then(Value::as_str).unwrap_or("?");
            Some((id.clone(), kind.to_string(), pos_of(t), false, targets(t)))
        }
        None => design
            .source_table(id)
            .map(|t| (id.clone(), "traffic source".into(), None, true, targets(t))),
    };
    // In the design's order (nodes, then sources), not the problems':
    // wiring a source to a load balancer swapped their places.
    let ids = design.node_ids();
    let order = |id: &String| {
        (ids.iter().position(|n| n == id))
            .unwrap_or_else(|| ids.len() + design.source_index(id).unwrap_or(0))
    };
    let mut parts: Vec<_> = editor.left_out.iter().filter_map(part).collect();
    parts.sort_by_key(|p| order(&p.0));
    parts
        .into_iter()
        .enumerate()
        .map(|(k, (id, kind, pos, source, sends_to))| Ghost {
            problem: editor
                .problems_of(&id)
                .into_iter()
                .next()
                .unwrap_or_default(),
            id,
            kind,
            source,
            centre: pos.unwrap_or(row + Vec2::X * GHOST_GAP * k as f32),
            screen: Rect::default(),
            sends_to,
        })
        .collect()
}

/// The ids a node or source table names as where it sends: `to` (one or
/// a list), each call's `to` (a call is an id or a table), `on_miss`,
/// `origin`.
fn targets(t: &Table) -> Vec<String> {
    let mut out = Vec::new();
    let mut name = |v: &Value| match v {
        Value::String(s) => out.push(s.clone()),
        Value::Table(c) => {
            if let Some(s) = c.get("to").and_then(Value::as_str) {
                out.push(s.to_string());
            }
        }
        _ => {}
    };
    for key in ["to", "calls", "on_miss", "origin"] {
        match t.get(key) {
            Some(Value::Array(list)) => list.iter().for_each(&mut name),
            Some(v) => name(v),
            None => {}
        }
    }
    out
}

/// A node table's `pos` in world coordinates (y up).
fn pos_of(t: &Table) -> Option<Vec2> {
    let p = t.get("pos")?.as_array()?;
    let num = |v: &Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    match p.as_slice() {
        [x, y] => Some(Vec2::new(num(x)? as f32, -num(y)? as f32)),
        _ => None,
    }
}
