//! The tuned scenario: the model as loaded plus the learner's live changes as scheduled events, so `loadlab run` replays the window's run.

use crate::sim::model::ScheduledEvent;
use crate::sim::{Command, Model, SimTime};

/// `original` with each live change `(instant applied, command)` added to
/// its own events, sorted by instant (stable: the model's own events come
/// before live changes at the same instant, and live changes keep the
/// order they were made in). Running the result with the same seed
/// replays the window's run: the engine applies a scheduled event after
/// everything due before its instant, as the window applied the change
/// after running up to it. (An event due at exactly the same nanosecond
/// may fall on the other side; with continuous arrival times this does
/// not happen in practice.)
pub fn tuned_model(original: &Model, changes: &[(SimTime, Command)]) -> Model {
    let mut model = original.clone();
    model
        .events
        .extend(changes.iter().map(|(at, command)| ScheduledEvent {
            at: *at,
            command: command.clone(),
        }));
    model.events.sort_by_key(|e| e.at);
    model
}
