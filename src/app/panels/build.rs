//! The Build panel (palette, undo/redo, save, the design's problems) and the editor's keys.

use bevy::prelude::KeyCode;
use bevy_egui::egui::{self, RichText};

use crate::app::chords::Chords;
use crate::app::editor::{Editor, EditorCommand};
use crate::app::panels::{FAIL, MUTED, OK, section};
use crate::app::view::{UiAction, View};
use crate::campaign::Level;
use crate::scenario::edit::{Edit, KINDS, Part};

fn cmd(c: EditorCommand) -> UiAction {
    UiAction::Editor(c)
}

fn edit(e: Edit) -> UiAction {
    cmd(EditorCommand::Edit(e))
}

/// The Build section of the left panel.
pub fn build(ui: &mut egui::Ui, view: &View, editor: &Editor) -> Vec<UiAction> {
    let mut out = Vec::new();
    section(ui, "Build");
    let Some(h) = editor.history.as_ref().filter(|_| editor.on) else {
        ui.horizontal(|ui| {
            if ui
                .button("Edit design")
                .on_hover_text("Change the design's shape: add, wire, rename and delete nodes.")
                .clicked()
            {
                out.push(cmd(EditorCommand::Start));
            }
            let hover = "A blank canvas in a sandbox: every kind of node, no level's rules \
                         (in a level, this leaves it: your stars stay, the map brings you back)";
            if ui.button("New blank design").on_hover_text(hover).clicked() {
                out.push(cmd(EditorCommand::New));
            }
        });
        return out;
    };
    palette(ui, view, editor, &mut out);
    ui.horizontal(|ui| {
        if ui
            .add_enabled(h.can_undo(), egui::Button::new("Undo"))
            .clicked()
        {
            out.push(cmd(EditorCommand::Undo));
        }
        if ui
            .add_enabled(h.can_redo(), egui::Button::new("Redo"))
            .clicked()
        {
            out.push(cmd(EditorCommand::Redo));
        }
        if ui.button("New").clicked() {
            out.push(cmd(EditorCommand::New));
        }
        if ui.button("Done").clicked() {
            out.push(cmd(EditorCommand::Stop));
        }
    });
    if let Some(level) = &editor.level {
        level_rules(ui, level);
    }
    save_row(ui, editor, h.unsaved(), &mut out);
    problems(ui, editor, &mut out);
    ui.label(
        RichText::new(
            "Drag a node to move it; Shift+drag from one node to another, or drag from a traffic source, to wire them. \
             Delete removes, Ctrl+Z / Ctrl+Shift+Z undo and redo, Ctrl+C / Ctrl+V copy, Ctrl+S saves.",
        )
        .small()
        .color(MUTED),
    );
    out
}

/// What would lose the unsaved edits, and the three ways on: a modal over
/// the window (in the panel it pushed the palette down under the pointer
/// that had just clicked New).
pub fn confirm_modal(ctx: &egui::Context, editor: &Editor) -> Vec<UiAction> {
    let mut out = Vec::new();
    if let Some(pending) = &editor.confirm {
        let r = egui::Modal::new(egui::Id::new("unsaved-edits"))
            .show(ctx, |ui| confirm(ui, pending, &mut out));
        // Escape or a click beside it: as "Keep editing".
        if out.is_empty() && r.should_close() {
            out.push(cmd(EditorCommand::Keep));
        }
    }
    out
}

fn confirm(ui: &mut egui::Ui, pending: &EditorCommand, out: &mut Vec<UiAction>) {
    let what = match pending {
        EditorCommand::Open(p) => format!("Opening {}", p.display()),
        EditorCommand::New => "A blank design".into(),
        _ => "This".into(),
    };
    ui.label(RichText::new(format!("{what} would lose your unsaved edits.")).color(FAIL));
    ui.horizontal_wrapped(|ui| {
        if ui
            .button("Save them")
            .on_hover_text("Save to the path below, then go on")
            .clicked()
        {
            out.push(cmd(EditorCommand::SaveAndGo));
        }
        if ui.button("Discard them").clicked() {
            out.push(cmd(EditorCommand::Discard));
        }
        if ui.button("Keep editing").clicked() {
            out.push(cmd(EditorCommand::Keep));
        }
    });
}

/// One button per node kind and one for a traffic source; a new node goes
/// near the middle of what is drawn.
fn palette(ui: &mut egui::Ui, view: &View, editor: &Editor, out: &mut Vec<UiAction>) {
    ui.label(RichText::new("Add").color(MUTED));
    let level = editor.level.as_ref();
    ui.horizontal_wrapped(|ui| {
        for kind in KINDS {
            let allowed = level.is_none_or(|l| l.spec.add.iter().any(|k| k == kind));
            let name = kind.replace('_', " ");
            if ui
                .add_enabled(allowed, egui::Button::new(format!("+ {name}")))
                .on_hover_text(format!("Add a {name} to the design"))
                .on_disabled_hover_text(format!("This level does not let you add a {name}"))
                .clicked()
            {
                out.push(edit(Edit::AddNode {
                    kind: kind.into(),
                    id: None,
                    pos: None,
                }));
            }
        }
        if ui
            .add_enabled(level.is_none(), egui::Button::new("+ traffic source"))
            .on_disabled_hover_text("The level's traffic is its own")
            .clicked()
        {
            let to = match &editor.focus {
                Some(Part::Node(id)) => Some(id.clone()),
                _ => view.model.nodes.first().map(|n| n.id.clone()),
            };
            out.push(edit(Edit::AddSource {
                name: None,
                to,
                rate: 100.0,
            }));
        }
    });
}

/// The open level's rules, which hold in the editor: what may be added
/// and every limit (a change past them is refused with the reason).
fn level_rules(ui: &mut egui::Ui, level: &Level) {
    let add = if level.spec.add.is_empty() {
        "nothing".to_string()
    } else {
        level.spec.add.join(", ")
    };
    let limits = level.all_limits();
    let limits = if limits.is_empty() {
        String::new()
    } else {
        format!("; {}", limits.join(" · "))
    };
    ui.label(
        RichText::new(format!(
            "Level rules hold here: you may add {add}; locked settings stay as the level has them{limits}."
        ))
        .small()
        .color(MUTED),
    );
}

/// Room kept beside the save path's box for "Save*" and the spacing.
const SAVE_BUTTON_W: f32 = 56.0;

fn save_row(ui: &mut egui::Ui, editor: &Editor, unsaved: bool, out: &mut Vec<UiAction>) {
    ui.horizontal(|ui| {
        let key = ui.id().with("save-path");
        let mut path = ui
            .data(|d| d.get_temp::<String>(key))
            .unwrap_or_else(|| editor.save_path.clone());
        // The panel's width but the Save button's: at 150 px the path was
        // cut ("designs/url-shortener.tor").
        let width = (ui.available_width() - SAVE_BUTTON_W).max(150.0);
        let r = ui.add(egui::TextEdit::singleline(&mut path).desired_width(width));
        if r.changed() {
            ui.data_mut(|d| d.insert_temp(key, path.clone()));
        }
        let label = if unsaved { "Save*" } else { "Save" };
        if ui
            .button(label)
            .on_hover_text("Ctrl+S: write the design as TOML")
            .clicked()
        {
            ui.data_mut(|d| d.remove::<String>(key));
            out.push(edit_save_path(path));
            out.push(cmd(EditorCommand::Save));
        }
    });
    // A refusal is said over the picture (`refusal`), where it moves nothing.
    if let (None, Some(m)) = (editor.refusal(), &editor.message) {
        ui.label(RichText::new(m).color(OK));
    }
}

/// Sets where Save writes (carried as a tiny edit of the editor, not of
/// the design, so it is not undone).
fn edit_save_path(path: String) -> UiAction {
    cmd(EditorCommand::SetSavePath(path))
}

fn problems(ui: &mut egui::Ui, editor: &Editor, out: &mut Vec<UiAction>) {
    if editor.problems.is_empty() {
        ui.label(RichText::new("The design is valid: it runs.").color(OK));
        return;
    }
    ui.label(
        RichText::new(format!(
            "{} problem(s): the run is paused",
            editor.problems.len()
        ))
        .color(FAIL),
    );
    for d in editor.problems.iter().take(8) {
        let name = d.path.split('`').nth(1).map(str::to_string);
        let text = match &name {
            Some(n) => format!("{n}: {}", d.message),
            None => d.message.clone(),
        };
        let r = ui.add(
            egui::Label::new(RichText::new(text).color(FAIL).small()).sense(egui::Sense::click()),
        );
        if let Some(n) = name
            && r.clicked()
        {
            let part = if d.path.starts_with("workload") {
                Part::Source(n)
            } else {
                Part::Node(n)
            };
            out.push(cmd(EditorCommand::Focus(Some(part))));
        }
    }
}

/// The editor's keys (only in build mode, and not while typing in a box).
/// The Ctrl chords come from `chords`, read in the keyboard's own order.
pub fn keys(ctx: &egui::Context, editor: &Editor, chords: &Chords) -> Vec<UiAction> {
    let mut out = Vec::new();
    if !editor.on || ctx.egui_wants_keyboard_input() {
        return out;
    }
    if chords.pressed(KeyCode::KeyZ, false) {
        out.push(cmd(EditorCommand::Undo));
    }
    if chords.pressed(KeyCode::KeyZ, true) || chords.pressed_any(KeyCode::KeyY) {
        out.push(cmd(EditorCommand::Redo));
    }
    if chords.pressed_any(KeyCode::KeyS) {
        out.push(cmd(EditorCommand::Save));
    }
    ctx.input(|i| {
        // egui turns Ctrl+C / Ctrl+V into copy and paste events.
        let copy = i.events.iter().any(|e| matches!(e, egui::Event::Copy));
        let paste = i.events.iter().any(|e| matches!(e, egui::Event::Paste(_)));
        if copy || chords.pressed_any(KeyCode::KeyC) {
            out.push(cmd(EditorCommand::Copy));
        }
        if paste || chords.pressed_any(KeyCode::KeyV) {
            out.push(cmd(EditorCommand::Paste));
        }
        if i.key_pressed(egui::Key::Delete) {
            match &editor.focus {
                Some(Part::Node(id)) => out.push(edit(Edit::RemoveNode { id: id.clone() })),
                Some(Part::Source(n)) => out.push(edit(Edit::RemoveSource { name: n.clone() })),
                _ => {}
            }
        }
    });
    out
}
