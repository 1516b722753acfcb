//! Build mode's objectives: the design's `[[objective]]`s listed (each removable) and a row to add one, so a design built from a blank canvas can be held to a goal.

use bevy_egui::egui::{self, RichText};

use crate::app::editor::EditorCommand;
use crate::app::panels::{MUTED, section};
use crate::app::view::UiAction;
use crate::scenario::edit::{Design, Edit, Table, Value};
use crate::sim::model::ObjectiveMetric;

fn edit(e: Edit) -> UiAction {
    UiAction::Editor(EditorCommand::Edit(e))
}

/// The objectives section of the build inspector (nothing selected);
/// a level's (not `own`) are listed only: its exam holds to them.
pub fn objectives(ui: &mut egui::Ui, design: &Design, own: bool) -> Vec<UiAction> {
    let mut out = Vec::new();
    section(ui, "Objectives");
    let list = design.objectives();
    if !own {
        for t in &list {
            ui.label(describe(t));
        }
        ui.label(
            RichText::new("The level's own: its exam holds to them.")
                .color(MUTED)
                .small(),
        );
        return out;
    }
    if list.is_empty() {
        ui.label(
            RichText::new("None yet: add one to see it pass or fail as the design runs.")
                .color(MUTED)
                .small(),
        );
    }
    for (index, t) in list.iter().enumerate() {
        ui.horizontal(|ui| {
            if ui
                .small_button("×")
                .on_hover_text("Remove this objective")
                .clicked()
            {
                out.push(edit(Edit::RemoveObjective { index }));
            }
            ui.label(describe(t));
        });
    }
    add_row(ui, &mut out);
    out
}

/// `p99 below 100ms`, `error_rate below 0.01 (api)`.
fn describe(t: &Table) -> String {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let metric = t.get("metric").map_or("?".into(), text);
    let side = ["below", "above"]
        .into_iter()
        .find_map(|k| t.get(k).map(|v| format!("{k} {}", text(v))))
        .unwrap_or_default();
    let of = ["node", "queue", "class", "workload"]
        .into_iter()
        .find_map(|k| t.get(k).map(|v| format!(" ({})", text(v))))
        .unwrap_or_default();
    format!("{metric} {side}{of}")
}

/// Metric, side and bound, then Add (the loader checks the bound: a
/// duration for latencies, a number for the rest).
fn add_row(ui: &mut egui::Ui, out: &mut Vec<UiAction>) {
    let key = ui.id().with("add-objective");
    let all = ObjectiveMetric::ALL;
    // p99 first: the goal most designs are held to.
    let p99 = all.iter().position(|m| *m == ObjectiveMetric::P99);
    let (mut metric, mut above, mut bound): (usize, bool, String) = ui
        .data(|d| d.get_temp(key))
        .unwrap_or((p99.unwrap_or(0), false, String::new()));
    let m = all[metric.min(all.len() - 1)];
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("objective-metric")
            .selected_text(m.name())
            .show_ui(ui, |ui| {
                for (k, a) in all.iter().enumerate() {
                    ui.selectable_value(&mut metric, k, a.name());
                }
            });
        egui::ComboBox::from_id_salt("objective-side")
            .selected_text(if above { "above" } else { "below" })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut above, false, "below");
                ui.selectable_value(&mut above, true, "above");
            });
    });
    let hint = if m.is_latency() { "100ms" } else { "a number" };
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut bound)
                .hint_text(hint)
                .desired_width(110.0),
        );
        let typed = !bound.trim().is_empty();
        if ui
            .add_enabled(typed, egui::Button::new("Add objective"))
            .clicked()
        {
            out.push(edit(Edit::AddObjective {
                metric: m.name().into(),
                below: !above,
                bound: bound_value(m, bound.trim()),
            }));
            bound.clear();
        }
    });
    ui.data_mut(|d| d.insert_temp(key, (metric, above, bound)));
}

/// A latency's bound is a duration (text, checked by the loader); any
/// other is a number if it reads as one.
fn bound_value(m: ObjectiveMetric, text: &str) -> Value {
    match text.parse::<f64>() {
        Ok(x) if !m.is_latency() => Value::Float(x),
        _ => Value::String(text.into()),
    }
}
