//! Where things go in the world view: node boxes from `pos` or an automatic left-to-right layered layout, and curved edges that avoid other boxes.

use bevy::math::{Rect, Vec2};

use crate::sim::model::{Model, NodeKind, When};

/// Most replicas / instances drawn one by one; the rest are summed up.
pub const MAX_DRAWN_INSTANCES: usize = 8;
/// Height of one replica row inside a service or database box.
pub const ROW_H: f32 = 24.0;
pub const ROW_GAP: f32 = 8.0;
/// Padding above the first row (room for nothing: labels sit above the box).
pub const BOX_PAD: f32 = 12.0;
const COLUMN_GAP: f32 = 230.0;
/// Between a box and the next below it: with the 30 above each box, room
/// for six lines of figures under one (replicas, busy, waiting, p99 and
/// the causes of trouble, and one line more where figures wrap to keep
/// clear of a neighbour's: `figure_width`) and the title over the next.
const ROW_SPACING: f32 = 144.0;

/// Something drawn in the world: a node or a traffic source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    Node(usize),
    Source(usize),
}

/// How a request goes along an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// From a traffic source to its entry node.
    Entry,
    /// A load balancer to its service.
    Balance,
    /// A synchronous call (the caller's worker waits).
    Call,
    /// A forward (the sender's worker is freed).
    Forward,
    /// A cache's misses and writes.
    Miss,
}

/// A drawn edge: a quadratic Bézier from `from` to `to`.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    pub from: Place,
    pub to: Place,
    pub kind: EdgeKind,
    /// `read`, `write`, a request class, `miss` ...
    pub label: Option<String>,
    pub curve: Curve,
}

/// A quadratic Bézier curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Curve {
    pub p0: Vec2,
    pub c: Vec2,
    pub p1: Vec2,
}

impl Curve {
    /// Where a label of `size` goes beside this curve: the first spot
    /// from the middle outwards, either side, clear of every `taken` box
    /// (the nodes, their texts, labels placed before); the middle if none is.
    pub fn label_spot(&self, size: Vec2, taken: &[Rect]) -> Vec2 {
        let spot = |t: f32, side: f32| {
            let n = self.tangent(t).perp().normalize_or_zero();
            let n = if n.y < 0.0 { -n } else { n };
            self.at(t) + n * side * (6.0 + size.y / 2.0)
        };
        let clear = |c: Vec2| {
            // A few units of air, so a label does not touch a text either.
            let me = Rect::from_center_size(c, size).inflate(3.0);
            taken.iter().all(|r| {
                let both = r.intersect(me);
                both.width() <= 0.0 || both.height() <= 0.0
            })
        };
        [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]
            .into_iter()
            .flat_map(|t| [spot(t, 1.0), spot(t, -1.0)])
            .find(|&c| clear(c))
            .unwrap_or_else(|| spot(0.5, 1.0))
    }

    pub fn straight(p0: Vec2, p1: Vec2) -> Curve {
        Curve {
            p0,
            c: (p0 + p1) / 2.0,
            p1,
        }
    }
    pub fn at(&self, t: f32) -> Vec2 {
        let u = 1.0 - t;
        self.p0 * (u * u) + self.c * (2.0 * u * t) + self.p1 * (t * t)
    }
    /// Direction of travel at `t` (not normalised).
    pub fn tangent(&self, t: f32) -> Vec2 {
        (self.c - self.p0) * (2.0 * (1.0 - t)) + (self.p1 - self.c) * (2.0 * t)
    }
    pub fn reversed(&self) -> Curve {
        Curve {
            p0: self.p1,
            c: self.c,
            p1: self.p0,
        }
    }
}

/// Node and source boxes plus the edges between them.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Centre of each node, world units (y up).
    pub node_centers: Vec<Vec2>,
    pub node_sizes: Vec<Vec2>,
    pub source_centers: Vec<Vec2>,
    pub edges: Vec<Edge>,
}

/// The height of the figures under a place, at most: places whose feet
/// are closer than this share a row of figures.
const FIGURES_H: f32 = 140.0;
/// The space kept between two neighbours' figures.
const FIGURES_GAP: f32 = 14.0;
/// The narrowest the figures are wrapped to, however close the neighbour.
const FIGURES_MIN_W: f32 = 110.0;

impl Layout {
    /// Lays out `model`: `pos` where given (x right, y down, as on screen),
    /// otherwise layers from left to right by longest path from a source.
    pub fn new(model: &Model) -> Layout {
        Layout::keeping(model, &[])
    }

    /// Lays out `model` keeping the nodes of `kept` (id, centre) where they
    /// were, so an edit in build mode moves nothing the learner did not
    /// touch (the whole picture re-layered after each add or wire): a node
    /// without `pos` keeps its old centre; a new one goes where the
    /// automatic layout puts it, moved down clear of the others.
    pub fn keeping(model: &Model, kept: &[(String, Vec2)]) -> Layout {
        let sizes: Vec<Vec2> = model
            .nodes
            .iter()
            .map(|nd| node_size(&nd.kind, None))
            .collect();
        let mut centers = auto_centers(model, &sizes);
        let mut fixed = vec![false; centers.len()];
        for (i, nd) in model.nodes.iter().enumerate() {
            if let Some([x, y]) = nd.pos {
                centers[i] = Vec2::new(x, -y);
                fixed[i] = true;
            } else if let Some((_, c)) = kept.iter().find(|(id, _)| *id == nd.id) {
                centers[i] = *c;
                fixed[i] = true;
            }
        }
        if !kept.is_empty() {
            clear_of_fixed(&mut centers, &sizes, &fixed);
        }
        Layout::around(model, centers, sizes)
    }

    /// The sources beside their nodes, and the edges, for placed nodes.
    fn around(model: &Model, centers: Vec<Vec2>, sizes: Vec<Vec2>) -> Layout {
        let source_centers = model
            .workloads
            .iter()
            .enumerate()
            .map(|(w, wl)| {
                let target = centers.get(wl.to).copied().unwrap_or_default();
                let same: Vec<usize> = model
                    .workloads
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.to == wl.to)
                    .map(|(i, _)| i)
                    .collect();
                let k = same.iter().position(|&i| i == w).unwrap_or(0) as f32;
                let spread = (same.len() as f32 - 1.0) / 2.0;
                // Room between two sources for one's rate under it and
                // the next one's name over it.
                Vec2::new(target.x - COLUMN_GAP, target.y + (spread - k) * 140.0)
            })
            .collect();
        let mut layout = Layout {
            node_centers: centers,
            node_sizes: sizes,
            source_centers,
            edges: Vec::new(),
        };
        layout.edges = edges(model, &layout);
        layout
    }

    /// Centre of a place.
    pub fn center(&self, p: Place) -> Vec2 {
        match p {
            Place::Node(i) => self.node_centers.get(i).copied().unwrap_or_default(),
            Place::Source(w) => self.source_centers.get(w).copied().unwrap_or_default(),
        }
    }

    /// Half extents of a place's box.
    pub fn half_size(&self, p: Place) -> Vec2 {
        match p {
            Place::Node(i) => self.node_sizes.get(i).copied().unwrap_or(Vec2::splat(80.0)) / 2.0,
            Place::Source(_) => Vec2::splat(SOURCE_RADIUS),
        }
    }

    pub fn rect(&self, p: Place) -> Rect {
        Rect::from_center_half_size(self.center(p), self.half_size(p))
    }

    /// How wide the figures under `p` may be drawn (centred under it) and
    /// stay clear of its neighbours' (each takes up to half the gap between
    /// the two centres): `None` with no place beside it. Figures under
    /// 2.1's api ("! calls failing 898/s") ran into those under posts.
    pub fn figure_width(&self, p: Place) -> Option<f32> {
        let foot = self.rect(p).min.y;
        let x = self.center(p).x;
        (0..self.node_centers.len())
            .map(Place::Node)
            .chain((0..self.source_centers.len()).map(Place::Source))
            .filter(|q| *q != p && (self.rect(*q).min.y - foot).abs() < FIGURES_H)
            .map(|q| (self.center(q).x - x).abs() - FIGURES_GAP)
            .reduce(f32::min)
            .map(|w| w.max(FIGURES_MIN_W))
    }

    /// Updates box sizes for the replica counts now (services and
    /// databases grow as replicas are added); edges follow.
    pub fn resize(&mut self, model: &Model, instances: &[Option<usize>]) {
        let mut changed = false;
        for (i, nd) in model.nodes.iter().enumerate() {
            let s = node_size(&nd.kind, instances.get(i).copied().flatten());
            if self.node_sizes.get(i) != Some(&s)
                && let Some(slot) = self.node_sizes.get_mut(i)
            {
                *slot = s;
                changed = true;
            }
        }
        if changed {
            self.edges = edges(model, self);
        }
    }

    /// The curve a request follows from `a` to `b`: a drawn edge (either
    /// direction) or a straight line between the boxes.
    pub fn path(&self, a: Place, b: Place) -> Curve {
        for e in &self.edges {
            if e.from == a && e.to == b {
                return e.curve;
            }
            if e.from == b && e.to == a {
                return e.curve.reversed();
            }
        }
        let (ca, cb) = (self.center(a), self.center(b));
        Curve::straight(
            clip_to_box(ca, self.half_size(a), cb),
            clip_to_box(cb, self.half_size(b), ca),
        )
    }

    /// The place whose box contains `p`, if any.
    pub fn pick(&self, p: Vec2) -> Option<Place> {
        let nodes = (0..self.node_centers.len()).map(Place::Node);
        let sources = (0..self.source_centers.len()).map(Place::Source);
        nodes
            .chain(sources)
            .find(|&pl| self.rect(pl).inflate(6.0).contains(p))
    }

    /// Whether anything is drawn (a blank canvas has nothing).
    pub fn has_places(&self) -> bool {
        !(self.node_centers.is_empty() && self.source_centers.is_empty())
    }

    /// Everything drawn, with room for labels.
    pub fn bounds(&self) -> Rect {
        let mut r: Option<Rect> = None;
        let places = (0..self.node_centers.len())
            .map(Place::Node)
            .chain((0..self.source_centers.len()).map(Place::Source));
        for p in places {
            let b = self.rect(p);
            // Labels above, metrics below.
            let b =
                Rect::from_corners(b.min - Vec2::new(70.0, 56.0), b.max + Vec2::new(70.0, 40.0));
            r = Some(r.map_or(b, |r| r.union(b)));
        }
        r.unwrap_or(Rect::from_center_half_size(Vec2::ZERO, Vec2::splat(200.0)))
    }
}

/// Radius of a traffic source's circle.
pub const SOURCE_RADIUS: f32 = 34.0;

/// Size of a node's box for `instances` drawn replicas (`None`: from the spec).
pub fn node_size(kind: &NodeKind, instances: Option<usize>) -> Vec2 {
    let rows = |n: usize| {
        let n = n.clamp(1, MAX_DRAWN_INSTANCES) as f32;
        BOX_PAD * 2.0 + n * ROW_H + (n - 1.0) * ROW_GAP
    };
    match kind {
        NodeKind::LoadBalancer(_) | NodeKind::RateLimiter(_) => Vec2::new(84.0, 84.0),
        NodeKind::Cache(_) => Vec2::new(108.0, 96.0),
        NodeKind::Queue(_) => Vec2::new(160.0, rows(1)),
        NodeKind::Topic(_) | NodeKind::External(_) => Vec2::new(120.0, 64.0),
        NodeKind::Service(s) => Vec2::new(160.0, rows(instances.unwrap_or(s.replicas as usize))),
        NodeKind::Database(d) => Vec2::new(
            160.0,
            rows(instances.unwrap_or((d.read_replicas as usize + 1) * d.shards.max(1) as usize)),
        ),
    }
}

/// Outgoing edges of each node: (target, kind, label).
fn successors(model: &Model) -> Vec<Vec<(usize, EdgeKind, Option<String>)>> {
    let when = |w: Option<When>| w.map(|w| model.when_name(w).to_string());
    model
        .nodes
        .iter()
        .map(|nd| match &nd.kind {
            NodeKind::LoadBalancer(lb) => vec![(lb.to, EdgeKind::Balance, None)],
            NodeKind::Service(s) => s
                .calls
                .iter()
                .map(|r| (r.to, EdgeKind::Call, when(r.when)))
                .chain(
                    s.forward
                        .iter()
                        .map(|r| (r.to, EdgeKind::Forward, when(r.when))),
                )
                .collect(),
            NodeKind::Cache(c) => c
                .on_miss
                .map(|m| vec![(m, EdgeKind::Miss, Some("miss".to_string()))])
                .unwrap_or_default(),
            NodeKind::RateLimiter(r) => vec![(r.to, EdgeKind::Forward, None)],
            NodeKind::Queue(q) => q
                .calls
                .iter()
                .map(|r| (r.to, EdgeKind::Call, when(r.when)))
                .collect(),
            NodeKind::Database(_) | NodeKind::External(_) => Vec::new(),
            NodeKind::Topic(t) => t
                .subscribers
                .iter()
                .map(|&q| (q, EdgeKind::Forward, Some("copy".to_string())))
                .collect(),
        })
        .collect()
}

fn edges(model: &Model, layout: &Layout) -> Vec<Edge> {
    let mut out = Vec::new();
    for (w, wl) in model.workloads.iter().enumerate() {
        // The editor's stand-in sends next to nothing: no arrow into a
        // node the learner did not wire.
        if wl.name != crate::scenario::edit::NO_TRAFFIC {
            out.push((Place::Source(w), Place::Node(wl.to), EdgeKind::Entry, None));
        }
    }
    for (a, outs) in successors(model).into_iter().enumerate() {
        for (b, kind, label) in outs {
            if !out
                .iter()
                .any(|e| e.0 == Place::Node(a) && e.1 == Place::Node(b))
            {
                out.push((Place::Node(a), Place::Node(b), kind, label));
            }
        }
    }
    let all: Vec<Place> = (0..layout.node_centers.len())
        .map(Place::Node)
        .chain((0..layout.source_centers.len()).map(Place::Source))
        .collect();
    out.into_iter()
        .map(|(from, to, kind, label)| {
            let curve = route(layout, from, to, &all);
            Edge {
                from,
                to,
                kind,
                label,
                curve,
            }
        })
        .collect()
}

/// A curve from `from` to `to` that bends around any other box in the way.
fn route(layout: &Layout, from: Place, to: Place, all: &[Place]) -> Curve {
    let (ca, cb) = (layout.center(from), layout.center(to));
    let normal = (cb - ca).perp().normalize_or_zero();
    let obstacles: Vec<Rect> = all
        .iter()
        .filter(|&&p| p != from && p != to)
        .map(|&p| layout.rect(p).inflate(14.0))
        .collect();
    let mut best = None;
    for bend in [0.0f32, -90.0, 90.0, -160.0, 160.0, -240.0, 240.0] {
        let c = (ca + cb) / 2.0 + normal * bend * 2.0;
        let p0 = clip_to_box(ca, layout.half_size(from), c);
        let p1 = clip_to_box(cb, layout.half_size(to), c);
        let curve = Curve { p0, c, p1 };
        let hits = (1..40).any(|k| {
            let p = curve.at(k as f32 / 40.0);
            obstacles.iter().any(|r| r.contains(p))
        });
        if !hits {
            return curve;
        }
        best.get_or_insert(curve);
    }
    best.unwrap_or(Curve::straight(ca, cb))
}

/// Where the segment from `center` towards `toward` leaves the box.
pub fn clip_to_box(center: Vec2, half: Vec2, toward: Vec2) -> Vec2 {
    let d = toward - center;
    if d.length_squared() < 1e-6 {
        return center;
    }
    let tx = if d.x.abs() > 1e-6 {
        half.x / d.x.abs()
    } else {
        f32::INFINITY
    };
    let ty = if d.y.abs() > 1e-6 {
        half.y / d.y.abs()
    } else {
        f32::INFINITY
    };
    center + d * tx.min(ty).min(1.0)
}

/// Node centres by longest-path layers from the sources, left to right.
fn auto_centers(model: &Model, sizes: &[Vec2]) -> Vec<Vec2> {
    let n = model.nodes.len();
    let succ = successors(model);
    // A queue with `max_hops` may close a loop: edges into it do not
    // push it right (it stays left of the work it feeds).
    let loop_queue: Vec<bool> = model
        .nodes
        .iter()
        .map(|nd| matches!(&nd.kind, NodeKind::Queue(q) if q.max_hops.is_some()))
        .collect();
    // Longest-path layers (the scenario loader rejects other cycles;
    // the cap guards anyway).
    let mut layer = vec![1usize; n];
    for _ in 0..n + 1 {
        let mut moved = false;
        for (a, outs) in succ.iter().enumerate() {
            for &(b, _, _) in outs {
                if !loop_queue[b] && layer[b] < layer[a] + 1 && layer[a] < n + 1 {
                    layer[b] = layer[a] + 1;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    let max_layer = layer.iter().copied().max().unwrap_or(1);
    let mut centers = vec![Vec2::ZERO; n];
    for l in 1..=max_layer {
        let members: Vec<usize> = (0..n).filter(|&i| layer[i] == l).collect();
        let total: f32 = members.iter().map(|&i| sizes[i].y + 30.0).sum::<f32>()
            + ROW_SPACING * members.len().saturating_sub(1) as f32;
        let mut y = total / 2.0;
        for &i in &members {
            let h = sizes[i].y + 30.0;
            centers[i] = Vec2::new(l as f32 * COLUMN_GAP, y - h / 2.0 - 15.0);
            y -= h + ROW_SPACING;
        }
    }
    centers
}

/// Moves each node not `fixed` down, a row at a time, until its box
/// clears every other placed box (a node added beside kept ones).
fn clear_of_fixed(centers: &mut [Vec2], sizes: &[Vec2], fixed: &[bool]) {
    let overlaps = |a: Vec2, sa: Vec2, b: Vec2, sb: Vec2| {
        // Room below for the lines of figures under a box (as between rows).
        let gap = (sa + sb) / 2.0 + Vec2::new(20.0, ROW_SPACING);
        (a.x - b.x).abs() < gap.x && (a.y - b.y).abs() < gap.y
    };
    for i in (0..centers.len()).filter(|&i| !fixed[i]) {
        for _ in 0..centers.len() + 1 {
            let hit = (0..centers.len())
                .filter(|&j| j != i && (fixed[j] || j < i))
                .any(|j| overlaps(centers[i], sizes[i], centers[j], sizes[j]));
            if !hit {
                break;
            }
            centers[i].y -= sizes[i].y + 30.0 + ROW_SPACING;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/url-shortener.toml"
        ))
        .unwrap();
        crate::scenario::load_str(&text, "url-shortener.toml", &[]).unwrap()
    }

    #[test]
    fn layers_run_left_to_right_in_call_order() {
        let m = model();
        let l = Layout::new(&m);
        let x = |id: &str| l.node_centers[m.node_index(id).unwrap()].x;
        assert!(l.source_centers[0].x < x("lb"));
        assert!(x("lb") < x("api") && x("api") < x("cache") && x("cache") < x("db"));
    }

    #[test]
    fn the_skip_edge_bends_around_the_cache() {
        let m = model();
        let l = Layout::new(&m);
        let (api, cache, db) = (
            m.node_index("api").unwrap(),
            m.node_index("cache").unwrap(),
            m.node_index("db").unwrap(),
        );
        let e = l
            .edges
            .iter()
            .find(|e| e.from == Place::Node(api) && e.to == Place::Node(db))
            .unwrap();
        let r = l.rect(Place::Node(cache));
        assert!((0..=20).all(|k| !r.contains(e.curve.at(k as f32 / 20.0))));
    }

    /// Build mode: the URL shortener without its cache, then the cache
    /// added and wired (api → cache → db). Laid out afresh, every node
    /// moves (the cache takes a layer); keeping the first layout, lb, api
    /// and db stay put and the cache lands clear of every box.
    #[test]
    fn an_added_node_moves_none_of_the_others_in_build_mode() {
        let full = model();
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/url-shortener.toml"
        ))
        .unwrap();
        let start = text.find("[[node]]\nid = \"cache\"").unwrap();
        let end = start + text[start..].find("cost_per_hour").unwrap();
        let without =
            text[..start].to_string() + &text[end..].replacen("cost_per_hour = 0.50\n", "", 1);
        let without = without.replace(
            "calls = [ { to = \"cache\", when = \"read\" }, { to = \"db\", when = \"write\" } ]",
            "calls = [ \"db\" ]",
        );
        let before = crate::scenario::load_str(&without, "u.toml", &[]).unwrap();
        assert!(before.node_index("cache").is_none());
        let first = Layout::new(&before);
        let kept: Vec<(String, Vec2)> = (before.nodes.iter().map(|n| n.id.clone()))
            .zip(first.node_centers.iter().copied())
            .collect();
        let afresh = Layout::new(&full);
        let after = Layout::keeping(&full, &kept);
        let at = |l: &Layout, id: &str| l.node_centers[full.node_index(id).unwrap()];
        let was = |id: &str| kept.iter().find(|k| k.0 == id).unwrap().1;
        assert_ne!(at(&afresh, "db"), was("db"), "afresh, db moves a layer");
        for id in ["lb", "api", "db"] {
            assert_eq!(at(&after, id), was(id), "{id} kept");
        }
        let c = full.node_index("cache").unwrap();
        for (i, _) in full.nodes.iter().enumerate().filter(|(i, _)| *i != c) {
            let (a, b) = (after.rect(Place::Node(c)), after.rect(Place::Node(i)));
            assert!(
                a.intersect(b).is_empty(),
                "the cache over {}",
                full.nodes[i].id
            );
        }
    }

    #[test]
    fn picking_finds_the_box_under_the_point() {
        let m = model();
        let l = Layout::new(&m);
        let db = m.node_index("db").unwrap();
        assert_eq!(l.pick(l.node_centers[db]), Some(Place::Node(db)));
        assert_eq!(l.pick(l.source_centers[0]), Some(Place::Source(0)));
        assert_eq!(l.pick(Vec2::new(-9999.0, 0.0)), None);
    }
}
