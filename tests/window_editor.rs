//! The editor through the whole window: palette clicks, a node dragged to a new place, Shift+drag wiring, keys, the action API for fields, Save — and `loadlab run` on what was saved gives the shipped URL shortener's summary.
#![cfg(feature = "gui")]

mod cli;
mod editor_steps;
mod window;

use std::path::Path;

use bevy::input::ButtonState;
use bevy::input::keyboard::Key;
use bevy::prelude::*;
use editor_steps::url_shortener_edits;
use loadlab::app::editor::EditorCommand;
use loadlab::app::{ActionQueue, UiAction};
use loadlab::scenario::edit::{EdgeKind, Edit, Part};
use window::{Window, editor, send};

fn shift_drag(w: &mut Window, from: Vec2, to: Vec2) {
    w.key_state(KeyCode::ShiftLeft, Key::Shift, None, ButtonState::Pressed);
    w.drag(from, to);
    w.key_state(KeyCode::ShiftLeft, Key::Shift, None, ButtonState::Released);
    w.frames(2);
}

/// Adds a node of `kind` from the palette's command.
fn add(w: &mut Window, kind: &str, id: Option<&str>) {
    let id = id.map(str::to_string);
    let pos = None;
    send(
        w,
        EditorCommand::Edit(Edit::AddNode {
            kind: kind.into(),
            id,
            pos,
        }),
    );
}

/// The first part drawn left out of the run.
fn first_ghost(w: &Window) -> Option<loadlab::app::ghosts::Ghost> {
    w.app
        .world()
        .resource::<loadlab::app::ghosts::Ghosts>()
        .0
        .first()
        .cloned()
}

fn node_ids(w: &Window) -> Vec<String> {
    editor(w)
        .history
        .as_ref()
        .map(|h| h.design().node_ids())
        .unwrap_or_default()
}

#[test]
fn the_url_shortener_built_from_a_blank_canvas_runs_as_the_shipped_file() {
    let mut w = Window::open(&[], None);
    let blank = w.widget("New blank design");
    w.click(blank);
    assert!(editor(&w).on, "build mode");
    assert!(
        w.bridge().pacing.paused && !editor(&w).problems.is_empty(),
        "a blank canvas is not a design yet: the run waits"
    );
    // The palette, clicked.
    for label in ["+ load balancer", "+ service", "+ cache", "+ database"] {
        let b = w.widget(label);
        w.click(b);
    }
    assert_eq!(node_ids(&w), ["lb", "api", "cache", "db"]);
    assert_eq!(
        editor(&w).focus,
        Some(Part::Node("db".into())),
        "the node just added is the one the inspector edits"
    );
    assert_eq!(
        editor(&w).left_out,
        ["lb"],
        "the unwired load balancer is named, not drawn"
    );
    assert!(
        editor(&w)
            .problems_of("lb")
            .iter()
            .any(|p| p.contains("to")),
        "{:?}",
        editor(&w).problems
    );

    // Shift+drag wires: api calls the cache; the cache's misses go to db.
    let (api, cache) = (w.on_screen("api"), w.on_screen("cache"));
    shift_drag(&mut w, api, cache);
    let cache = w.on_screen("cache");
    let db = w.on_screen("db");
    shift_drag(&mut w, cache, db);
    let design = editor(&w)
        .history
        .as_ref()
        .expect("editing")
        .design()
        .clone();
    let text = design.text();
    assert!(
        text.contains("to = \"cache\""),
        "api -> cache wired:\n{text}"
    );
    assert!(
        text.contains("on_miss = \"db\""),
        "cache -> db wired:\n{text}"
    );
    // A plain drag moves a node: it gets a position where it was dropped
    // (90 px down on screen is 90 × the camera's scale in the world).
    let before = w.on_screen("db");
    let scale = w.camera().1;
    let db_index = w.node("db");
    let centre = w
        .app
        .world()
        .resource::<loadlab::app::world::WorldLayout>()
        .layout
        .node_centers[db_index];
    w.drag(before, before + Vec2::new(0.0, 90.0));
    w.frames(3);
    let pos = editor(&w)
        .history
        .as_ref()
        .and_then(|h| h.design().node("db").and_then(|t| t.get("pos")).cloned())
        .and_then(|p| {
            p.as_array().map(|a| {
                a.iter()
                    .filter_map(toml::Value::as_float)
                    .collect::<Vec<_>>()
            })
        })
        .expect("db has a pos after the drag");
    let want = [f64::from(centre.x), f64::from(-centre.y + 90.0 * scale)];
    assert!(
        (pos[0] - want[0]).abs() < 2.0 && (pos[1] - want[1]).abs() < 2.0,
        "dropped at {pos:?}, dragged to {want:?}"
    );

    // Ctrl+Z undoes the move, Ctrl+Shift+Z does it again.
    w.move_to(Vec2::new(640.0, 500.0));
    w.key_state(
        KeyCode::ControlLeft,
        Key::Control,
        None,
        ButtonState::Pressed,
    );
    w.key(KeyCode::KeyZ, Key::Character("z".into()), Some("z"));
    w.key_state(
        KeyCode::ControlLeft,
        Key::Control,
        None,
        ButtonState::Released,
    );
    w.frames(2);
    let undone = editor(&w)
        .history
        .as_ref()
        .map(|h| h.design().node("db").and_then(|t| t.get("pos")).is_some());
    assert_eq!(undone, Some(false), "Ctrl+Z took the move back");
    send(&mut w, EditorCommand::Redo);

    // The rest through the action API: the shipped file's wiring and fields
    // (the nodes and the miss path already made are refused as duplicates,
    // nothing else is). The shipped call to the cache is for reads only.
    send(
        &mut w,
        EditorCommand::Edit(Edit::Disconnect {
            from: "api".into(),
            to: "cache".into(),
            kind: EdgeKind::Call,
            index: None,
        }),
    );
    for e in url_shortener_edits() {
        let before = editor(&w).history.as_ref().map(|h| h.design().clone());
        send(&mut w, EditorCommand::Edit(e.clone()));
        let changed = editor(&w).history.as_ref().map(|h| h.design().clone()) != before;
        let duplicate = matches!(
            &e,
            Edit::Connect {
                kind: EdgeKind::Miss,
                ..
            }
        ) || matches!(&e, Edit::AddNode { .. });
        // A price the palette already gave the node (the sandbox's prices
        // are the shipped file's), or the source's keys (Zipf s = 1 over a
        // million, as the shipped file's).
        let same = match (&e, &before) {
            (Edit::SetField { part, path, value }, Some(d)) => {
                let table = match part {
                    Part::Node(id) => d.node(id),
                    Part::Source(name) => d.source(name),
                    Part::Scenario => None,
                };
                table.and_then(|t| t.get(path)) == value.as_ref()
            }
            _ => false,
        };
        assert!(
            changed || duplicate || same,
            "{e:?}: {:?}",
            editor(&w).message
        );
    }
    assert!(editor(&w).problems.is_empty(), "{:?}", editor(&w).problems);
    assert!(
        !w.bridge().pacing.paused || w.bridge().pacing.ended,
        "a valid design runs"
    );

    // Save, then `loadlab run` on the file: the shipped file's summary.
    let dir = cli::TempDir::new("window-editor");
    let saved = dir.0.join("built.toml");
    send(
        &mut w,
        EditorCommand::SetSavePath(saved.display().to_string()),
    );
    send(&mut w, EditorCommand::Save);
    assert!(saved.is_file(), "{:?}", editor(&w).message);
    assert!(!editor(&w).history.as_ref().expect("editing").unsaved());
    let run = |file: &Path, out: &str| editor_steps::summary_10s(file, &dir.0.join(out));
    let ship = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/url-shortener.toml");
    assert_eq!(run(&saved, "built"), run(&ship, "ship"));
}

#[test]
fn delete_removes_the_selection_and_unsaved_edits_are_not_lost_silently() {
    let mut w = Window::open(&[], None);
    let edit = w.widget("Edit design");
    w.click(edit);
    assert!(editor(&w).on && editor(&w).problems.is_empty());
    let cache = w.on_screen("cache");
    w.click(cache);
    assert_eq!(editor(&w).focus, Some(Part::Node("cache".into())));
    w.move_to(Vec2::new(640.0, 560.0));
    w.key(KeyCode::Delete, Key::Delete, None);
    w.frames(2);
    assert_eq!(
        node_ids(&w),
        ["lb", "api", "db"],
        "Delete removed the cache"
    );
    assert!(editor(&w).history.as_ref().expect("editing").unsaved());
    // New with unsaved edits asks first; Keep keeps them.
    send(&mut w, EditorCommand::New);
    assert_eq!(editor(&w).confirm, Some(EditorCommand::New));
    assert_eq!(node_ids(&w), ["lb", "api", "db"]);
    let keep = w.widget("Keep editing");
    w.click(keep);
    assert_eq!(editor(&w).confirm, None);
    assert_eq!(node_ids(&w), ["lb", "api", "db"]);
    // Esc cancels a wiring drag half way.
    let before = editor(&w)
        .history
        .as_ref()
        .expect("editing")
        .design()
        .clone();
    let api = w.on_screen("api");
    w.key_state(KeyCode::ShiftLeft, Key::Shift, None, ButtonState::Pressed);
    w.move_to(api);
    w.button(ButtonState::Pressed);
    w.move_to(api + Vec2::new(60.0, 40.0));
    w.move_to(api + Vec2::new(120.0, 80.0));
    w.key(KeyCode::Escape, Key::Escape, None);
    let db = w.on_screen("db");
    w.move_to(db);
    w.button(ButtonState::Released);
    w.key_state(KeyCode::ShiftLeft, Key::Shift, None, ButtonState::Released);
    w.frames(2);
    let after = editor(&w)
        .history
        .as_ref()
        .expect("editing")
        .design()
        .clone();
    assert_eq!(after, before, "the cancelled drag wired nothing");
}

/// Random editor actions through the action API and the pointer, seeded
/// and bounded: no panic, every state either runs or is flagged (paused
/// with the loader's problems), undo history bounded. `LOADLAB_SOAK_SECS`
/// makes it run that long instead (the ten-minute soak in docs/window.md).
#[test]
#[allow(clippy::disallowed_methods)] // wall clock: the soak's length only
fn a_seeded_soak_of_random_edits_never_panics_and_every_state_runs_or_is_flagged() {
    use rand::{RngExt, SeedableRng};
    let secs: u64 = std::env::var("LOADLAB_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let started = std::time::Instant::now();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(20261128);
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::Start);
    let kinds = loadlab::scenario::edit::KINDS;
    let mut steps = 0u64;
    while steps < 150 || started.elapsed().as_secs() < secs {
        steps += 1;
        let ids = node_ids(&w);
        let pick = |rng: &mut rand_xoshiro::Xoshiro256PlusPlus| -> String {
            if ids.is_empty() || rng.random_bool(0.1) {
                "ghost".into()
            } else {
                ids[rng.random_range(0..ids.len())].clone()
            }
        };
        let c = match rng.random_range(0..12) {
            0 => EditorCommand::Edit(Edit::AddNode {
                kind: kinds[rng.random_range(0..kinds.len())].into(),
                id: None,
                pos: None,
            }),
            1 => EditorCommand::Edit(Edit::RemoveNode { id: pick(&mut rng) }),
            2 => EditorCommand::Edit(Edit::Connect {
                from: pick(&mut rng),
                to: pick(&mut rng),
                kind: EdgeKind::ALL[rng.random_range(0..EdgeKind::ALL.len())],
                when: None,
            }),
            3 => EditorCommand::Edit(Edit::RenameNode {
                from: pick(&mut rng),
                to: format!("n{}", rng.random_range(0..20)),
            }),
            4 => EditorCommand::Edit(Edit::SetField {
                part: Part::Node(pick(&mut rng)),
                path: ["workers", "replicas", "capacity", "queue"][rng.random_range(0..4)].into(),
                value: Some(toml::Value::Integer(rng.random_range(-2..40))),
            }),
            5 => EditorCommand::Edit(Edit::MoveNode {
                id: pick(&mut rng),
                pos: [
                    rng.random_range(-900.0..900.0),
                    rng.random_range(-600.0..600.0),
                ],
            }),
            6 => EditorCommand::Undo,
            7 => EditorCommand::Redo,
            8 => EditorCommand::Focus(Some(Part::Node(pick(&mut rng)))),
            9 => EditorCommand::Copy,
            10 => EditorCommand::Paste,
            _ => EditorCommand::Edit(Edit::AddSource {
                name: None,
                to: Some(pick(&mut rng)),
                rate: rng.random_range(1.0..5000.0),
            }),
        };
        send(&mut w, c);
        if rng.random_bool(0.2) {
            // A click somewhere in the picture (select, or drag a node).
            let at = Vec2::new(
                rng.random_range(300.0..980.0),
                rng.random_range(40.0..590.0),
            );
            w.drag(
                at,
                at + Vec2::new(rng.random_range(-80.0..80.0), rng.random_range(-80.0..80.0)),
            );
        }
        let e = editor(&w);
        let b = w.bridge();
        assert!(
            e.problems.is_empty() || b.pacing.paused,
            "step {steps}: a design with problems is paused: {:?}",
            e.problems
        );
        if e.problems.is_empty() {
            let model = b.sim.model();
            assert!(
                !model.nodes.is_empty(),
                "step {steps}: a valid design has nodes"
            );
        }
    }
    assert!(steps >= 150);
}

/// Opening another scenario leaves build mode: the editor's design was the
/// old file's, and editing it on top of the new one would mix the two.
#[test]
fn opening_another_file_leaves_build_mode() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::Start);
    assert!(editor(&w).on && editor(&w).history.is_some());
    let lesson = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lessons/retry-storm.toml");
    w.app
        .world_mut()
        .resource_mut::<ActionQueue>()
        .push(UiAction::Open(lesson));
    w.frames(3);
    assert!(!editor(&w).on && editor(&w).history.is_none());
    assert_ne!(w.bridge().sim.model().name, "URL shortener");
}

/// Opening another file with unsaved edits asks first: Keep editing stays
/// on the design, Discard them opens the file, on screen through clicks.
#[test]
fn opening_another_file_asks_about_unsaved_edits() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::Start);
    send(
        &mut w,
        EditorCommand::Edit(Edit::AddNode {
            kind: "cache".into(),
            id: Some("extra".into()),
            pos: None,
        }),
    );
    let lesson = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lessons/retry-storm.toml");
    let open = |w: &mut Window| {
        (w.app.world_mut().resource_mut::<ActionQueue>()).push(UiAction::Open(lesson.clone()));
        w.frames(3);
    };
    open(&mut w);
    assert_eq!(
        w.bridge().sim.model().name,
        "URL shortener",
        "not yet opened"
    );
    let prompt = (w.texts().into_iter()).find(|t| t.ends_with("would lose your unsaved edits."));
    let prompt = prompt.expect("the prompt is on screen");
    assert!(prompt.starts_with("Opening "), "{prompt}");
    let keep = w.widget("Keep editing");
    w.click(keep);
    w.frames(2);
    assert!(editor(&w).on && editor(&w).history.as_ref().is_some_and(|h| h.unsaved()));
    assert_eq!(w.bridge().sim.model().name, "URL shortener");
    open(&mut w);
    let discard = w.widget("Discard them");
    w.click(discard);
    w.frames(3);
    assert!(editor(&w).history.is_none(), "the old design is dropped");
    assert_ne!(w.bridge().sim.model().name, "URL shortener");
}

/// The text box right of `left` on the same row (egui's AccessKit tree).
fn box_right_of(w: &mut Window, left: Vec2) -> Vec2 {
    let scale = 1.0; // the harness window is 1280x800 at 1 pixel per point
    w.tree()
        .iter()
        .filter(|n| n.role() == bevy_egui::egui::accesskit::Role::TextInput)
        .filter_map(|n| n.bounds())
        .map(|b| {
            Vec2::new(
                ((b.x0 + b.x1) / 2.0 / scale) as f32,
                ((b.y0 + b.y1) / 2.0 / scale) as f32,
            )
        })
        .filter(|c| (c.y - left.y).abs() < 6.0 && c.x > left.x)
        .min_by(|a, b| a.x.total_cmp(&b.x))
        .expect("a text box on the row")
}

#[test]
fn a_calls_timeout_is_set_under_its_edge_in_the_build_inspector() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::Start);
    send(&mut w, EditorCommand::Focus(Some(Part::Node("api".into()))));
    // Under the call to the cache: its policies, none yet.
    let header = w.widget("policies of the call to cache: none (no timeout, no retry)");
    w.click(header);
    w.frames(2);
    let add = w.widget("add…");
    w.click(add);
    w.frames(2);
    let timeout = w.widget("timeout");
    w.click(timeout);
    w.frames(2);
    // The field just picked (a combo box showing "timeout"), not the
    // api's own `timeout` further down in Fields.
    let name = w
        .find_role(bevy_egui::egui::accesskit::Role::ComboBox, "timeout")
        .expect("the picked field");
    let value = box_right_of(&mut w, name);
    w.click(value);
    w.type_text("\"40ms\"");
    w.key(KeyCode::Enter, Key::Enter, None);
    w.frames(3);
    // The design and the run have it: the api's first call gives up at 40 ms.
    let call = |w: &Window| match &w.bridge().sim.model().nodes[w.node("api")].kind {
        loadlab::sim::model::NodeKind::Service(s) => s.calls[0].policy.timeout,
        _ => panic!("api is a service"),
    };
    assert_eq!(
        call(&w),
        Some(loadlab::sim::SimTime::from_millis(40)),
        "{:?}",
        editor(&w).message
    );
    assert!(editor(&w).problems.is_empty());
    // The header now names it; undo takes it back.
    assert!(
        w.find("policies of the call to cache: timeout").is_some(),
        "{:?}",
        w.texts()
    );
    send(&mut w, EditorCommand::Undo);
    assert_eq!(call(&w), None);
}

/// A node the run leaves out (a load balancer not wired yet) is drawn where
/// it stands with its problem; a click on it opens it in the build
/// inspector, and Shift+drag from it onto the service wires it, after
/// which it runs like the rest.
#[test]
fn a_left_out_node_is_drawn_with_its_problem_and_wired_by_a_drag() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::New);
    for kind in ["load_balancer", "service"] {
        add(&mut w, kind, None);
    }
    w.frames(2);
    let ghost = first_ghost;
    let lb = ghost(&w).expect("the load balancer is drawn, left out");
    assert_eq!(lb.kind, "load_balancer");
    assert!(lb.problem.contains("`to`"), "{}", lb.problem);
    // A click inspects it.
    let at = lb.screen.center();
    w.click(at);
    w.frames(2);
    assert_eq!(editor(&w).focus, Some(Part::Node(lb.id.clone())));
    // Shift+drag onto the service wires it: nothing is left out then.
    let service = node_ids(&w)
        .into_iter()
        .find(|id| id != &lb.id)
        .expect("the service");
    let to = w.on_screen(&service);
    shift_drag(&mut w, at, to);
    let design = editor(&w)
        .history
        .as_ref()
        .expect("editing")
        .design()
        .clone();
    let wired = design.node(&lb.id).and_then(|t| t.get("to")).cloned();
    assert_eq!(
        wired,
        Some(toml::Value::String(service.clone())),
        "{:?}",
        editor(&w).message
    );
    assert!(
        !editor(&w).left_out.contains(&lb.id),
        "{:?}",
        editor(&w).problems
    );
    w.frames(2);
    assert!(ghost(&w).is_none());
}

/// Played on a blank canvas: a traffic source added before any node has
/// no `to`; it was not drawn at all (only the stand-in "no-traffic-yet",
/// with an arrow into the service), so it could not be wired by a drag.
#[test]
fn a_source_added_before_its_node_is_drawn_left_out_and_wired_by_a_plain_drag() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::New);
    send(
        &mut w,
        EditorCommand::Edit(Edit::AddSource {
            name: None,
            to: None,
            rate: 100.0,
        }),
    );
    assert_eq!(
        editor(&w).focus,
        Some(Part::Source("users".into())),
        "the source just added is the one the inspector edits"
    );
    add(&mut w, "service", None);
    w.frames(2);
    let ghost = first_ghost;
    let users = ghost(&w).expect("the source is drawn, left out");
    assert!(users.source, "{users:?}");
    assert_eq!(users.kind, "traffic source");
    assert!(users.problem.contains("`to`"), "{}", users.problem);
    // The stand-in source that lets the service be drawn sends no arrow
    // into it: nothing the learner wired.
    let arrows_in = |w: &Window| {
        let world = w.app.world().resource::<loadlab::app::world::WorldLayout>();
        world
            .layout
            .edges
            .iter()
            .filter(|e| e.kind == loadlab::app::layout::EdgeKind::Entry)
            .count()
    };
    assert_eq!(arrows_in(&w), 0);
    // A click inspects it as a source.
    let at = users.screen.center();
    w.click(at);
    w.frames(2);
    assert_eq!(editor(&w).focus, Some(Part::Source(users.id.clone())));
    let texts = w.texts().join("\n");
    assert!(
        texts.contains("sends to") && texts.contains("nowhere yet: pick a node"),
        "{texts}"
    );
    // A drag onto nothing does not move it (a source has no place of its
    // own) and wires nothing.
    w.drag(at, at + Vec2::new(60.0, 0.0));
    w.frames(2);
    assert_eq!(ghost(&w).map(|g| g.centre), Some(users.centre));
    // A drag onto the service wires it, Shift or not (a source's only
    // gesture is to send): the design is valid and runs.
    let service = node_ids(&w).pop().expect("the service");
    let to = w.on_screen(&service);
    w.drag(at, to);
    let sends_to = |w: &Window| {
        let design = editor(w).history.as_ref().map(|h| h.design().clone());
        design.and_then(|d| d.source_table(&users.id)?.get("to").cloned())
    };
    assert_eq!(
        sends_to(&w),
        Some(toml::Value::String(service.clone())),
        "{:?}",
        editor(&w).message
    );
    assert!(editor(&w).problems.is_empty(), "{:?}", editor(&w).problems);
    w.frames(2);
    assert!(ghost(&w).is_none());
    assert_eq!(arrows_in(&w), 1, "the learner's source, wired");
    // The inspector says where it sends, and can send it elsewhere.
    add(&mut w, "cache", Some("front"));
    send(
        &mut w,
        EditorCommand::Focus(Some(Part::Source(users.id.clone()))),
    );
    let picker = w.widget(&service);
    w.click(picker);
    w.frames(2);
    let front = w.widget("front");
    w.click(front);
    w.frames(2);
    assert_eq!(sends_to(&w), Some(toml::Value::String("front".into())));
}

/// In build mode a setting the engine changes live (the API's replicas)
/// goes to the running simulation: the clock goes on and the change is
/// marked; a change of shape (a node added) restarts from 0 s.
#[test]
fn a_live_setting_changed_in_build_mode_keeps_the_run_going() {
    use loadlab::sim::{Command, SimTime};
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::Start);
    w.app
        .world_mut()
        .resource_mut::<loadlab::app::bridge::SimBridge>()
        .pacing
        .speed = 50.0;
    w.frames(30);
    let before = w.bridge().sim.now();
    assert!(before > SimTime::from_secs(1), "{before:?}");
    send(
        &mut w,
        EditorCommand::Edit(Edit::SetField {
            part: Part::Node("api".into()),
            path: "replicas".into(),
            value: Some(toml::Value::Integer(5)),
        }),
    );
    assert!(w.bridge().sim.now() >= before, "the run went on");
    let api = w.node("api");
    assert_eq!(
        w.last_change(),
        Some(Command::SetReplicas {
            node: api,
            replicas: 5
        })
    );
    // The design has it too, and the run's model.
    let replicas = editor(&w).history.as_ref().and_then(|h| {
        h.design()
            .node("api")
            .and_then(|t| t.get("replicas"))
            .cloned()
    });
    assert_eq!(replicas, Some(toml::Value::Integer(5)));
    // A change of shape restarts from 0 s.
    send(
        &mut w,
        EditorCommand::Edit(Edit::AddNode {
            kind: "cache".into(),
            id: Some("more".into()),
            pos: None,
        }),
    );
    assert!(w.bridge().sim.now() < before, "restarted");
}

/// Every widget of the build inspector stays inside the window, whichever
/// node is open: the row that wires a new edge (three combo boxes and a
/// button) ran past the right edge, "every request" cut at "every requ".
#[test]
fn the_build_inspector_fits_in_its_panel_for_every_node() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::Start);
    for id in ["lb", "api", "cache", "db"] {
        send(&mut w, EditorCommand::Focus(Some(Part::Node(id.into()))));
        w.frames(2);
        let wide: Vec<String> = w
            .tree()
            .iter()
            // A text box's own text runs on past its box, clipped there.
            .filter(|n| n.role() != bevy_egui::egui::accesskit::Role::TextRun)
            .filter_map(|n| {
                Some((
                    n.bounds()?,
                    format!(
                        "{:?} {}",
                        n.role(),
                        n.value().or(n.label()).unwrap_or_default()
                    ),
                ))
            })
            .filter(|(b, _)| b.x1 > 1280.5)
            .map(|(b, what)| format!("{what} ends at x = {:.0}", b.x1))
            .collect();
        assert!(
            wide.is_empty(),
            "{id} open: past the window's edge: {wide:?}"
        );
    }
}

/// A design built from a blank canvas can be held to a goal: the build
/// inspector (nothing selected) lists the design's objectives and adds
/// one by metric, side and bound; the run's objectives panel shows it.
#[test]
fn an_objective_is_added_and_removed_in_build_mode() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::New);
    add(&mut w, "service", Some("api"));
    let to = Some("api".to_string());
    send(
        &mut w,
        EditorCommand::Edit(Edit::AddSource {
            name: None,
            to,
            rate: 100.0,
        }),
    );
    // The api just added is focused: let go of it (a click on empty
    // canvas) to see the design's objectives.
    send(&mut w, EditorCommand::Focus(None));
    assert!(w.texts().join("\n").contains("None yet"));
    // p99 is offered first.
    let p99 = w.find_role(bevy_egui::egui::accesskit::Role::ComboBox, "p99");
    assert!(p99.is_some(), "the metric box starts on p99");
    let button = w.widget("Add objective");
    let field = w
        .tree()
        .iter()
        .filter(|n| n.role() == bevy_egui::egui::accesskit::Role::TextInput)
        .filter_map(|n| n.bounds())
        .map(|b| Vec2::new(((b.x0 + b.x1) / 2.0) as f32, ((b.y0 + b.y1) / 2.0) as f32))
        .find(|c| (c.y - button.y).abs() < 6.0 && c.x < button.x)
        .expect("the bound's box");
    w.click(field);
    w.type_text("50ms");
    w.frames(1);
    w.click(button);
    w.frames(3);
    let objectives = &w.bridge().sim.model().objectives;
    assert_eq!(objectives.len(), 1, "{:?}", editor(&w).problems);
    assert_eq!(objectives[0].metric.name(), "p99");
    assert!(w.texts().join("\n").contains("p99 below 50ms"));
    let remove = w.widget("×");
    w.click(remove);
    w.frames(3);
    assert!(w.bridge().sim.model().objectives.is_empty());
}

/// In build mode a click on empty canvas lets go of the focused node, as
/// in the viewer: the build inspector goes back to the design's
/// objectives (a learner could not reach them once a node was focused).
#[test]
fn a_click_on_empty_canvas_in_build_mode_unfocuses_the_node() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::Start);
    let api = w.on_screen("api");
    w.click(api);
    w.frames(3);
    assert_eq!(
        editor(&w).focus,
        Some(Part::Node("api".into())),
        "a click on api focuses it"
    );
    // Above the api box, between the legend and the nodes: nothing there.
    let empty = Vec2::new(api.x, api.y - 120.0);
    w.click(empty);
    w.frames(3);
    assert_eq!(editor(&w).focus, None, "the click on nothing let go of api");
    assert!(
        w.texts().iter().any(|t| t == "Add objective"),
        "the design's objectives are in the inspector: {:?}",
        w.texts()
    );
}

/// A node added to a sandbox design has a price (a level prices what it
/// lets you add): a blank canvas's bill was $0.00/h whatever it held.
#[test]
fn a_node_added_in_the_sandbox_has_a_price() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::New);
    add(&mut w, "service", Some("api"));
    add(&mut w, "database", Some("db"));
    let cost = |w: &Window, id: &str| {
        let m = w.bridge().sim.model();
        m.nodes[m.node_index(id).expect(id)].cost_per_hour
    };
    assert!(cost(&w, "api") > 0.0 && cost(&w, "db") > cost(&w, "api"));
}

/// Save keeps the seed the window ran: the URL shortener runs on 42, and a
/// design built from a blank canvas there was saved without a seed, so
/// `view` and `loadlab run` of the file ran it on seed 1.
#[test]
fn save_keeps_the_seed_the_window_ran() {
    let tmp = cli::TempDir::new("window-editor-seed");
    let mut w = Window::open(&[], None);
    let seed = w.bridge().sim.seed();
    assert_eq!(seed, 42, "the URL shortener's own seed");
    send(&mut w, EditorCommand::New);
    add(&mut w, "service", Some("api"));
    send(
        &mut w,
        EditorCommand::Edit(Edit::AddSource {
            name: None,
            to: Some("api".into()),
            rate: 100.0,
        }),
    );
    assert!(editor(&w).problems.is_empty(), "{:?}", editor(&w).problems);
    assert_eq!(w.bridge().sim.seed(), seed, "the blank design ran on it");
    let path = tmp.0.join("designs/mine.toml");
    send(
        &mut w,
        EditorCommand::SetSavePath(path.display().to_string()),
    );
    send(&mut w, EditorCommand::Save);
    let saved = loadlab::scenario::load_file(&path, &[]).expect("the saved design loads");
    assert_eq!(saved.seed, seed, "{:?}", editor(&w).message);
}

/// Save writes where each node is drawn: build mode keeps nodes in place
/// when one is added (not where a fresh layout would put them), and a
/// design saved then reopened used to be laid out afresh, its nodes moved.
#[test]
fn a_saved_design_reopens_with_its_nodes_where_they_were_drawn() {
    let tmp = cli::TempDir::new("window-editor-places");
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::New);
    // The database first: drawn alone, then kept where it was when the
    // API is added and wired to it (a fresh layout puts it right of the API).
    add(&mut w, "database", Some("db"));
    add(&mut w, "service", Some("api"));
    send(
        &mut w,
        EditorCommand::Edit(Edit::AddSource {
            name: None,
            to: Some("api".into()),
            rate: 100.0,
        }),
    );
    let wire = Edit::Connect {
        from: "api".into(),
        to: "db".into(),
        kind: EdgeKind::Call,
        when: None,
    };
    send(&mut w, EditorCommand::Edit(wire));
    w.frames(2);
    assert!(editor(&w).problems.is_empty(), "{:?}", editor(&w).problems);
    let drawn = |w: &Window| {
        let world = w.app.world().resource::<loadlab::app::world::WorldLayout>();
        world.shown()
    };
    let before = drawn(&w);
    assert_eq!(before.len(), 2, "{before:?}");
    let path = tmp.0.join("designs/placed.toml");
    send(
        &mut w,
        EditorCommand::SetSavePath(path.display().to_string()),
    );
    send(&mut w, EditorCommand::Save);
    let saved = loadlab::scenario::load_file(&path, &[]).expect("the saved design loads");
    let fresh = loadlab::app::layout::Layout::new(&saved);
    // The case is one where build mode kept a node off the place a layout
    // of the design without places gives it.
    let mut unplaced = saved.clone();
    unplaced.nodes.iter_mut().for_each(|n| n.pos = None);
    let afresh = loadlab::app::layout::Layout::new(&unplaced);
    let off = before.iter().any(|(id, [x, y])| {
        let c = afresh.node_centers[saved.node_index(id).expect(id)];
        (f64::from(c.x) - x).abs() > 0.5 || (f64::from(-c.y) - y).abs() > 0.5
    });
    assert!(
        off,
        "drawn {before:?}, laid out afresh {:?}",
        afresh.node_centers
    );
    for (id, [x, y]) in &before {
        let i = saved.node_index(id).expect(id);
        let c = fresh.node_centers[i];
        assert!(
            (f64::from(c.x) - x).abs() <= 0.5 && (f64::from(-c.y) - y).abs() <= 0.5,
            "{id} drawn at ({x}, {y}), reopened at ({}, {})",
            c.x,
            -c.y
        );
    }
}

/// A refused value moves no control: the refusal is said once, over the
/// picture. It was a line at the top of the inspector (and under the
/// field, and in the Build panel) that pushed everything down by ~78 px,
/// so a learner's next click pressed Delete instead of the list it aimed at.
#[test]
fn a_refused_value_moves_no_control_under_the_pointer() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::Start);
    send(&mut w, EditorCommand::Focus(Some(Part::Node("api".into()))));
    w.frames(3);
    let delete = w.widget("Delete");
    let copy = w.widget("Copy");
    send(
        &mut w,
        EditorCommand::Edit(Edit::SetField {
            part: Part::Node("api".into()),
            path: "replicas".into(),
            value: Some(toml::Value::String("1a2".into())),
        }),
    );
    w.frames(3);
    assert!(editor(&w).refusal().is_some(), "the value is refused");
    let said: Vec<String> = (w.texts().into_iter())
        .filter(|t| t.starts_with("Not changed"))
        .collect();
    // One label (its text may also be read wrapped, cut at a line's end).
    let whole = said
        .iter()
        .max_by_key(|t| t.len())
        .cloned()
        .unwrap_or_default();
    assert!(
        !said.is_empty() && said.iter().all(|t| whole.starts_with(t.as_str())),
        "said once: {said:?}"
    );
    assert_eq!(w.widget("Delete"), delete, "Delete stays under the pointer");
    assert_eq!(w.widget("Copy"), copy);
}

/// A wire between two left-out parts shows, and wiring moves neither: a
/// source dragged onto a load balancer not wired on yet left both as red
/// boxes that swapped places, with no arrow between them.
#[test]
fn a_wire_between_left_out_parts_shows_and_moves_neither() {
    let mut w = Window::open(&[], None);
    send(&mut w, EditorCommand::New);
    send(
        &mut w,
        EditorCommand::Edit(Edit::AddSource {
            name: None,
            to: None,
            rate: 100.0,
        }),
    );
    add(&mut w, "load_balancer", Some("lb"));
    w.frames(2);
    let ghosts = |w: &Window| {
        w.app
            .world()
            .resource::<loadlab::app::ghosts::Ghosts>()
            .0
            .clone()
    };
    let before = ghosts(&w);
    assert_eq!(before.len(), 2, "{before:?}");
    let source = before
        .iter()
        .find(|g| g.source)
        .expect("the source")
        .id
        .clone();
    send(
        &mut w,
        EditorCommand::Edit(Edit::Connect {
            from: source.clone(),
            to: "lb".into(),
            kind: EdgeKind::Entry,
            when: None,
        }),
    );
    w.frames(2);
    let after = ghosts(&w);
    let ids = |g: &[loadlab::app::ghosts::Ghost]| {
        g.iter()
            .map(|g| (g.id.clone(), g.centre))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&after), ids(&before), "both left out, neither moved");
    let wired = after.iter().find(|g| g.id == source).expect("the source");
    assert_eq!(wired.sends_to, ["lb"], "the wire, drawn as an arrow");
}
