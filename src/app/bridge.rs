//! The bridge between Bevy and the engine: owns the `Simulation`, applies panel commands, advances it each frame within a budget, writes the `View` back.

mod edits;
mod ghost;
mod pacing;
mod traces;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bevy::prelude::*;

use crate::app::frame::{self, FrameSet};
use crate::app::view::{Baseline, View, find_scenarios};
use crate::scenario;
use crate::sim::spans::SpanConfig;
use crate::sim::{Command, Model, SimTime, Simulation};

pub use pacing::{BridgeTotals, FrameBudget, FrameStats, FrameStep, Pacing, STEP};
pub use traces::TraceFeed;

pub const MIN_SPEED: f64 = 0.1;
pub const MAX_SPEED: f64 = 1000.0;

/// The window follows one request in 20 hop by hop (drawing nothing, so
/// results do not change) and keeps the 12 slowest for the waterfall; it
/// also follows every request drawn as a dot (`TraceFeed::retune` sets
/// `also_one_in`) and takes the last finished ones each frame, so a click
/// on a dot finds its hops.
pub const WINDOW_SPANS: SpanConfig = SpanConfig {
    one_in: 20,
    keep: 12,
    also_one_in: 0,
    recent: 4000,
};

/// The engine and everything needed to rebuild it.
#[derive(Resource)]
pub struct SimBridge {
    /// The engine.
    pub sim: Simulation,
    /// The file as loaded (with `--set` overrides), for restarts.
    pub base: Model,
    pub file: Option<PathBuf>,
    pub overrides: Vec<String>,
    /// Seed of the next restart.
    pub seed: u64,
    /// Live changes made to this run (instant applied, command), replayed
    /// by Restart (from time zero) and saved in the tuned scenario.
    pub changes: Vec<(SimTime, Command)>,
    /// Bumped when the simulation is rebuilt (restart, open): the world
    /// redraws from scratch.
    pub generation: u64,
    /// Bumped when a node is moved in build mode: the world places it
    /// from `base`'s positions, the run and the camera stay as they are.
    pub moved: u64,
    /// Speed, pause, the frame budget and where the engine is headed.
    pub pacing: Pacing,
    /// What past frames did.
    pub stats: FrameStats,
    /// Sampled requests for the dots.
    pub traces: TraceFeed,
    /// The design kept as a baseline, run beside the live one.
    pub ghost: Option<ghost::Ghost>,
}

impl SimBridge {
    /// Freezes the design as tuned now as the baseline (or drops it).
    pub(crate) fn keep_baseline(&mut self, keep: bool, view: &mut View) {
        view.baseline = None;
        self.ghost = keep.then(|| {
            let label = format!(
                "baseline: the design at {:.0} s",
                self.sim.now().as_secs_f64()
            );
            view.baseline = Some(Baseline::new(&label));
            ghost::Ghost::new(self.sim.model().clone(), self.sim.seed(), label)
        });
    }

    /// Moves the baseline's run to the live run's time.
    fn follow_baseline(&mut self, view: &mut View) {
        let (Some(g), Some(b)) = (self.ghost.as_mut(), view.baseline.as_mut()) else {
            return;
        };
        let (restarted, windows) = g.follow(self.sim.now());
        if restarted {
            b.windows.clear();
        }
        b.push(windows);
    }

    /// Loads `file` with `overrides` and builds the simulation.
    pub fn open(file: &Path, overrides: &[String], seed: Option<u64>) -> Result<SimBridge, String> {
        let model = scenario::load_file(file, overrides).map_err(|d| scenario::render(&d))?;
        let mut b = SimBridge::new(model, seed);
        b.file = Some(file.to_path_buf());
        b.overrides = overrides.to_vec();
        Ok(b)
    }

    /// A bridge over `model` (no file).
    pub fn new(model: Model, seed: Option<u64>) -> SimBridge {
        let seed = seed.unwrap_or(model.seed);
        let mut sim = Simulation::new(model.clone(), seed);
        sim.set_spans(Some(WINDOW_SPANS));
        let mut b = SimBridge {
            sim,
            base: model,
            file: None,
            overrides: Vec::new(),
            seed,
            changes: Vec::new(),
            generation: 0,
            pacing: Pacing::default(),
            stats: FrameStats::default(),
            traces: TraceFeed::default(),
            ghost: None,
            moved: 0,
        };
        b.retune_tracing();
        b
    }

    /// Rebuilds the simulation from `base` with the current seed at time
    /// zero, replaying `changes` if `keep_changes`.
    pub fn restart(&mut self, keep_changes: bool) {
        self.sim = Simulation::new(self.base.clone(), self.seed);
        self.sim.set_spans(Some(WINDOW_SPANS));
        if keep_changes {
            // This run has the changes from time zero (a flush of an empty
            // cache does nothing): record them so, for the tuned scenario.
            for (_, c) in std::mem::take(&mut self.changes) {
                if !matches!(c, Command::FlushCache { .. }) && self.sim.apply(c.clone()).is_ok() {
                    self.changes.push((SimTime::ZERO, c));
                }
            }
        } else {
            self.changes.clear();
        }
        self.pacing.target = SimTime::ZERO;
        // A run that stopped at its end for the verdict plays again: the
        // pause was the end's, not the learner's.
        if std::mem::take(&mut self.pacing.ended) {
            self.pacing.paused = false;
        }
        self.generation += 1;
        self.traces.reset();
        self.retune_tracing();
    }

    /// Samples about 400 requests per wall second at the current offered
    /// load and speed (see `TraceFeed::retune`).
    pub fn retune_tracing(&mut self) {
        self.traces.retune(&mut self.sim, self.pacing.speed);
    }

    /// Pauses (true) or plays (false).
    pub fn set_paused(&mut self, paused: bool) {
        self.pacing.paused = paused;
    }

    /// Advances one `STEP` next frame, then stays paused.
    pub fn step_once(&mut self) {
        self.pacing.paused = true;
        self.pacing.step_once = true;
    }

    /// Simulated seconds per wall second, within `MIN_SPEED..=MAX_SPEED`.
    pub fn set_speed(&mut self, speed: f64) {
        self.pacing.speed = speed.clamp(MIN_SPEED, MAX_SPEED);
        self.retune_tracing();
    }

    /// Restarts from time zero, with the live changes so far (`keep`) or
    /// from the file as written, and starts the panels' picture over.
    pub fn restart_view(&mut self, keep: bool, view: &mut View) {
        self.restart(keep);
        self.reset_view(view, keep);
    }
}

/// Adds the bridge's systems; the caller inserts the `SimBridge`.
pub fn plugin(app: &mut App) {
    frame::configure(app);
    app.add_systems(Startup, init_view);
    app.add_systems(
        Update,
        (
            step.in_set(FrameSet::Step),
            writeback.in_set(FrameSet::Writeback),
        ),
    );
}

fn init_view(
    mut commands: Commands,
    mut bridge: ResMut<SimBridge>,
    mut time: ResMut<Time<Virtual>>,
) {
    // Slow software renderers take more than Bevy's default 250 ms cap per
    // frame; the engine's own budget is what bounds a frame's work.
    time.set_max_delta(Duration::from_secs(2));
    let file = bridge.file.clone();
    let mut view = View::new(&mut bridge.sim, file.clone());
    view.scenarios = scenario_list(file.as_deref());
    view.clock.speed_target = bridge.pacing.speed;
    commands.insert_resource(view);
}

/// Every scenario under `./scenarios`, or beside `file`.
fn scenario_list(file: Option<&Path>) -> Vec<PathBuf> {
    let here = Path::new("scenarios");
    if here.is_dir() {
        return find_scenarios(here);
    }
    file.and_then(Path::parent)
        .map(find_scenarios)
        .unwrap_or_default()
}

fn step(mut bridge: ResMut<SimBridge>, virt: Res<Time<Virtual>>, real: Res<Time<Real>>) {
    bridge.tick(virt.delta(), real.delta());
}

fn writeback(mut bridge: ResMut<SimBridge>, view: Option<ResMut<View>>, real: Res<Time<Real>>) {
    let Some(mut view) = view else {
        return;
    };
    let b = &mut *bridge;
    b.stats.refresh_timer += real.delta_secs_f64();
    let full = b.stats.refresh_timer >= 0.25;
    if full {
        b.stats.refresh_timer = 0.0;
        b.retune_tracing();
    }
    view.refresh(&mut b.sim, full);
    b.follow_baseline(&mut view);
    view.seed = b.sim.seed();
    let (pacing, stats) = (b.pacing, b.stats);
    view.clock.paused = pacing.paused;
    view.clock.ended = pacing.ended;
    view.clock.speed_target = pacing.speed;
    view.clock.speed_actual = if pacing.paused {
        0.0
    } else {
        stats.speed_actual
    };
    view.clock.behind = stats.behind() && !pacing.paused;
    view.clock.events_per_sec = stats.events_per_sec;
    view.clock.frame_ms = stats.frame_time.as_secs_f64() * 1000.0;
    b.traces.events = b.sim.take_traces();
    b.traces.finished = b.sim.take_finished_spans();
}
