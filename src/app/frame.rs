//! The order every frame runs in (`Update`): input, the panels' commands, the engine's step, the copy out, the drawing.

use bevy::ecs::schedule::SingleThreadedExecutor;
use bevy::prelude::*;

/// One frame's stages, in the order they run.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameSet {
    /// Pointer and wheel over the world view: pan, zoom, pick, hover.
    Input,
    /// Apply what the panels asked for (live changes at the current
    /// instant, pause, speed, restart).
    ApplyCommands,
    /// Advance the engine toward the virtual clock × speed, within the budget.
    Step,
    /// Copy results out: the `View` for panels, traces for dots.
    Writeback,
    /// Draw the world: nodes, edges, labels, dots.
    Draw,
}

/// Chains the stages in `Update` (more than one plugin may call it).
pub fn configure(app: &mut App) {
    app.configure_sets(
        Update,
        (
            FrameSet::Input,
            FrameSet::ApplyCommands,
            FrameSet::Step,
            FrameSet::Writeback,
            FrameSet::Draw,
        )
            .chain(),
    );
}

/// Runs each frame's schedules (the main app's and the renderer's) one
/// system after another on one thread. Bevy's default hands each system to
/// a task pool; with the software renderer on every core there is no core
/// to spare, and the hand-offs cost more than they overlap: the URL
/// shortener's window drew in a tenth less time, in the dev build and in
/// release (docs/performance.md). Extraction stays pipelined: the
/// renderer still draws one frame while the next is simulated.
pub fn one_thread_per_schedule(app: &mut App) {
    one_thread(app.world_mut());
    if let Some(render) = app.get_sub_app_mut(bevy::render::RenderApp) {
        one_thread(render.world_mut());
    }
}

fn one_thread(world: &mut World) {
    let Some(mut schedules) = world.get_resource_mut::<Schedules>() else {
        return;
    };
    for (_, schedule) in schedules.iter_mut() {
        schedule.set_executor(SingleThreadedExecutor::new());
    }
}
