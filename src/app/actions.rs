//! Every `UiAction` is routed here, in one place: the queue panels and keys fill, and the one match that applies each (selection, camera, export in the window; the rest to the engine bridge).

use bevy::prelude::*;

use crate::app::bridge::SimBridge;
use crate::app::campaign_play::{CampaignCommand, CampaignPlay};
use crate::app::capture::ExportRequest;
use crate::app::editor::{Editor, EditorCommand};
use crate::app::frame::FrameSet;
use crate::app::view::{UiAction, UiState, View};
use crate::app::world::WorldLayout;
use crate::campaign::Level;
use crate::scenario::edit::History;

/// What the panels and keys asked for this frame, applied at the start of
/// the next one (`FrameSet::ApplyCommands`).
#[derive(Resource, Default, Debug)]
pub struct ActionQueue(pub Vec<UiAction>);

impl ActionQueue {
    pub fn push(&mut self, action: UiAction) {
        self.0.push(action);
    }
}

/// The parts of the window, besides the engine, an action may change
/// (each absent in a test that has no such part).
#[derive(Default)]
pub struct WindowParts<'a> {
    pub state: Option<&'a mut UiState>,
    pub world: Option<&'a mut WorldLayout>,
    pub export: Option<&'a mut ExportRequest>,
    pub editor: Option<&'a mut Editor>,
    pub campaign: Option<&'a mut CampaignPlay>,
}

/// Adds the queue and its router.
pub fn plugin(app: &mut App) {
    app.init_resource::<ActionQueue>();
    app.init_resource::<Editor>();
    app.add_systems(Update, route.in_set(FrameSet::ApplyCommands));
}

/// Does what a panel asked: live changes go through `Simulation::apply`
/// at the current instant (and are marked on the charts); the clock panel
/// then shows the pause and speed as they now are.
pub fn apply(action: UiAction, bridge: &mut SimBridge, view: &mut View, window: &mut WindowParts) {
    match action {
        UiAction::Select(s) => {
            if let Some(state) = window.state.as_deref_mut() {
                state.selected = s;
            }
        }
        UiAction::FitView => {
            if let Some(world) = window.world.as_deref_mut() {
                world.fit = true;
            }
        }
        UiAction::Export => {
            if let Some(export) = window.export.as_deref_mut() {
                export.requested = true;
            }
        }
        UiAction::RecordGif => {
            if let Some(export) = window.export.as_deref_mut() {
                export.gif = true;
            }
        }
        UiAction::Campaign(cmd) => campaign(cmd, bridge, view, window),
        UiAction::Editor(cmd) => {
            if let Some(editor) = window.editor.as_deref_mut() {
                editor.level = level_played(window.campaign.as_deref(), bridge);
                if let Some(world) = window.world.as_deref() {
                    editor.shown = world.shown();
                }
                editor.command(cmd, bridge, view);
            }
            follow_level(window, bridge);
        }
        UiAction::Apply(cmd, label) => {
            let (target, value) = crate::scenario::set_target(bridge.sim.model(), &cmd);
            let play = window.campaign.as_deref();
            match locked_in_level(play, bridge, &target)
                .or_else(|| past_level_limit(play, bridge, &target, &value))
            {
                // Refused now, with the reason, rather than at Submit.
                Some(why) => view.error = Some(why),
                None => bridge.apply_live(cmd, label, view),
            }
        }
        UiAction::SetPaused(p) => bridge.set_paused(p),
        UiAction::Step => bridge.step_once(),
        UiAction::SetSpeed(s) => bridge.set_speed(s),
        UiAction::Restart => bridge.restart_view(true, view),
        UiAction::Reload => bridge.restart_view(false, view),
        UiAction::Redesign(edit, label) => {
            let target = edit.target(bridge.sim.model());
            match locked_in_level(window.campaign.as_deref(), bridge, &target) {
                Some(why) => view.error = Some(why),
                None => bridge.redesign(&edit, &label, view),
            }
        }
        UiAction::SetSeed(s) => bridge.seed = s,
        UiAction::KeepBaseline(keep) => bridge.keep_baseline(keep, view),
        UiAction::Open(path) => {
            // A level's file from the picker opens as that level.
            let level = level_of_file(window.campaign.as_deref_mut(), &path);
            if let Some((id, true)) = level {
                campaign(CampaignCommand::Open(id), bridge, view, window);
            } else {
                match window.editor.as_deref_mut() {
                    // Asks first when the design has unsaved edits.
                    Some(editor) => editor.command(EditorCommand::Open(path), bridge, view),
                    None => bridge.open_file(&path, view),
                }
                follow_level(window, bridge);
                if let Some((id, false)) = level {
                    view.notice = Some(format!(
                        "{id} is locked in the campaign until the level before it has a \
                         star: opened as a plain scenario (no Submit, no stars)"
                    ));
                }
            }
        }
        UiAction::SaveScenario => bridge.save(false, view),
        UiAction::SaveDesign => bridge.save(true, view),
    }
    view.clock.paused = bridge.pacing.paused;
    view.clock.speed_target = bridge.pacing.speed;
}

/// A campaign command; opening a level while a design is being edited
/// saves its unsaved edits first (nothing is lost; not opened if that
/// fails), and the editor then starts afresh on the level.
fn campaign(
    cmd: CampaignCommand,
    bridge: &mut SimBridge,
    view: &mut View,
    window: &mut WindowParts,
) {
    let Some(play) = window.campaign.as_deref_mut() else {
        return;
    };
    if let Some(why) = not_gradable(&cmd, window.editor.as_deref()) {
        play.refuse(why, bridge);
        return;
    }
    let opens = matches!(
        cmd,
        CampaignCommand::Open(_) | CampaignCommand::Next | CampaignCommand::PlayBest
    );
    let unsaved = |e: &Editor| e.history.as_ref().is_some_and(History::unsaved);
    if let Some(editor) = window.editor.as_deref_mut().filter(|e| opens && unsaved(e)) {
        if let Some(world) = window.world.as_deref() {
            editor.shown = world.shown();
        }
        editor.command(EditorCommand::Save, bridge, view);
        if unsaved(editor) {
            play.message = Some(format!(
                "your design's edits are not saved ({}): save them (Build) first",
                editor.message.as_deref().unwrap_or("saving failed")
            ));
            return;
        }
    }
    // A level (re)opened starts a new run of its own design, even the
    // level already open: the editor's design is no longer what runs.
    let before = bridge.generation;
    play.command(cmd, bridge, view);
    if bridge.generation != before
        && let Some(editor) = window.editor.as_deref_mut()
    {
        if let Some(saved) = editor.message.take().filter(|m| m.starts_with("saved")) {
            view.notice = Some(format!("Your design was kept: {saved}."));
        }
        editor.forget();
    }
}

/// Why Submit does not grade the editor's design: it does not load (the
/// run is only its valid part, and grading that named the wrong faults:
/// "node `chat` is removed").
fn not_gradable(cmd: &CampaignCommand, editor: Option<&Editor>) -> Option<String> {
    let problems = &editor.filter(|_| *cmd == CampaignCommand::Submit)?.problems;
    let first = problems.first()?;
    Some(format!(
        "Not graded: the design does not load yet ({} problem{}; see Build): {}: {}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        first.path,
        first.message
    ))
}

/// The id of the campaign level whose file `path` is, and whether the
/// learner may open it (a locked one opens as a plain scenario: no
/// Submit, no stars). The campaign the file belongs to is loaded when the
/// window has none (a sandbox).
fn level_of_file(
    play: Option<&mut CampaignPlay>,
    path: &std::path::Path,
) -> Option<(String, bool)> {
    let play = play?;
    let wanted = path.canonicalize().ok()?;
    let known = |p: &CampaignPlay| {
        let c = p.campaign.as_ref()?;
        c.levels()
            .find(|l| l.path.canonicalize().ok().as_ref() == Some(&wanted))
            .map(|l| l.id.clone())
    };
    let id = match known(play) {
        Some(id) => id,
        None => {
            let (c, id) = crate::campaign::Campaign::of_file(path).ok()??;
            let progress = crate::campaign::Progress::default_path();
            *play = CampaignPlay::load(&c.root, progress).ok()?;
            // Not the map, unasked: the level opens, or the file does.
            play.screen = crate::app::campaign_play::Screen::Playing;
            id
        }
    };
    let open = (play.campaign.as_ref()).is_some_and(|c| c.is_unlocked(&play.progress, &id));
    Some((id, open))
}

/// The campaign leaves its level once the window runs another design.
fn follow_level(window: &mut WindowParts, bridge: &mut SimBridge) {
    if let Some(play) = window.campaign.as_deref_mut() {
        play.follow(bridge);
    }
}

/// The campaign level whose file the window runs (its rules hold in the
/// editor), if any.
fn level_played(play: Option<&CampaignPlay>, bridge: &SimBridge) -> Option<Level> {
    let level = play?.level()?;
    (bridge.file.as_deref() == Some(level.path.as_path())).then(|| level.clone())
}

/// Why the level being played does not let a change of `target`
/// (`node.field`, as `--set` names it) through: a locked field of one of
/// its nodes, or its traffic; `None` outside a level, for a node the
/// learner added, and for chaos.
fn locked_in_level(
    play: Option<&CampaignPlay>,
    bridge: &SimBridge,
    target: &str,
) -> Option<String> {
    let level = level_played(play, bridge)?;
    let (node, field) = target.split_once('.')?;
    if node == "workload" {
        return Some(format!(
            "`{target}` is the level's: the exam runs its own traffic"
        ));
    }
    level.model.node_index(node)?;
    let reason = level.spec.lock_reason(node, field)?;
    Some(format!(
        "`{node}.{field}` is locked in this level: {reason}"
    ))
}

/// Why the level being played refuses `target` (`node.field`) set to
/// `value` (as `--set` writes it): past one of its limits, in the exam's
/// words ("`api.replicas` = 12 is over the level's limit of 6"); `None`
/// outside a level and within its limits.
fn past_level_limit(
    play: Option<&CampaignPlay>,
    bridge: &SimBridge,
    target: &str,
    value: &str,
) -> Option<String> {
    let level = level_played(play, bridge)?;
    let (node, field) = target.split_once('.')?;
    let model = bridge.sim.model();
    let kind = model.nodes.get(model.node_index(node)?)?.kind.name();
    // "none" (no line bound, no timeout) is the field unset.
    let value = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()?
        .remove("v")
        .filter(|v| v.as_str() != Some("none"));
    let why = crate::campaign::edit_rules::live_refusal(&level, (node, kind), field, value)?;
    Some(format!(
        "{why}: refused, the run keeps its value (Submit would refuse it too)"
    ))
}

#[allow(clippy::too_many_arguments)]
fn route(
    mut queue: ResMut<ActionQueue>,
    mut bridge: ResMut<SimBridge>,
    view: Option<ResMut<View>>,
    mut state: Option<ResMut<UiState>>,
    mut world: Option<ResMut<WorldLayout>>,
    mut export: Option<ResMut<ExportRequest>>,
    mut editor: Option<ResMut<Editor>>,
    mut campaign: Option<ResMut<CampaignPlay>>,
    mut time: ResMut<Time<Virtual>>,
) {
    let Some(mut view) = view else {
        return;
    };
    let mut window = WindowParts {
        state: state.as_deref_mut(),
        world: world.as_deref_mut(),
        export: export.as_deref_mut(),
        editor: editor.as_deref_mut(),
        campaign: campaign.as_deref_mut(),
    };
    for action in std::mem::take(&mut queue.0) {
        apply(action, &mut bridge, &mut view, &mut window);
    }
    let paused = bridge.pacing.paused;
    if paused != time.is_paused() {
        if paused {
            time.pause();
        } else {
            time.unpause();
        }
    }
}

impl SimBridge {
    /// `apply` with no window parts: what a test without a window (or a
    /// caller that only drives the engine) uses.
    pub fn apply_action(&mut self, action: UiAction, view: &mut View) {
        apply(action, self, view, &mut WindowParts::default());
    }
}
