//! The world view: nodes as shapes by kind with utilisation, queue bars and failure badges (one dynamic mesh), edges (gizmos) and labels (Text2d).

use bevy::asset::RenderAssetUsages;
use bevy::camera::visibility::NoFrustumCulling;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::sprite::Anchor;
use bevy::text::{FontSize, TextBounds, TextLayoutInfo};

use crate::app::bridge::SimBridge;
use crate::app::editor::Editor;
use crate::app::frame::FrameSet;
use crate::app::layout::{
    BOX_PAD, EdgeKind, Layout, MAX_DRAWN_INSTANCES, Place, ROW_GAP, ROW_H, SOURCE_RADIUS,
};
use crate::app::view::{Selected, UiState, View, format_ms};
use crate::sim::Model;
use crate::sim::model::CacheSpec;
use crate::sim::model::NodeKind;
use crate::sim::snapshot::{NodeSnapshot, ReplicaSnapshot};
use crate::sim::time::SimTime;

pub const BACKGROUND: Color = Color::srgb(0.075, 0.082, 0.098);
const PANEL: Color = Color::srgb(0.16, 0.17, 0.2);
const OUTLINE: Color = Color::srgb(0.36, 0.39, 0.45);
const SELECTED: Color = Color::srgb(0.95, 0.95, 1.0);
const ROW_BG: Color = Color::srgb(0.1, 0.11, 0.13);
const SOURCE: Color = Color::srgb(0.33, 0.52, 0.85);
const LB: Color = Color::srgb(0.42, 0.47, 0.58);
const CACHE: Color = Color::srgb(0.2, 0.55, 0.6);
const CDN: Color = Color::srgb(0.25, 0.45, 0.7);
const LIMITER: Color = Color::srgb(0.55, 0.45, 0.65);
const DOWN: Color = Color::srgb(0.3, 0.3, 0.32);
const QUEUE: Color = Color::srgb(0.93, 0.6, 0.2);
const BADGE: Color = Color::srgb(0.92, 0.3, 0.27);
const LABEL: Color = Color::srgb(0.92, 0.93, 0.95);
const METRIC: Color = Color::srgb(0.68, 0.71, 0.76);
/// Width of the busy-workers bar in a replica row, and of its queue bar.
const BUSY_W: f32 = 104.0;
const QUEUE_W: f32 = 30.0;

/// Green → amber → red as utilisation goes 0 → 1.
pub fn utilisation_colour(u: f32) -> Color {
    let ok = Vec3::new(0.27, 0.74, 0.47);
    let warn = Vec3::new(0.94, 0.69, 0.2);
    let bad = Vec3::new(0.92, 0.3, 0.27);
    let c = if u < 0.6 {
        ok
    } else if u < 0.85 {
        ok.lerp(warn, (u - 0.6) / 0.25)
    } else {
        warn.lerp(bad, ((u - 0.85) / 0.15).min(1.0))
    };
    Color::srgb(c.x, c.y, c.z)
}

/// The layout of the current simulation, shared by the world, dots and camera.
#[derive(Resource, Default)]
pub struct WorldLayout {
    pub layout: Layout,
    /// The bridge generation this layout was made for.
    pub generation: Option<u64>,
    /// Smoothed busy share per node and instance.
    pub busy: Vec<Vec<f32>>,
    /// Each instance's busy area (workers × ns) at the last frame, and the
    /// simulated time of that frame: the share between frames is measured,
    /// not sampled.
    busy_seen: Vec<Vec<u128>>,
    busy_seen_at: Option<SimTime>,
    /// The bridge's `moved` count this layout has placed.
    moved: u64,
    /// The id of each node the layout placed (model order), so a rebuild
    /// in build mode keeps them where they were.
    ids: Vec<String>,
    /// Request the camera to fit the layout.
    pub fit: bool,
    /// Keep fitting when the view's size changes (until the learner pans
    /// or zooms).
    pub auto_fit: bool,
}

/// Everything spawned for one simulation (despawned on restart/open).
#[derive(Component)]
pub struct WorldEntity;

#[derive(Component)]
struct ShapesMesh(Handle<Mesh>);

#[derive(Component)]
struct PlaceTitle(Place);

/// A painted mesh that never changes, held for the life of the window.
/// Bevy's mesh allocator frees a modified mesh before placing it again,
/// and a slab left empty is destroyed: with only the painted meshes in it,
/// every frame built a new slab (a 128 k-entry offset allocator, about 4 %
/// of the dev window's CPU). This mesh keeps their slabs alive.
#[derive(Resource)]
pub struct SlabAnchor(pub Handle<Mesh>);

#[derive(Component)]
struct PlaceMetrics(Place);

#[derive(Component)]
struct EdgeLabel(usize);

pub fn plugin(app: &mut App) {
    app.init_resource::<WorldLayout>();
    app.add_systems(Startup, anchor_slabs);
    app.add_systems(
        Update,
        (
            rebuild,
            follow_moves,
            smooth_busy,
            draw_shapes,
            draw_edges,
            update_labels,
        )
            .chain()
            .in_set(FrameSet::Draw),
    );
}

fn anchor_slabs(mut commands: Commands, mut meshes: ResMut<Assets<Mesh>>) {
    commands.insert_resource(SlabAnchor(meshes.add(empty_mesh())));
}

/// Spawns the world for a new simulation (first frame, restart, open).
#[allow(clippy::too_many_arguments)]
pub(crate) fn rebuild(
    mut commands: Commands,
    bridge: Res<SimBridge>,
    mut world: ResMut<WorldLayout>,
    old: Query<Entity, With<WorldEntity>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
    mut state: Option<ResMut<UiState>>,
    editor: Option<Res<Editor>>,
) {
    if world.generation == Some(bridge.generation) {
        return;
    }
    for e in &old {
        commands.entity(e).despawn();
    }
    let model = bridge.sim.model();
    let building = editor.is_some_and(|e| e.on);
    world.place(model, building);
    world.generation = Some(bridge.generation);
    world.moved = bridge.moved;
    world.busy.clear();
    world.busy_seen.clear();
    world.busy_seen_at = None;
    world.fit = true;
    world.auto_fit = true;
    if let Some(state) = state.as_mut()
        && let Some(id) = state.select_on_start.take()
    {
        state.selected = model.node_index(&id).map(Selected::Node).or_else(|| {
            model
                .workloads
                .iter()
                .position(|w| w.name == id)
                .map(Selected::Workload)
        });
    }
    let mesh = meshes.add(empty_mesh());
    commands.spawn((
        WorldEntity,
        ShapesMesh(mesh.clone()),
        Mesh2d(mesh),
        MeshMaterial2d(materials.add(ColorMaterial::from_color(Color::WHITE))),
        Transform::from_xyz(0.0, 0.0, 0.0),
        NoFrustumCulling,
    ));
    let places = (0..model.nodes.len())
        .map(Place::Node)
        .chain((0..model.workloads.len()).map(Place::Source));
    for p in places {
        let title = match p {
            Place::Node(i) => model.nodes[i].id.clone(),
            Place::Source(w) => model.workloads[w].name.clone(),
        };
        commands.spawn((
            WorldEntity,
            PlaceTitle(p),
            Text2d::new(title),
            TextFont {
                font_size: FontSize::Px(22.0),
                ..default()
            },
            TextColor(LABEL),
            Anchor::BOTTOM_CENTER,
            Transform::from_xyz(0.0, 0.0, 3.0),
        ));
        commands.spawn((
            WorldEntity,
            PlaceMetrics(p),
            Text2d::new(""),
            TextFont {
                font_size: FontSize::Px(18.0),
                ..default()
            },
            // Wrapped to the room beside its neighbours (`update_labels`).
            TextBounds::UNBOUNDED,
            TextLayout::justify(Justify::Center),
            TextColor(METRIC),
            Anchor::TOP_CENTER,
            Transform::from_xyz(0.0, 0.0, 3.0),
        ));
    }
    for (k, e) in world.layout.edges.iter().enumerate() {
        if let Some(label) = &e.label {
            commands.spawn((
                WorldEntity,
                EdgeLabel(k),
                Text2d::new(label.clone()),
                TextFont {
                    font_size: FontSize::Px(15.0),
                    ..default()
                },
                TextColor(METRIC),
                Transform::from_xyz(0.0, 0.0, 3.0),
            ));
        }
    }
}

/// A mesh a `Painter` fills each frame, drawing nothing yet.
pub fn empty_mesh() -> Mesh {
    let mut m = Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::MAIN_WORLD | RenderAssetUsages::RENDER_WORLD,
    );
    Painter::default().write(&mut m);
    m
}

/// Triangles with per-vertex colours, rebuilt each frame into one mesh.
#[derive(Default)]
pub struct Painter {
    pub positions: Vec<[f32; 3]>,
    pub colours: Vec<[f32; 4]>,
    pub indices: Vec<u32>,
}

impl Painter {
    pub fn clear(&mut self) {
        self.positions.clear();
        self.colours.clear();
        self.indices.clear();
    }
    fn vertex(&mut self, p: Vec2, z: f32, c: [f32; 4]) -> u32 {
        self.positions.push([p.x, p.y, z]);
        self.colours.push(c);
        (self.positions.len() - 1) as u32
    }
    /// A filled axis-aligned rectangle from `min` to `max`.
    pub fn rect(&mut self, min: Vec2, max: Vec2, z: f32, colour: Color) {
        let c = LinearRgba::from(colour).to_f32_array();
        let a = self.vertex(min, z, c);
        let b = self.vertex(Vec2::new(max.x, min.y), z, c);
        let d = self.vertex(max, z, c);
        let e = self.vertex(Vec2::new(min.x, max.y), z, c);
        self.indices.extend_from_slice(&[a, b, d, a, d, e]);
    }
    /// A rectangle outline `w` thick, inside the rectangle.
    pub fn frame(&mut self, min: Vec2, max: Vec2, w: f32, z: f32, colour: Color) {
        self.rect(min, Vec2::new(max.x, min.y + w), z, colour);
        self.rect(Vec2::new(min.x, max.y - w), max, z, colour);
        self.rect(min, Vec2::new(min.x + w, max.y), z, colour);
        self.rect(Vec2::new(max.x - w, min.y), max, z, colour);
    }
    /// A filled regular polygon (`n` sides, first corner at `angle`).
    pub fn polygon(
        &mut self,
        center: Vec2,
        radius: Vec2,
        n: u32,
        angle: f32,
        z: f32,
        colour: Color,
    ) {
        let c = LinearRgba::from(colour).to_f32_array();
        let mid = self.vertex(center, z, c);
        let first = self.positions.len() as u32;
        for k in 0..n {
            let a = angle + k as f32 * std::f32::consts::TAU / n as f32;
            self.vertex(center + Vec2::new(a.cos(), a.sin()) * radius, z, c);
        }
        for k in 0..n {
            self.indices
                .extend_from_slice(&[mid, first + k, first + (k + 1) % n]);
        }
    }
    pub fn write(&self, mesh: &mut Mesh) {
        if self.indices.is_empty() {
            // Bevy's mesh allocator logs an error for each upload of an
            // empty mesh (a blank canvas, a run with no dots): nothing is
            // drawn as one triangle of no area instead.
            mesh.insert_attribute(Mesh::ATTRIBUTE_POSITION, vec![[0.0f32; 3]; 3]);
            mesh.insert_attribute(Mesh::ATTRIBUTE_COLOR, vec![[0.0f32; 4]; 3]);
            mesh.insert_indices(Indices::U32(vec![0, 1, 2]));
            return;
        }
        mesh.insert_attribute(Mesh::ATTRIBUTE_POSITION, self.positions.clone());
        mesh.insert_attribute(Mesh::ATTRIBUTE_COLOR, self.colours.clone());
        mesh.insert_indices(Indices::U32(self.indices.clone()));
    }
}

/// Busy share per instance over the simulated time since the last frame,
/// smoothed over about half a wall second so the colours do not flicker.
/// Paused, the bars hold still.
/// A node moved in build mode: the boxes are placed again from the
/// design's positions (the others' do not change), the camera stays.
fn follow_moves(bridge: Res<SimBridge>, mut world: ResMut<WorldLayout>) {
    if world.moved == bridge.moved {
        return;
    }
    world.moved = bridge.moved;
    world.place(&bridge.base, true);
}

impl WorldLayout {
    /// Where each node is drawn, as a file's `pos` (whole units, y down).
    pub fn shown(&self) -> Vec<(String, [f64; 2])> {
        (self.ids.iter().cloned())
            .zip(self.layout.node_centers.iter())
            .map(|(id, c)| (id, [f64::from(c.x).round(), f64::from(-c.y).round()]))
            .collect()
    }

    /// Lays `model` out afresh, or (`keep`, in build mode) with every node
    /// it placed before where it was.
    fn place(&mut self, model: &Model, keep: bool) {
        let kept: Vec<(String, Vec2)> = if keep {
            (self.ids.iter().cloned())
                .zip(self.layout.node_centers.iter().copied())
                .collect()
        } else {
            Vec::new()
        };
        self.layout = Layout::keeping(model, &kept);
        self.ids = model.nodes.iter().map(|n| n.id.clone()).collect();
    }
}

fn smooth_busy(bridge: Res<SimBridge>, mut world: ResMut<WorldLayout>, time: Res<Time<Real>>) {
    let snap = bridge.sim.snapshot();
    let a = 1.0 - (-time.delta_secs() / 0.4).exp();
    let world = &mut *world;
    let dt = world.busy_seen_at.map(|t| snap.now.0.saturating_sub(t.0));
    world.busy_seen_at = Some(snap.now);
    world.busy.resize(snap.nodes.len(), Vec::new());
    world.busy_seen.resize(snap.nodes.len(), Vec::new());
    let mut instances = Vec::with_capacity(snap.nodes.len());
    for (i, n) in snap.nodes.iter().enumerate() {
        let (v, seen) = (&mut world.busy[i], &mut world.busy_seen[i]);
        v.resize(n.replicas.len(), 0.0);
        for (k, r) in n.replicas.iter().enumerate() {
            if let Some(u) = busy_between(r, seen.get(k).copied(), dt) {
                v[k] += (u - v[k]) * a;
            }
        }
        *seen = n.replicas.iter().map(|r| r.busy_area).collect();
        instances
            .push((!n.replicas.is_empty()).then(|| n.replicas.iter().filter(|r| r.active).count()));
    }
    world.layout.resize(bridge.sim.model(), &instances);
}

/// A replica's busy share over the last `dt` simulated nanoseconds (its
/// busy area then was `before`); its workers busy now when it was not seen
/// before; none when the clock did not move.
fn busy_between(r: &ReplicaSnapshot, before: Option<u128>, dt: Option<u64>) -> Option<f32> {
    if r.workers == 0 {
        return Some(0.0);
    }
    match (before, dt) {
        (_, Some(0)) => None,
        (Some(b), Some(dt)) => {
            let capacity = dt as f64 * f64::from(r.workers);
            Some((r.busy_area.saturating_sub(b) as f64 / capacity).min(1.0) as f32)
        }
        _ => Some(r.busy as f32 / r.workers as f32),
    }
}

/// Mean smoothed busy share of node `i`'s active replicas (what its bars show).
fn busy_label(world: &WorldLayout, snap: Option<&NodeSnapshot>, i: usize) -> Option<String> {
    let snap = snap?;
    let busy = world.busy.get(i)?;
    let active: Vec<f32> = (0..snap.replicas.len())
        .filter(|&k| snap.replicas[k].active)
        .filter_map(|k| busy.get(k).copied())
        .collect();
    busy_text(&active)
}

/// `51% workers busy`, and how many instances are full when the average
/// hides them (`51% workers busy, 1 of 2 full`: one at 100 %, one idle,
/// with 2 000 requests waiting at the full one).
fn busy_text(active: &[f32]) -> Option<String> {
    if active.is_empty() {
        return None;
    }
    let mean = active.iter().sum::<f32>() / active.len() as f32;
    let full = active.iter().filter(|&&b| b >= 0.95).count();
    let mut text = format!("{:.0}% workers busy", mean * 100.0);
    if full > 0 && mean < 0.9 {
        text.push_str(&format!(", {full} of {} full", active.len()));
    }
    Some(text)
}

fn draw_shapes(
    bridge: Res<SimBridge>,
    world: Res<WorldLayout>,
    view: Option<Res<View>>,
    state: Option<Res<UiState>>,
    shapes: Query<&ShapesMesh>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut painter: Local<Painter>,
) {
    let Ok(ShapesMesh(handle)) = shapes.single() else {
        return;
    };
    let Some(view) = view else {
        return;
    };
    let selected = state.and_then(|s| s.selected);
    let p = &mut *painter;
    p.clear();
    let model = bridge.sim.model();
    let snap = &view.snapshot;
    let l = &world.layout;
    for (w, _) in model.workloads.iter().enumerate() {
        let sel = selected == Some(Selected::Workload(w));
        draw_source(p, l.center(Place::Source(w)), sel);
    }
    for (i, node) in model.nodes.iter().enumerate() {
        let r = l.rect(Place::Node(i));
        let sel = selected == Some(Selected::Node(i));
        let ns = snap.nodes.get(i);
        match &node.kind {
            NodeKind::LoadBalancer(_) => draw_load_balancer(p, r, sel),
            NodeKind::RateLimiter(_) => draw_limiter(p, r, sel),
            NodeKind::Cache(spec) => draw_cache(p, r, sel, spec, ns.and_then(|s| s.cache_keys)),
            NodeKind::Topic(_) | NodeKind::External(_) => draw_plain(p, r, sel),
            NodeKind::Service(_) | NodeKind::Database(_) | NodeKind::Queue(_) => {
                let inst = ns.map_or(&[][..], |s| &s.replicas[..]);
                draw_boxed(p, node, r, sel, inst, world.busy.get(i).map(Vec::as_slice));
            }
        }
        if ns.is_some_and(NodeSnapshot::crashed) {
            p.rect(r.min, r.max, 0.5, DOWN.with_alpha(0.85));
        }
        if view.node_failing(i).is_some() {
            draw_badge(p, Vec2::new(r.max.x, r.max.y));
        }
    }
    if let Some(mut mesh) = meshes.get_mut(handle) {
        p.write(&mut mesh);
    }
}

/// A traffic source: a circle with a "users" glyph (head and shoulders).
fn draw_source(p: &mut Painter, c: Vec2, sel: bool) {
    if sel {
        p.polygon(c, Vec2::splat(SOURCE_RADIUS + 4.0), 40, 0.0, 0.0, SELECTED);
    }
    p.polygon(c, Vec2::splat(SOURCE_RADIUS), 40, 0.0, 0.1, SOURCE);
    p.polygon(
        c + Vec2::new(0.0, 8.0),
        Vec2::splat(8.0),
        20,
        0.0,
        0.2,
        BACKGROUND,
    );
    p.polygon(
        c + Vec2::new(0.0, -14.0),
        Vec2::new(16.0, 10.0),
        24,
        0.0,
        0.2,
        BACKGROUND,
    );
}

/// A load balancer: a diamond.
fn draw_load_balancer(p: &mut Painter, r: Rect, sel: bool) {
    let (c, h) = (r.center(), r.half_size());
    if sel {
        p.polygon(c, h + 5.0, 4, 0.0, 0.0, SELECTED);
    }
    p.polygon(c, h, 4, 0.0, 0.1, LB);
    p.polygon(c, h * 0.35, 4, 0.0, 0.2, BACKGROUND);
}

/// A rate limiter: an octagon with a slot.
fn draw_limiter(p: &mut Painter, r: Rect, sel: bool) {
    let (c, h) = (r.center(), r.half_size());
    let a = std::f32::consts::PI / 8.0;
    if sel {
        p.polygon(c, h + 5.0, 8, a, 0.0, SELECTED);
    }
    p.polygon(c, h, 8, a, 0.1, LIMITER);
    p.rect(
        c - Vec2::new(22.0, 4.0),
        c + Vec2::new(22.0, 4.0),
        0.2,
        BACKGROUND,
    );
}

/// A node drawn as a plain box (its label says what it is).
fn draw_plain(p: &mut Painter, r: Rect, sel: bool) {
    if sel {
        p.rect(r.min - 5.0, r.max + 5.0, 0.0, SELECTED);
    }
    p.rect(r.min, r.max, 0.1, PANEL);
    p.frame(r.min, r.max, 3.0, 0.2, OUTLINE);
}

/// A cache or CDN edge: a hexagon with a gauge of keys held / capacity.
fn draw_cache(p: &mut Painter, r: Rect, sel: bool, spec: &CacheSpec, keys: Option<u64>) {
    let (c, h) = (r.center(), r.half_size());
    if sel {
        p.polygon(c, h + 5.0, 6, 0.0, 0.0, SELECTED);
    }
    p.polygon(c, h, 6, 0.0, 0.1, if spec.edge { CDN } else { CACHE });
    let fill = match keys {
        Some(k) if spec.capacity > 0 => (k as f32 / spec.capacity as f32).min(1.0),
        _ => 0.0,
    };
    let bmin = c + Vec2::new(-32.0, -8.0);
    p.rect(bmin, bmin + Vec2::new(64.0, 14.0), 0.2, ROW_BG);
    p.rect(
        bmin,
        bmin + Vec2::new(64.0 * fill, 14.0),
        0.3,
        Color::srgb(0.55, 0.85, 0.9),
    );
}

/// A service, database or queue: a box with one row per active replica
/// (busy bar and waiting line), outlined in colour near saturation.
fn draw_boxed(
    p: &mut Painter,
    node: &crate::sim::model::Node,
    r: Rect,
    sel: bool,
    inst: &[ReplicaSnapshot],
    busy: Option<&[f32]>,
) {
    let peak = busy.map_or(0.0, |b| b.iter().copied().fold(0.0f32, f32::max));
    if sel {
        p.rect(r.min - 5.0, r.max + 5.0, 0.0, SELECTED);
    }
    p.rect(r.min, r.max, 0.1, PANEL);
    let outline = if peak > 0.85 {
        utilisation_colour(peak)
    } else {
        OUTLINE
    };
    p.frame(r.min, r.max, 3.0, 0.2, outline);
    // Waiting line: share of capacity (unbounded: of 1000).
    let cap = match &node.kind {
        NodeKind::Service(s) => s.queue,
        NodeKind::Database(d) => d.queue,
        NodeKind::Queue(q) => q.capacity,
        _ => None,
    }
    .map_or(1000.0, |c| c.max(1) as f32);
    let primary_notch = matches!(node.kind, NodeKind::Database(_));
    let active: Vec<usize> = (0..inst.len()).filter(|&k| inst[k].active).collect();
    for (row, &k) in active.iter().take(MAX_DRAWN_INSTANCES).enumerate() {
        let top = r.max.y - BOX_PAD - row as f32 * (ROW_H + ROW_GAP);
        let u = busy.and_then(|b| b.get(k)).copied().unwrap_or(0.0);
        let row = Row {
            x0: r.min.x + 10.0,
            top,
        };
        row.draw(p, &inst[k], u, cap, primary_notch && k == 0);
    }
}

/// Where one replica's row starts: its left edge and top.
struct Row {
    x0: f32,
    top: f32,
}

impl Row {
    /// The busy bar (hatched while starting, dark while down), the primary's
    /// notch, the waiting line as a share of `cap`.
    fn draw(&self, p: &mut Painter, inst: &ReplicaSnapshot, u: f32, cap: f32, primary: bool) {
        let (x0, top) = (self.x0, self.top);
        let bmin = Vec2::new(x0, top - ROW_H);
        let background = if inst.down { DOWN } else { ROW_BG };
        p.rect(bmin, Vec2::new(x0 + BUSY_W, top), 0.2, background);
        if inst.warming {
            // Cold start: hatched, not serving yet.
            for s in 0..6 {
                let x = x0 + s as f32 * BUSY_W / 6.0;
                p.rect(
                    Vec2::new(x, top - ROW_H),
                    Vec2::new(x + 6.0, top),
                    0.3,
                    OUTLINE,
                );
            }
        } else if !inst.down {
            let end = Vec2::new(x0 + BUSY_W * u.clamp(0.0, 1.0), top);
            p.rect(bmin, end, 0.3, utilisation_colour(u));
        }
        if primary {
            // The primary takes the writes: a darker notch marks it.
            p.rect(
                Vec2::new(x0 - 6.0, top - ROW_H),
                Vec2::new(x0 - 2.0, top),
                0.3,
                LABEL,
            );
        }
        let q = inst.queued as f32;
        let qx = x0 + BUSY_W + 6.0;
        p.rect(
            Vec2::new(qx, top - ROW_H),
            Vec2::new(qx + QUEUE_W, top),
            0.2,
            ROW_BG,
        );
        if q > 0.0 {
            let h = (ROW_H * (q / cap).clamp(0.0, 1.0)).max(3.0);
            let end = Vec2::new(qx + QUEUE_W, top - ROW_H + h);
            p.rect(Vec2::new(qx, top - ROW_H), end, 0.3, QUEUE);
        }
    }
}

/// The red "!" badge at a node's corner: something fails there.
fn draw_badge(p: &mut Painter, at: Vec2) {
    p.polygon(at, Vec2::splat(13.0), 24, 0.0, 0.6, BADGE);
    p.rect(
        at + Vec2::new(-2.0, -2.0),
        at + Vec2::new(2.0, 8.0),
        0.7,
        LABEL,
    );
    p.rect(
        at + Vec2::new(-2.0, -7.0),
        at + Vec2::new(2.0, -4.0),
        0.7,
        LABEL,
    );
}

/// A database's copies of its data in words: "primary", "primary + 2
/// replicas" ("primary + 0" read as a typo to a learner).
fn copies(read_replicas: u32) -> String {
    match read_replicas {
        0 => "primary".into(),
        1 => "primary + 1 replica".into(),
        n => format!("primary + {n} replicas"),
    }
}

/// A sharded database's instances in words: "4 shards", "4 shards, 1
/// replica each" (as short as the figures beside it allow).
fn sharded(shards: u32, read_replicas: u32) -> String {
    match read_replicas {
        0 => format!("{shards} shards"),
        1 => format!("{shards} shards, 1 replica each"),
        n => format!("{shards} shards, {n} replicas each"),
    }
}

fn edge_colour(kind: EdgeKind) -> Color {
    match kind {
        EdgeKind::Entry | EdgeKind::Balance => Color::srgb(0.45, 0.55, 0.75),
        EdgeKind::Call => Color::srgb(0.55, 0.58, 0.64),
        EdgeKind::Forward => Color::srgb(0.5, 0.62, 0.55),
        EdgeKind::Miss => Color::srgb(0.7, 0.6, 0.45),
    }
}

fn draw_edges(world: Res<WorldLayout>, view: Option<Res<View>>, mut gizmos: Gizmos) {
    let cut = |e: &crate::app::layout::Edge| {
        let (Place::Node(a), Place::Node(b)) = (e.from, e.to) else {
            return false;
        };
        view.as_ref().is_some_and(|v| {
            v.snapshot
                .partitions
                .iter()
                .any(|&(x, y, _)| (x == a && y == b) || (x == b && y == a))
        })
    };
    for e in &world.layout.edges {
        let is_cut = cut(e);
        let colour = if is_cut {
            Color::srgb(0.95, 0.3, 0.3)
        } else {
            edge_colour(e.kind)
        };
        if is_cut {
            // A partition: a red cross on the middle of the edge.
            let mid = e.curve.at(0.5);
            gizmos.line_2d(
                mid + Vec2::new(-9.0, -9.0),
                mid + Vec2::new(9.0, 9.0),
                colour,
            );
            gizmos.line_2d(
                mid + Vec2::new(-9.0, 9.0),
                mid + Vec2::new(9.0, -9.0),
                colour,
            );
        }
        let pts: Vec<Vec2> = (0..=24).map(|k| e.curve.at(k as f32 / 24.0)).collect();
        gizmos.linestrip_2d(pts, colour);
        let tip = e.curve.p1;
        let dir = e.curve.tangent(1.0).normalize_or_zero();
        let side = dir.perp();
        gizmos.line_2d(tip, tip - dir * 12.0 + side * 6.0, colour);
        gizmos.line_2d(tip, tip - dir * 12.0 - side * 6.0, colour);
    }
}

#[allow(clippy::type_complexity, clippy::too_many_arguments)] // a Bevy system: one parameter per resource/query
fn update_labels(
    bridge: Res<SimBridge>,
    world: Res<WorldLayout>,
    view: Option<Res<View>>,
    mut titles: Query<(&PlaceTitle, &mut Transform, &TextLayoutInfo), Without<PlaceMetrics>>,
    mut metrics: Query<
        (
            &PlaceMetrics,
            &mut Text2d,
            &mut TextColor,
            &mut Transform,
            &TextLayoutInfo,
            &mut TextBounds,
        ),
        Without<PlaceTitle>,
    >,
    mut edge_labels: Query<
        (&EdgeLabel, &mut Transform, &TextLayoutInfo),
        (Without<PlaceTitle>, Without<PlaceMetrics>),
    >,
    time: Res<Time<Real>>,
    mut since: Local<f32>,
) {
    let Some(view) = view else {
        return;
    };
    // Text layout is costly: refresh the figures four times a second.
    *since += time.delta_secs();
    let refresh_text = *since >= 0.25;
    if refresh_text {
        *since = 0.0;
    }
    let l = &world.layout;
    // What an edge's label must keep clear of: the boxes and their texts.
    let mut taken: Vec<Rect> = (0..l.node_centers.len())
        .map(Place::Node)
        .chain((0..l.source_centers.len()).map(Place::Source))
        .map(|p| l.rect(p))
        .collect();
    for (PlaceTitle(p), mut t, info) in &mut titles {
        let r = l.rect(*p);
        t.translation = Vec3::new(r.center().x, r.max.y + 6.0, 3.0);
        taken.push(text_box(&t, info, Anchor::BOTTOM_CENTER));
    }
    let model = bridge.sim.model();
    let win = view.last_window();
    let secs = win.map_or(1.0, |w| {
        w.end.saturating_sub(w.start).as_secs_f64().max(1e-9)
    });
    for (PlaceMetrics(p), mut text, mut colour, mut t, info, mut bounds) in &mut metrics {
        let r = l.rect(*p);
        let width = l.figure_width(*p);
        if bounds.width != width {
            bounds.width = width;
        }
        t.translation = Vec3::new(r.center().x, r.min.y - 6.0, 3.0);
        taken.push(text_box(&t, info, Anchor::TOP_CENTER));
        let (line, failing) = match *p {
            Place::Source(w) => (
                format!("{:.0} req/s", view.offered.get(w).copied().unwrap_or(0.0)),
                false,
            ),
            Place::Node(i) => {
                let nw = win.and_then(|w| w.nodes.get(i));
                let snap = view.snapshot.nodes.get(i);
                let mut parts = Vec::new();
                match &model.nodes[i].kind {
                    NodeKind::LoadBalancer(lb) => parts.push(lb.algorithm.name().replace('_', " ")),
                    NodeKind::RateLimiter(_) => parts.push("rate limiter".into()),
                    NodeKind::External(_) => {
                        // Two short lines: two externals side by side
                        // (video streaming's stores) ran into each other.
                        let calls = snap.map_or(0, |s| s.present);
                        let s = if calls == 1 { "" } else { "s" };
                        parts.push(format!("external\n{calls} call{s} out"));
                    }
                    NodeKind::Topic(t) => {
                        parts.push(format!("topic to {} queues", t.subscribers.len()))
                    }
                    NodeKind::Cache(_) => {
                        if let Some(h) = nw.and_then(|n| n.hit_ratio) {
                            parts.push(format!("hits {:.0}%", h * 100.0));
                        }
                    }
                    NodeKind::Queue(_) => {
                        let q: u32 = snap.map_or(0, |s| s.replicas.iter().map(|r| r.queued).sum());
                        parts.push(format!("{q} stored"));
                        if let Some(u) = nw.and_then(|n| n.utilisation) {
                            parts.push(format!("consumers {:.0}% busy", u * 100.0));
                        }
                    }
                    NodeKind::Service(_) | NodeKind::Database(_) => {
                        let reps =
                            snap.map_or(0, |s| s.replicas.iter().filter(|r| r.active).count());
                        parts.push(match &model.nodes[i].kind {
                            NodeKind::Database(d) if d.shards > 1 => {
                                sharded(d.shards, d.read_replicas)
                            }
                            NodeKind::Database(_) => copies(reps.saturating_sub(1) as u32),
                            _ => format!("x{reps}"),
                        });
                        // The same figure as the bars: workers held now
                        // (serving or waiting on a call), smoothed.
                        if let Some(busy) = busy_label(&world, snap, i) {
                            parts.push(busy);
                        }
                        let q: u32 = snap.map_or(0, |s| s.replicas.iter().map(|r| r.queued).sum());
                        if q > 0 {
                            parts.push(format!("{q} waiting"));
                        }
                    }
                }
                if let Some(p99) = nw.and_then(|n| n.sojourn.p99_ms) {
                    parts.push(format!("p99 {}", format_ms(p99)));
                }
                let mut line = parts.join("\n");
                if snap.is_some_and(NodeSnapshot::crashed) {
                    line = format!("DOWN  |  {line}");
                } else if snap.is_some_and(|s| s.slow > 1.0) {
                    line.push_str(&format!("  |  slowed x{:.0}", snap.map_or(1.0, |s| s.slow)));
                }
                let failing = view.node_failing(i);
                if let Some(t) = failing {
                    line.push_str(&format!("\n! {}", t.describe_inline(secs)));
                }
                // Its p99, hit ratio and trouble are the last second's:
                // paused after a change, that second predates it.
                let measured = nw.is_some_and(|n| {
                    n.sojourn.p99_ms.is_some() || n.hit_ratio.is_some() || n.utilisation.is_some()
                });
                if (measured || failing.is_some()) && view.measured_before_change().is_some() {
                    // On the last line: a sixth would run into the title of
                    // the node below.
                    line.push_str(" (before your change)");
                }
                (line, failing.is_some())
            }
        };
        if (refresh_text || text.0.is_empty()) && text.0 != line {
            text.0 = line;
        }
        colour.0 = if failing { BADGE } else { METRIC };
    }
    for (EdgeLabel(k), mut t, info) in &mut edge_labels {
        if let Some(e) = l.edges.get(*k) {
            let spot = e.curve.label_spot(text_size(info), &taken);
            t.translation = spot.extend(3.0);
            taken.push(text_box(&t, info, Anchor::CENTER));
        }
    }
}

/// A text's size in world units (its layout is in physical pixels).
fn text_size(info: &TextLayoutInfo) -> Vec2 {
    info.size / info.scale_factor.max(1e-6)
}

/// The box a text drawn at `t` with `anchor` covers.
fn text_box(t: &Transform, info: &TextLayoutInfo, anchor: Anchor) -> Rect {
    let size = text_size(info);
    let min = t.translation.truncate() - (anchor.as_vec() + 0.5) * size;
    Rect::from_corners(min, min + size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(workers: u32, busy: u32, busy_area: u128) -> ReplicaSnapshot {
        ReplicaSnapshot {
            workers,
            busy,
            busy_area,
            queued: 0,
            active: true,
            down: false,
            warming: false,
        }
    }

    #[test]
    fn an_average_that_hides_a_full_instance_names_it() {
        let text = |b: &[f32]| busy_text(b).unwrap_or_default();
        assert_eq!(text(&[1.0, 0.02]), "51% workers busy, 1 of 2 full");
        assert_eq!(text(&[0.5, 0.52]), "51% workers busy");
        // All (nearly) full: the average says it already.
        assert_eq!(text(&[1.0, 0.96]), "98% workers busy");
        assert_eq!(busy_text(&[]), None);
    }

    #[test]
    fn the_bar_is_the_busy_share_between_frames_not_the_instant() {
        // 4 workers, 3 of them busy at this instant, but 1 000 worker-ns of
        // work over the 1 000 ns since the last frame: a quarter busy.
        let r = replica(4, 3, 1_500);
        assert_eq!(busy_between(&r, Some(500), Some(1_000)), Some(0.25));
        // Paused (the clock did not move): the bar holds.
        assert_eq!(busy_between(&r, Some(1_500), Some(0)), None);
        // First seen: what is busy now.
        assert_eq!(busy_between(&r, None, Some(1_000)), Some(0.75));
        // Workers lowered live below what was busy: never past full.
        assert_eq!(
            busy_between(&replica(1, 1, 9_000), Some(0), Some(1_000)),
            Some(1.0)
        );
    }
}
