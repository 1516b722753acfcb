//! The order every frame runs in (`Update`): input, the panels' commands, the engine's step, the copy out, the drawing.

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
