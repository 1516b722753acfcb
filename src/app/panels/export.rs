//! The export panel: one button for every result file and a screenshot, one for the tuned scenario (replays your moves), one for the design as tuned; says where they went.

use bevy_egui::egui::{self, RichText};

use crate::app::panels::{FAIL, MUTED, OK, section};
use crate::app::view::{UiAction, UiState, View};

pub fn export(ui: &mut egui::Ui, view: &View, _state: &mut UiState) -> Vec<UiAction> {
    let mut out = Vec::new();
    section(ui, "Export");
    if ui
        .button("Export results")
        .on_hover_text(
            "Write summary.json, timeseries.csv and nodes.csv (the same files as `loadlab run`), \
             your changes (changes.txt and scenario.toml), a screenshot of the window and a \
             picture of the design (design.png) into a new folder under results/.",
        )
        .clicked()
    {
        out.push(UiAction::Export);
    }
    if ui
        .button("Record a 5 s GIF of the picture")
        .on_hover_text(
            "Record the picture (without the panels) for 5 seconds as an animated GIF, \
             picture.gif in a new folder under results/, to show how the system behaved.",
        )
        .clicked()
    {
        out.push(UiAction::RecordGif);
    }
    if ui
        .button("Save tuned scenario (.toml)")
        .on_hover_text(
            "Write the scenario as it was loaded plus every live change you made, each at the \
             simulated moment you made it, as scenario.toml in a folder under results/. \
             `loadlab run scenario.toml` then replays this run (same seed).",
        )
        .clicked()
    {
        out.push(UiAction::SaveScenario);
    }
    if ui
        .button("Save design as tuned (.toml)")
        .on_hover_text(
            "Write the design with every setting as it stands now (replicas, workers, cache \
             size, ...) and the scenario's own scheduled events, but not the history of your \
             moves nor live faults, as design.toml in a folder under results/. \
             `loadlab run design.toml` runs the tuned design from the start.",
        )
        .clicked()
    {
        out.push(UiAction::SaveDesign);
    }
    if let Some(s) = &view.export_status {
        ui.label(RichText::new(s).color(if s.contains("failed") { FAIL } else { OK }));
    }
    ui.label(
        RichText::new(format!(
            "Charts and timeseries.csv keep the last {} simulated seconds.",
            crate::app::view::HISTORY_WINDOWS
        ))
        .small()
        .color(MUTED),
    );
    out
}
