//! Pictures and numbers out of the window: `--screenshot` after some simulated time, `--bench` frame times, and the Export button's files.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::app::ViewOptions;
use crate::app::bridge::SimBridge;
use crate::app::camera::PanelInsets;
use crate::app::dots::Dots;
use crate::app::recording;
use crate::app::tuned::tuned_model;
use crate::app::view::View;
use crate::report::atomic::write_atomic;
use crate::report::html::Reproduce;
use crate::report::results::{self, Results};
use crate::report::{RunInfo, objectives};
use crate::scenario;
use crate::sim::SimTime;

/// What `loadlab view` was asked to capture.
#[derive(Resource, Clone, Debug, Default)]
pub struct CaptureOptions {
    /// Save this PNG once the simulation reaches this instant, then exit.
    pub screenshot: Option<(PathBuf, SimTime)>,
    /// Measure frames for this many wall seconds, print, exit.
    pub bench: Option<f64>,
    pub bench_empty: bool,
    /// Record a GIF of the picture from this instant for so many wall
    /// seconds, save it, exit.
    pub gif: Option<(PathBuf, SimTime, f64)>,
    /// Save the picture of the design as a PNG at this instant, exit.
    pub design_png: Option<(PathBuf, SimTime)>,
}

impl From<&ViewOptions> for CaptureOptions {
    fn from(o: &ViewOptions) -> Self {
        CaptureOptions {
            screenshot: o
                .screenshot
                .clone()
                .map(|(p, s)| (p, SimTime::from_secs_f64(s.max(0.0)))),
            bench: o.bench,
            bench_empty: o.bench_empty,
            gif: o
                .gif
                .clone()
                .map(|(p, s, secs)| (p, SimTime::from_secs_f64(s.max(0.0)), secs)),
            design_png: o
                .design_png
                .clone()
                .map(|(p, s)| (p, SimTime::from_secs_f64(s.max(0.0)))),
        }
    }
}

/// Set by the Export button.
#[derive(Resource, Default)]
pub struct ExportRequest {
    pub requested: bool,
    /// Record a GIF of the picture into a new results folder.
    pub gif: bool,
}

#[derive(Default)]
struct ShotState {
    reached_at_frame: Option<u64>,
    taken: bool,
    started: Option<Instant>,
}

/// Frame times for `--bench`.
#[derive(Resource, Default)]
struct Bench {
    started: Option<Instant>,
    measuring_since: Option<Instant>,
    frames: Vec<f64>,
    events_at_start: u64,
    sim_at_start: SimTime,
    dots: u64,
    behind_at_start: u64,
    frames_at_start: u64,
}

pub fn plugin(app: &mut App) {
    app.init_resource::<ExportRequest>();
    app.init_resource::<Bench>();
    app.add_systems(Last, (screenshot_when_due, bench, export));
}

/// Takes the `--screenshot` once the simulated clock has reached `--after`
/// (a few frames later, so panels have laid out), saves it, exits.
#[allow(clippy::disallowed_methods)] // wall clock: the give-up timeout only
fn screenshot_when_due(
    mut commands: Commands,
    opts: Res<CaptureOptions>,
    bridge: Option<Res<SimBridge>>,
    mut st: Local<ShotState>,
    mut frame: Local<u64>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some((path, after)) = &opts.screenshot else {
        return;
    };
    *frame += 1;
    let started = *st.started.get_or_insert_with(Instant::now);
    if st.taken {
        if started.elapsed().as_secs() > 300 {
            eprintln!("error: the screenshot was never written");
            exit.write(AppExit::from_code(1));
        }
        return;
    }
    let due = bridge.as_ref().is_none_or(|b| b.sim.now() >= *after);
    if !due {
        if started.elapsed().as_secs() > 240 {
            eprintln!("error: the simulation did not reach {after:?} in 4 minutes");
            exit.write(AppExit::from_code(1));
        }
        return;
    }
    let reached = *st.reached_at_frame.get_or_insert(*frame);
    if *frame < reached + 3 {
        return;
    }
    st.taken = true;
    let path = path.clone();
    let mut save = save_to_disk(path.clone());
    commands.spawn(Screenshot::primary_window()).observe(
        move |ev: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
            save(ev);
            if path.is_file() {
                println!("screenshot saved to {}", path.display());
                exit.write(AppExit::Success);
            } else {
                eprintln!("error: cannot write {}", path.display());
                exit.write(AppExit::from_code(1));
            }
        },
    );
}

#[allow(clippy::disallowed_methods)] // wall clock: `--bench` measures frame times
fn bench(
    opts: Res<CaptureOptions>,
    mut b: ResMut<Bench>,
    real: Res<Time<Real>>,
    bridge: Option<Res<SimBridge>>,
    dots: Option<Res<Dots>>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(secs) = opts.bench else {
        return;
    };
    let now = Instant::now();
    let started = *b.started.get_or_insert(now);
    // One wall second of warm-up (shaders, first layout).
    if b.measuring_since.is_none() {
        if now.duration_since(started).as_secs_f64() < 1.0 {
            return;
        }
        b.measuring_since = Some(now);
        if let Some(br) = &bridge {
            b.events_at_start = br.sim.events_processed();
            b.sim_at_start = br.sim.now();
            b.behind_at_start = br.stats.totals.frames_behind;
            b.frames_at_start = br.stats.totals.frames;
        }
        return;
    }
    b.frames.push(real.delta_secs_f64() * 1000.0);
    b.dots += dots.as_ref().map_or(0, |d| d.count() as u64);
    let measured = now
        .duration_since(b.measuring_since.unwrap_or(now))
        .as_secs_f64();
    if measured < secs {
        return;
    }
    let mut f = b.frames.clone();
    f.sort_by(f64::total_cmp);
    let q = |p: f64| f[((f.len() - 1) as f64 * p).round() as usize];
    let n = f.len();
    println!(
        "window bench: {}",
        if opts.bench_empty {
            "empty Bevy + egui window"
        } else {
            "LoadLab window"
        }
    );
    println!(
        "  frames: {n} in {measured:.1} s ({:.1} fps)",
        n as f64 / measured
    );
    println!(
        "  frame time: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        q(0.5),
        q(0.95),
        q(1.0)
    );
    if let Some(br) = &bridge {
        let events = br.sim.events_processed() - b.events_at_start;
        let sim = br.sim.now().saturating_sub(b.sim_at_start).as_secs_f64();
        let frames = (br.stats.totals.frames - b.frames_at_start).max(1);
        println!(
            "  simulated: {:.0} events/s, {:.1} simulated s per wall s (target {}×), {:.0}% of frames behind",
            events as f64 / measured,
            sim / measured,
            br.pacing.speed,
            100.0 * (br.stats.totals.frames_behind - b.behind_at_start) as f64 / frames as f64
        );
        let offered: f64 = (0..br.sim.model().workloads.len())
            .map(|w| br.sim.offered_rate(w))
            .sum();
        println!(
            "  offered load {offered:.0} req/s; dots on screen: {:.0} on average (1 request in {} traced)",
            b.dots as f64 / n.max(1) as f64,
            br.traces.one_in
        );
    }
    exit.write(AppExit::Success);
}

/// The Export button: summary.json, timeseries.csv (the window's bounded
/// history), nodes.csv, changes.txt and a screenshot, in a new folder.
fn export(
    mut commands: Commands,
    mut req: ResMut<ExportRequest>,
    bridge: Option<ResMut<SimBridge>>,
    view: Option<ResMut<View>>,
    window: Query<&Window, With<bevy::window::PrimaryWindow>>,
    insets: Option<Res<PanelInsets>>,
) {
    if !req.requested {
        return;
    }
    req.requested = false;
    let (Some(mut bridge), Some(mut view)) = (bridge, view) else {
        return;
    };
    let dir = export_dir(&bridge);
    match write_exports(&mut bridge, &view, &dir) {
        Ok(()) => {
            commands
                .spawn(Screenshot::primary_window())
                .observe(save_to_disk(dir.join("screenshot.png")));
            if let Ok(w) = window.single() {
                let crop = recording::picture_crop(w, &insets.map(|i| *i).unwrap_or_default());
                let path = dir.join("design.png");
                commands.spawn(Screenshot::primary_window()).observe(
                    move |ev: On<ScreenshotCaptured>| {
                        if let Err(e) = recording::write_design_png(&ev.image, crop, &path) {
                            eprintln!("warning: {e}");
                        }
                    },
                );
            }
            view.export_status = Some(format!(
                "Exported to {}/: summary.json, timeseries.csv, nodes.csv, changes.txt, \
                 scenario.toml (replays your moves), design.toml (the design as tuned), \
                 report.html (one page to share), screenshot.png and design.png (the picture).",
                dir.display()
            ));
        }
        Err(e) => view.export_status = Some(format!("Export failed: {e}")),
    }
}

/// Where exports of the run so far go:
/// `results/window-<scenario>-<seed>-t<seconds>s/`.
pub fn export_dir(bridge: &SimBridge) -> PathBuf {
    results::default_path(bridge.file.as_deref(), |stem| {
        format!(
            "window-{stem}-{}-t{:.0}s",
            bridge.sim.seed(),
            bridge.sim.now().as_secs_f64()
        )
    })
}

/// The tuned scenario as TOML: the model as loaded (with `--set`
/// overrides), the run's seed, and every live change as an `[[event]]` at
/// the simulated instant it was applied. Checked by loading it back.
pub fn tuned_scenario_text(bridge: &SimBridge) -> Result<String, String> {
    let mut model = tuned_model(&bridge.base, &bridge.changes);
    model.seed = bridge.sim.seed();
    let text = scenario::to_toml(&model);
    scenario::load_str(&text, "scenario.toml", &[]).map_err(|d| {
        format!(
            "the tuned scenario does not load back:\n{}",
            scenario::render(&d)
        )
    })?;
    Ok(text)
}

/// The design as tuned, as TOML: the model with every live setting as it
/// stands now (replicas, workers, cache size, ...), the scenario's own
/// scheduled events, the run's seed; live faults (crash, partition,
/// flush) and the history of moves are left out. Running it is running
/// the tuned design from time zero. Checked by loading it back.
pub fn tuned_design_text(bridge: &SimBridge) -> Result<String, String> {
    let mut model = bridge.sim.model().clone();
    model.seed = bridge.sim.seed();
    model.events = bridge.base.events.clone();
    let text = scenario::to_toml(&model);
    scenario::load_str(&text, "design.toml", &[]).map_err(|d| {
        format!(
            "the tuned design does not load back:\n{}",
            scenario::render(&d)
        )
    })?;
    Ok(text)
}

/// Writes `design.toml` (see [`tuned_design_text`]) into `dir`
/// atomically; returns its path.
pub fn save_design(bridge: &SimBridge, dir: &Path) -> Result<PathBuf, String> {
    let text = tuned_design_text(bridge)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("design.toml");
    write_atomic(&path, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Writes `scenario.toml` (see [`tuned_scenario_text`]) into `dir`
/// atomically; returns its path.
pub fn save_scenario(bridge: &SimBridge, dir: &Path) -> Result<PathBuf, String> {
    let text = tuned_scenario_text(bridge)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("scenario.toml");
    write_atomic(&path, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Writes the result files for the run so far into `dir`.
pub fn write_exports(bridge: &mut SimBridge, view: &View, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let info = RunInfo {
        scenario: bridge.sim.model().name.clone(),
        scenario_file: bridge
            .file
            .as_ref()
            .map_or(String::new(), |f| f.display().to_string()),
        seed: bridge.sim.seed(),
        duration: bridge.sim.now(),
        // Live changes are in scenario.toml (and changes.txt).
        overrides: Vec::new(),
    };
    let io = |what: &str, e: std::io::Error| format!("cannot write {what}: {e}");
    let summary = bridge.sim.summary();
    let results = objectives::evaluate(&bridge.sim.model().objectives, &summary);
    // report.html: reproduced by the scenario.toml written beside it, up to now.
    let reproduce = Reproduce {
        file: "scenario.toml".into(),
        text: tuned_scenario_text(bridge)?,
        command: format!(
            "loadlab run scenario.toml --duration {}ns --report",
            bridge.sim.now().0
        ),
    };
    let mut files = Results::create(dir, &info, bridge.sim.model())
        .map_err(|e| e.to_string())?
        .with_report(bridge.sim.model(), reproduce);
    files
        .write_windows(&view.history)
        .map_err(|e| e.to_string())?;
    files
        .finish(&summary, &results)
        .map_err(|e| e.to_string())?;
    let mut changes = format!(
        "# Live changes applied in the window to {} (seed {}), at simulated seconds.\n\
         # Replay: `loadlab run scenario.toml` (the same changes as [[event]]s).\n",
        info.scenario_file, info.seed
    );
    for s in &bridge.overrides {
        changes.push_str(&format!("--set {s}\n"));
    }
    for (at, c) in &bridge.changes {
        let text = crate::report::change_text::describe(bridge.sim.model(), c);
        changes.push_str(&format!("{:.3}s {text}\n", at.as_secs_f64()));
    }
    if view.history_dropped > 0 {
        changes.push_str(&format!(
            "# timeseries.csv holds the last {} windows; {} older ones were not kept.\n",
            view.history.len(),
            view.history_dropped
        ));
    }
    write_atomic(&dir.join("changes.txt"), changes.as_bytes()).map_err(|e| io("changes.txt", e))?;
    save_scenario(bridge, dir)?;
    save_design(bridge, dir)?;
    Ok(())
}

/// An empty Bevy + egui window: one camera and a side panel with a label.
/// `--bench --bench-empty` measures the renderer's floor with it.
pub fn empty_window_plugin(app: &mut App) {
    app.add_systems(Startup, |mut commands: Commands| {
        commands.spawn(Camera2d);
    });
    app.add_systems(
        EguiPrimaryContextPass,
        |mut contexts: EguiContexts| -> Result {
            let ctx = contexts.ctx_mut()?.clone();
            let mut root = egui::Ui::new(
                ctx.clone(),
                "root".into(),
                egui::UiBuilder::new()
                    .layer_id(egui::LayerId::background())
                    .max_rect(ctx.viewport_rect()),
            );
            egui::Panel::left("empty")
                .exact_size(300.0)
                .show(&mut root, |ui| {
                    ui.label("An empty Bevy + egui window.");
                });
            Ok(())
        },
    );
}
