//! How fast the engine runs in the window: speed, pause, the frame's event and wall budgets, and the statistics of past frames.

use std::time::{Duration, Instant};

use crate::app::bridge::SimBridge;
use crate::sim::SimTime;

/// What "Step" advances, in simulated time.
pub const STEP: SimTime = SimTime::from_millis(100);

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
    /// It binds only when the engine cannot keep pace. Half: the software
    /// renderer bounds the frame, and the engine's step fills time the main
    /// thread would wait (the 1 M req/s shortener, dev window: 0.35 gave
    /// 0.95 M events a wall second at 39 ms a frame, 0.5 gives 1.4 M at
    /// 40 ms; docs/performance.md).
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
            frame_share: 0.5,
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

/// Where the run is headed and how fast: the learner's clock controls.
#[derive(Clone, Copy, Debug)]
pub struct Pacing {
    /// Simulated seconds per wall second.
    pub speed: f64,
    pub paused: bool,
    pub budget: FrameBudget,
    /// Where the engine should be; behind it means catching up.
    pub target: SimTime,
    /// The run reached the scenario's duration and paused there for the
    /// verdict; Play goes on past it.
    pub ended: bool,
    /// Step was pressed: advance one `STEP` next frame.
    pub step_once: bool,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            speed: 1.0,
            paused: false,
            budget: FrameBudget::default(),
            target: SimTime::ZERO,
            ended: false,
            step_once: false,
        }
    }
}

impl Pacing {
    /// Moves the target for a frame of `virtual_dt` with the engine at
    /// `now`: by `virtual_dt` × speed while playing, one `STEP` after Step.
    /// The first time the run reaches `end` (the scenario's duration) it
    /// stops there and pauses (the panels show the verdict); Play goes on.
    fn aim(&mut self, now: SimTime, end: SimTime, virtual_dt: Duration) {
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
        if !self.ended && now <= end && self.target >= end {
            self.target = end;
        }
        if !self.ended && now >= end && end > SimTime::ZERO {
            self.ended = true;
            self.paused = true;
        }
    }
}

/// What past frames did: the clock panel's figures, the bench's counts.
#[derive(Clone, Copy, Debug)]
pub struct FrameStats {
    pub last: FrameStep,
    pub totals: BridgeTotals,
    /// Smoothed achieved speed and events per wall second.
    pub speed_actual: f64,
    pub events_per_sec: f64,
    /// Frames in a row that missed the target.
    pub behind_frames: u32,
    /// Smoothed frame time.
    pub frame_time: Duration,
    /// Wall seconds since the panels' last full refresh.
    pub refresh_timer: f64,
}

impl Default for FrameStats {
    fn default() -> Self {
        FrameStats {
            last: FrameStep::default(),
            totals: BridgeTotals::default(),
            speed_actual: 0.0,
            events_per_sec: 0.0,
            behind_frames: 0,
            frame_time: Duration::from_millis(16),
            refresh_timer: 0.0,
        }
    }
}

impl FrameStats {
    /// Whether the engine could not keep pace lately.
    pub fn behind(&self) -> bool {
        self.behind_frames >= 3
    }

    /// Counts a frame that did `s` in `real_dt` of wall time.
    fn record(&mut self, s: FrameStep, real_dt: Duration) {
        if s.reached {
            self.behind_frames = 0;
        } else {
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

impl SimBridge {
    /// Advances the engine toward `target` within the budget. Public so
    /// tests can drive it without a frame.
    #[allow(clippy::disallowed_methods)] // wall clock: the frame budget only, never the simulation's time
    pub fn advance(&mut self, target: SimTime, wall_budget: Duration) -> FrameStep {
        let started = Instant::now();
        let budget = self.pacing.budget;
        let before_events = self.sim.events_processed();
        let before_now = self.sim.now();
        let mut step = FrameStep {
            wall_budget,
            ..FrameStep::default()
        };
        loop {
            let done = self.sim.events_processed() - before_events;
            let left = budget.max_events.saturating_sub(done);
            if left == 0 {
                step.out_of_events = true;
                break;
            }
            step.chunks += 1;
            if self
                .sim
                .run_until_budget(target, left.min(budget.chunk.max(1)))
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

    /// One frame: advance the target by `virtual_dt` × speed (nothing while
    /// paused, one `STEP` after Step) and run the engine toward it within
    /// the budget. If the budget runs out, the debt is dropped and the
    /// bridge counts the frame as behind.
    pub fn tick(&mut self, virtual_dt: Duration, real_dt: Duration) {
        if real_dt > Duration::ZERO {
            self.stats.frame_time = self.stats.frame_time.mul_f64(0.9) + real_dt.mul_f64(0.1);
        }
        let now = self.sim.now();
        let end = self.sim.model().duration;
        self.pacing.aim(now, end, virtual_dt);
        let target = self.pacing.target;
        if target <= now {
            self.stats.last = FrameStep {
                reached: true,
                ..FrameStep::default()
            };
            self.stats.behind_frames = 0;
            return;
        }
        let wall = self.pacing.budget.wall_for(self.stats.frame_time);
        let s = self.advance(target, wall);
        if !s.reached {
            // Cannot keep up: drop the debt instead of freezing the window.
            self.pacing.target = self.sim.now();
        }
        self.stats.record(s, real_dt);
    }
}
