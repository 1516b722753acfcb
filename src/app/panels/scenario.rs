//! The scenario panel: picker over `scenarios/**/*.toml`, title, story, and the objectives with live pass/fail.

use bevy_egui::egui::{self, RichText};

use crate::app::editor::EditorCommand;
use crate::app::help;
use crate::app::panels::bill::bill;
use crate::app::panels::{FAIL, MUTED, OK, SLOW, section};
use crate::app::view::{UiAction, UiState, View, format_metric};
use crate::report::account::HappeningKind;
use crate::sim::model::ObjectiveMetric;

pub fn scenario(ui: &mut egui::Ui, view: &View, state: &mut UiState) -> Vec<UiAction> {
    let mut out = Vec::new();
    let current = view
        .file
        .as_ref()
        .map_or("(a design of your own)".to_string(), |f| short(f));
    egui::ComboBox::from_id_salt("scenario-picker")
        .selected_text(current)
        .width(ui.available_width() - 8.0)
        .truncate()
        .show_ui(ui, |ui| {
            for p in &view.scenarios {
                let selected = view.file.as_ref() == Some(p);
                if ui.selectable_label(selected, short(p)).clicked() && !selected {
                    out.push(UiAction::Open(p.clone()));
                }
            }
        })
        .response
        .on_hover_text("Open another scenario (every .toml file under scenarios/).");
    ui.label(RichText::new(&view.model.name).strong().size(17.0));
    if !view.model.story.is_empty() {
        // The file's line breaks are for the file; let the panel wrap.
        let story = view
            .model
            .story
            .trim()
            .split("\n\n")
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n\n");
        ui.label(RichText::new(story).color(MUTED));
    }
    out.extend(objectives(ui, view, &mut state.waterfall));
    bill(ui, view);
    ui.horizontal(|ui| {
        if ui
            .button("Where the time goes")
            .on_hover_text("A waterfall of the slowest sampled requests: each hop's time by phase.")
            .clicked()
        {
            state.waterfall = Some(0);
        }
        if ui
            .button("Predict…")
            .on_hover_text(
                "Guess a figure (a latency, a utilisation, a replica count), lock it in, \
                 and see it against the run and queueing theory.",
            )
            .clicked()
        {
            state.guess.open = true;
        }
    });
    out
}

/// The objectives, each green (✔) or red (✖) by the last simulated second;
/// the hover text adds the value over the whole run. A latency figure is
/// a link to the waterfall of the slowest requests.
pub fn objectives(ui: &mut egui::Ui, view: &View, waterfall: &mut Option<usize>) -> Vec<UiAction> {
    if view.objectives.is_empty() {
        return Vec::new();
    }
    section(ui, "Objectives").on_hover_text(help::OBJECTIVES);
    for o in &view.objectives {
        let shown = o
            .now
            .as_ref()
            .filter(|r| r.value.is_some())
            .unwrap_or(&o.run);
        let (mark, colour) = match o.passing() {
            Some(true) if o.within_chance => ("~", SLOW),
            Some(true) => ("✔", OK),
            Some(false) => ("✖", FAIL),
            None => ("…", MUTED),
        };
        let value = if o.mostly_failed() {
            "most requests failed".to_string()
        } else if o.late_ones_break() {
            format!("{} still waiting", o.late_waiting)
        } else {
            format_metric(shown.metric, shown.value)
        };
        let waiting =
            if o.run.metric.is_percentile() && o.run.of.is_none() && view.waiting.count > 0 {
                format!(
                    ", counting the {} requests still waiting at their age so far, as Submit does",
                    view.waiting.count
                )
            } else {
                String::new()
            };
        let hover = format!(
            "{}\nLast simulated second: {}\nWhole run since warm-up: {} ({}{waiting})",
            help::OBJECTIVES,
            o.now
                .as_ref()
                .map_or("n/a".into(), |r| format_metric(r.metric, r.value)),
            format_metric(o.run.metric, o.run.value),
            if o.run.pass { "pass" } else { "fail" },
        );
        let latency = is_latency(o.run.metric);
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("{mark} {}", o.text)).color(colour))
                .on_hover_text(&hover);
            let mut figure = RichText::new(value).color(colour).strong();
            if latency {
                figure = figure.underline();
            }
            let r = ui.add(egui::Label::new(figure).sense(egui::Sense::click()));
            if latency {
                let r = r.on_hover_text(format!("{hover}\n{}", help::TO_WATERFALL));
                if r.clicked() {
                    *waterfall = Some(0);
                }
            } else {
                r.on_hover_text(&hover);
            }
        });
        if let Some(c) = o.coverage() {
            ui.add(egui::Label::new(RichText::new(c).small().color(MUTED)).wrap())
                .on_hover_text(&hover);
        }
    }
    let mut out = Vec::new();
    let cause = view
        .what_happened
        .iter()
        .any(|h| h.kind == HappeningKind::Cause);
    if cause
        && view.objectives.iter().any(|o| !o.run.pass)
        && ui
            .button(RichText::new("Why? What happened").color(FAIL))
            .on_hover_text("The run's account in the inspector: what broke first and what to try.")
            .clicked()
    {
        out.push(UiAction::Select(None));
        // In build mode the build inspector lets go of its node too.
        out.push(UiAction::Editor(EditorCommand::Focus(None)));
    }
    out
}

/// Whether an objective's figure is a request latency.
fn is_latency(m: ObjectiveMetric) -> bool {
    matches!(
        m,
        ObjectiveMetric::P50
            | ObjectiveMetric::P95
            | ObjectiveMetric::P99
            | ObjectiveMetric::P999
            | ObjectiveMetric::MeanLatency
    )
}

/// The path below `scenarios/` (wherever the folder is), else the whole.
fn short(p: &std::path::Path) -> String {
    let s = p.display().to_string();
    s.rfind("scenarios/")
        .map_or(s.clone(), |at| s[at + "scenarios/".len()..].to_string())
}
