//! Request dots: sampled traces replayed in slow motion along the edges, coloured ok / slow / failed, capped, drawn as one dynamic mesh.

use std::collections::{HashMap, VecDeque};

use bevy::camera::visibility::NoFrustumCulling;
use bevy::prelude::*;

use crate::app::bridge::SimBridge;
use crate::app::frame::FrameSet;
use crate::app::layout::{Curve, Layout, Place};
use crate::app::view::View;
use crate::app::world::{Painter, WorldEntity, WorldLayout};
use crate::sim::spans::RequestSpans;
use crate::sim::{SimTime, TraceEvent, TraceKind};

/// Most dots on screen at once.
pub const MAX_DOTS: usize = 3000;
/// Most traced requests waiting for their end.
const MAX_PENDING: usize = 6000;
/// Wall seconds a dot takes along an edge.
const TRAVEL: f64 = 0.22;
/// Wall seconds a typical stay at a node takes on screen.
const TYPICAL_DWELL: f64 = 0.3;
/// Longest stay at a node on screen.
const MAX_DWELL: f64 = 3.0;
/// A dot's radius in world units.
pub const DOT_RADIUS: f32 = 4.5;

const OK: Color = Color::srgb(0.35, 0.85, 0.55);
const SLOW: Color = Color::srgb(0.98, 0.72, 0.2);
const FAILED: Color = Color::srgb(1.0, 0.3, 0.28);

/// How a request ended, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Answered, but slower than the p99 objective.
    Slow,
    Failed,
}

#[derive(Clone, Copy, Debug)]
enum Segment {
    Travel { curve: Curve, wall: f64 },
    Dwell { at: Place, wall: f64 },
}

/// One traced request being replayed.
#[derive(Clone, Debug)]
struct Playback {
    start: f64,
    segments: Vec<Segment>,
    outcome: Outcome,
    jitter: Vec2,
    /// A slow or failed request's hops, phase by phase (for a click).
    spans: Option<Box<RequestSpans>>,
}

/// The dots' state.
#[derive(Resource)]
pub struct Dots {
    pending: HashMap<u64, Vec<TraceEvent>>,
    order: VecDeque<u64>,
    playing: Vec<Playback>,
    /// Wall seconds on screen per simulated second of a stay at a node.
    pub dilation: f64,
    /// Smoothed mean simulated stay (seconds).
    mean_dwell: f64,
    generation: Option<u64>,
    last_sim: SimTime,
    /// Requests dropped because the cap was reached.
    pub skipped: u64,
    mesh: Option<Handle<Mesh>>,
}

impl Default for Dots {
    fn default() -> Self {
        Dots {
            pending: HashMap::new(),
            order: VecDeque::new(),
            playing: Vec::new(),
            dilation: 100.0,
            mean_dwell: 0.003,
            generation: None,
            last_sim: SimTime::ZERO,
            skipped: 0,
            mesh: None,
        }
    }
}

impl Dots {
    /// Dots on screen now.
    pub fn count(&self) -> usize {
        self.playing.len()
    }

    /// Where each slow or failed dot that a click can open is at wall time
    /// `t` (world coordinates), with its request's sequence number.
    pub fn pickable(&self, layout: &Layout, t: f64) -> Vec<(Vec2, u64)> {
        self.playing
            .iter()
            .filter_map(|d| Some((position(layout, d, t)?, d.spans.as_ref()?.id)))
            .collect()
    }

    /// The slow or failed request whose dot is nearest `p` (world
    /// coordinates) within `radius` at wall time `t`, with its hops.
    pub fn pick(&self, layout: &Layout, t: f64, p: Vec2, radius: f32) -> Option<&RequestSpans> {
        self.playing
            .iter()
            .filter_map(|d| {
                let spans = d.spans.as_deref()?;
                let at = position(layout, d, t)?;
                let dist = at.distance(p);
                (dist <= radius).then_some((dist, spans))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, s)| s)
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<Dots>();
    app.add_systems(Update, (ingest, draw).chain().in_set(FrameSet::Draw));
}

#[allow(clippy::too_many_arguments)] // a Bevy system: one parameter per resource/query
fn ingest(
    mut commands: Commands,
    mut bridge: ResMut<SimBridge>,
    world: Res<WorldLayout>,
    view: Option<Res<View>>,
    mut dots: ResMut<Dots>,
    time: Res<Time<Virtual>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    let d = &mut *dots;
    if d.generation != Some(bridge.generation) || d.mesh.is_none() {
        // The world despawns its entities on a new generation; the dots
        // mesh is one of them.
        d.pending.clear();
        d.order.clear();
        d.playing.clear();
        d.generation = Some(bridge.generation);
        d.last_sim = bridge.sim.now();
        let h = meshes.add(crate::app::world::empty_mesh());
        commands.spawn((
            WorldEntity,
            Mesh2d(h.clone()),
            MeshMaterial2d(materials.add(ColorMaterial::from_color(Color::WHITE))),
            Transform::from_xyz(0.0, 0.0, 1.0),
            NoFrustumCulling,
        ));
        d.mesh = Some(h);
    }
    let slow_ms = view.as_ref().and_then(|v| v.p99_objective_ms());
    let now_wall = time.elapsed_secs_f64();
    let frame = time.delta_secs_f64();
    let sim_now = bridge.sim.now();
    let sim_prev = d.last_sim;
    d.last_sim = sim_now;
    let span = sim_now.saturating_sub(sim_prev).0.max(1) as f64;
    let mut hops: HashMap<u64, RequestSpans> = std::mem::take(&mut bridge.traces.finished)
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    for ev in std::mem::take(&mut bridge.traces.events) {
        let done = matches!(ev.kind, TraceKind::Done { .. });
        let list = d.pending.entry(ev.request).or_insert_with(|| {
            d.order.push_back(ev.request);
            Vec::new()
        });
        list.push(ev);
        if !done {
            continue;
        }
        let events = d.pending.remove(&ev.request).unwrap_or_default();
        if d.playing.len() >= MAX_DOTS {
            d.skipped += 1;
            continue;
        }
        // Spread the starts over the frame like the ends were spread over
        // the simulated interval, so fast runs do not pulse.
        let frac = (ev.at.saturating_sub(sim_prev).0 as f64 / span).clamp(0.0, 1.0);
        let start = now_wall - frame + frac * frame;
        if let Some(mut p) = playback(&world.layout, &events, slow_ms, start, d) {
            if p.outcome != Outcome::Ok {
                p.spans = hops.remove(&ev.request).map(Box::new);
            }
            d.playing.push(p);
        }
    }
    while d.pending.len() > MAX_PENDING {
        let Some(id) = d.order.pop_front() else {
            break;
        };
        d.pending.remove(&id);
    }
    while d.order.len() > MAX_PENDING * 2 {
        d.order.pop_front();
    }
    d.playing.retain(|p| p.start + total(p) > now_wall);
}

fn total(p: &Playback) -> f64 {
    p.segments
        .iter()
        .map(|s| match s {
            Segment::Travel { wall, .. } | Segment::Dwell { wall, .. } => *wall,
        })
        .sum()
}

/// Turns one request's trace into segments on screen.
fn playback(
    layout: &Layout,
    events: &[TraceEvent],
    slow_ms: Option<f64>,
    start: f64,
    d: &mut Dots,
) -> Option<Playback> {
    let mut workload = 0;
    let mut outcome = Outcome::Ok;
    for e in events {
        match e.kind {
            TraceKind::Enter { workload: w, .. } => workload = w,
            TraceKind::Done {
                outcome: o,
                latency,
                workload: w,
            } => {
                workload = w;
                outcome = match o {
                    Err(_) => Outcome::Failed,
                    Ok(()) if slow_ms.is_some_and(|s| latency.as_millis_f64() > s) => Outcome::Slow,
                    Ok(()) => Outcome::Ok,
                };
            }
            _ => {}
        }
    }
    let mut segments = Vec::new();
    for (k, e) in events.iter().enumerate() {
        let (from, to) = match e.kind {
            TraceKind::Enter { from, to, workload } => (
                from.map_or(Place::Source(workload), Place::Node),
                Place::Node(to),
            ),
            TraceKind::Answer { from, to, .. } => (
                Place::Node(from),
                to.map_or(Place::Source(workload), Place::Node),
            ),
            TraceKind::Done { .. } => continue,
        };
        if from != to {
            segments.push(Segment::Travel {
                curve: layout.path(from, to),
                wall: TRAVEL,
            });
        }
        if let Some(next) = events.get(k + 1) {
            let stay = next.at.saturating_sub(e.at).as_secs_f64();
            if stay > 0.0 {
                d.mean_dwell = d.mean_dwell * 0.995 + stay * 0.005;
                d.dilation = (TYPICAL_DWELL / d.mean_dwell.max(1e-7)).clamp(0.01, 1e6);
                if !matches!(next.kind, TraceKind::Done { .. }) || matches!(to, Place::Node(_)) {
                    segments.push(Segment::Dwell {
                        at: to,
                        wall: (stay * d.dilation).min(MAX_DWELL),
                    });
                }
            }
        }
    }
    if segments.is_empty() {
        return None;
    }
    let id = events[0].request;
    let h = (id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16) as u32;
    let jitter = Vec2::new(
        (h & 0xffff) as f32 / 65535.0 - 0.5,
        (h >> 16) as f32 / 65535.0 - 0.5,
    );
    Some(Playback {
        start,
        segments,
        outcome,
        jitter,
        spans: None,
    })
}

/// Where a playback is at wall time `t`.
fn position(layout: &Layout, p: &Playback, t: f64) -> Option<Vec2> {
    let mut s = t - p.start;
    if s < 0.0 {
        return None;
    }
    for seg in &p.segments {
        match *seg {
            Segment::Travel { curve, wall } => {
                if s < wall {
                    return Some(curve.at((s / wall) as f32));
                }
                s -= wall;
            }
            Segment::Dwell { at, wall } => {
                if s < wall {
                    let h = layout.half_size(at) * 0.75;
                    return Some(layout.center(at) + p.jitter * 2.0 * h);
                }
                s -= wall;
            }
        }
    }
    None
}

fn draw(
    world: Res<WorldLayout>,
    dots: Res<Dots>,
    time: Res<Time<Virtual>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut painter: Local<Painter>,
) {
    let Some(handle) = &dots.mesh else {
        return;
    };
    let t = time.elapsed_secs_f64();
    let p = &mut *painter;
    p.clear();
    for d in &dots.playing {
        if let Some(pos) = position(&world.layout, d, t) {
            let c = match d.outcome {
                Outcome::Ok => OK,
                Outcome::Slow => SLOW,
                Outcome::Failed => FAILED,
            };
            let z = match d.outcome {
                Outcome::Ok => 0.0,
                Outcome::Slow => 0.1,
                Outcome::Failed => 0.2,
            };
            p.polygon(pos, Vec2::splat(DOT_RADIUS), 6, 0.0, z, c);
        }
    }
    if let Some(mut mesh) = meshes.get_mut(handle) {
        p.write(&mut mesh);
    }
}
