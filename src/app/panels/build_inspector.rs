//! The build inspector: every field of a node or traffic source, typed in place; its edges, each call's policies (timeout, retry, breaker, pool, ...); rename, delete.

use bevy_egui::egui::{self, RichText};

use crate::app::editor::{Editor, EditorCommand};
use crate::app::panels::{FAIL, MUTED, section};
use crate::app::view::{UiAction, View};
use crate::scenario::edit::{CALL_FIELDS, Design, EdgeKind, Edit, Part, Table, Value, edge_kinds};

fn cmd(c: EditorCommand) -> UiAction {
    UiAction::Editor(c)
}

fn edit(e: Edit) -> UiAction {
    cmd(EditorCommand::Edit(e))
}

/// The right panel in build mode: the focused node or source, every field;
/// with nothing focused, the design's objectives and the run's account.
pub fn build_inspector(ui: &mut egui::Ui, editor: &Editor, view: &View) -> Vec<UiAction> {
    let mut out = Vec::new();
    let Some(h) = &editor.history else {
        return out;
    };
    let design = h.design();
    match &editor.focus {
        Some(Part::Node(id)) if design.node(id).is_some() => node(ui, design, editor, id, &mut out),
        Some(Part::Source(name)) if design.source_index(name).is_some() => {
            source(ui, design, editor, name, &mut out);
        }
        _ => {
            section(ui, "Nothing selected");
            ui.label(RichText::new("Click a node to edit it, or add one from Build.").color(MUTED));
            let own = editor.level.is_none();
            out.extend(crate::app::panels::build_objectives::objectives(
                ui, design, own,
            ));
            // "Why?" shows it while editing too.
            out.extend(crate::app::panels::happened::what_happened(ui, view, None));
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
    edges(ui, design, editor, (id, &kind), table, out);
    section(ui, "Fields");
    let at = Field::new(Part::Node(id.into()), String::new(), editor);
    fields(
        ui,
        &at,
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
        &[],
        out,
    );
}

fn source(
    ui: &mut egui::Ui,
    design: &Design,
    editor: &Editor,
    name: &str,
    out: &mut Vec<UiAction>,
) {
    section(ui, &format!("{name} · traffic source"));
    if ui.button("Delete").clicked() {
        out.push(edit(Edit::RemoveSource { name: name.into() }));
    }
    let Some(table) = design.source_table(name) else {
        return;
    };
    sends_to(ui, design, name, table, out);
    let at = Field::new(Part::Source(name.into()), String::new(), editor);
    fields(ui, &at, table, &["name", "to"], &[], out);
}

/// The node a traffic source's requests enter, picked from the design's
/// nodes (a source added before any node has none yet).
fn sends_to(
    ui: &mut egui::Ui,
    design: &Design,
    name: &str,
    table: &Table,
    out: &mut Vec<UiAction>,
) {
    let now = table.get("to").and_then(Value::as_str);
    ui.horizontal(|ui| {
        ui.label(RichText::new("sends to").color(MUTED));
        egui::ComboBox::from_id_salt(("sends-to", name))
            .selected_text(now.unwrap_or("nowhere yet: pick a node"))
            .show_ui(ui, |ui| {
                for id in design.node_ids() {
                    if ui.selectable_label(now == Some(id.as_str()), &id).clicked() {
                        out.push(edit(Edit::Connect {
                            from: name.into(),
                            to: id,
                            kind: EdgeKind::Entry,
                            when: None,
                        }));
                    }
                }
            });
    });
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
    editor: &Editor,
    (id, kind): (&str, &str),
    table: &Table,
    out: &mut Vec<UiAction>,
) {
    let kinds = edge_kinds(kind);
    if kinds.is_empty() {
        return;
    }
    section(ui, "Edges");
    for k in kinds {
        for (i, to, when) in targets(table.get(k.field())) {
            ui.horizontal(|ui| {
                let when = when.map(|w| format!(" ({w})")).unwrap_or_default();
                ui.label(format!("{} to {to}{when}", k.name()));
                if ui
                    .small_button("x")
                    .on_hover_text("Remove this edge")
                    .clicked()
                {
                    out.push(edit(Edit::Disconnect {
                        from: id.into(),
                        to: to.clone(),
                        kind: *k,
                        index: Some(i),
                    }));
                }
            });
            if *k == EdgeKind::Call {
                let entry = table
                    .get("calls")
                    .and_then(Value::as_array)
                    .and_then(|a| a.get(i));
                call_policies(ui, editor, (id, i, &to), entry, out);
            }
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
    // Two rows of two: three combo boxes and a button side by side are
    // wider than the panel (they ran past the window's edge).
    ui.horizontal(|ui| {
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
    });
    ui.horizontal(|ui| {
        // Request types, then the design's classes.
        let whens: Vec<String> = ["every request", "read", "write"]
            .into_iter()
            .map(str::to_string)
            .chain(design.class_names())
            .collect();
        let w = when.min(whens.len() - 1);
        egui::ComboBox::from_id_salt(("when", id))
            .selected_text(whens[w].as_str())
            .show_ui(ui, |ui| {
                for (i, name) in whens.iter().enumerate() {
                    ui.selectable_value(&mut when, i, name.as_str());
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
                when: (w > 0).then(|| whens[w].clone()),
            }));
        }
    });
    ui.data_mut(|d| d.insert_temp(key, (to, k, when)));
}

/// The node ids an edge field names, with their position in the field's
/// list (0 for a single name) and their `when`.
fn targets(v: Option<&Value>) -> Vec<(usize, String, Option<String>)> {
    let one = |r: &Value| match r {
        Value::String(s) => Some((s.clone(), None)),
        Value::Table(t) => t.get("to").and_then(Value::as_str).map(|to| {
            let when = t.get("when").and_then(Value::as_str).map(str::to_string);
            (to.to_string(), when)
        }),
        _ => None,
    };
    let list: Vec<&Value> = match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    };
    list.into_iter()
        .enumerate()
        .filter_map(|(i, r)| one(r).map(|(to, when)| (i, to, when)))
        .collect()
}

/// The policies of call `i` of node `id` to `to` (timeout, retry, breaker, pool,
/// fan-out, ...), folded under its edge: each typed in place, and a row
/// to add one of the fields a call may have.
fn call_policies(
    ui: &mut egui::Ui,
    editor: &Editor,
    (id, i, to): (&str, usize, &str),
    entry: Option<&Value>,
    out: &mut Vec<UiAction>,
) {
    let empty = Table::new();
    let call = entry.and_then(Value::as_table).unwrap_or(&empty);
    let set: Vec<&str> = call
        .keys()
        .map(String::as_str)
        .filter(|k| !matches!(*k, "to" | "when"))
        .collect();
    let title = if set.is_empty() {
        format!("policies of the call to {to}: none (no timeout, no retry)")
    } else {
        format!("policies of the call to {to}: {}", set.join(", "))
    };
    egui::CollapsingHeader::new(RichText::new(title).small())
        .id_salt(("call-policies", id, i))
        .show(ui, |ui| {
            let at = Field::new(Part::Node(id.into()), format!("calls.{i}."), editor);
            fields(ui, &at, call, &["to", "when"], &CALL_FIELDS, out);
        });
}

/// Where `fields` edits: a part of the design, and the path to the table
/// in it (empty: the part's own table; `calls.1.`: its second call).
struct Field {
    part: Part,
    prefix: String,
    /// A value typed here and refused (field path, why): said under it.
    refused: Option<(String, String)>,
}

impl Field {
    fn new(part: Part, prefix: String, editor: &Editor) -> Field {
        let refused = editor
            .refused_field
            .as_ref()
            .filter(|(p, path, _)| *p == part && path.starts_with(&prefix))
            .map(|(_, path, why)| (path.clone(), why.clone()));
        Field {
            part,
            prefix,
            refused,
        }
    }

    /// Why the value last typed into field `key` was refused, if it was.
    fn refusal(&self, key: &str) -> Option<&str> {
        let (path, why) = self.refused.as_ref()?;
        (path.strip_prefix(&self.prefix) == Some(key)).then_some(why.as_str())
    }
}

/// Every field of `table` but `skip`, each a TOML value typed in place
/// (Enter applies, the loader checks), and a row to add one (named from
/// `known` when given, else typed).
fn fields(
    ui: &mut egui::Ui,
    at: &Field,
    table: &Table,
    skip: &[&str],
    known: &[&str],
    out: &mut Vec<UiAction>,
) {
    let salt = format!("{:?}{}", at.part, at.prefix);
    egui::Grid::new(("fields", &salt))
        .num_columns(2)
        .show(ui, |ui| {
            for (k, v) in table.iter().filter(|(k, _)| !skip.contains(&k.as_str())) {
                // A value refused here: its name in red, the why on hover
                // (and in the card over the picture). A line under it
                // pushed the fields below down under the pointer.
                match at.refusal(k) {
                    Some(why) => ui
                        .label(RichText::new(format!("✖ {k}")).color(FAIL))
                        .on_hover_text(why),
                    None => ui.label(RichText::new(k).color(MUTED)),
                };
                if let Some(text) = value_box(ui, (&salt, k.as_str()), &v.to_string()) {
                    out.push(set_from_text(at, k, &text));
                }
                ui.end_row();
            }
        });
    ui.horizontal(|ui| {
        let key = ui.id().with(("new-field", &salt));
        let mut name: String = ui.data(|d| d.get_temp(key)).unwrap_or_default();
        let unset: Vec<&str> = known
            .iter()
            .copied()
            .filter(|k| !skip.contains(k) && !table.contains_key(*k))
            .collect();
        if unset.is_empty() {
            ui.add(
                egui::TextEdit::singleline(&mut name)
                    .hint_text("field")
                    .desired_width(90.0),
            );
        } else {
            egui::ComboBox::from_id_salt(("new-field-name", &salt))
                .selected_text(if name.is_empty() {
                    "add…"
                } else {
                    name.as_str()
                })
                .show_ui(ui, |ui| {
                    for k in unset {
                        ui.selectable_value(&mut name, k.to_string(), k);
                    }
                });
        }
        ui.data_mut(|d| d.insert_temp(key, name.clone()));
        if let Some(text) = value_box(ui, (&salt, "+new"), "")
            && !name.trim().is_empty()
        {
            out.push(set_from_text(at, name.trim(), &text));
            ui.data_mut(|d| d.remove::<String>(key));
        }
    });
}

/// A one-line box holding `current`; the typed text when Enter is pressed.
fn value_box(ui: &mut egui::Ui, salt: (&str, &str), current: &str) -> Option<String> {
    let key = ui.id().with(("value", salt.0, salt.1));
    let mut text = ui
        .data(|d| d.get_temp::<String>(key))
        .unwrap_or_else(|| current.to_string());
    let r = ui.add(
        egui::TextEdit::singleline(&mut text)
            .desired_width(ui.available_width().clamp(60.0, 150.0)),
    );
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
fn set_from_text(at: &Field, key: &str, text: &str) -> UiAction {
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
        part: at.part.clone(),
        path: format!("{}{key}", at.prefix),
        value,
    })
}
