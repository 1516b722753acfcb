//! The inspector's "Theory beside the simulation": a node's simulated utilisation, wait, line and time here against what its queueing formula predicts at the rate the run measured, or why no formula applies.

use bevy_egui::egui::{self, RichText};

use crate::app::help;
use crate::app::panels::{FAIL, MUTED, OK, SLOW, section};
use crate::app::view::View;
use crate::report::predict::{Predicted, Prediction};
use crate::sim::metrics::NodeSummary;

/// Simulated figures within this share of theory read as agreeing.
const CLOSE: f64 = 0.10;

/// The section for node `i`, once the run has a prediction for it.
pub fn node_theory(ui: &mut egui::Ui, view: &View, i: usize) {
    let (Some(p), Some(sim)) = (view.theory.node(i), view.summary.nodes.get(i)) else {
        return;
    };
    match p {
        Prediction::Applies(f) => {
            section(ui, &format!("Theory ({})", f.formula.name())).on_hover_text(help::THEORY);
            figures(ui, f, sim);
        }
        Prediction::WhyNot(_) => {
            section(ui, "Theory").on_hover_text(help::THEORY);
            let why = p.why_not().unwrap_or_default();
            ui.label(RichText::new(format!("No formula: {why}")).color(MUTED));
        }
    }
}

/// A visit's time in the node; at a queue, a message's enqueue →
/// processed (the producer's own visit is answered at once).
fn time_here(sim: &NodeSummary, f: &Predicted) -> (&'static str, Option<f64>, f64, &'static str) {
    match sim.processing {
        Some(p) => ("Enqueue → processed", p.mean_ms, f.mean_in_node_ms, " ms"),
        None => ("Time here", sim.sojourn.mean_ms, f.mean_in_node_ms, " ms"),
    }
}

/// The grid: each figure simulated, predicted, and how far apart.
fn figures(ui: &mut egui::Ui, f: &Predicted, sim: &NodeSummary) {
    ui.label(
        RichText::new(format!(
            "at the {:.0} req/s this run measured (after warm-up)",
            f.arrival_rps
        ))
        .color(MUTED)
        .small(),
    );
    let rows = [
        (
            "Utilisation",
            sim.utilisation.map(|u| u * 100.0),
            f.utilisation * 100.0,
            "%",
        ),
        ("Wait in line", sim.mean_wait_ms, f.mean_wait_ms, " ms"),
        ("Line length", sim.mean_queue_len, f.mean_queue_len, ""),
        time_here(sim, f),
    ];
    egui::Grid::new("theory-grid")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            ui.label(RichText::new("mean").color(MUTED));
            ui.label(RichText::new("simulated").color(MUTED));
            ui.label(RichText::new("theory").color(MUTED));
            ui.end_row();
            for (name, simulated, predicted, unit) in rows {
                ui.label(RichText::new(name).color(MUTED));
                match simulated {
                    Some(s) => ui.label(
                        RichText::new(format!("{}{unit}", figure(s)))
                            .color(agreement(s, predicted)),
                    ),
                    None => ui.label("-"),
                };
                ui.label(format!("{}{unit}", figure(predicted)));
                ui.end_row();
            }
        });
    if let Some(p99) = f.p99_wait_ms {
        ui.label(
            RichText::new(format!("theory's p99 wait in line: {} ms", figure(p99)))
                .color(MUTED)
                .small(),
        );
    }
    if f.blocking > 0.0 {
        ui.label(
            RichText::new(format!(
                "theory turns away {:.2}% (a full line)",
                f.blocking * 100.0
            ))
            .color(MUTED)
            .small(),
        );
    }
}

/// Green within 10 %, amber within 30 %, red beyond: how close the run
/// came to the formula (noisy early in a run, or after a change).
fn agreement(simulated: f64, predicted: f64) -> egui::Color32 {
    let scale = predicted.abs().max(1e-9);
    let off = (simulated - predicted).abs() / scale;
    if off <= CLOSE || (simulated - predicted).abs() < 0.01 {
        OK
    } else if off <= 3.0 * CLOSE {
        SLOW
    } else {
        FAIL
    }
}

/// Three significant figures, no exponent.
pub fn figure(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}
