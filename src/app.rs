//! The window (Bevy + bevy_egui, feature `gui`): watch requests flow, tune live, read the charts, export.
//!
//! One plugin per file, parents add children:
//! - [`bridge`] owns the `Simulation` and advances it each frame within a budget;
//! - [`actions`] routes every [`view::UiAction`] the panels and keys ask for, in one place;
//! - [`world`] draws nodes, edges, queues and badges; [`dots`] the sampled requests;
//! - [`camera`] pans, zooms and picks; [`ui`] lays out the egui [`panels`];
//! - [`capture`] takes `--screenshot` pictures and runs `--bench`.
//!
//! The panels are plain functions of `(&mut egui::Ui, &View, &mut UiState)`
//! returning [`view::UiAction`]s, so they are tested without a window.

pub mod actions;
pub mod bridge;
pub mod camera;
pub mod campaign_play;
pub mod capture;
pub mod chords;
pub mod design_edit;
pub mod dots;
pub mod edit_gestures;
pub mod editor;
pub mod editor_live;
pub mod egui_chords;
pub mod frame;
pub mod ghosts;
pub mod guess;
pub mod help;
pub mod layout;
pub mod panels;
pub mod recording;
pub mod theory;
pub mod tuned;
pub mod ui;
pub mod view;
pub mod waiting;
pub mod world;

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};

pub use actions::ActionQueue;
pub use bridge::{FrameBudget, SimBridge};
pub use frame::FrameSet;
pub use view::{Selected, UiAction, UiState, View};

/// How the window starts (from `loadlab view` or bare `loadlab`).
#[derive(Clone, Debug)]
pub struct ViewOptions {
    /// The scenario file.
    pub file: PathBuf,
    /// `--set node.field=value` overrides applied on load.
    pub overrides: Vec<String>,
    /// Seed (default: the file's).
    pub seed: Option<u64>,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// Save a PNG of the window after this much simulated time, then exit.
    pub screenshot: Option<(PathBuf, f64)>,
    /// Node selected in the inspector at start.
    pub select: Option<String>,
    /// Measure frame times for this many wall seconds, print, exit.
    pub bench: Option<f64>,
    /// With `bench`: an empty Bevy + egui window (the renderer's floor).
    pub bench_empty: bool,
    /// `--gif FILE`: record the picture from `screenshot`'s instant (the
    /// simulated seconds) for so many wall seconds, then exit.
    pub gif: Option<(PathBuf, f64, f64)>,
    /// `--design-png FILE`: save the picture at the simulated seconds, exit.
    pub design_png: Option<(PathBuf, f64)>,
    /// Window size in logical pixels.
    pub size: (u32, u32),
    /// Play the campaign in this folder (from where the learner left off;
    /// `file` is then that level's).
    pub campaign: Option<PathBuf>,
    /// The campaign level to open instead of where the learner left off
    /// (`view` of a level file).
    pub level: Option<String>,
}

impl Default for ViewOptions {
    fn default() -> Self {
        ViewOptions {
            file: PathBuf::from("scenarios/url-shortener.toml"),
            overrides: Vec::new(),
            seed: None,
            speed: 1.0,
            screenshot: None,
            select: None,
            bench: None,
            bench_empty: false,
            size: (1280, 800),
            campaign: None,
            level: None,
            gif: None,
            design_png: None,
        }
    }
}

/// Opens the window and runs until it is closed (or a capture/bench ends).
/// Returns the process exit code.
pub fn run(options: ViewOptions) -> i32 {
    let mut options = options;
    // A level file opens as that level: its briefing, rules and Submit.
    let found = match options.campaign {
        Some(_) => Ok(None),
        None => crate::campaign::Campaign::of_file(&options.file),
    };
    let found = found.unwrap_or_else(|e| {
        eprint!("note: a level, opened as a plain scenario: its campaign does not load:\n{e}");
        None
    });
    if let Some((c, id)) = found
        && let Some(level) = c.level(&id)
    {
        // The level's own path: the window knows a level by it.
        options.file = level.path.clone();
        options.campaign = Some(c.root.clone());
        options.level = Some(id);
    }
    if let Some(dir) = options.campaign.clone()
        && options.level.is_none()
    {
        match campaign_start(&dir) {
            Ok(file) => options.file = file,
            Err(e) => {
                eprintln!("error: cannot open the campaign: {e}");
                return crate::EXIT_INVALID;
            }
        }
    }
    let bridge = match SimBridge::open(&options.file, &options.overrides, options.seed) {
        Ok(b) => b,
        Err(text) => {
            eprint!("{text}");
            return crate::EXIT_INVALID;
        }
    };
    let mut app = App::new();
    let title = format!("LoadLab — {}", bridge.sim.model().name);
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title,
                    resolution: WindowResolution::new(options.size.0, options.size.1),
                    // Frame times are measured honestly in bench mode.
                    present_mode: if options.bench.is_some() {
                        PresentMode::AutoNoVsync
                    } else {
                        PresentMode::AutoVsync
                    },
                    ..default()
                }),
                ..default()
            })
            .set(bevy::log::LogPlugin {
                filter: "warn,wgpu=error,naga=error".into(),
                ..default()
            }),
    );
    app.add_plugins(bevy_egui::EguiPlugin::default());
    if options.bench_empty {
        app.insert_resource(ClearColor(world::BACKGROUND));
        app.insert_resource(capture::CaptureOptions::from(&options));
        app.add_plugins(capture::empty_window_plugin);
        app.add_plugins(capture::plugin);
    } else {
        install(&mut app, bridge, &options);
    }
    match app.run() {
        AppExit::Success => 0,
        AppExit::Error(code) => i32::from(code.get()),
    }
}

/// The file of the level the campaign in `dir` resumes at.
fn campaign_start(dir: &std::path::Path) -> Result<PathBuf, String> {
    let play = campaign_play::CampaignPlay::load(dir, crate::campaign::Progress::default_path())?;
    let id = play.resume_id().ok_or("the campaign has no levels")?;
    let level = play
        .campaign
        .as_ref()
        .and_then(|c| c.level(&id))
        .ok_or("no such level")?;
    Ok(level.path.clone())
}

/// The window's resources and plugins on an `app` that already has Bevy's
/// plugins (with a window) and egui's: what [`run`] opens, and what the
/// whole-window tests drive with synthetic pointer and key events.
pub fn install(app: &mut App, bridge: SimBridge, options: &ViewOptions) {
    app.insert_resource(ClearColor(world::BACKGROUND));
    app.insert_resource(capture::CaptureOptions::from(options));
    let mut bridge = bridge;
    bridge.pacing.speed = options.speed.clamp(bridge::MIN_SPEED, bridge::MAX_SPEED);
    if let Some(dir) = &options.campaign {
        match campaign_play::CampaignPlay::load(dir, crate::campaign::Progress::default_path()) {
            Ok(mut play) => {
                play.current = options.level.clone().or_else(|| play.resume_id());
                play.screen = campaign_play::Screen::Briefing;
                // The run waits behind the briefing until Start (a capture
                // asked on the command line wants the run going).
                if !capturing(options) {
                    bridge.set_paused(true);
                    play.paused_for_briefing = true;
                }
                app.insert_resource(play);
            }
            Err(e) => eprintln!("warning: no campaign: {e}"),
        }
    }
    app.insert_resource(bridge);
    app.insert_resource(UiState {
        select_on_start: options.select.clone(),
        ..UiState::default()
    });
    app.add_plugins(plugin);
    app.add_plugins(capture::plugin);
    app.add_plugins(recording::plugin);
    frame::one_thread_per_schedule(app);
}

/// Whether the window was opened to take a picture or measure frames.
fn capturing(o: &ViewOptions) -> bool {
    o.screenshot.is_some() || o.gif.is_some() || o.design_png.is_some() || o.bench.is_some()
}

/// Everything of the window except the engine's `SimBridge` resource,
/// which the caller inserts.
pub fn plugin(app: &mut App) {
    app.add_plugins((
        actions::plugin,
        bridge::plugin,
        campaign_play::plugin,
        chords::plugin,
        egui_chords::plugin,
        world::plugin,
        dots::plugin,
        camera::plugin,
        edit_gestures::plugin,
        ghosts::plugin,
        ui::plugin,
    ));
}
