//! The scenario panel: picker over `scenarios/**/*.toml`, title, story, and the objectives with live pass/fail.

use bevy_egui::egui::{self, RichText};

use crate::app::editor::EditorCommand;
use crate::app::help;
use crate::app::panels::bill::bill;
use crate::app::panels::{FAIL, MUTED, OK, SLOW, section};
use crate::app::view::{ObjectiveView, UiAction, UiState, View, format_metric, trim};
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
    objectives(ui, view, &mut state.waterfall);
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
        why_button(ui, view, &mut out);
    });
    out
}

/// The objectives, each marked by the last simulated second (✔ ✖ ~), with
/// two labelled figures: "now" (that second) and "run so far" (since
/// warm-up, as Submit's exam and the end-of-run card judge it). A latency
/// figure is a link to the waterfall of the slowest requests.
pub fn objectives(ui: &mut egui::Ui, view: &View, waterfall: &mut Option<usize>) {
    if view.objectives.is_empty() {
        return;
    }
    section(ui, "Objectives").on_hover_text(help::OBJECTIVES);
    for o in &view.objectives {
        objective_row(ui, view, o, waterfall);
    }
}

/// "Why?", red once an objective fails and the account has a cause:
/// the run's account in the inspector. Always in the row (appearing under
/// the objectives, it pushed the buttons below it down under the
/// pointer), and always answering: with nothing failed, the account says
/// so ("nothing broke", "Nothing yet"); greyed, it was a dead click.
fn why_button(ui: &mut egui::Ui, view: &View, out: &mut Vec<UiAction>) {
    let cause = view
        .what_happened
        .iter()
        .any(|h| h.kind == HappeningKind::Cause);
    let failed = cause && view.objectives.iter().any(|o| !o.run.pass);
    let text = RichText::new("Why?");
    let hover = if failed {
        "What happened: the run's account in the inspector, what broke first and what to try."
    } else {
        "Nothing to explain yet: no objective has failed. The inspector's account says what \
         happened so far."
    };
    if ui
        .button(if failed { text.color(FAIL) } else { text })
        .on_hover_text(hover)
        .clicked()
    {
        out.push(UiAction::Select(None));
        // In build mode the build inspector lets go of its node too.
        out.push(UiAction::Editor(EditorCommand::Focus(None)));
    }
}

/// One objective: its mark and wording, then its figures now and over the
/// run, each in its own colour; the coverage line under them.
fn objective_row(ui: &mut egui::Ui, view: &View, o: &ObjectiveView, waterfall: &mut Option<usize>) {
    let (mark, colour) = match o.passing() {
        Some(true) if o.within_chance => ("~", SLOW),
        Some(true) => ("✔", OK),
        Some(false) => ("✖", FAIL),
        None => ("…", MUTED),
    };
    let hover = objective_hover(view, o);
    let latency = is_latency(o.run.metric);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(format!("{mark} {}", o.text)).color(colour))
            .on_hover_text(&hover);
    });
    ui.horizontal_wrapped(|ui| {
        ui.add_space(12.0);
        let now = now_figure(o, stale(view, o)).map(|t| (t, colour));
        let run = (run_text(view, o), run_colour(o));
        for (k, (text, c)) in now.into_iter().chain([run]).enumerate() {
            if k > 0 {
                ui.label(RichText::new("·").color(MUTED));
            }
            let mut figure = RichText::new(text).color(c).strong();
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
        }
    });
    if let Some(c) = o.coverage() {
        ui.add(egui::Label::new(RichText::new(c).small().color(MUTED)).wrap())
            .on_hover_text(&hover);
    }
}

/// Whether the objective's "now" figure was measured in a second that
/// closed before the last change (paused after it): a cost is the
/// design's own figure and is never stale.
fn stale(view: &View, o: &ObjectiveView) -> bool {
    o.run.metric != ObjectiveMetric::CostPerHour && view.measured_before_change().is_some()
}

/// `now: 51.67%` (the last simulated second), or what broke it then;
/// `before your change: 51.67%` when that second closed before the last
/// change; `None` for a figure a second does not have (a node's, before
/// the first second closes).
fn now_figure(o: &ObjectiveView, stale: bool) -> Option<String> {
    let value = if o.mostly_failed() {
        "most requests failed".to_string()
    } else if o.late_ones_break() {
        format!("{} still waiting", o.late_waiting)
    } else {
        let now = o.now.as_ref().filter(|r| r.value.is_some())?;
        format_metric(now.metric, now.value)
    };
    let when = if stale { "before your change" } else { "now" };
    Some(format!("{when}: {value}"))
}

/// `run so far: 9.62%`: since warm-up, requests still waiting at their age
/// (the figure Submit's exam judges and the end-of-run card quotes).
pub fn run_figure(o: &ObjectiveView) -> String {
    format!("run so far: {}", format_metric(o.run.metric, o.run.value))
}

/// [`run_figure`], or during the warm-up, before the run has a figure,
/// when it will have one: `run so far: after the 5 s warm-up`.
fn run_text(view: &View, o: &ObjectiveView) -> String {
    let warmup = view.model.warmup;
    if o.run.value.is_none() && view.now < warmup {
        return format!(
            "run so far: after the {} s warm-up",
            trim(warmup.as_secs_f64())
        );
    }
    run_figure(o)
}

/// Green or red as the run so far holds the objective; grey before it has
/// a figure.
fn run_colour(o: &ObjectiveView) -> egui::Color32 {
    match o.run.value {
        None => MUTED,
        Some(_) if o.run.pass => OK,
        Some(_) => FAIL,
    }
}

/// What the two figures are, for the hover.
fn objective_hover(view: &View, o: &ObjectiveView) -> String {
    let waiting = if o.run.metric.is_percentile() && o.run.of.is_none() && view.waiting.count > 0 {
        format!(
            ", counting the {} requests still waiting at their age so far, as Submit does",
            view.waiting.count
        )
    } else {
        String::new()
    };
    let before = match view.measured_before_change() {
        Some(at) if stale(view, o) => format!(
            " (it closed before your change at {:.1} s: the next second shows its effect)",
            at.as_secs_f64()
        ),
        _ => String::new(),
    };
    format!(
        "{}\nnow: the last simulated second{before}: {}\nrun so far: since warm-up: {} ({}{waiting})",
        help::OBJECTIVES,
        o.now
            .as_ref()
            .map_or("n/a".into(), |r| format_metric(r.metric, r.value)),
        format_metric(o.run.metric, o.run.value),
        if o.run.pass { "pass" } else { "fail" },
    )
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
