//! Theory beside the simulation in the window: what the formulas predict at the arrival rates the run measured, over the run (the inspector) and per closed window (the charts' dashed theory lines).

use std::collections::VecDeque;

use crate::report::predict::{self, Prediction, Predictions, WhyNot};
use crate::sim::{Model, Summary, Window};

/// One closed window's predictions, as the charts draw them.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowTheory {
    /// The window's end, simulated seconds.
    pub end_s: f64,
    /// Predicted utilisation per node (model order), where theory applies.
    pub utilisation: Vec<Option<f64>>,
    /// Predicted end-to-end mean, ms, where the whole path has a formula.
    pub mean_ms: Option<f64>,
}

/// Predictions over the run and per window, bounded like the history.
#[derive(Clone, Debug, Default)]
pub struct TheoryView {
    /// At the rates measured over the run so far (warm-up excluded).
    pub run: Option<Predictions>,
    /// One per closed window, oldest first, at most `keep`.
    pub windows: VecDeque<WindowTheory>,
    /// Whether any node of the design has a formula (else no window is
    /// predicted: nothing would be drawn).
    any_applies: bool,
}

impl TheoryView {
    /// Starts over for `model` (after a change of shape or a restart).
    pub fn new(model: &Model) -> TheoryView {
        let at_start = predict::predict(model);
        TheoryView {
            run: None,
            windows: VecDeque::new(),
            any_applies: applies_somewhere(&at_start),
        }
    }

    /// Predicts `w` at its own measured rates, keeping at most `keep`.
    pub fn observe(&mut self, model: &Model, w: &Window, keep: usize) {
        if !self.any_applies {
            return;
        }
        let (rates, entering) = predict::window_rates(w);
        let p = predict::predict_measured(model, &rates, entering);
        if self.windows.len() >= keep {
            self.windows.pop_front();
        }
        self.windows.push_back(WindowTheory {
            end_s: w.end.as_secs_f64(),
            utilisation: p
                .nodes
                .iter()
                .map(|n| n.figures().map(|f| f.utilisation))
                .collect(),
            mean_ms: p.end_to_end.as_ref().ok().map(|e| e.mean_ms),
        });
    }

    /// Predicts the run so far at its measured rates.
    pub fn observe_run(&mut self, model: &Model, s: &Summary) {
        self.any_applies = applies_somewhere(&predict::predict(model));
        let (rates, entering) = predict::measured_rates(s);
        self.run = Some(predict::predict_measured(model, &rates, entering));
    }

    /// Node `i`'s prediction over the run, if one was made.
    pub fn node(&self, i: usize) -> Option<&Prediction> {
        self.run.as_ref()?.nodes.get(i)
    }
}

/// Some node has a formula, or the whole path has one.
fn applies_somewhere(p: &Predictions) -> bool {
    p.end_to_end.is_ok()
        || p.nodes.iter().any(|n| match n {
            Prediction::Applies(_) => true,
            // No traffic at the start (a workload that ramps up) may still
            // get a formula once requests arrive; a caller that is an
            // infinite server only at a lower rate may feed one Poisson.
            Prediction::WhyNot(w) => matches!(
                w,
                WhyNot::NoTraffic | WhyNot::Unstable { .. } | WhyNot::NotPoissonFeed { .. }
            ),
        })
}
