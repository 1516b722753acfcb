//! The picture's text stays legible: under a node in trouble, its figures (replicas, busy, waiting, p99 and the causes of trouble) do not run into the title of the node drawn below it.
#![cfg(feature = "gui")]

mod window;

use bevy::input::keyboard::Key;
use bevy::math::Rect;
use bevy::prelude::{GlobalTransform, KeyCode, Text2d};
use bevy::sprite::Anchor;
use bevy::text::TextLayoutInfo;
use window::Window;

/// Every world text drawn: its string and its box in world units.
fn text_boxes(w: &mut Window) -> Vec<(String, Rect)> {
    let world = w.app.world_mut();
    let mut q = world.query::<(&Text2d, &TextLayoutInfo, &GlobalTransform, &Anchor)>();
    q.iter(world)
        .filter(|(t, info, _, _)| !t.0.is_empty() && info.size.x > 0.0)
        .map(|(t, info, g, a)| {
            let size = info.size * g.compute_transform().scale.truncate();
            let centre = g.translation().truncate() - a.as_vec() * size;
            (t.0.clone(), Rect::from_center_size(centre, size))
        })
        .collect()
}

/// 2.1 as it starts: `posts` (a database in trouble: rejecting, and its
/// callers' calls failing) is drawn above `timelines`. Its five lines of
/// figures ran into the title "timelines".
#[test]
fn a_troubled_node_s_figures_leave_the_title_below_clear() {
    let mut w = Window::open_file("scenarios/campaign/02-news-feed/01-fan-out.toml", &[], None);
    w.key(KeyCode::Escape, Key::Escape, None);
    w.frames(300);
    let boxes = text_boxes(&mut w);
    let figures: Vec<&(String, Rect)> = boxes.iter().filter(|(t, _)| t.contains('\n')).collect();
    let titles: Vec<&(String, Rect)> = boxes
        .iter()
        .filter(|(t, _)| ["timelines", "fanout", "posts", "api", "users"].contains(&t.as_str()))
        .collect();
    println!("{boxes:?}");
    assert!(
        figures
            .iter()
            .any(|(t, _)| t.starts_with("primary") && t.contains('!')),
        "posts should be in trouble with its figures drawn: {boxes:?}"
    );
    for (f, fr) in &figures {
        for (t, tr) in &titles {
            assert!(
                fr.intersect(*tr).is_empty(),
                "figures {f:?} at {fr:?} run into the title {t:?} at {tr:?}"
            );
        }
    }
}
