//! The bridge in a headless Bevy app (`MinimalPlugins`): the engine follows virtual time, the frame budget holds at 1000× on a heavy scenario, commands reach the engine.
#![cfg(feature = "gui")]

use std::path::Path;
use std::time::Duration;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use loadlab::app::actions::{self, ActionQueue};
use loadlab::app::bridge::{self, FrameBudget, SimBridge};
use loadlab::app::view::{UiAction, View};
use loadlab::sim::{Command, SimTime};

const FRAME: Duration = Duration::from_millis(50);

fn app(overrides: &[&str], speed: f64, budget: Option<FrameBudget>) -> App {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/url-shortener.toml");
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let mut bridge = SimBridge::open(&file, &overrides, None).expect("scenario loads");
    bridge.pacing.speed = speed;
    if let Some(b) = budget {
        bridge.pacing.budget = b;
    }
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    app.insert_resource(TimeUpdateStrategy::ManualDuration(FRAME));
    app.insert_resource(bridge);
    app.add_plugins((actions::plugin, bridge::plugin));
    app.update();
    app
}

fn virtual_elapsed(app: &App) -> Duration {
    app.world().resource::<Time<Virtual>>().elapsed()
}

fn sim_now(app: &App) -> SimTime {
    app.world().resource::<SimBridge>().sim.now()
}

#[test]
fn the_engine_advances_with_virtual_time() {
    let mut app = app(&[], 1.0, None);
    for _ in 0..20 {
        app.update();
    }
    let v = virtual_elapsed(&app);
    assert!(v >= Duration::from_millis(900), "virtual time ran: {v:?}");
    let now = sim_now(&app);
    let diff = (now.as_secs_f64() - v.as_secs_f64()).abs();
    assert!(
        diff < 1e-6,
        "at 1× the simulation is at virtual time: {now:?} vs {v:?}"
    );
    assert_eq!(
        app.world().resource::<View>().now,
        now,
        "the view is written back"
    );

    // Twice the speed: the next second of virtual time is two simulated seconds.
    app.world_mut()
        .resource_mut::<ActionQueue>()
        .push(UiAction::SetSpeed(2.0));
    app.update(); // applies the speed, advances one frame at 2×
    let (v0, t0) = (virtual_elapsed(&app), sim_now(&app));
    for _ in 0..20 {
        app.update();
    }
    let dv = (virtual_elapsed(&app) - v0).as_secs_f64();
    let dt = sim_now(&app).saturating_sub(t0).as_secs_f64();
    assert!(
        (dt - 2.0 * dv).abs() < 1e-6,
        "2×: {dt} simulated s in {dv} virtual s"
    );

    // Paused: virtual time stops and so does the engine.
    app.world_mut()
        .resource_mut::<ActionQueue>()
        .push(UiAction::SetPaused(true));
    app.update();
    let t = sim_now(&app);
    for _ in 0..10 {
        app.update();
    }
    assert_eq!(sim_now(&app), t, "paused");
    assert!(app.world().resource::<Time<Virtual>>().is_paused());
}

#[test]
fn at_1000x_on_50k_requests_per_second_no_frame_exceeds_its_event_budget() {
    let budget = FrameBudget {
        max_events: 40_000,
        // A wall budget no frame reaches: the event budget is what binds,
        // so the test does not depend on how fast this machine is.
        min_wall: Duration::from_secs(60),
        max_wall: Duration::from_secs(60),
        ..FrameBudget::default()
    };
    let mut app = app(&["workload.0.rate=50000"], 1000.0, Some(budget));
    let mut advanced = Vec::new();
    for _ in 0..8 {
        let before = sim_now(&app);
        app.update();
        let b = app.world().resource::<SimBridge>();
        assert!(
            b.stats.last.events <= budget.max_events,
            "frame ran {} events",
            b.stats.last.events
        );
        assert!(
            b.stats.last.out_of_events && !b.stats.last.reached,
            "{:?}",
            b.stats.last
        );
        advanced.push(b.sim.now().saturating_sub(before));
    }
    let b = app.world().resource::<SimBridge>();
    // 50 ms frames at 1000× ask for 50 simulated seconds each; the budget
    // allows far less, and the debt is dropped rather than carried.
    assert!(advanced.iter().all(|a| *a < SimTime::from_secs(50)));
    assert!(
        b.pacing.target <= b.sim.now(),
        "no debt carried to the next frame"
    );
    assert_eq!(b.stats.totals.max_events_in_frame, budget.max_events);
    assert!(b.stats.behind(), "the bridge says it cannot keep up");
    let view = app.world().resource::<View>();
    assert!(view.clock.behind);
    assert!(
        view.clock.speed_actual < 1000.0,
        "{}",
        view.clock.speed_actual
    );
}

#[test]
fn a_zero_wall_budget_runs_exactly_one_chunk_per_frame() {
    let budget = FrameBudget {
        min_wall: Duration::ZERO,
        max_wall: Duration::ZERO,
        chunk: 1000,
        ..FrameBudget::default()
    };
    let mut app = app(&["workload.0.rate=50000"], 1000.0, Some(budget));
    for _ in 0..5 {
        app.update();
        let b = app.world().resource::<SimBridge>();
        assert_eq!(b.stats.last.chunks, 1, "{:?}", b.stats.last);
        assert_eq!(b.stats.last.events, 1000);
        assert!(b.stats.last.out_of_wall);
    }
}

#[test]
fn a_command_changes_the_engine_state() {
    let mut app = app(&[], 1.0, None);
    for _ in 0..5 {
        app.update();
    }
    let api = app
        .world()
        .resource::<SimBridge>()
        .sim
        .model()
        .node_index("api")
        .unwrap();
    app.world_mut()
        .resource_mut::<ActionQueue>()
        .push(UiAction::Apply(
            Command::SetReplicas {
                node: api,
                replicas: 5,
            },
            "api ×5".into(),
        ));
    app.update();
    let b = app.world().resource::<SimBridge>();
    let active = b.sim.snapshot().nodes[api]
        .replicas
        .iter()
        .filter(|r| r.active)
        .count();
    assert_eq!(active, 5);
    assert_eq!(b.changes.len(), 1);
    let view = app.world().resource::<View>();
    assert_eq!(view.marks.len(), 1);
    assert_eq!(view.snapshot.nodes[api].replicas.len(), 5);

    // Restart keeps the change; Reload drops it.
    app.world_mut()
        .resource_mut::<ActionQueue>()
        .push(UiAction::Restart);
    app.update();
    let b = app.world().resource::<SimBridge>();
    assert!(b.sim.now() < SimTime::from_millis(100));
    assert_eq!(b.sim.snapshot().nodes[api].replicas.len(), 5);
    app.world_mut()
        .resource_mut::<ActionQueue>()
        .push(UiAction::Reload);
    app.update();
    let b = app.world().resource::<SimBridge>();
    assert_eq!(b.sim.snapshot().nodes[api].replicas.len(), 3);

    // A refused command leaves the engine as it was and says why.
    app.world_mut()
        .resource_mut::<ActionQueue>()
        .push(UiAction::Apply(
            Command::SetReplicas {
                node: api,
                replicas: 0,
            },
            "api ×0".into(),
        ));
    app.update();
    assert!(app.world().resource::<View>().error.is_some());
    assert_eq!(
        app.world().resource::<SimBridge>().sim.snapshot().nodes[api]
            .replicas
            .len(),
        3
    );
}

/// A run that reached its end stops there for the verdict; a restart (or
/// a design change, which restarts) plays the new run instead of leaving
/// it paused at 0 s, while a pause the learner chose is kept.
#[test]
fn a_restart_after_the_end_plays_and_a_chosen_pause_is_kept() {
    let mut app = app(&["scenario.duration=2s", "scenario.warmup=0s"], 10.0, None);
    for _ in 0..20 {
        app.update();
    }
    let b = app.world().resource::<SimBridge>();
    assert!(b.pacing.ended && b.pacing.paused, "stopped at the end");
    let restart = |app: &mut App| {
        app.world_mut()
            .resource_mut::<ActionQueue>()
            .push(UiAction::Restart);
        app.update();
        app.update();
    };
    restart(&mut app);
    let b = app.world().resource::<SimBridge>();
    assert!(!b.pacing.paused, "the new run plays");
    assert!(b.sim.now() > SimTime::ZERO);
    app.world_mut()
        .resource_mut::<ActionQueue>()
        .push(UiAction::SetPaused(true));
    restart(&mut app);
    assert!(
        app.world().resource::<SimBridge>().pacing.paused,
        "the learner's pause stays"
    );
}
