//! Build mode as a playtester found it: "Why?" shows the account while editing, Ctrl+S saves, a moved node keeps the run going, no stale restart notice.
#![cfg(feature = "gui")]

mod cli;
mod window;

use bevy::prelude::*;
use loadlab::app::editor::EditorCommand;
use window::{Window, editor, send};

fn speed(w: &mut Window, x: f64) {
    w.app
        .world_mut()
        .resource_mut::<loadlab::app::bridge::SimBridge>()
        .pacing
        .speed = x;
}

/// Ctrl+S saves in build mode once the canvas was clicked (nothing
/// focused), as the Save button does.
#[test]
fn ctrl_s_saves_in_build_mode() {
    let tmp = cli::TempDir::new("window-build-ctrl-s");
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::Start);
    let path = tmp.0.join("designs/keyed.toml");
    send(
        &mut w,
        EditorCommand::SetSavePath(path.display().to_string()),
    );
    let api = w.on_screen("api");
    w.click(Vec2::new(api.x, api.y - 120.0));
    w.frames(3);
    w.quick_chord(KeyCode::KeyS, "s");
    assert!(path.exists(), "Ctrl+S saved: {:?}", editor(&w).message);
}

/// "Why?" shows the whole account in build mode too: the
/// right panel stayed on "Nothing selected" and its objectives.
#[test]
fn the_why_button_shows_the_account_while_editing() {
    use loadlab::app::View;
    use loadlab::sim::SimTime;
    let mut w = Window::open_file("scenarios/lessons/retry-storm.toml", &[], Some("api"));
    send(&mut w, EditorCommand::Start);
    speed(&mut w, 200.0);
    for _ in 0..400 {
        w.frames(1);
        if w.app.world().resource::<View>().now >= SimTime::from_secs_f64(50.0) {
            break;
        }
    }
    w.app
        .world_mut()
        .resource_mut::<loadlab::app::bridge::SimBridge>()
        .pacing
        .paused = true;
    w.frames(3);
    let why = w.widget("Why?");
    w.click(why);
    w.frames(3);
    assert_eq!(editor(&w).focus, None, "the inspector let go of api");
    let texts = w.texts();
    assert!(texts.iter().any(|t| t == "What happened"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t
            .trim_start()
            .starts_with("30.0 s  first to give way: backend")),
        "the cause is on screen: {texts:?}"
    );
}

/// Dragging a node moves only that node: the run goes on (a position is
/// nothing the engine sees) and the others stay where they are. It
/// restarted the run from 0 s and refitted the picture (every node moved
/// ~84 px on screen).
#[test]
fn moving_a_node_keeps_the_run_and_the_other_nodes() {
    use loadlab::sim::SimTime;
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::Start);
    speed(&mut w, 50.0);
    w.frames(30);
    let before = w.bridge().sim.now();
    assert!(before > SimTime::from_secs(1), "{before:?}");
    let ids = ["lb", "api", "cache", "db"];
    let on_screen = |w: &mut Window| ids.map(|id| w.on_screen(id));
    let was = on_screen(&mut w);
    let camera = w.camera();
    let db = w.on_screen("db");
    w.drag(db, db + Vec2::new(0.0, 90.0));
    w.frames(3);
    let moved = editor(&w)
        .history
        .as_ref()
        .is_some_and(|h| h.design().node("db").and_then(|t| t.get("pos")).is_some());
    assert!(moved, "db has a pos: {:?}", editor(&w).message);
    assert!(w.bridge().sim.now() >= before, "the run went on");
    assert_eq!(w.camera(), camera, "the camera stayed");
    let now = on_screen(&mut w);
    for (k, id) in ids.iter().enumerate().take(3) {
        assert!(
            now[k].distance(was[k]) < 1.0,
            "{id} stayed: {:?} -> {:?}",
            was[k],
            now[k]
        );
    }
    assert!(
        (now[3] - was[3] - Vec2::new(0.0, 90.0)).length() < 2.0,
        "db went where it was dropped: {:?} -> {:?}",
        was[3],
        now[3]
    );
}

/// Done leaves no stale notice: "The design changed: the run restarted
/// from 0 s on seed 42." stayed in the left panel while the clock ran on.
#[test]
fn done_leaves_no_stale_restart_notice() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::Start);
    send(
        &mut w,
        EditorCommand::Edit(loadlab::scenario::edit::Edit::AddNode {
            kind: "cache".into(),
            id: Some("more".into()),
            pos: None,
        }),
    );
    let restarted = w.notice().unwrap_or_default();
    assert!(restarted.contains("restarted"), "{restarted:?}");
    send(&mut w, EditorCommand::Stop);
    speed(&mut w, 50.0);
    w.frames(10);
    assert_eq!(w.notice(), None, "no stale notice after Done");
    assert!(!w.texts().iter().any(|t| t.contains("the run restarted")));
}
