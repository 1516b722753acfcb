//! The tuned scenario replays the window's run: the file as loaded plus each live change at the instant it was made gives the same summary with the same seed.
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};
use std::time::Duration;

use loadlab::app::bridge::SimBridge;
use loadlab::app::capture::{save_scenario, tuned_design_text, tuned_scenario_text};
use loadlab::app::tuned::tuned_model;
use loadlab::app::view::{UiAction, View};
use loadlab::scenario;
use loadlab::sim::model::ScheduledEvent;
use loadlab::sim::{Command, Model, SimTime, Simulation};

fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/url-shortener.toml")
}

fn node(model: &Model, id: &str) -> usize {
    model
        .nodes
        .iter()
        .position(|n| n.id == id)
        .expect("node exists")
}

#[test]
fn tuned_model_replays_a_live_change() {
    let model = scenario::load_file(&file(), &[]).expect("scenario loads");
    let seed = model.seed;
    let api = node(&model, "api");
    let cmd = Command::SetReplicas {
        node: api,
        replicas: 1,
    };

    let mut live = Simulation::new(model.clone(), seed);
    live.run_until(SimTime::from_secs_f64(5.0));
    let at = live.now();
    live.apply(cmd.clone()).expect("change applies");
    live.run_until(SimTime::from_secs_f64(10.0));

    let tuned = tuned_model(&model, &[(at, cmd)]);
    let mut replay = Simulation::new(tuned.clone(), seed);
    replay.run_until(SimTime::from_secs_f64(10.0));
    assert_eq!(live.summary(), replay.summary());

    // Through the TOML writer and back, as `loadlab run` would read it.
    let text = scenario::to_toml(&tuned);
    let read = scenario::load_str(&text, "scenario.toml", &[]).expect("tuned scenario loads");
    let mut from_file = Simulation::new(read, seed);
    from_file.run_until(SimTime::from_secs_f64(10.0));
    assert_eq!(live.summary(), from_file.summary());
}

#[test]
fn live_changes_merge_with_the_model_events_in_time_order() {
    let mut model = scenario::load_file(&file(), &[]).expect("scenario loads");
    let db = node(&model, "db");
    let api = node(&model, "api");
    let crash = Command::Crash {
        node: db,
        replica: None,
    };
    let recover = Command::Recover {
        node: db,
        replica: None,
    };
    model.events = vec![
        ScheduledEvent {
            at: SimTime::from_secs_f64(2.0),
            command: crash.clone(),
        },
        ScheduledEvent {
            at: SimTime::from_secs_f64(6.0),
            command: recover.clone(),
        },
    ];
    let slow = Command::SlowDown {
        node: api,
        factor: 3.0,
    };
    let more = Command::SetReplicas {
        node: api,
        replicas: 4,
    };
    let tuned = tuned_model(
        &model,
        &[
            (SimTime::from_secs_f64(6.0), slow.clone()),
            (SimTime::from_secs_f64(1.0), more.clone()),
        ],
    );
    let got: Vec<(f64, Command)> = tuned
        .events
        .iter()
        .map(|e| (e.at.as_secs_f64(), e.command.clone()))
        .collect();
    assert_eq!(
        got,
        vec![(1.0, more), (2.0, crash), (6.0, recover), (6.0, slow)]
    );
    // The original is untouched.
    assert_eq!(model.events.len(), 2);
}

/// The bridge's own path: changes made through the panels' actions, saved
/// as scenario.toml, replayed by a fresh simulation.
#[test]
fn saved_scenario_replays_the_bridge_run() {
    let mut bridge = SimBridge::open(&file(), &[], Some(7)).expect("scenario loads");
    let mut view = View::new(&mut bridge.sim, Some(file()));
    let api = node(&bridge.base, "api");
    let run_to = |bridge: &mut SimBridge, secs: f64| {
        while !bridge
            .advance(SimTime::from_secs_f64(secs), Duration::from_secs(60))
            .reached
        {}
    };
    run_to(&mut bridge, 3.0);
    bridge.apply_action(
        UiAction::Apply(
            Command::SetReplicas {
                node: api,
                replicas: 1,
            },
            "api ×1".into(),
        ),
        &mut view,
    );
    run_to(&mut bridge, 6.0);
    bridge.apply_action(
        UiAction::Apply(
            Command::SlowDown {
                node: api,
                factor: 2.0,
            },
            "api slowed".into(),
        ),
        &mut view,
    );
    run_to(&mut bridge, 10.0);
    assert_eq!(bridge.changes.len(), 2);

    let dir = std::env::temp_dir().join(format!("loadlab-window-export-{}", std::process::id()));
    let path = save_scenario(&bridge, &dir).expect("saved");
    let text = std::fs::read_to_string(&path).expect("readable");
    assert_eq!(text, tuned_scenario_text(&bridge).expect("text"));
    let model = scenario::load_str(&text, "scenario.toml", &[]).expect("loads");
    assert_eq!(model.seed, 7, "the run's seed is written");
    let mut replay = Simulation::new(model.clone(), model.seed);
    replay.run_until(SimTime::from_secs_f64(10.0));
    assert_eq!(bridge.sim.summary(), replay.summary());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every chaos button's command survives the TOML round trip and replays.
#[test]
fn chaos_changes_replay_from_the_saved_scenario() {
    let model = scenario::load_file(&file(), &[]).expect("scenario loads");
    let seed = model.seed;
    let (api, cache, db) = (
        node(&model, "api"),
        node(&model, "cache"),
        node(&model, "db"),
    );
    let steps = [
        (2.0, Command::FlushCache { node: cache }),
        (
            3.0,
            Command::Partition {
                from: api,
                to: db,
                hang: true,
            },
        ),
        (
            4.0,
            Command::SetRateFactor {
                workload: 0,
                factor: 2.5,
            },
        ),
        (5.0, Command::Heal { from: api, to: db }),
        (
            6.0,
            Command::Crash {
                node: db,
                replica: None,
            },
        ),
        (
            7.0,
            Command::Recover {
                node: db,
                replica: None,
            },
        ),
        (
            8.0,
            Command::SlowDown {
                node: api,
                factor: 4.0,
            },
        ),
    ];
    let mut live = Simulation::new(model.clone(), seed);
    let mut changes = Vec::new();
    for (t, cmd) in steps {
        live.run_until(SimTime::from_secs_f64(t));
        live.apply(cmd.clone()).expect("change applies");
        changes.push((live.now(), cmd));
    }
    live.run_until(SimTime::from_secs_f64(10.0));
    let text = scenario::to_toml(&tuned_model(&model, &changes));
    let read = scenario::load_str(&text, "scenario.toml", &[])
        .unwrap_or_else(|d| panic!("{}\n{text}", scenario::render(&d)));
    assert_eq!(read.events.len(), changes.len());
    let mut replay = Simulation::new(read, seed);
    replay.run_until(SimTime::from_secs_f64(10.0));
    assert_eq!(live.summary(), replay.summary());
}

/// After Restart the changes count from time zero (as Restart replays
/// them), so the saved scenario still replays the run on screen.
#[test]
fn saved_scenario_after_restart_replays_the_restarted_run() {
    let mut bridge = SimBridge::open(&file(), &[], None).expect("scenario loads");
    let mut view = View::new(&mut bridge.sim, Some(file()));
    let api = node(&bridge.base, "api");
    let run_to = |bridge: &mut SimBridge, secs: f64| {
        while !bridge
            .advance(SimTime::from_secs_f64(secs), Duration::from_secs(60))
            .reached
        {}
    };
    run_to(&mut bridge, 4.0);
    let one = Command::SetReplicas {
        node: api,
        replicas: 2,
    };
    bridge.apply_action(UiAction::Apply(one.clone(), "api ×2".into()), &mut view);
    run_to(&mut bridge, 6.0);
    bridge.apply_action(UiAction::Restart, &mut view);
    assert_eq!(bridge.changes, vec![(SimTime::ZERO, one)]);
    run_to(&mut bridge, 2.0);
    bridge.apply_action(
        UiAction::Apply(
            Command::SlowDown {
                node: api,
                factor: 2.0,
            },
            "api slowed".into(),
        ),
        &mut view,
    );
    run_to(&mut bridge, 8.0);
    let text = tuned_scenario_text(&bridge).expect("text");
    let model = scenario::load_str(&text, "scenario.toml", &[]).expect("loads");
    let mut replay = Simulation::new(model.clone(), model.seed);
    replay.run_until(SimTime::from_secs_f64(8.0));
    assert_eq!(bridge.sim.summary(), replay.summary());
}

/// "Save design as tuned": the settings as they stand, no history of moves
/// nor live faults. Running the file is running the tuned design from time
/// zero: the same summary as Restart (which applies the changes at zero)
/// once the crash, a live fault, is taken out.
#[test]
fn the_design_as_tuned_runs_like_a_restart_with_the_settings() {
    let mut bridge = SimBridge::open(&file(), &[], Some(9)).expect("scenario loads");
    let mut view = View::new(&mut bridge.sim, Some(file()));
    let (api, db) = (node(&bridge.base, "api"), node(&bridge.base, "db"));
    let cache = node(&bridge.base, "cache");
    let run_to = |bridge: &mut SimBridge, secs: f64| {
        while !bridge
            .advance(SimTime::from_secs_f64(secs), Duration::from_secs(60))
            .reached
        {}
    };
    run_to(&mut bridge, 2.0);
    for (cmd, label) in [
        (
            Command::SetReplicas {
                node: api,
                replicas: 5,
            },
            "api ×5",
        ),
        (
            Command::SetCacheCapacity {
                node: cache,
                capacity: 5_000,
            },
            "cache 5000 keys",
        ),
        (
            Command::Crash {
                node: db,
                replica: Some(1),
            },
            "db instance 1 crashed",
        ),
    ] {
        bridge.apply_action(UiAction::Apply(cmd, label.into()), &mut view);
        let next = bridge.sim.now().as_secs_f64() + 1.0;
        run_to(&mut bridge, next);
    }
    let text = tuned_design_text(&bridge).expect("design text");
    let design = scenario::load_str(&text, "design.toml", &[]).expect("the design loads");
    assert_eq!(design.seed, 9);
    assert!(
        design.events.is_empty(),
        "no live moves or faults as events"
    );
    let api_replicas = match &design.nodes[api].kind {
        loadlab::sim::model::NodeKind::Service(s) => s.replicas,
        _ => unreachable!("api is a service"),
    };
    assert_eq!(api_replicas, 5, "the replicas as tuned, not as loaded");

    // A restart keeps the changes from time zero; take the crash out, as
    // the design does.
    bridge
        .changes
        .retain(|(_, c)| !matches!(c, Command::Crash { .. }));
    bridge.apply_action(UiAction::Restart, &mut view);
    run_to(&mut bridge, 10.0);
    let mut from_file = Simulation::new(design.clone(), design.seed);
    from_file.run_until(SimTime::from_secs_f64(10.0));
    assert_eq!(bridge.sim.summary(), from_file.summary());
}

/// Export and Save name their folder after the file, the seed and the
/// simulated second, so a later export never overwrites an earlier one;
/// Save says where it wrote.
#[test]
fn export_and_save_folders_are_named_by_file_seed_and_time() {
    let mut bridge = SimBridge::open(&file(), &[], Some(7)).expect("scenario loads");
    let mut view = View::new(&mut bridge.sim, Some(file()));
    while !bridge
        .advance(SimTime::from_secs_f64(12.4), Duration::from_secs(60))
        .reached
    {}
    let first = loadlab::app::capture::export_dir(&bridge);
    assert_eq!(first, Path::new("results/window-url-shortener-7-t12s"));
    while !bridge
        .advance(SimTime::from_secs_f64(20.0), Duration::from_secs(60))
        .reached
    {}
    let later = loadlab::app::capture::export_dir(&bridge);
    assert_eq!(later, Path::new("results/window-url-shortener-7-t20s"));

    bridge.apply_action(UiAction::SaveDesign, &mut view);
    let saved = view.saved_scenario.clone().expect("saved");
    assert_eq!(saved, later.join("design.toml"));
    let status = view.export_status.clone().unwrap_or_default();
    assert!(
        status.contains(&saved.display().to_string()),
        "the status names the file once: {status}"
    );
    assert_eq!(status.matches("design.toml").count(), 1, "{status}");
    assert!(saved.is_file());
    let _ = std::fs::remove_dir_all(&later);
}

/// Export writes report.html too, reproduced by the scenario.toml beside
/// it: the page names that file, its hash and the command up to now.
#[test]
fn export_writes_a_report_reproduced_by_the_scenario_beside_it() {
    let mut bridge = SimBridge::open(&file(), &[], Some(7)).expect("scenario loads");
    let view = View::new(&mut bridge.sim, Some(file()));
    while !bridge
        .advance(SimTime::from_secs_f64(3.0), Duration::from_secs(60))
        .reached
    {}
    let dir = std::env::temp_dir().join(format!("loadlab-export-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    loadlab::app::capture::write_exports(&mut bridge, &view, &dir).expect("exports");
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    let beside = std::fs::read(dir.join("scenario.toml")).expect("scenario.toml");
    let hash = loadlab::report::html::reproduce::fnv1a(&beside);
    assert!(html.contains(&hash), "the hash of scenario.toml: {hash}");
    assert!(html.contains("loadlab run scenario.toml --duration 3000000000ns --report"));
    for n in &bridge.sim.model().nodes {
        assert!(html.contains(&format!("<td><b>{}</b>", n.id)), "{}", n.id);
    }
    std::fs::remove_dir_all(&dir).ok();
}
