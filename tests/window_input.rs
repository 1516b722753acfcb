//! The whole window driven by pointer and key events, as winit would send them: a click on a panel control performs its action and leaves the selection alone, a slider drag does not pan, the wheel over a panel does not zoom, the picture still selects and pans.
#![cfg(feature = "gui")]

mod window;

use bevy::input::keyboard::Key;
use bevy::prelude::*;
use std::path::Path;

use bevy_egui::egui::accesskit;
use loadlab::app::bridge::SimBridge;
use loadlab::app::camera::Hovered;
use loadlab::app::layout::Place;
use loadlab::app::{Selected, UiState};
use loadlab::sim::Command;
use window::Window;

#[test]
fn a_click_on_crash_crashes_and_recover_recovers_keeping_the_selection() {
    let mut w = Window::open(&[], Some("api"));
    let api = w.node("api");
    assert_eq!(w.selected(), Some(Selected::Node(api)));
    let crash = w.widget("Crash");
    w.click(crash);
    assert_eq!(
        w.last_change(),
        Some(Command::Crash {
            node: api,
            replica: None
        }),
        "the click reached the Crash button"
    );
    assert_eq!(w.selected(), Some(Selected::Node(api)), "still selected");
    w.frames(3);
    let snap = &w.bridge().sim.snapshot().nodes[api];
    assert!(snap.crashed(), "every replica of api is down: {snap:?}");

    // The inspector now offers Recover (and says the node is down).
    let recover = w.widget("Recover");
    w.click(recover);
    assert_eq!(
        w.last_change(),
        Some(Command::Recover {
            node: api,
            replica: None
        })
    );
    w.frames(3);
    let snap = &w.bridge().sim.snapshot().nodes[api];
    assert!(!snap.crashed(), "api is back: {snap:?}");
    assert_eq!(snap.running(), 3, "three replicas serve again");
    assert!(w.find("Crash").is_some(), "Crash is offered again");
}

#[test]
fn a_crashed_database_instance_gets_its_own_recover_button() {
    let mut w = Window::open(&[], Some("db"));
    let db = w.node("db");
    w.app
        .world_mut()
        .resource_mut::<loadlab::app::ActionQueue>()
        .push(loadlab::app::UiAction::Apply(
            Command::Crash {
                node: db,
                replica: Some(1),
            },
            "db instance 1 crashed".into(),
        ));
    w.frames(4);
    let snap = w.bridge().sim.snapshot().nodes[db].clone();
    assert!(!snap.crashed(), "one instance down is not the node down");
    assert_eq!(snap.replicas_down(), vec![1]);
    let recover = w.widget("Recover");
    w.click(recover);
    assert_eq!(
        w.last_change(),
        Some(Command::Recover {
            node: db,
            replica: Some(1)
        })
    );
    w.frames(3);
    assert!(
        w.bridge().sim.snapshot().nodes[db]
            .replicas_down()
            .is_empty()
    );
    assert_eq!(w.selected(), Some(Selected::Node(db)));
}

#[test]
fn flush_partition_heal_and_the_hang_box_answer_a_click() {
    let mut w = Window::open(&[], Some("cache"));
    let cache = w.node("cache");
    let flush = w.widget("Flush");
    w.click(flush);
    assert_eq!(w.last_change(), Some(Command::FlushCache { node: cache }));
    assert_eq!(w.selected(), Some(Selected::Node(cache)));

    let hang = w.widget("hang");
    w.click(hang);
    assert!(
        w.app.world().resource::<UiState>().partition_hang,
        "hang ticked"
    );
    assert_eq!(w.selected(), Some(Selected::Node(cache)));

    let partition = w.widget("Partition");
    w.click(partition);
    match w.last_change() {
        Some(Command::Partition { from, hang, .. }) => {
            assert_eq!(from, cache);
            assert!(hang, "the ticked box is used");
        }
        other => panic!("expected a partition, got {other:?}"),
    }
    w.frames(2);
    assert_eq!(w.bridge().sim.snapshot().partitions.len(), 1);
    let heal = w.widget("Heal");
    w.click(heal);
    assert!(matches!(w.last_change(), Some(Command::Heal { .. })));
    w.frames(2);
    assert!(w.bridge().sim.snapshot().partitions.is_empty());
    assert_eq!(w.selected(), Some(Selected::Node(cache)));
}

#[test]
fn a_slider_drag_tunes_without_panning_and_the_wheel_over_a_panel_does_not_zoom() {
    let mut w = Window::open(&[], Some("api"));
    let api = w.node("api");
    let before = w.camera();
    let slider = w
        .find_role(accesskit::Role::Slider, "Replicas")
        .expect("the Replicas slider");
    w.drag(slider, slider + Vec2::new(-60.0, 0.0));
    assert_eq!(w.camera(), before, "the picture did not move");
    assert!(
        matches!(w.last_change(), Some(Command::SetReplicas { node, .. }) if node == api),
        "the drag tuned replicas: {:?}",
        w.last_change()
    );
    assert_eq!(w.selected(), Some(Selected::Node(api)));
    let recorded = w
        .bridge()
        .changes
        .iter()
        .filter(|(_, c)| matches!(c, Command::SetReplicas { .. }))
        .count();
    assert_eq!(
        recorded, 1,
        "a drag applies and records the value it settles on, not each value it passes"
    );

    // The wheel over the inspector and over the run panel: no zoom.
    w.wheel(Vec2::new(1200.0, 300.0), 3.0);
    w.wheel(Vec2::new(100.0, 300.0), 3.0);
    assert_eq!(w.camera().1, before.1, "no zoom over the panels");
    // Over the picture it zooms.
    w.wheel(Vec2::new(640.0, 300.0), 3.0);
    assert!(
        w.camera().1 < before.1,
        "the wheel over the picture zooms in"
    );
}

#[test]
fn a_number_box_takes_a_typed_value() {
    let mut w = Window::open(&[], Some("api"));
    let api = w.node("api");
    // The Replicas slider's number box shows 3: click it, type 12, Enter.
    let roles = w.roles();
    let boxes: Vec<_> = roles
        .iter()
        .filter(|(r, _)| *r == accesskit::Role::SpinButton)
        .collect();
    assert!(
        !boxes.is_empty(),
        "the sliders have number boxes: {roles:?}"
    );
    let value_box = w.widget("3");
    w.click(value_box);
    w.key(KeyCode::KeyA, Key::Character("a".into()), None); // no-op key
    for _ in 0..3 {
        w.key(KeyCode::Backspace, Key::Backspace, None);
    }
    w.type_text("12");
    w.key(KeyCode::Enter, Key::Enter, None);
    w.frames(3);
    assert_eq!(
        w.last_change(),
        Some(Command::SetReplicas {
            node: api,
            replicas: 12
        }),
        "the typed value was applied"
    );
    // Once, on Enter: not 1 and then 12 as the keys came.
    let changes: Vec<_> = w.bridge().changes.iter().map(|(_, c)| c.clone()).collect();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(w.selected(), Some(Selected::Node(api)));
}

#[test]
fn the_picture_still_selects_on_a_click_and_pans_on_a_drag() {
    let mut w = Window::open(&[], None);
    assert_eq!(w.selected(), None);
    let db = w.node("db");
    let at = w.on_screen("db");
    w.click(at);
    assert_eq!(
        w.selected(),
        Some(Selected::Node(db)),
        "a click on db selects it"
    );

    let before = w.camera();
    // An empty spot below the nodes, inside the world view.
    let from = Vec2::new(640.0, 560.0);
    w.drag(from, from + Vec2::new(80.0, -40.0));
    let after = w.camera();
    assert!(
        (after.0.x - before.0.x).abs() > 10.0,
        "the drag panned: {before:?} -> {after:?}"
    );
    assert_eq!(
        w.selected(),
        Some(Selected::Node(db)),
        "a drag does not select"
    );
}

#[test]
fn space_pauses_and_resumes_from_the_keyboard() {
    let mut w = Window::open(&[], None);
    assert!(!w.bridge().pacing.paused);
    w.move_to(Vec2::new(640.0, 300.0));
    w.key(KeyCode::Space, Key::Space, Some(" "));
    w.frames(2);
    assert!(w.bridge().pacing.paused, "Space paused");
    w.key(KeyCode::Space, Key::Space, Some(" "));
    w.frames(2);
    assert!(!w.bridge().pacing.paused, "Space resumed");
}

#[test]
fn the_seed_box_follows_the_scenario_opened() {
    let mut w = Window::open(&[], None);
    assert_eq!(w.app.world().resource::<UiState>().seed_text, "42");
    let lesson = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lessons/retry-storm.toml");
    w.app
        .world_mut()
        .resource_mut::<loadlab::app::ActionQueue>()
        .push(loadlab::app::UiAction::Open(lesson));
    w.frames(4);
    assert_eq!(w.bridge().sim.seed(), 7, "the lesson runs on its own seed");
    assert_eq!(
        w.app.world().resource::<UiState>().seed_text,
        "7",
        "the seed box shows the lesson's seed, not the last file's"
    );
    assert!(
        w.find("Restart with seed").is_none(),
        "no offer to restart the lesson on another seed"
    );
}

#[test]
fn a_retry_budget_ticked_in_the_inspector_restarts_the_run_with_it() {
    let mut w = Window::open_file("scenarios/lessons/retry-storm.toml", &[], Some("api"));
    let api = w.node("api");
    w.frames(30);
    let before = w.bridge().sim.now();
    assert!(before > loadlab::sim::SimTime::ZERO);
    let budget = w
        .find_role(accesskit::Role::CheckBox, "Retry budget")
        .expect("the call's retry budget box");
    w.click(budget);
    let retry = match &w.bridge().base.nodes[api].kind {
        loadlab::sim::model::NodeKind::Service(s) => s.calls[0].policy.retry,
        _ => unreachable!("api is a service"),
    };
    let retry = retry.expect("the call still retries");
    assert_eq!(
        retry.budget,
        Some(0.1),
        "a 10 % budget, as the lesson's cure"
    );
    assert_eq!(retry.max_attempts, 4, "the tries are kept");
    assert!(
        w.bridge().sim.now() < before,
        "the run restarted from 0 s: {:?} vs {before:?}",
        w.bridge().sim.now()
    );
    let notice = w
        .notice()
        .expect("the inspector says why the run restarted");
    assert!(notice.contains("restarted from 0 s"), "{notice}");
    assert_eq!(w.selected(), Some(Selected::Node(api)));
}

#[test]
fn hovering_a_node_names_it_and_a_panel_does_not() {
    let mut w = Window::open(&[], None);
    let db = w.node("db");
    let at = w.on_screen("db");
    w.move_to(at);
    w.frames(2);
    assert_eq!(
        w.app.world().resource::<Hovered>().0,
        Some(Place::Node(db)),
        "the card is for db"
    );
    assert!(
        w.texts().iter().any(|t| t.starts_with("db · database")),
        "a hover card names db: {:?}",
        w.texts()
    );
    w.move_to(Vec2::new(1200.0, 300.0));
    w.frames(2);
    assert_eq!(
        w.app.world().resource::<Hovered>().0,
        None,
        "over the inspector"
    );
}

#[test]
fn a_latency_objective_never_passes_a_second_where_most_requests_failed() {
    // One API replica with no waiting line: more than half the requests
    // are rejected at once; those that complete are fast (their p99 alone
    // would pass), and the p99 objective must still fail.
    let mut w = Window::open(&["api.replicas=1", "api.queue=0"], None);
    w.app.world_mut().resource_mut::<SimBridge>().pacing.speed = 25.0;
    w.frames(15);
    let view = w.app.world().resource::<loadlab::app::View>();
    let p99 = view
        .objectives
        .iter()
        .find(|o| o.run.metric == loadlab::sim::model::ObjectiveMetric::P99)
        .expect("the p99 objective");
    assert!(
        view.now > loadlab::sim::SimTime::from_secs_f64(5.0),
        "{:?}",
        view.now
    );
    assert!(
        p99.failed_now > p99.completed_now,
        "most requests failed in the last second: {} of {}",
        p99.failed_now,
        p99.failed_now + p99.completed_now
    );
    let fast = p99.now.as_ref().and_then(|r| r.value).expect("a p99 now");
    assert!(fast < 100.0, "the completed requests alone pass: {fast} ms");
    assert!(p99.mostly_failed());
    assert_eq!(p99.passing(), Some(false), "shown as failing");
    let coverage = p99.coverage().expect("says what the figure covers");
    assert!(
        coverage.contains(&format!("{} failed ones are not in it", p99.failed_now)),
        "{coverage}"
    );
    // The objective's text and its label are on screen.
    let texts = w.texts();
    assert!(
        texts.iter().any(|t| t == "now: most requests failed"),
        "{texts:?}"
    );
}

#[test]
fn fit_and_export_reach_their_targets_through_the_one_router() {
    let mut w = Window::open(&[], None);
    w.frames(5);
    let export = w.widget("Export results");
    w.click(export);
    w.frames(3);
    let status = w
        .app
        .world()
        .resource::<loadlab::app::View>()
        .export_status
        .clone()
        .unwrap_or_default();
    let dir = status
        .strip_prefix("Exported to ")
        .and_then(|s| s.split("/:").next())
        .map(|d| Path::new(env!("CARGO_MANIFEST_DIR")).join(d));
    let dir = dir.unwrap_or_else(|| panic!("Export said where it wrote: {status:?}"));
    for f in [
        "summary.json",
        "timeseries.csv",
        "nodes.csv",
        "design.toml",
        "report.html",
    ] {
        assert!(dir.join(f).is_file(), "{f} written in {}", dir.display());
    }
    std::fs::remove_dir_all(&dir).ok();

    let fitted = w.camera();
    let from = Vec2::new(640.0, 560.0);
    w.drag(from, from + Vec2::new(120.0, -60.0));
    w.frames(5);
    let panned = w.camera();
    assert!(
        (panned.0.x - fitted.0.x).abs() > 10.0,
        "the drag panned: {fitted:?} -> {panned:?}"
    );
    let fit = w.widget("Fit");
    w.click(fit);
    w.frames(10);
    let refitted = w.camera();
    assert!(
        (refitted.0.x - fitted.0.x).abs() < 1.0 && (refitted.1 - fitted.1).abs() < 1e-3,
        "Fit put the camera back on the whole system: {fitted:?}, panned {panned:?}, now {refitted:?}"
    );
    assert_eq!(w.selected(), None, "neither click selected a node");
}

#[test]
fn the_end_of_the_run_leaves_every_control_where_it_was() {
    // The verdict at the run's end used to push the panel's controls down
    // by its height, under a pointer already on its way to a button.
    let mut w = Window::open(&["scenario.duration=2s", "scenario.warmup=0s"], None);
    w.frames(3);
    // (Heights: Pause turns into Play, a narrower button, at the end; the
    // objectives below change with every second.)
    let labels = ["Restart", "Step", "Edit design", "New blank design"];
    let before: Vec<f32> = labels.iter().map(|l| w.widget(l).y).collect();
    w.app.world_mut().resource_mut::<SimBridge>().pacing.speed = 25.0;
    for _ in 0..200 {
        w.frames(1);
        if w.bridge().pacing.ended {
            break;
        }
    }
    w.frames(2);
    assert!(w.bridge().pacing.ended, "the run reached its end");
    let texts = w.texts();
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("The run reached its 2 s")),
        "the verdict is shown: {texts:?}"
    );
    let after: Vec<f32> = labels.iter().map(|l| w.widget(l).y).collect();
    assert_eq!(before, after, "{labels:?} stayed put");
    // Play goes on past the end: the card goes (its figures would move
    // under "reached its 2 s").
    let play = w.widget("Play");
    w.click(play);
    w.frames(3);
    assert!(
        !w.texts()
            .iter()
            .any(|t| t.starts_with("The run reached its")),
        "the card is gone once the run plays on"
    );
    // A click on Restart still restarts (at 1×, not to run to the end
    // again within the frames that follow).
    w.app.world_mut().resource_mut::<SimBridge>().pacing.speed = 1.0;
    let generation = w.bridge().generation;
    let restart = w.widget("Restart");
    w.click(restart);
    w.frames(3);
    assert!(w.bridge().generation > generation, "restarted");
    assert!(!w.bridge().pacing.ended, "{:?}", w.bridge().sim.now());
}
