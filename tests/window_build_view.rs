//! Building from a blank canvas, as the learner sees it: every node added from the palette, valid or left out of the run (dashed), is inside the world view and clear of the others, after each add and wire and after "Fit".
#![cfg(feature = "gui")]

mod window;

use bevy::input::ButtonState;
use bevy::input::keyboard::Key;
use bevy::math::Rect;
use bevy::prelude::KeyCode;
use loadlab::app::camera::{PanelInsets, WorldCamera};
use loadlab::app::editor::Editor;
use loadlab::app::ghosts::Ghosts;
use loadlab::app::layout::Place;
use loadlab::app::world::WorldLayout;
use window::Window;

/// The world view between the panels, window pixels.
fn world_view(w: &Window) -> Rect {
    let i = *w.app.world().resource::<PanelInsets>();
    Rect::new(i.left, i.top, 1280.0 - i.right, 800.0 - i.bottom)
}

/// Every box drawn, by name: the run's nodes and sources, and the
/// left-out (dashed) ones, in window pixels.
fn boxes(w: &mut Window) -> Vec<(String, Rect)> {
    let ghosts: Vec<(String, Rect)> = w
        .app
        .world()
        .resource::<Ghosts>()
        .0
        .iter()
        .map(|g| (format!("{} (left out)", g.id), g.screen))
        .collect();
    let model = w.bridge().sim.model().clone();
    let world = w.app.world_mut();
    let layout = world.resource::<WorldLayout>().layout.clone();
    let (cam, gt) = world
        .query_filtered::<(&bevy::prelude::Camera, &bevy::prelude::GlobalTransform), bevy::prelude::With<WorldCamera>>()
        .single(world)
        .expect("world camera");
    let to_screen = |r: Rect| {
        let a = cam.world_to_viewport(gt, r.min.extend(0.0)).unwrap();
        let b = cam.world_to_viewport(gt, r.max.extend(0.0)).unwrap();
        Rect::from_corners(a, b)
    };
    let nodes = (0..layout.node_centers.len()).map(|i| (model.nodes[i].id.clone(), Place::Node(i)));
    let sources = (0..layout.source_centers.len())
        .map(|k| (model.workloads[k].name.clone(), Place::Source(k)));
    let mut out: Vec<(String, Rect)> = nodes
        .chain(sources)
        .map(|(name, p)| (name, to_screen(layout.rect(p))))
        .collect();
    out.extend(ghosts);
    out
}

/// Every box inside the world view, and no two overlapping.
fn assert_all_seen_apart(w: &mut Window, when: &str) {
    let view = world_view(w);
    let all = boxes(w);
    for (name, r) in &all {
        assert!(
            view.contains(r.min) && view.contains(r.max),
            "{when}: {name} is drawn at {r:?}, outside the world view {view:?}; all: {all:?}"
        );
    }
    for (k, (a, ra)) in all.iter().enumerate() {
        for (b, rb) in &all[k + 1..] {
            assert!(
                ra.intersect(*rb).is_empty(),
                "{when}: {a} {ra:?} overlaps {b} {rb:?}"
            );
        }
    }
}

fn left_out(w: &Window) -> Vec<String> {
    w.app.world().resource::<Editor>().left_out.clone()
}

/// The playtester's steps: "New blank design", then the palette's traffic
/// source, load balancer, service, cache and database. The source and the
/// load balancer have no `to` yet: they were drawn below the charts, out
/// of sight, and "Fit" did not bring them back.
#[test]
fn every_node_added_to_a_blank_canvas_is_seen_wired_or_not() {
    let mut w = Window::open(&[], None);
    let blank = w.widget("New blank design");
    w.click(blank);
    for label in [
        "+ traffic source",
        "+ load balancer",
        "+ service",
        "+ cache",
        "+ database",
    ] {
        let b = w.widget(label);
        w.click(b);
        w.frames(3);
        assert_all_seen_apart(&mut w, &format!("after {label}"));
    }
    let mut waiting = left_out(&w);
    waiting.sort();
    assert_eq!(waiting, ["lb", "users"], "not wired yet");
    // Zoomed in, then "Fit": everything is framed again, the dashed
    // boxes too.
    let centre = world_view(&w).center();
    w.wheel(centre, 6.0);
    let fit = w.widget("Fit");
    w.click(fit);
    w.frames(3);
    assert_all_seen_apart(&mut w, "after Fit");
    // A wire (the load balancer to the service) re-lays the design out:
    // still all in sight.
    let lb = w
        .app
        .world()
        .resource::<Ghosts>()
        .0
        .iter()
        .find(|g| g.id == "lb")
        .map(|g| g.screen.center())
        .expect("the load balancer, left out");
    let api = w.on_screen("api");
    w.key_state(KeyCode::ShiftLeft, Key::Shift, None, ButtonState::Pressed);
    w.drag(lb, api);
    w.key_state(KeyCode::ShiftLeft, Key::Shift, None, ButtonState::Released);
    w.frames(3);
    assert!(!left_out(&w).contains(&"lb".to_string()), "lb wired");
    assert_all_seen_apart(&mut w, "after wiring lb to api");
}
