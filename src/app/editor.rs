//! The editor in the window: build mode, the design being edited (undo, redo, copy, paste, save), and the run rebuilt from its sketch after each change of shape.

use std::path::PathBuf;

use bevy::prelude::*;

use crate::app::bridge::SimBridge;
use crate::app::editor_live;
use crate::app::view::View;
use crate::campaign::Level;
use crate::campaign::edit_rules;
use crate::report::atomic::write_atomic;
use crate::scenario::edit::{Design, EdgeKind, Edit, History, Part, Table, sandbox_prices};
use crate::scenario::{self, Diagnostic};
use crate::sim::Model;

/// The editor's state (a resource; off until the learner opens it).
#[derive(Resource, Default)]
pub struct Editor {
    /// Build mode: the panels edit the design, drags move and connect.
    pub on: bool,
    pub history: Option<History>,
    /// The loader's problems with the design as it stands.
    pub problems: Vec<Diagnostic>,
    /// Nodes and sources not drawn because a problem names them.
    pub left_out: Vec<String>,
    /// What the build inspector shows (a node or a traffic source).
    pub focus: Option<Part>,
    /// Where Save writes (typed in the Build panel).
    pub save_path: String,
    /// A copied node (Ctrl+C), pasted by Ctrl+V.
    pub clipboard: Option<Table>,
    /// The last refusal or save, shown in the Build panel.
    pub message: Option<String>,
    /// A typed field refused in place (the loader cannot read it), shown
    /// under that field: (part, field path, why).
    pub refused_field: Option<(Part, String, String)>,
    /// The edge kind a Shift+drag makes (`None`: the node's usual one).
    pub connect_kind: Option<EdgeKind>,
    /// A change that would lose unsaved edits, waiting for "discard".
    pub confirm: Option<EditorCommand>,
    /// The campaign level being played, whose rules hold here (`None`: a
    /// sandbox). Set before each command from the open level.
    pub level: Option<Level>,
    /// Where the picture shows each node (id, `pos` as in a file: x right,
    /// y down), set before each command: Save writes these places for the
    /// nodes that have none, so the design reopens as the learner left it.
    pub shown: Vec<(String, [f64; 2])>,
    /// The editor paused the run because the design was not valid; it
    /// plays again once it is.
    paused_it: bool,
}

/// What the Build panel, keys and gestures ask of the editor.
#[derive(Clone, Debug, PartialEq)]
pub enum EditorCommand {
    /// Open build mode on the design as it runs now (tuned).
    Start,
    /// Leave build mode (the design stays as built).
    Stop,
    /// A blank canvas (asks first if there are unsaved edits).
    New,
    Edit(Edit),
    Undo,
    Redo,
    /// Copy the focused node.
    Copy,
    Paste,
    /// Write the design to `save_path`.
    Save,
    /// The pending change, unsaved edits discarded.
    Discard,
    /// Keep the unsaved edits (the pending change is dropped).
    Keep,
    /// Save the edits, then do the pending change (not if saving failed).
    SaveAndGo,
    /// Open another scenario file (asks first if there are unsaved edits);
    /// build mode ends on the file opened.
    Open(PathBuf),
    /// Where Save writes.
    SetSavePath(String),
    /// What the build inspector shows.
    Focus(Option<Part>),
}

impl Editor {
    /// The last message when it tells a change refused (not a save or a
    /// copy): the design is as it was.
    pub fn refusal(&self) -> Option<&str> {
        let m = self.message.as_deref()?;
        (!(m.starts_with("saved") || m.starts_with("copied"))).then_some(m)
    }

    /// Does `cmd`; a change of shape rebuilds the run from time 0 on the
    /// same seed (paused, with the reason, while the design has problems).
    pub fn command(&mut self, cmd: EditorCommand, bridge: &mut SimBridge, view: &mut View) {
        match cmd {
            EditorCommand::Start => self.start(bridge),
            EditorCommand::Stop => self.stop(view),
            EditorCommand::New => self.unless_unsaved(EditorCommand::New, |ed| {
                let blank = Design::blank("my design").with_prices(sandbox_prices());
                ed.history = Some(History::new(blank));
                // A blank canvas is no file's design, and no level's: the
                // campaign leaves the level and its rules stop here.
                bridge.file = None;
                ed.level = None;
                ed.on = true;
                ed.focus = None;
                ed.save_path = "designs/my-design.toml".into();
                ed.rebuild(bridge, view);
            }),
            EditorCommand::Edit(e) => self.edit(&e, bridge, view),
            EditorCommand::Undo => self.step(bridge, view, History::undo),
            EditorCommand::Redo => self.step(bridge, view, History::redo),
            EditorCommand::Copy => self.copy(),
            EditorCommand::Paste => {
                if let Some(node) = self.clipboard.clone() {
                    let offset = [40.0, 40.0];
                    self.edit(&Edit::PasteNode { node, offset }, bridge, view);
                }
            }
            EditorCommand::Save => self.save(bridge.sim.seed()),
            EditorCommand::Discard => {
                if let Some(pending) = self.confirm.take() {
                    if let Some(h) = self.history.as_mut() {
                        h.mark_saved();
                    }
                    self.command(pending, bridge, view);
                }
            }
            EditorCommand::Keep => self.confirm = None,
            EditorCommand::SaveAndGo => {
                self.save(bridge.sim.seed());
                if !self.history.as_ref().is_some_and(History::unsaved)
                    && let Some(pending) = self.confirm.take()
                {
                    self.command(pending, bridge, view);
                }
            }
            EditorCommand::Open(path) => {
                self.unless_unsaved(EditorCommand::Open(path.clone()), |ed| {
                    bridge.open_file(&path, view);
                    // The design was the old file's.
                    ed.forget();
                });
            }
            EditorCommand::SetSavePath(p) => self.save_path = p,
            EditorCommand::Focus(p) => self.focus = p,
        }
    }

    /// Runs `then` now, or (with unsaved edits) asks first.
    fn unless_unsaved(&mut self, cmd: EditorCommand, then: impl FnOnce(&mut Editor)) {
        if self.history.as_ref().is_some_and(History::unsaved) {
            self.confirm = Some(cmd);
        } else {
            then(self);
        }
    }

    /// Leaves build mode: the last edit's notice ("the run restarted", a
    /// live change) is old news once the learner is done, unless the design
    /// is still paused on its problems.
    fn stop(&mut self, view: &mut View) {
        self.on = false;
        if self.problems.is_empty() {
            view.notice = None;
        }
    }

    /// Build mode on the design as it runs now (the live changes folded in).
    fn start(&mut self, bridge: &SimBridge) {
        self.on = true;
        if self.history.is_some() {
            return;
        }
        let text = crate::app::capture::tuned_design_text(bridge)
            .unwrap_or_else(|_| scenario::to_toml(&bridge.base));
        let prices = self.level.as_ref().map(|l| l.spec.price.clone());
        match Design::from_text(&text) {
            Ok(d) => {
                let prices = prices.unwrap_or_else(sandbox_prices);
                self.history = Some(History::new(d.with_prices(prices)));
            }
            Err(e) => self.message = Some(e),
        }
        let stem = bridge
            .file
            .as_deref()
            .and_then(|f| f.file_stem())
            .map_or("my-design".into(), |s| s.to_string_lossy().into_owned());
        self.save_path = format!("designs/{stem}.toml");
    }

    fn edit(&mut self, e: &Edit, bridge: &mut SimBridge, view: &mut View) {
        let Some(h) = self.history.as_mut() else {
            self.message = Some("open the editor first (Build > Edit design)".into());
            return;
        };
        if let Some(why) = self
            .level
            .as_ref()
            .and_then(|l| edit_rules::refusal(l, h.design(), e))
        {
            self.message = Some(format!("the level does not allow it: {why}"));
            return;
        }
        self.refused_field = None;
        if let Some(why) = typo(h.design(), &self.problems, e) {
            self.message = Some(why.clone());
            if let Edit::SetField { part, path, .. } = e {
                self.refused_field = Some((part.clone(), path.clone(), why));
            }
            return;
        }
        let was_valid = self.problems.is_empty();
        match h.apply(e) {
            Ok(()) => {
                self.message = None;
                if was_valid && (self.moved(e, bridge) || self.live(e, bridge, view)) {
                    return;
                }
                if let Edit::RenameNode { to, .. } = e {
                    self.focus = Some(Part::Node(to.clone()));
                }
                // A node or source added (or pasted) is the one the learner
                // edits next (its fields in the inspector, not "Nothing
                // selected" or the node selected before).
                if matches!(e, Edit::AddNode { .. } | Edit::PasteNode { .. }) {
                    let added = self
                        .history
                        .as_ref()
                        .and_then(|h| h.design().node_ids().pop());
                    self.focus = added.map(Part::Node).or(self.focus.take());
                }
                if matches!(e, Edit::AddSource { .. }) {
                    let added = self.history.as_ref().and_then(|h| h.design().last_source());
                    self.focus = added.map(Part::Source).or(self.focus.take());
                }
                if let Edit::RemoveNode { id } = e
                    && self.focus == Some(Part::Node(id.clone()))
                {
                    self.focus = None;
                }
                self.rebuild(bridge, view);
            }
            Err(why) => self.message = Some(why),
        }
    }

    /// Applies `e` to the running simulation when the engine can (see
    /// `editor_live`): the run goes on, the change marked on the charts.
    fn live(&mut self, e: &Edit, bridge: &mut SimBridge, view: &mut View) -> bool {
        let Some(h) = &self.history else {
            return false;
        };
        let sketch = h.design().sketch("design.toml");
        let Some(model) = sketch.model.filter(|_| sketch.problems.is_empty()) else {
            return false;
        };
        let Some((cmd, label)) = editor_live::live_command(e, &model) else {
            return false;
        };
        bridge.base = model;
        bridge.apply_live(cmd, label.clone(), view);
        view.notice = Some(format!(
            "{label}: changed at {:.1} s, the run goes on (a change of shape restarts it).",
            bridge.sim.now().as_secs_f64()
        ));
        true
    }

    /// A node moved (only its `pos` changed): the engine does not see
    /// positions, so the run goes on and only the picture follows.
    fn moved(&mut self, e: &Edit, bridge: &mut SimBridge) -> bool {
        let (Edit::MoveNode { .. }, Some(h)) = (e, &self.history) else {
            return false;
        };
        let sketch = h.design().sketch("design.toml");
        let Some(model) = sketch.model.filter(|_| sketch.problems.is_empty()) else {
            return false;
        };
        bridge.base = model;
        bridge.moved += 1;
        true
    }

    fn step(&mut self, bridge: &mut SimBridge, view: &mut View, f: fn(&mut History) -> bool) {
        if self.history.as_mut().is_some_and(f) {
            self.message = None;
            self.rebuild(bridge, view);
        }
    }

    fn copy(&mut self) {
        let (Some(Part::Node(id)), Some(h)) = (&self.focus, &self.history) else {
            return;
        };
        self.clipboard = h.design().node(id).cloned();
        self.message = Some(format!("copied `{id}`: Ctrl+V pastes a copy"));
    }

    /// Writes the design with the `seed` its run has, so that it reopens
    /// (`view`, `loadlab run`) as the window ran it, not on seed 1.
    fn save(&mut self, seed: u64) {
        let Some(h) = self.history.as_mut() else {
            return;
        };
        let path = PathBuf::from(self.save_path.trim());
        if path.as_os_str().is_empty() {
            self.message = Some("type where to save first".into());
            return;
        }
        let text = with_places(&with_seed(h.design(), seed), &self.shown).text();
        let written = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| write_atomic(&path, text.as_bytes()));
        self.message = Some(match written {
            Ok(()) => {
                h.mark_saved();
                format!(
                    "saved {}: `loadlab run {}` runs it",
                    path.display(),
                    path.display()
                )
            }
            Err(e) => format!("cannot save {}: {e}", path.display()),
        });
    }

    /// The run rebuilt from the design's sketch, from 0 s on the same seed.
    fn rebuild(&mut self, bridge: &mut SimBridge, view: &mut View) {
        let Some(h) = &self.history else {
            return;
        };
        let sketch = h.design().sketch("design.toml");
        self.problems = sketch.problems;
        self.left_out = sketch.left_out;
        let name = h.design().name().unwrap_or("my design");
        bridge.base = sketch.model.unwrap_or_else(|| empty(&bridge.base, name));
        bridge.restart(false);
        bridge.reset_view(view, false);
        if self.problems.is_empty() {
            if std::mem::take(&mut self.paused_it) {
                bridge.pacing.paused = false;
                view.clock.paused = false;
            }
            view.notice = Some(format!(
                "The design changed: the run restarted from 0 s on seed {}.",
                bridge.seed
            ));
        } else {
            self.paused_it |= !bridge.pacing.paused;
            bridge.pacing.paused = true;
            view.clock.paused = true;
            view.notice = Some(format!(
                "Paused: the design is not valid yet ({} problem{}; see Build). \
                 What is drawn is the part that is.",
                self.problems.len(),
                if self.problems.len() == 1 { "" } else { "s" }
            ));
        }
    }

    /// Leaves build mode and drops the design (another file was opened;
    /// `EditorCommand::Open` asks about unsaved edits first).
    pub fn forget(&mut self) {
        *self = Editor {
            save_path: std::mem::take(&mut self.save_path),
            level: self.level.take(),
            ..Editor::default()
        };
    }

    /// The problems that name node or source `name`, as one line each.
    pub fn problems_of(&self, name: &str) -> Vec<String> {
        let node = format!("node `{name}`");
        let source = format!("workload `{name}`");
        self.problems
            .iter()
            .filter(|d| d.path.starts_with(&node) || d.path.starts_with(&source))
            .map(|d| d.message.clone())
            .collect()
    }
}

/// Why a typed field is refused in place: the loader cannot read it
/// (`replicas = "1a2"`: "expected an integer, found a string") or it
/// breaks its node anew. Such a typo left the design invalid: the run
/// paused, the node and its neighbours were drawn dashed at the bottom
/// and Submit was refused for the wrong reasons.
fn typo(design: &Design, problems: &[Diagnostic], e: &Edit) -> Option<String> {
    let Edit::SetField { part, path, .. } = e else {
        return None;
    };
    let (who, name) = match part {
        Part::Node(id) => (format!("node `{id}`"), id),
        Part::Source(name) => (format!("workload `{name}`"), name),
        Part::Scenario => return None,
    };
    let mut next = design.clone();
    next.apply(e).ok()?;
    let new = next.check("design.toml").err()?.into_iter().find(|d| {
        d.path.starts_with(&who)
            && !problems
                .iter()
                .any(|p| p.path == d.path && p.message == d.message)
    })?;
    Some(format!("`{name}.{path}` keeps its value: {}", new.message))
}

/// `design` with `[scenario] seed = seed`.
fn with_seed(design: &Design, seed: u64) -> Design {
    let mut d = design.clone();
    if let Ok(seed) = i64::try_from(seed) {
        let seed = Edit::SetField {
            part: Part::Scenario,
            path: "seed".into(),
            value: Some(scenario::edit::Value::Integer(seed)),
        };
        // A scenario table always takes a field: nothing to refuse.
        let _ = d.apply(&seed);
    }
    d
}

/// `design` with a `pos` for each node that has none, where `shown` says
/// the picture has it (build mode keeps nodes where they were drawn, which
/// is not where a fresh layout of the saved file would put them).
fn with_places(design: &Design, shown: &[(String, [f64; 2])]) -> Design {
    let mut d = design.clone();
    for (id, pos) in shown {
        let placed = d.node(id).is_none_or(|n| n.contains_key("pos"));
        if !placed {
            let moved = Edit::MoveNode {
                id: id.clone(),
                pos: *pos,
            };
            // The node exists: a position is always taken.
            let _ = d.apply(&moved);
        }
    }
    d
}

/// A model called `name` with nothing in it (a blank canvas draws
/// nothing, and tells no earlier design's story).
fn empty(like: &Model, name: &str) -> Model {
    let mut m = like.clone();
    m.name = name.to_string();
    m.story.clear();
    m.nodes.clear();
    m.workloads.clear();
    m.objectives.clear();
    m.events.clear();
    m
}
