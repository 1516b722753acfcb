//! The baseline: the design as it was when the learner pressed "Keep as baseline", run again from time 0 on the same seed beside the live run (a ghost), so its curves can be drawn dashed next to the live ones after each change.

use crate::sim::{Model, SimTime, Simulation, Window};

/// Engine events a ghost may take per frame while it catches up.
const GHOST_EVENTS_PER_FRAME: u64 = 400_000;

/// A frozen design and its run.
pub struct Ghost {
    model: Model,
    seed: u64,
    sim: Simulation,
    /// `baseline: the design at 42 s`.
    pub label: String,
}

impl Ghost {
    /// Freezes `model` (as tuned now) to be run from 0 on `seed`.
    pub fn new(model: Model, seed: u64, label: String) -> Ghost {
        Ghost {
            sim: Simulation::new(model.clone(), seed),
            model,
            seed,
            label,
        }
    }

    /// Follows the live run to `now` within a frame's share of events;
    /// when the live run went back (a restart), starts again from 0.
    /// Returns whether it restarted and the windows it closed.
    pub fn follow(&mut self, now: SimTime) -> (bool, Vec<Window>) {
        let restarted = now < self.sim.now();
        if restarted {
            self.sim = Simulation::new(self.model.clone(), self.seed);
        }
        self.sim.run_until_budget(now, GHOST_EVENTS_PER_FRAME);
        (restarted, self.sim.take_windows())
    }
}
