//! The campaign's panels: the map of chapters and levels (stars, locks), a level's briefing, modal until Start or Esc (story, ask, objectives, budget, what may change at the values the window runs, hints), the level bar (Hint, Submit) and the debrief with the next level.

use bevy_egui::egui::{self, RichText};

use crate::app::campaign_play::{CampaignCommand, CampaignPlay, Screen};
use crate::app::panels::{FAIL, MUTED, OK, SLOW, bottom_card, section};
use crate::app::view::{UiAction, format_metric, objective_text};
use crate::campaign::{Check, Grade, Level, SeedFigure};
use crate::report::account::HappeningKind;
use crate::report::objectives;
use crate::sim::Model;

fn cmd(c: CampaignCommand) -> UiAction {
    UiAction::Campaign(c)
}

/// `★★☆`.
pub fn stars(n: u8) -> String {
    (0..3).map(|k| if k < n { '★' } else { '☆' }).collect()
}

/// The open level's bar at the top of the left panel.
pub fn level_bar(ui: &mut egui::Ui, play: &CampaignPlay) -> Vec<UiAction> {
    let mut out = Vec::new();
    let Some(level) = play.level() else {
        if play.campaign.is_some() {
            section(ui, "Sandbox");
            ui.label(
                RichText::new("No level's rules here: every kind of node, any setting.")
                    .color(MUTED)
                    .small(),
            );
            if ui
                .button("Campaign map")
                .on_hover_text("Back to the levels (your stars are kept)")
                .clicked()
            {
                out.push(cmd(CampaignCommand::ShowMap));
            }
        }
        return out;
    };
    section(ui, &format!("Level: {}", level.title));
    ui.label(RichText::new(&level.spec.ask).color(MUTED).small());
    let best = play.progress.stars(&level.id);
    ui.label(RichText::new(format!("best {}", stars(best))).color(SLOW));
    ui.horizontal_wrapped(|ui| {
        let grading = play.grading.is_some();
        if ui
            .add_enabled(
                !grading,
                egui::Button::new(RichText::new("Submit").strong()),
            )
            .on_hover_text("Grade the design as it stands, from 0 s, on the level's exam seeds")
            .clicked()
        {
            out.push(cmd(CampaignCommand::Submit));
        }
        let left = level.spec.hints.len() as u32
            - play
                .progress
                .hints_used(&level.id)
                .min(level.spec.hints.len() as u32);
        let put_away = play.hints_hidden && !play.progress.hints(level).is_empty();
        if ui
            .add_enabled(
                left > 0 || put_away,
                egui::Button::new(format!("Hint ({left} left)")),
            )
            .on_hover_text(
                "Show the next hint over the top of the picture (hints used count toward \
                 the third star)",
            )
            .clicked()
        {
            out.push(cmd(CampaignCommand::RevealHint));
        }
        if ui.button("Briefing").clicked() {
            out.push(cmd(CampaignCommand::ShowBriefing));
        }
        if ui.button("Map").clicked() {
            out.push(cmd(CampaignCommand::ShowMap));
        }
    });
    out
}

/// The hints revealed so far, in a card over the top of the picture
/// (`world`: its rectangle; `top`: the legend's foot), with a button to
/// put it away. Under the level bar's buttons each hint pushed every
/// control below down under the pointer: the click meant for "Why?" hit
/// empty space.
pub fn hint_card(
    ctx: &egui::Context,
    play: &CampaignPlay,
    world: egui::Rect,
    top: f32,
) -> Vec<UiAction> {
    let mut out = Vec::new();
    let Some(level) = play.level() else {
        return out;
    };
    let hints = play.progress.hints(level);
    if hints.is_empty() || play.hints_hidden || play.screen != Screen::Playing {
        return out;
    }
    egui::Area::new(egui::Id::new("level-hints"))
        .order(egui::Order::Foreground)
        .fixed_pos(egui::pos2(world.min.x + 10.0, top + 6.0))
        .show(ctx, |ui| {
            ui.set_max_width((world.width() - 20.0).clamp(200.0, 460.0));
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                for (k, h) in hints.iter().enumerate() {
                    ui.label(RichText::new(format!("Hint {}: {h}", k + 1)).color(SLOW));
                }
                if ui
                    .small_button("Hide hints")
                    .on_hover_text("Hint shows them again")
                    .clicked()
                {
                    out.push(cmd(CampaignCommand::HideHints));
                }
            });
        });
    out
}

/// The exam under way, or the level's message (a refusal, progress not
/// saved): a card over the foot of the picture (`world`: its rectangle).
/// In the level bar they came and went on their own and moved every
/// control below them under the pointer.
pub fn status_card(ctx: &egui::Context, play: &CampaignPlay, world: egui::Rect) {
    let Some(level) = play.level() else {
        return;
    };
    if play.grading.is_none() && play.message.is_none() {
        return;
    }
    bottom_card(ctx, "level-status", world, |ui| {
        if play.grading.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("Grading on {} seeds…", level.seeds().len()));
            });
        }
        if let Some(m) = &play.message {
            ui.label(RichText::new(m).color(FAIL));
        }
    });
}

/// The map, briefing or debrief, whichever is up; `design` is the design
/// the window runs (the briefing's "now" values are its own).
pub fn windows(ctx: &egui::Context, play: &CampaignPlay, design: &Model) -> Vec<UiAction> {
    let mut out = Vec::new();
    if play.campaign.is_none() {
        return out;
    }
    match play.screen {
        Screen::Playing => return out,
        Screen::Briefing => return briefing_modal(ctx, play, design),
        Screen::Map => return map_modal(ctx, play),
        Screen::Debrief => {}
    }
    egui::Window::new("Debrief")
        .collapsible(false)
        .resizable(false)
        .default_width(520.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, -40.0))
        .show(ctx, |ui| {
            egui::ScrollArea::vertical()
                .max_height(520.0)
                .show(ui, |ui| {
                    if let Some(g) = &play.last_grade {
                        debrief(ui, play, g, &mut out);
                    }
                });
        });
    // Esc: back to the level, as "Try again".
    let escape = || ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape));
    if out.is_empty() && play.current.is_some() && escape() {
        out.push(cmd(CampaignCommand::Play));
    }
    out
}

/// The briefing over the whole window: nothing under it takes a click or
/// a shortcut until Start closes it (and plays), or Esc (the run stays
/// held: Play starts it), or Map opens the map (which comes back here).
fn briefing_modal(ctx: &egui::Context, play: &CampaignPlay, design: &Model) -> Vec<UiAction> {
    let mut out = Vec::new();
    let Some(level) = play.level() else {
        return out;
    };
    let r = egui::Modal::new(egui::Id::new("briefing"))
        .backdrop_color(egui::Color32::from_black_alpha(160))
        .show(ctx, |ui| {
            ui.set_width(480.0);
            ui.label(RichText::new("Briefing").color(MUTED));
            // A fixed height: opening "N settings locked" scrolls inside
            // it instead of growing the (centred) briefing, which moved
            // Start from under the pointer.
            // (Allocated at its size from the first frame: a scroll area
            // left to fill the modal grew with it over several frames.)
            ui.allocate_ui(egui::vec2(480.0, 520.0), |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| briefing(ui, level, design));
            });
            briefing_footer(ui, play, level, &mut out);
        });
    let escape = || ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape));
    if out.is_empty() && r.is_top_modal && !r.any_popup_open && escape() {
        out.push(cmd(CampaignCommand::CloseBriefing));
    }
    out
}

/// The map over the whole window, like the briefing: with a level open,
/// Esc, a click beside it or "Back to the level" (at its top, not past
/// nine chapters) close it. As a plain window it stayed up on Esc and a
/// click beside it selected a node in the picture behind.
fn map_modal(ctx: &egui::Context, play: &CampaignPlay) -> Vec<UiAction> {
    let mut out = Vec::new();
    let r = egui::Modal::new(egui::Id::new("campaign-map"))
        .backdrop_color(egui::Color32::from_black_alpha(160))
        .show(ctx, |ui| {
            ui.set_width(460.0);
            ui.horizontal(|ui| {
                ui.label(RichText::new("Campaign").strong().size(17.0));
                let back = if play.map_over_briefing {
                    "Back to the briefing"
                } else {
                    "Back to the level"
                };
                if play.current.is_some()
                    && ui
                        .button(back)
                        .on_hover_text("Esc, or a click beside the map")
                        .clicked()
                {
                    out.push(cmd(CampaignCommand::Play));
                }
            });
            egui::ScrollArea::vertical()
                .max_height(560.0)
                .show(ui, |ui| map(ui, play, &mut out));
        });
    if out.is_empty() && play.current.is_some() && r.should_close() {
        out.push(cmd(CampaignCommand::Play));
    }
    out
}

fn map(ui: &mut egui::Ui, play: &CampaignPlay, out: &mut Vec<UiAction>) {
    let Some(c) = &play.campaign else {
        return;
    };
    if let Some(m) = &play.message {
        ui.label(RichText::new(m).color(MUTED).small());
    }
    for (n, chapter) in c.chapters.iter().enumerate() {
        ui.label(
            RichText::new(format!("{}. {}", n + 1, chapter.title))
                .strong()
                .size(15.0),
        );
        ui.label(RichText::new(&chapter.about).color(MUTED).small());
        ui.horizontal_wrapped(|ui| {
            for (k, level) in chapter.levels.iter().enumerate() {
                let open = c.is_unlocked(&play.progress, &level.id);
                let s = play.progress.stars(&level.id);
                let label = if open {
                    format!("{}.{} {}  {}", n + 1, k + 1, level.title, stars(s))
                } else {
                    format!("{}.{} {}  (locked)", n + 1, k + 1, level.title)
                };
                let b = ui
                    .add_enabled(open, egui::Button::new(label))
                    .on_disabled_hover_text("Opens once the level before it has a star");
                if b.clicked() {
                    out.push(cmd(CampaignCommand::Open(level.id.clone())));
                }
            }
        });
        ui.add_space(6.0);
    }
}

/// The level's story, ask and objectives (the exam's), and what may
/// change at its value in `design` (a `--set` on the command line, a
/// change made live).
fn briefing(ui: &mut egui::Ui, level: &Level, design: &Model) {
    ui.label(RichText::new(&level.title).strong().size(17.0));
    ui.label(&level.story);
    ui.add_space(4.0);
    ui.label(RichText::new(format!("The ask: {}", level.spec.ask)).strong());
    // In the objectives panel's words (`error rate below 1%`, not
    // `error_rate below 0.01`).
    for o in &level.model.objectives {
        ui.label(format!("• {}", objective_text(&objectives::unjudged(o))));
    }
    ui.label(format!(
        "Budget ${:.2}/h · par ${:.2}/h (two stars) · third star: {}",
        level.budget(),
        level.spec.par,
        level.spec.three_stars.why
    ));
    section(ui, "What you may change");
    let knobs = level.knobs_in(design);
    for k in knobs.iter().filter(|k| k.locked.is_none()) {
        let max = k.max.map(|m| format!(", at most {m}")).unwrap_or_default();
        let min = k.min.map(|m| format!(", at least {m}")).unwrap_or_default();
        let line = format!("{}.{} (now {}{min}{max})", k.node, k.field, k.value);
        ui.label(RichText::new(line).color(OK));
    }
    // Unlocked fields the starting design leaves at their default (a
    // service's unbounded queue): the lesson's knob may be one of them.
    let shown = |key: &str| {
        knobs
            .iter()
            .any(|k| format!("{}.{}", k.node, k.field) == key)
    };
    for key in level
        .spec
        .unlocked
        .iter()
        .filter(|k| !k.ends_with(".*") && !shown(k))
    {
        ui.label(RichText::new(format!("{key} (not set: its default)")).color(OK));
    }
    let limits = level.other_limits();
    if !limits.is_empty() {
        ui.label(RichText::new(format!("Limits: {}", limits.join(" · "))).color(OK));
    }
    if !level.spec.add.is_empty() {
        ui.label(RichText::new(format!("You may add: {}", level.spec.add.join(", "))).color(OK));
    }
    let locked: Vec<_> = knobs.iter().filter(|k| k.locked.is_some()).collect();
    ui.collapsing(format!("{} settings locked", locked.len()), |ui| {
        for k in locked {
            let why = k.locked.as_deref().unwrap_or_default();
            ui.label(
                RichText::new(format!("{}.{}: {why}", k.node, k.field))
                    .color(MUTED)
                    .small(),
            );
        }
    });
}

/// Under the briefing's scrolled text, always in sight: how it is graded,
/// and Start (a long briefing hid it below the fold at 1280×800).
fn briefing_footer(ui: &mut egui::Ui, play: &CampaignPlay, level: &Level, out: &mut Vec<UiAction>) {
    ui.separator();
    ui.label(
        RichText::new(format!(
            "Submit grades your design from 0 s on {} seeds; best so far {}.",
            level.seeds().len(),
            stars(play.progress.stars(&level.id))
        ))
        .color(MUTED),
    );
    ui.horizontal_wrapped(|ui| {
        if ui.button(RichText::new("Start").strong()).clicked() {
            out.push(cmd(CampaignCommand::Play));
        }
        if let Some((_, cost)) = play.progress.best_design(&level.id) {
            let cost = cost.map_or(String::new(), |c| format!(", ${c:.2}/h"));
            let label = format!(
                "Start from my best design ({}{cost})",
                stars(play.progress.stars(&level.id))
            );
            if ui
                .button(label)
                .on_hover_text("The design that earned your best grade here, as you submitted it")
                .clicked()
            {
                out.push(cmd(CampaignCommand::PlayBest));
            }
        }
        if ui
            .button("Campaign map")
            .on_hover_text("The campaign's levels (closing the map comes back here)")
            .clicked()
        {
            out.push(cmd(CampaignCommand::ShowMap));
        }
    });
    ui.label(
        RichText::new("Esc closes the briefing with the clock still held: Play starts it.")
            .color(MUTED)
            .small(),
    );
}

/// One seed's figure as the objectives list formats it, and how far it
/// missed (`83.9 ms (missed by 33.9 ms)`, `33.14% (missed by 32.14%)`);
/// as `grade` prints it for a check the window cannot word.
fn seed_figure(c: &Check, s: &SeedFigure) -> String {
    let Some(o) = &c.objective else {
        return c.figure(s);
    };
    let v = format_metric(o.metric, s.value);
    match s.missed_by {
        // A figure on its bound (a bill summed to 0.30000000000000004).
        Some(m) if m.abs() < 1e-9 => format!("{v} (on the bound: must be beyond it)"),
        Some(m) => format!("{v} (missed by {})", format_metric(o.metric, Some(m))),
        None if s.pass => v,
        None => format!("{v} (miss)"),
    }
}

/// What happened on the level's seed: why and what to try, open on a miss
/// (of an objective, or of the par: "over par (the second star): ...").
fn why(ui: &mut egui::Ui, g: &Grade) {
    let lines: Vec<_> = g
        .what_happened
        .iter()
        .filter(|h| matches!(h.kind, HappeningKind::Cause | HappeningKind::Suggestion))
        .collect();
    if lines.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(format!("What happened on seed {}", g.told_seed))
        .default_open(g.stars < 2)
        .show(ui, |ui| {
            for h in lines {
                let (tag, colour) = match h.kind {
                    HappeningKind::Cause => ("why", FAIL),
                    _ => ("try", OK),
                };
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(tag).color(colour).strong());
                    ui.label(format!(
                        "{:.1} s  {}",
                        h.at.as_secs_f64(),
                        h.text.replace('→', "->")
                    ));
                });
            }
        });
}

fn debrief(ui: &mut egui::Ui, play: &CampaignPlay, g: &Grade, out: &mut Vec<UiAction>) {
    let colour = if g.passed { OK } else { FAIL };
    ui.label(
        RichText::new(format!(
            "{}  {}",
            stars(g.stars),
            if g.passed { "Passed" } else { "Not yet" }
        ))
        .color(colour)
        .size(22.0),
    );
    ui.label(
        RichText::new(format!(
            "The exam: one whole run from 0 s per seed {:?}, each figure by its seed \
             (the window's \"run so far\" is your run's); highest cost ${:.2}/h",
            g.seeds, g.cost
        ))
        .color(MUTED),
    );
    egui::Grid::new("checks").striped(true).show(ui, |ui| {
        let rows = g
            .objectives
            .iter()
            .map(|c| (c, ""))
            .chain([(&g.par, "(par) 2nd star")])
            .chain(g.three_stars.iter().map(|c| (c, "3rd star")))
            // The second exam, with the level's extra fault: as `grade`
            // prints it (the window left these rows out).
            .chain(g.extra_fault.iter().map(|c| (c, "3rd star, extra fault")));
        for (c, tag) in rows {
            ui.label(
                RichText::new(if c.pass { "pass" } else { "miss" }).color(if c.pass {
                    OK
                } else {
                    FAIL
                }),
            );
            // Worded and formatted as the objectives list (and the end
            // card) word them: "error rate below 1%", "33.14%".
            let label = c.objective.as_ref().map_or(c.label.clone(), objective_text);
            ui.label(format!("{label} {tag}"));
            let figs: Vec<String> = (c.per_seed.iter())
                .map(|s| format!("{}: {}", s.seed, seed_figure(c, s)))
                .collect();
            ui.label(RichText::new(figs.join(" · ")).small());
            ui.end_row();
        }
    });
    ui.add_space(4.0);
    ui.label(&g.debrief);
    why(ui, g);
    ui.horizontal(|ui| {
        if g.passed
            && play.next_id().is_some()
            && ui.button(RichText::new("Next level").strong()).clicked()
        {
            out.push(cmd(CampaignCommand::Next));
        }
        if ui.button("Try again").clicked() {
            out.push(cmd(CampaignCommand::Play));
        }
        if ui.button("Map").clicked() {
            out.push(cmd(CampaignCommand::ShowMap));
        }
    });
}
