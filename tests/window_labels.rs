//! The picture's text stays legible: under a node in trouble, its figures (replicas, busy, waiting, p99 and the causes of trouble) do not run into the title of the node drawn below it, and every character the window's texts use has a glyph in its font.
#![cfg(feature = "gui")]

mod window;

use bevy::math::Rect;
use bevy::prelude::{GlobalTransform, Text2d};
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
    let mut w = started("scenarios/campaign/02-news-feed/01-fan-out.toml");
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

/// `level` open, its briefing's Start clicked, 300 frames on.
fn started(level: &str) -> Window {
    let mut w = Window::open_file(level, &[], None);
    w.frames(2);
    if let Some(start) = w.find("Start") {
        w.click(start);
    }
    w.frames(300);
    w
}

/// The figures under neighbouring nodes stay apart: at 2.1's start "!
/// calls failing 898/s" under api ran into "p99 264 ms" under posts, and
/// in 8.1 "100% workers busy" under app into "64% workers busy" under db.
/// Each node's figures wrap within half the gap to its neighbours.
#[test]
fn neighbours_figures_do_not_run_into_each_other() {
    for level in [
        "scenarios/campaign/02-news-feed/01-fan-out.toml",
        "scenarios/campaign/08-case-studies/01-n-plus-one.toml",
    ] {
        let mut w = started(level);
        let boxes = text_boxes(&mut w);
        let figures: Vec<&(String, Rect)> = boxes
            .iter()
            .filter(|(t, _)| t.contains("busy") || t.contains("p99") || t.contains('!'))
            .collect();
        assert!(figures.len() >= 2, "{level}: {boxes:?}");
        for (k, (a, ar)) in figures.iter().enumerate() {
            for (b, br) in &figures[k + 1..] {
                assert!(
                    ar.intersect(*br).is_empty(),
                    "{level}: {a:?} at {ar:?} runs into {b:?} at {br:?}"
                );
            }
        }
    }
}

/// Every character outside ASCII in the program's string literals (what
/// the panels, charts and the account print) and in the scenarios' texts
/// (a level's ask, story, hints and debrief) has a glyph in the window's
/// proportional font: `→` drew as a box on the charts' change markers
/// ("posts read replicas □ 3"), in the theory grid and in 3.3's ask
/// ("1 000 □ 3 000 □ 1 000 messages/s").
#[test]
fn every_character_the_texts_use_has_a_glyph() {
    let ctx = bevy_egui::egui::Context::default();
    ctx.set_fonts(loadlab::app::ui::fonts());
    let _ = ctx.run_ui(Default::default(), |_| {});
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = std::collections::BTreeSet::new();
    literal_chars(root.join("src").as_path(), &mut used);
    assert!(used.contains(&'→'), "the scan finds the arrows: {used:?}");
    let mut texts = std::collections::BTreeSet::new();
    toml_chars(root.join("scenarios").as_path(), &mut texts);
    assert!(texts.contains(&'→'), "3.3's ask has an arrow: {texts:?}");
    used.extend(texts);
    let missing = missing_glyphs(&ctx, &used);
    assert!(missing.is_empty(), "no glyph for {missing:?}");
}

/// The window's own egui context has those fonts: set at `Startup`, they
/// found no context yet (bevy_egui makes it with the camera) and never
/// reached the window, so 3.3's ask drew its arrows as boxes although
/// the test above passed on a context of its own.
#[test]
fn the_window_s_own_font_draws_the_arrows() {
    let mut w = Window::open_file("scenarios/campaign/03-chat/03-evening-peak.toml", &[], None);
    w.frames(3);
    let world = w.app.world_mut();
    let mut q = world.query_filtered::<&mut bevy_egui::EguiContext, bevy::prelude::With<bevy_egui::PrimaryEguiContext>>();
    let ctx = q
        .single_mut(world)
        .expect("the window's egui context")
        .get_mut()
        .clone();
    let missing = missing_glyphs(&ctx, &['→', '≤', '×'].into_iter().collect());
    assert!(
        missing.is_empty(),
        "the window draws no glyph for {missing:?}"
    );
}

/// The characters of `used` that `ctx`'s proportional font draws as the
/// replacement box.
fn missing_glyphs(
    ctx: &bevy_egui::egui::Context,
    used: &std::collections::BTreeSet<char>,
) -> Vec<char> {
    // A character no font has is drawn as egui's replacement box, `◻`
    // (egui's `has_glyph` says no for any character of the emoji font
    // that also holds the box, so the drawn glyphs are compared).
    let font = bevy_egui::egui::FontId::proportional(12.0);
    ctx.fonts_mut(|f| {
        let mut drawn = |s: String| {
            let g = f.layout_no_wrap(s, font.clone(), bevy_egui::egui::Color32::WHITE);
            g.rows[0].row.glyphs[0].uv_rect
        };
        let replacement = drawn('\u{25FB}'.to_string());
        (used.iter().copied())
            .filter(|&c| c != '\u{25FB}' && drawn(c.to_string()) == replacement)
            .collect()
    })
}

/// The characters above ASCII in the strings (not the comments) of every
/// `.toml` file under `dir`.
fn toml_chars(dir: &std::path::Path, used: &mut std::collections::BTreeSet<char>) {
    fn strings(v: &toml::Value, used: &mut std::collections::BTreeSet<char>) {
        match v {
            toml::Value::String(s) => used.extend(s.chars().filter(|c| !c.is_ascii())),
            toml::Value::Array(a) => a.iter().for_each(|v| strings(v, used)),
            toml::Value::Table(t) => t.values().for_each(|v| strings(v, used)),
            _ => {}
        }
    }
    for entry in std::fs::read_dir(dir).expect("scenarios").flatten() {
        let path = entry.path();
        if path.is_dir() {
            toml_chars(&path, used);
        } else if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).expect("scenario");
            if let Ok(t) = toml::from_str::<toml::Table>(&text) {
                t.values().for_each(|v| strings(v, used));
            }
        }
    }
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
