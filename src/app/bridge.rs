//! The bridge between Bevy and the engine: owns the `Simulation`, applies panel commands, advances it each frame within a budget, writes the `View` back.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bevy::prelude::*;

use crate::app::design_edit::DesignEdit;
use crate::app::frame::{self, FrameSet};
use crate::app::view::{ChangeMark, UiAction, View, find_scenarios};
use crate::scenario;
use crate::sim::{Command, Model, SimTime, Simulation, TraceConfig, TraceEvent};

pub const MIN_SPEED: f64 = 0.1;
pub const MAX_SPEED: f64 = 1000.0;
/// What "Step" advances, in simulated time.
pub const STEP: SimTime = SimTime::from_millis(100);
/// Sampled requests per wall second the dots aim for.
const TRACED_PER_WALL_SEC: f64 = 400.0;
/// Trace events kept between frames (older ones are dropped by the engine).
const TRACE_CAPACITY: usize = 40_000;

/// How much engine work one frame may do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameBudget {
    /// Most events handled in one frame.
    pub max_events: u64,
    /// Least wall time the engine may use in one frame.
    pub min_wall: Duration,
    /// Most wall time the engine may use in one frame.
    pub max_wall: Duration,
    /// Share of the (smoothed) frame time the engine may use, between
    /// `min_wall` and `max_wall`: a slow renderer leaves the engine more.
    pub frame_share: f64,
    /// Events run between two looks at the wall clock.
    pub chunk: u64,
}

impl Default for FrameBudget {
    fn default() -> Self {
        FrameBudget {
            max_events: 2_000_000,
            min_wall: Duration::from_millis(8),
            max_wall: Duration::from_millis(50),
            frame_share: 0.35,
            chunk: 4096,
        }
    }
}

impl FrameBudget {
    /// The wall-time budget for a frame when frames take `frame` on average.
    pub fn wall_for(&self, frame: Duration) -> Duration {
        frame
            .mul_f64(self.frame_share)
            .clamp(self.min_wall, self.max_wall.max(self.min_wall))
    }
}

/// What the last frame's step did (for tests, the clock and bench).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrameStep {
    /// Events handled this frame.
    pub events: u64,
    /// The target instant was reached.
    pub reached: bool,
    /// Stopped because of the event budget.
    pub out_of_events: bool,
    /// Stopped because of the wall-time budget.
    pub out_of_wall: bool,
    /// Chunks run (wall clock looked at after each).
    pub chunks: u32,
    /// Wall time the budget allowed.
    pub wall_budget: Duration,
    /// Simulated time advanced.
    pub advanced: SimTime,
}

/// Counts over the whole run of the window (bench and tests).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BridgeTotals {
    pub frames: u64,
    pub frames_behind: u64,
    pub max_events_in_frame: u64,
    pub events: u64,
}

/// The engine and everything needed to rebuild it.
#[derive(Resource)]
pub struct SimBridge {
    pub sim: Simulation,
    /// The file as loaded (with `--set` overrides), for restarts.
    pub base: Model,
    pub file: Option<PathBuf>,
    pub overrides: Vec<String>,
    /// Seed of the next restart.
    pub seed: u64,
    pub speed: f64,
    pub paused: bool,
    pub budget: FrameBudget,
    /// Where the engine should be; behind it means catching up.
    pub target: SimTime,
    /// Live changes made to this run (instant applied, command), replayed
    /// by Restart (from time zero) and saved in the tuned scenario.
    pub changes: Vec<(SimTime, Command)>,
    /// Commands waiting for `ApplyCommands`.
    pub pending: Vec<UiAction>,
    pub last: FrameStep,
    pub totals: BridgeTotals,
    /// Smoothed achieved speed and events per wall second.
    pub speed_actual: f64,
    pub events_per_sec: f64,
    /// Frames in a row that missed the target.
    pub behind_frames: u32,
    /// Smoothed frame time.
    pub frame_time: Duration,
    /// Bumped when the simulation is rebuilt (restart, open): the world
    /// redraws from scratch.
    pub generation: u64,
    /// Traces taken from the engine this frame, for the dots.
    pub traces: Vec<TraceEvent>,
    pub trace_one_in: u64,
    /// The run reached the scenario's duration and paused there for the
    /// verdict; Play goes on past it.
    pub ended: bool,
    step_once: bool,
    refresh_timer: f64,
}

impl SimBridge {
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
        let sim = Simulation::new(model.clone(), seed);
        let mut b = SimBridge {
            sim,
            base: model,
            file: None,
            overrides: Vec::new(),
            seed,
            speed: 1.0,
            paused: false,
            budget: FrameBudget::default(),
            target: SimTime::ZERO,
            changes: Vec::new(),
            pending: Vec::new(),
            last: FrameStep::default(),
            totals: BridgeTotals::default(),
            speed_actual: 0.0,
            events_per_sec: 0.0,
            behind_frames: 0,
            frame_time: Duration::from_millis(16),
            generation: 0,
            traces: Vec::new(),
            trace_one_in: 0,
            ended: false,
            step_once: false,
            refresh_timer: 0.0,
        };
        b.retune_tracing();
        b
    }

    /// Queues an action for the next `ApplyCommands`.
    pub fn push(&mut self, action: UiAction) {
        self.pending.push(action);
    }

    /// Whether the engine could not keep pace lately.
    pub fn behind(&self) -> bool {
        self.behind_frames >= 3
    }

    /// Rebuilds the simulation from `base` with the current seed at time
    /// zero, replaying `changes` if `keep_changes`.
    pub fn restart(&mut self, keep_changes: bool) {
        self.sim = Simulation::new(self.base.clone(), self.seed);
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
        self.target = SimTime::ZERO;
        self.ended = false;
        self.generation += 1;
        self.trace_one_in = 0;
        self.traces.clear();
        self.retune_tracing();
    }

    /// Advances the engine toward `target` within the budget. Public so
    /// tests can drive it without a frame.
    #[allow(clippy::disallowed_methods)] // wall clock: the frame budget only, never the simulation's time
    pub fn advance(&mut self, target: SimTime, wall_budget: Duration) -> FrameStep {
        let started = Instant::now();
        let before_events = self.sim.events_processed();
        let before_now = self.sim.now();
        let mut step = FrameStep {
            wall_budget,
            ..FrameStep::default()
        };
        loop {
            let done = self.sim.events_processed() - before_events;
            let left = self.budget.max_events.saturating_sub(done);
            if left == 0 {
                step.out_of_events = true;
                break;
            }
            step.chunks += 1;
            if self
                .sim
                .run_until_budget(target, left.min(self.budget.chunk.max(1)))
            {
                step.reached = true;
                break;
            }
            if started.elapsed() >= wall_budget {
                step.out_of_wall = true;
                break;
            }
        }
        step.events = self.sim.events_processed() - before_events;
        step.advanced = self.sim.now().saturating_sub(before_now);
        step
    }

    /// Samples about `TRACED_PER_WALL_SEC` requests per wall second at the
    /// current offered load and speed.
    pub fn retune_tracing(&mut self) {
        let rate: f64 = (0..self.sim.model().workloads.len())
            .map(|w| self.sim.offered_rate(w))
            .sum::<f64>()
            .max(50.0);
        let want = ((rate * self.speed / TRACED_PER_WALL_SEC).ceil() as u64).max(1);
        let old = self.trace_one_in;
        if old == 0 || want * 10 < old * 8 || want * 10 > old * 12 {
            self.trace_one_in = want;
            self.sim.set_tracing(Some(TraceConfig {
                one_in: want,
                capacity: TRACE_CAPACITY,
            }));
        }
    }
}

/// Adds the bridge's systems; the caller inserts the `SimBridge`.
pub fn plugin(app: &mut App) {
    frame::configure(app);
    app.add_systems(Startup, init_view);
    app.add_systems(
        Update,
        (
            apply_commands.in_set(FrameSet::ApplyCommands),
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
    view.clock.speed_target = bridge.speed;
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

fn apply_commands(
    mut bridge: ResMut<SimBridge>,
    view: Option<ResMut<View>>,
    mut time: ResMut<Time<Virtual>>,
) {
    let Some(mut view) = view else {
        return;
    };
    let actions = std::mem::take(&mut bridge.pending);
    for action in actions {
        bridge.apply_action(action, &mut view);
    }
    if bridge.paused != time.is_paused() {
        if bridge.paused {
            time.pause();
        } else {
            time.unpause();
        }
    }
}

fn step(mut bridge: ResMut<SimBridge>, virt: Res<Time<Virtual>>, real: Res<Time<Real>>) {
    bridge.tick(virt.delta(), real.delta());
}

impl SimBridge {
    /// Does what a panel asked: live changes go through `Simulation::apply`
    /// at the current instant (and are marked on the charts).
    pub fn apply_action(&mut self, action: UiAction, view: &mut View) {
        match action {
            UiAction::Apply(cmd, label) => self.apply_live(cmd, label, view),
            UiAction::SetPaused(p) => self.paused = p,
            UiAction::Step => {
                self.paused = true;
                self.step_once = true;
            }
            UiAction::SetSpeed(s) => {
                self.speed = s.clamp(MIN_SPEED, MAX_SPEED);
                self.retune_tracing();
            }
            UiAction::Restart | UiAction::Reload => {
                let keep = action == UiAction::Restart;
                self.restart(keep);
                self.reset_view(view, keep);
            }
            UiAction::Redesign(edit, label) => self.redesign(&edit, &label, view),
            UiAction::SetSeed(s) => self.seed = s,
            UiAction::Open(path) => self.open_file(&path, view),
            UiAction::SaveScenario => self.save(false, view),
            UiAction::SaveDesign => self.save(true, view),
            // Handled by the panels' owner (selection, camera, export).
            UiAction::Select(_) | UiAction::FitView | UiAction::Export => {}
        }
        view.clock.paused = self.paused;
        view.clock.speed_target = self.speed;
    }

    /// A live change at the current instant, recorded and marked.
    fn apply_live(&mut self, cmd: Command, label: String, view: &mut View) {
        let now = self.sim.now();
        if let Err(e) = self.sim.apply(cmd.clone()) {
            view.error = Some(e.to_string());
            return;
        }
        self.changes.push((now, cmd));
        // One mark per moment: several changes within half a second share it.
        match view.marks.last_mut() {
            Some(m) if now.saturating_sub(m.at) < SimTime::from_millis(500) => m.label = label,
            _ => view.marks.push(ChangeMark { at: now, label }),
        }
        view.error = None;
        self.retune_tracing();
        view.refresh(&mut self.sim, true);
    }

    /// A design change: checked by the loader, then a restart from zero.
    fn redesign(&mut self, edit: &DesignEdit, label: &str, view: &mut View) {
        match edit.applied_to(&self.base) {
            Ok(model) => {
                self.base = model;
                self.restart(true);
                self.reset_view(view, true);
                view.notice = Some(format!(
                    "{label}: the design changed, so the run restarted from 0 s on seed {} \
                     with your live changes.",
                    self.seed
                ));
            }
            Err(e) => view.error = Some(format!("{label} refused:\n{e}")),
        }
    }

    /// Another scenario file, keeping the speed, pause and budget.
    fn open_file(&mut self, path: &Path, view: &mut View) {
        match SimBridge::open(path, &[], None) {
            Ok(mut b) => {
                b.speed = self.speed;
                b.paused = self.paused;
                b.budget = self.budget;
                b.generation = self.generation + 1;
                b.totals = self.totals;
                *self = b;
                self.reset_view(view, false);
            }
            Err(e) => view.error = Some(format!("cannot open {}:\n{e}", path.display())),
        }
    }

    /// Saves the tuned scenario (replays the moves) or, with `design`, the
    /// design as tuned; says where in the export status.
    fn save(&mut self, design: bool, view: &mut View) {
        let dir = crate::app::capture::export_dir(self);
        let (saved, how) = if design {
            (
                crate::app::capture::save_design(self, &dir),
                "Run the design from the start",
            )
        } else {
            (
                crate::app::capture::save_scenario(self, &dir),
                "Replay this run",
            )
        };
        match saved {
            Ok(path) => {
                view.export_status = Some(format!(
                    "Saved. {how} with `loadlab run {}`.",
                    path.display()
                ));
                view.saved_scenario = Some(path);
            }
            Err(e) => view.export_status = Some(format!("Save failed: {e}")),
        }
    }

    fn reset_view(&mut self, view: &mut View, kept_changes: bool) {
        let scenarios = std::mem::take(&mut view.scenarios);
        *view = View::new(&mut self.sim, self.file.clone());
        view.scenarios = scenarios;
        if kept_changes && !self.changes.is_empty() {
            view.marks.push(ChangeMark {
                at: SimTime::ZERO,
                label: "your changes".into(),
            });
        }
    }

    /// One frame: advance the target by `virtual_dt` × speed (nothing while
    /// paused, one `STEP` after Step) and run the engine toward it within
    /// the budget. If the budget runs out, the debt is dropped and the
    /// bridge counts the frame as behind.
    pub fn tick(&mut self, virtual_dt: Duration, real_dt: Duration) {
        if real_dt > Duration::ZERO {
            self.frame_time = self.frame_time.mul_f64(0.9) + real_dt.mul_f64(0.1);
        }
        let now = self.sim.now();
        if self.target < now {
            self.target = now;
        }
        if self.step_once {
            self.step_once = false;
            self.target = now.saturating_add(STEP);
        } else if !self.paused {
            let dt = virtual_dt.as_secs_f64() * self.speed;
            self.target = self.target.saturating_add(SimTime::from_secs_f64(dt));
        }
        // The first time the run reaches the scenario's duration it stops
        // there (the panels show the verdict); Play goes on.
        let end = self.sim.model().duration;
        if !self.ended && now <= end && self.target >= end {
            self.target = end;
        }
        if !self.ended && now >= end && end > SimTime::ZERO {
            self.ended = true;
            self.paused = true;
        }
        if self.target <= now {
            self.last = FrameStep {
                reached: true,
                ..FrameStep::default()
            };
            self.behind_frames = 0;
            return;
        }
        let wall = self.budget.wall_for(self.frame_time);
        let s = self.advance(self.target, wall);
        if s.reached {
            self.behind_frames = 0;
        } else {
            // Cannot keep up: drop the debt instead of freezing the window.
            self.target = self.sim.now();
            self.behind_frames = self.behind_frames.saturating_add(1);
            self.totals.frames_behind += 1;
        }
        self.totals.frames += 1;
        self.totals.events += s.events;
        self.totals.max_events_in_frame = self.totals.max_events_in_frame.max(s.events);
        self.last = s;
        let secs = real_dt.as_secs_f64();
        if secs > 0.0 {
            let a = 0.1;
            self.speed_actual = self.speed_actual * (1.0 - a) + a * s.advanced.as_secs_f64() / secs;
            self.events_per_sec = self.events_per_sec * (1.0 - a) + a * s.events as f64 / secs;
        }
    }
}

fn writeback(mut bridge: ResMut<SimBridge>, view: Option<ResMut<View>>, real: Res<Time<Real>>) {
    let Some(mut view) = view else {
        return;
    };
    let b = &mut *bridge;
    b.refresh_timer += real.delta_secs_f64();
    let full = b.refresh_timer >= 0.25;
    if full {
        b.refresh_timer = 0.0;
        b.retune_tracing();
    }
    view.refresh(&mut b.sim, full);
    view.seed = b.sim.seed();
    view.clock.paused = b.paused;
    view.clock.ended = b.ended;
    view.clock.speed_target = b.speed;
    view.clock.speed_actual = if b.paused { 0.0 } else { b.speed_actual };
    view.clock.behind = b.behind() && !b.paused;
    view.clock.events_per_sec = b.events_per_sec;
    view.clock.frame_ms = b.frame_time.as_secs_f64() * 1000.0;
    b.traces = b.sim.take_traces();
}
