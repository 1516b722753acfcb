//! The Build panel (palette, undo/redo, save, the design's problems) and the build inspector (every field of a node or traffic source, its edges, rename, delete), plus the editor's keys.

use bevy_egui::egui::{self, RichText};

use crate::app::editor::{Editor, EditorCommand};
use crate::app::panels::{FAIL, MUTED, OK, section};
use crate::app::view::{UiAction, View};
use crate::scenario::edit::{Design, EdgeKind, Edit, KINDS, Part, Table, Value, edge_kinds};

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
    if let Some(pending) = &editor.confirm {
        confirm(ui, pending, &mut out);
    }
    let Some(h) = editor.history.as_ref().filter(|_| editor.on) else {
        ui.horizontal(|ui| {
            if ui
                .button("Edit design")
                .on_hover_text("Change the design's shape: add, wire, rename and delete nodes.")
                .clicked()
            {
                out.push(cmd(EditorCommand::Start));
            }
            if ui.button("New blank design").clicked() {
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
    save_row(ui, editor, h.unsaved(), &mut out);
    problems(ui, editor, &mut out);
    ui.label(
        RichText::new(
            "Drag a node to move it; Shift+drag from one node to another to wire them. \
             Delete removes, Ctrl+Z / Ctrl+Shift+Z undo and redo, Ctrl+C / Ctrl+V copy, Ctrl+S saves.",
        )
        .small()
        .color(MUTED),
    );
    out
}

/// What would lose the unsaved edits, and the three ways on.
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
    ui.horizontal_wrapped(|ui| {
        for kind in KINDS {
            if ui
                .button(format!("+ {}", kind.replace('_', " ")))
                .on_hover_text(format!("Add a {} to the design", kind.replace('_', " ")))
                .clicked()
            {
                out.push(edit(Edit::AddNode {
                    kind: kind.into(),
                    id: None,
                    pos: None,
                }));
            }
        }
        if ui.button("+ traffic source").clicked() {
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

fn save_row(ui: &mut egui::Ui, editor: &Editor, unsaved: bool, out: &mut Vec<UiAction>) {
    ui.horizontal(|ui| {
        let key = ui.id().with("save-path");
        let mut path = ui
            .data(|d| d.get_temp::<String>(key))
            .unwrap_or_else(|| editor.save_path.clone());
        let r = ui.add(egui::TextEdit::singleline(&mut path).desired_width(150.0));
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
    if let Some(m) = &editor.message {
        let colour = if m.starts_with("saved") || m.starts_with("copied") {
            OK
        } else {
            FAIL
        };
        ui.label(RichText::new(m).color(colour));
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

/// The right panel in build mode: the focused node or source, every field.
pub fn build_inspector(ui: &mut egui::Ui, editor: &Editor) -> Vec<UiAction> {
    let mut out = Vec::new();
    let Some(h) = &editor.history else {
        return out;
    };
    let design = h.design();
    match &editor.focus {
        Some(Part::Node(id)) if design.node(id).is_some() => node(ui, design, editor, id, &mut out),
        Some(Part::Source(name)) if design.source_index(name).is_some() => {
            source(ui, design, name, &mut out);
        }
        _ => {
            section(ui, "Nothing selected");
            ui.label(RichText::new("Click a node to edit it, or add one from Build.").color(MUTED));
        }
    }
    out
}

fn node(ui: &mut egui::Ui, design: &Design, editor: &Editor, id: &str, out: &mut Vec<UiAction>) {
    let Some(table) = design.node(id) else {
        return;
    };
    let kind = design.kind_of(id).unwrap_or_default();
    section(ui, &format!("{id} · {}", kind.replace('_', " ")));
    for p in editor.problems_of(id) {
        ui.label(RichText::new(p).color(FAIL).small());
    }
    rename(ui, id, out);
    ui.horizontal(|ui| {
        if ui
            .button("Delete")
            .on_hover_text("Delete: remove the node and its edges")
            .clicked()
        {
            out.push(edit(Edit::RemoveNode { id: id.into() }));
        }
        if ui.button("Copy").clicked() {
            out.push(cmd(EditorCommand::Copy));
        }
    });
    edges(ui, design, id, &kind, table, out);
    section(ui, "Fields");
    fields(
        ui,
        Part::Node(id.into()),
        table,
        &[
            "id",
            "kind",
            "to",
            "calls",
            "on_miss",
            "origin",
            "subscribers",
        ],
        out,
    );
}

fn source(ui: &mut egui::Ui, design: &Design, name: &str, out: &mut Vec<UiAction>) {
    section(ui, &format!("{name} · traffic source"));
    if ui.button("Delete").clicked() {
        out.push(edit(Edit::RemoveSource { name: name.into() }));
    }
    let Some(table) = design.source_table(name) else {
        return;
    };
    fields(ui, Part::Source(name.into()), table, &["name"], out);
}

fn rename(ui: &mut egui::Ui, id: &str, out: &mut Vec<UiAction>) {
    ui.horizontal(|ui| {
        ui.label(RichText::new("id").color(MUTED));
        let key = ui.id().with(("rename", id));
        let mut text = ui
            .data(|d| d.get_temp::<String>(key))
            .unwrap_or_else(|| id.to_string());
        let r = ui.add(egui::TextEdit::singleline(&mut text).desired_width(120.0));
        if r.changed() {
            ui.data_mut(|d| d.insert_temp(key, text.clone()));
        }
        if r.lost_focus() {
            ui.data_mut(|d| d.remove::<String>(key));
            if ui.input(|i| i.key_pressed(egui::Key::Enter)) && text != id {
                out.push(edit(Edit::RenameNode {
                    from: id.into(),
                    to: text,
                }));
            }
        }
    });
}

/// The node's outgoing edges (each removable) and a row to add one.
fn edges(
    ui: &mut egui::Ui,
    design: &Design,
    id: &str,
    kind: &str,
    table: &Table,
    out: &mut Vec<UiAction>,
) {
    let kinds = edge_kinds(kind);
    if kinds.is_empty() {
        return;
    }
    section(ui, "Edges");
    for k in kinds {
        for (to, when) in targets(table.get(k.field())) {
            ui.horizontal(|ui| {
                let when = when.map(|w| format!(" ({w})")).unwrap_or_default();
                ui.label(format!("{} → {to}{when}", k.name()));
                if ui
                    .small_button("✕")
                    .on_hover_text("Remove this edge")
                    .clicked()
                {
                    out.push(edit(Edit::Disconnect {
                        from: id.into(),
                        to: to.clone(),
                        kind: *k,
                    }));
                }
            });
        }
    }
    connect_row(ui, design, id, kinds, out);
}

fn connect_row(
    ui: &mut egui::Ui,
    design: &Design,
    id: &str,
    kinds: &[EdgeKind],
    out: &mut Vec<UiAction>,
) {
    let key = ui.id().with(("connect", id));
    let (mut to, mut k, mut when): (String, usize, usize) =
        ui.data(|d| d.get_temp(key)).unwrap_or_default();
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::from_id_salt(("to", id))
            .selected_text(if to.is_empty() { "to…" } else { to.as_str() })
            .show_ui(ui, |ui| {
                for other in design.node_ids().into_iter().filter(|o| o != id) {
                    ui.selectable_value(&mut to, other.clone(), other);
                }
            });
        egui::ComboBox::from_id_salt(("kind", id))
            .selected_text(kinds[k.min(kinds.len() - 1)].name())
            .show_ui(ui, |ui| {
                for (i, kd) in kinds.iter().enumerate() {
                    ui.selectable_value(&mut k, i, kd.name());
                }
            });
        let whens = ["every request", "read", "write"];
        egui::ComboBox::from_id_salt(("when", id))
            .selected_text(whens[when.min(2)])
            .show_ui(ui, |ui| {
                for (i, w) in whens.iter().enumerate() {
                    ui.selectable_value(&mut when, i, *w);
                }
            });
        if ui
            .add_enabled(!to.is_empty(), egui::Button::new("Wire"))
            .clicked()
        {
            out.push(edit(Edit::Connect {
                from: id.into(),
                to: to.clone(),
                kind: kinds[k.min(kinds.len() - 1)],
                when: [None, Some("read"), Some("write")][when.min(2)].map(str::to_string),
            }));
        }
    });
    ui.data_mut(|d| d.insert_temp(key, (to, k, when)));
}

/// The node ids an edge field names, with their `when`.
fn targets(v: Option<&Value>) -> Vec<(String, Option<String>)> {
    let one = |r: &Value| match r {
        Value::String(s) => Some((s.clone(), None)),
        Value::Table(t) => t.get("to").and_then(Value::as_str).map(|to| {
            let when = t.get("when").and_then(Value::as_str).map(str::to_string);
            (to.to_string(), when)
        }),
        _ => None,
    };
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(one).collect(),
        Some(other) => one(other).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Every field of `table` but `skip`, each a TOML value typed in place
/// (Enter applies, the loader checks), and a row to add one.
fn fields(ui: &mut egui::Ui, part: Part, table: &Table, skip: &[&str], out: &mut Vec<UiAction>) {
    egui::Grid::new(("fields", format!("{part:?}")))
        .num_columns(2)
        .show(ui, |ui| {
            for (k, v) in table.iter().filter(|(k, _)| !skip.contains(&k.as_str())) {
                ui.label(RichText::new(k).color(MUTED));
                if let Some(text) = value_box(ui, (&part, k.as_str()), &v.to_string()) {
                    out.push(set_from_text(&part, k, &text));
                }
                ui.end_row();
            }
        });
    ui.horizontal(|ui| {
        let key = ui.id().with(("new-field", format!("{part:?}")));
        let mut name: String = ui.data(|d| d.get_temp(key)).unwrap_or_default();
        ui.add(
            egui::TextEdit::singleline(&mut name)
                .hint_text("field")
                .desired_width(90.0),
        );
        ui.data_mut(|d| d.insert_temp(key, name.clone()));
        if let Some(text) = value_box(ui, (&part, "+new"), "")
            && !name.trim().is_empty()
        {
            out.push(set_from_text(&part, name.trim(), &text));
            ui.data_mut(|d| d.remove::<String>(key));
        }
    });
}

/// A one-line box holding `current`; the typed text when Enter is pressed.
fn value_box(ui: &mut egui::Ui, salt: (&Part, &str), current: &str) -> Option<String> {
    let key = ui.id().with(("value", format!("{:?}", salt.0), salt.1));
    let mut text = ui
        .data(|d| d.get_temp::<String>(key))
        .unwrap_or_else(|| current.to_string());
    let r = ui.add(egui::TextEdit::singleline(&mut text).desired_width(150.0));
    if r.changed() {
        ui.data_mut(|d| d.insert_temp(key, text.clone()));
    }
    if r.lost_focus() {
        ui.data_mut(|d| d.remove::<String>(key));
        if ui.input(|i| i.key_pressed(egui::Key::Enter)) && text != current {
            return Some(text);
        }
    }
    None
}

/// `SetField` from typed TOML (`16`, `"5ms"`, `{ dist = "exponential", mean = "2ms" }`);
/// an empty text removes the field; text that is not TOML is kept as a string.
fn set_from_text(part: &Part, key: &str, text: &str) -> UiAction {
    let value = if text.trim().is_empty() {
        None
    } else {
        Some(
            format!("v = {text}")
                .parse::<Table>()
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or_else(|| Value::String(text.trim().to_string())),
        )
    };
    edit(Edit::SetField {
        part: part.clone(),
        path: key.into(),
        value,
    })
}

/// The editor's keys (only in build mode, and not while typing in a box).
pub fn keys(ctx: &egui::Context, editor: &Editor) -> Vec<UiAction> {
    let mut out = Vec::new();
    if !editor.on || ctx.egui_wants_keyboard_input() {
        return out;
    }
    ctx.input(|i| {
        let c = i.modifiers.command;
        if c && i.key_pressed(egui::Key::Z) {
            out.push(cmd(if i.modifiers.shift {
                EditorCommand::Redo
            } else {
                EditorCommand::Undo
            }));
        }
        if c && i.key_pressed(egui::Key::Y) {
            out.push(cmd(EditorCommand::Redo));
        }
        if c && i.key_pressed(egui::Key::S) {
            out.push(cmd(EditorCommand::Save));
        }
        // egui turns Ctrl+C / Ctrl+V into copy and paste events.
        let copy = i.events.iter().any(|e| matches!(e, egui::Event::Copy));
        let paste = i.events.iter().any(|e| matches!(e, egui::Event::Paste(_)));
        if copy || (c && i.key_pressed(egui::Key::C)) {
            out.push(cmd(EditorCommand::Copy));
        }
        if paste || (c && i.key_pressed(egui::Key::V)) {
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
