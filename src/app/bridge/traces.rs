//! The sampled requests the engine hands the window each frame, for the moving dots: how many to sample and what came out.

use super::WINDOW_SPANS;
use crate::sim::spans::{RequestSpans, SpanConfig};
use crate::sim::{Simulation, TraceConfig, TraceEvent};

/// Sampled requests per wall second the dots aim for.
const TRACED_PER_WALL_SEC: f64 = 400.0;
/// Trace events kept between frames (older ones are dropped by the engine).
const TRACE_CAPACITY: usize = 40_000;

/// The traces taken from the engine this frame and the sampling rate.
#[derive(Debug, Default)]
pub struct TraceFeed {
    /// Trace events taken from the engine this frame, for the dots.
    pub events: Vec<TraceEvent>,
    /// The followed requests (the dots' among them) finished this frame,
    /// hop by hop.
    pub finished: Vec<RequestSpans>,
    /// One request in this many is traced (0 before the first tuning).
    pub one_in: u64,
}

impl TraceFeed {
    /// Samples about `TRACED_PER_WALL_SEC` requests per wall second at
    /// `sim`'s offered load and `speed`; leaves the rate alone within ±20 %.
    pub fn retune(&mut self, sim: &mut Simulation, speed: f64) {
        let rate: f64 = (0..sim.model().workloads.len())
            .map(|w| sim.offered_rate(w))
            .sum::<f64>()
            .max(50.0);
        let want = ((rate * speed / TRACED_PER_WALL_SEC).ceil() as u64).max(1);
        let old = self.one_in;
        if old == 0 || want * 10 < old * 8 || want * 10 > old * 12 {
            self.one_in = want;
            sim.set_tracing(Some(TraceConfig {
                one_in: want,
                capacity: TRACE_CAPACITY,
            }));
            sim.set_spans(Some(SpanConfig {
                also_one_in: want,
                ..WINDOW_SPANS
            }));
        }
    }

    /// Starts over for a new run: nothing traced yet, sampling to be tuned.
    pub fn reset(&mut self) {
        self.one_in = 0;
        self.events.clear();
        self.finished.clear();
    }
}
