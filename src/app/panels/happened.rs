//! "What happened": the run's account in the inspector, the whole of it when nothing is selected and the lines naming a node under that node; a click on a line selects the node it names.

use bevy_egui::egui::{self, RichText};

use crate::app::panels::{FAIL, MUTED, OK, SLOW, section};
use crate::app::view::{Selected, UiAction, View};
use crate::report::account::{Happening, HappeningKind};

/// The account, or only the lines that name `node` when given.
pub fn what_happened(ui: &mut egui::Ui, view: &View, node: Option<&str>) -> Vec<UiAction> {
    let mut out = Vec::new();
    let mut lines: Vec<&Happening> = view
        .what_happened
        .iter()
        .filter(|h| node.is_none_or(|id| h.nodes.iter().any(|n| n == id)))
        .collect();
    if node.is_some() {
        // Under a node, why and what to try come first.
        lines.sort_by_key(|h| !matches!(h.kind, HappeningKind::Cause | HappeningKind::Suggestion));
    }
    if node.is_some() && lines.is_empty() {
        return out;
    }
    let title = if node.is_some() {
        "What happened here"
    } else {
        "What happened"
    };
    section(ui, title).on_hover_text(
        "Told from the run's own windows after warm-up: events, each node's first \
         trouble, when objectives broke, why, and what to try. Click a line to select \
         the node it names.",
    );
    if lines.is_empty() {
        ui.label(RichText::new("Nothing yet: the first window closes after warm-up.").color(MUTED));
        return out;
    }
    for h in lines {
        if let Some(a) = line(ui, view, h) {
            out.push(a);
        }
    }
    out
}

/// One line: its time, a coloured tag, the sentence; clicked, it selects
/// the first node it names.
fn line(ui: &mut egui::Ui, view: &View, h: &Happening) -> Option<UiAction> {
    let (tag, colour) = match h.kind {
        HappeningKind::Cause => ("why", FAIL),
        HappeningKind::Suggestion => ("try", OK),
        HappeningKind::Objective => ("goal", SLOW),
        HappeningKind::Event => ("event", MUTED),
        HappeningKind::Incident => ("", MUTED),
    };
    // The window's font has no arrow glyph.
    let text = format!(
        "{:>5.1} s  {}",
        h.at.as_secs_f64(),
        h.text.replace('→', "->")
    );
    let clicked = ui
        .horizontal_wrapped(|ui| {
            if !tag.is_empty() {
                ui.label(RichText::new(tag).color(colour).strong());
            }
            ui.add(egui::Label::new(RichText::new(text).size(12.5)).sense(egui::Sense::click()))
                .clicked()
        })
        .inner;
    let first = h.nodes.first()?;
    let i = view.model.nodes.iter().position(|n| &n.id == first)?;
    clicked.then_some(UiAction::Select(Some(Selected::Node(i))))
}
