//! The export panel: one button for summary.json, timeseries.csv, nodes.csv and a screenshot; says where they went.

use bevy_egui::egui::{self, RichText};

use crate::app::panels::{MUTED, section};
use crate::app::view::{UiAction, UiState, View};

pub fn export(ui: &mut egui::Ui, view: &View, _state: &mut UiState) -> Vec<UiAction> {
    let mut out = Vec::new();
    section(ui, "Export");
    if ui
        .button("Export results")
        .on_hover_text(
            "Write summary.json, timeseries.csv and nodes.csv (the same files as `loadlab run`) \
             and a screenshot of the window into a new folder under results/.",
        )
        .clicked()
    {
        out.push(UiAction::Export);
    }
    if let Some(s) = &view.export_status {
        ui.label(RichText::new(s).small());
    }
    // TODO(scenario::to_toml): export the tuned scenario as a TOML file that
    // `loadlab run` accepts; needs a writer in `crate::scenario`.
    ui.add_enabled(false, egui::Button::new("Save tuned scenario (.toml)"))
        .on_disabled_hover_text(
            "Not available yet (TODO: needs scenario::to_toml). Your live changes are listed \
             in the exported summary folder's changes.txt instead.",
        );
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
