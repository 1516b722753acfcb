//! The picture's text stays legible: under a node in trouble, its figures (replicas, busy, waiting, p99 and the causes of trouble) do not run into the title of the node drawn below it, and every character the window's texts use has a glyph in its font.
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

/// Every character outside ASCII in the program's string literals (what
/// the panels, charts and the account print) has a glyph in the window's
/// proportional font: `→` drew as a box on the charts' change markers
/// ("posts read replicas □ 3") and in the theory grid.
#[test]
fn every_character_the_texts_use_has_a_glyph() {
    let ctx = bevy_egui::egui::Context::default();
    ctx.set_fonts(loadlab::app::ui::fonts());
    let _ = ctx.run_ui(Default::default(), |_| {});
    let mut used = std::collections::BTreeSet::new();
    literal_chars(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .as_path(),
        &mut used,
    );
    assert!(used.contains(&'→'), "the scan finds the arrows: {used:?}");
    // A character no font has is drawn as egui's replacement box, `◻`
    // (egui's `has_glyph` says no for any character of the emoji font
    // that also holds the box, so the drawn glyphs are compared).
    let font = bevy_egui::egui::FontId::proportional(12.0);
    let missing: Vec<char> = ctx.fonts_mut(|f| {
        let mut drawn = |s: String| {
            let g = f.layout_no_wrap(s, font.clone(), bevy_egui::egui::Color32::WHITE);
            g.rows[0].row.glyphs[0].uv_rect
        };
        let replacement = drawn('\u{25FB}'.to_string());
        (used.iter().copied())
            .filter(|&c| c != '\u{25FB}' && drawn(c.to_string()) == replacement)
            .collect()
    });
    assert!(missing.is_empty(), "no glyph for {missing:?}");
}

/// The characters above ASCII inside `"…"` on the lines of every `.rs`
/// file under `dir`.
fn literal_chars(dir: &std::path::Path, used: &mut std::collections::BTreeSet<char>) {
    for entry in std::fs::read_dir(dir).expect("src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            literal_chars(&path, used);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("source");
            for line in text.lines() {
                let quoted = line.split('"').skip(1).step_by(2);
                used.extend(quoted.flat_map(str::chars).filter(|c| !c.is_ascii()));
            }
        }
    }
}
