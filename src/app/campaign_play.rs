//! The campaign in the window: which level is open, the briefing, hints, Submit (the exam graded on a worker thread), the debrief and the next level, with progress saved after each grade.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bevy::prelude::*;

use crate::app::bridge::SimBridge;
use crate::app::view::View;
use crate::campaign::{Campaign, Grade, Level, Progress, grade};
use crate::report::account::Room;
use crate::scenario;

/// Where a worker thread leaves an exam's result (or why it was refused).
pub type ExamSlot = Arc<Mutex<Option<Result<Grade, String>>>>;

/// What the campaign panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Screen {
    /// Chapters and levels, with stars and locks.
    #[default]
    Map,
    /// The open level's story, ask, objectives and rules.
    Briefing,
    /// Playing the open level (the briefing closed).
    Playing,
    /// The exam's result.
    Debrief,
}

/// What the campaign panels ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum CampaignCommand {
    ShowMap,
    /// Open a level (by id) at its briefing.
    Open(String),
    ShowBriefing,
    /// Close the briefing and play; from a map opened over the briefing,
    /// back to the briefing.
    Play,
    /// Esc on the briefing: close it and leave the run as it is, held
    /// (Play starts it), not started as Start starts it.
    CloseBriefing,
    /// Put the revealed hints' card away (Hint shows it again).
    HideHints,
    /// Close the briefing and play the design that earned the level's
    /// best grade (kept in the progress file).
    PlayBest,
    RevealHint,
    /// Grade the design as it stands now.
    Submit,
    /// The level after the open one.
    Next,
}

/// The campaign's state in the window (a resource; `campaign` is `None`
/// in a sandbox opened on a plain scenario).
#[derive(Resource, Default)]
pub struct CampaignPlay {
    pub campaign: Option<Campaign>,
    pub progress: Progress,
    pub progress_path: Option<PathBuf>,
    /// A message for the learner (progress file trouble, a refusal).
    pub message: Option<String>,
    pub screen: Screen,
    /// The open level's id.
    pub current: Option<String>,
    /// The exam running on a worker thread: its result once done.
    pub grading: Option<ExamSlot>,
    pub last_grade: Option<Grade>,
    /// The briefing paused the run: Start plays it again.
    pub paused_for_briefing: bool,
    /// The map was opened from the briefing: closing it goes back there.
    pub map_over_briefing: bool,
    /// The revealed hints' card is put away.
    pub hints_hidden: bool,
    /// The design the exam running or last refused was given, as
    /// [`design_mark`]: a refusal is about that design and goes once the
    /// design changes.
    submitted: Option<(u64, usize)>,
    refused: Option<(u64, usize)>,
}

/// Which design the window runs: its rebuilds (editor changes, restarts)
/// and its live changes so far.
fn design_mark(bridge: &SimBridge) -> (u64, usize) {
    (bridge.generation, bridge.changes.len())
}

impl CampaignPlay {
    /// The campaign in `dir` with the learner's progress (a missing file
    /// is a fresh start; a corrupt one too, said in `message`).
    pub fn load(
        dir: &std::path::Path,
        progress_path: Option<PathBuf>,
    ) -> Result<CampaignPlay, String> {
        let campaign = Campaign::load(dir)?;
        let (progress, message) = match &progress_path {
            // No file yet is a learner's first start, nothing to warn of
            // (the first grade writes it).
            Some(p) => {
                let (progress, message) = Progress::load(p);
                (progress, message.filter(|_| p.exists()))
            }
            None => (
                Progress::fresh(),
                Some("no place to keep progress: it lasts this sitting".into()),
            ),
        };
        Ok(CampaignPlay {
            campaign: Some(campaign),
            progress,
            progress_path,
            message,
            ..CampaignPlay::default()
        })
    }

    /// The open level.
    pub fn level(&self) -> Option<&Level> {
        self.campaign.as_ref()?.level(self.current.as_deref()?)
    }

    /// Whether the open level's briefing is up (over everything else).
    pub fn briefing_open(&self) -> bool {
        self.screen == Screen::Briefing && self.level().is_some()
    }

    /// Where the learner left off.
    pub fn resume_id(&self) -> Option<String> {
        Some(self.campaign.as_ref()?.resume(&self.progress)?.id.clone())
    }

    pub fn command(&mut self, cmd: CampaignCommand, bridge: &mut SimBridge, view: &mut View) {
        match cmd {
            CampaignCommand::ShowMap => {
                self.map_over_briefing = self.briefing_open();
                self.screen = Screen::Map;
            }
            CampaignCommand::Open(id) => self.open(&id, bridge, view),
            CampaignCommand::ShowBriefing => self.brief(bridge),
            CampaignCommand::Play => self.play(bridge),
            CampaignCommand::CloseBriefing => {
                self.paused_for_briefing = false;
                self.screen = Screen::Playing;
            }
            CampaignCommand::HideHints => self.hints_hidden = true,
            CampaignCommand::PlayBest => self.play_best(bridge, view),
            CampaignCommand::RevealHint => self.reveal_hint(),
            CampaignCommand::Submit => self.submit(bridge),
            CampaignCommand::Next => {
                if let Some(id) = self.next_id() {
                    self.open(&id, bridge, view);
                } else {
                    self.screen = Screen::Map;
                }
            }
        }
    }

    /// Opens level `id` (if unlocked) at its briefing, on its starting design.
    fn open(&mut self, id: &str, bridge: &mut SimBridge, view: &mut View) {
        let Some(c) = &self.campaign else {
            return;
        };
        if !c.is_unlocked(&self.progress, id) {
            self.message = Some("that level opens once the one before it has a star".into());
            return;
        }
        let Some(level) = c.level(id) else {
            return;
        };
        bridge.open_level(level.model.clone(), level.path.clone(), view);
        self.current = Some(id.to_string());
        self.last_grade = None;
        self.message = None;
        self.brief(bridge);
    }

    /// Shows the briefing with the run held still behind it: the clock
    /// starts when the learner has read what is asked.
    fn brief(&mut self, bridge: &mut SimBridge) {
        self.map_over_briefing = false;
        if !bridge.pacing.paused {
            bridge.set_paused(true);
            self.paused_for_briefing = true;
        }
        self.screen = Screen::Briefing;
    }

    /// Closes the briefing (or the debrief) and plays on, if the briefing
    /// was what paused the run.
    fn play(&mut self, bridge: &mut SimBridge) {
        if self.screen == Screen::Map && std::mem::take(&mut self.map_over_briefing) {
            self.screen = Screen::Briefing;
            return;
        }
        if std::mem::take(&mut self.paused_for_briefing) {
            bridge.set_paused(false);
        }
        self.screen = Screen::Playing;
    }

    /// Plays the open level on the design that earned its best grade, not
    /// its starting design: a learner who came back found only the
    /// starting design, their work out of reach.
    fn play_best(&mut self, bridge: &mut SimBridge, view: &mut View) {
        let Some(level) = self.level().cloned() else {
            return;
        };
        let Some((text, _)) = self.progress.best_design(&level.id) else {
            self.message = Some("no design of yours has been graded on this level yet".into());
            return;
        };
        match scenario::load_str(text, "your best design", &[]) {
            Ok(model) => {
                bridge.open_level(model, level.path.clone(), view);
                self.play(bridge);
            }
            Err(d) => {
                self.message = Some(format!(
                    "your best design no longer loads: {}",
                    scenario::render(&d)
                ));
            }
        }
    }

    /// Shows the next hint; with the hints' card put away, shows the card
    /// again first.
    fn reveal_hint(&mut self) {
        let Some(level) = self.level().cloned() else {
            return;
        };
        let shown = !self.progress.hints(&level).is_empty();
        if std::mem::take(&mut self.hints_hidden) && shown {
            return;
        }
        if self.progress.reveal_hint(&level).is_some() {
            self.save_progress();
        }
    }

    /// Grades the design as it stands (its settings now, from time 0) on
    /// a worker thread; the debrief opens when it is done.
    fn submit(&mut self, bridge: &SimBridge) {
        if self.grading.is_some() {
            return;
        }
        let Some(level) = self.level().cloned() else {
            return;
        };
        let design = match crate::app::capture::tuned_design_text(bridge).and_then(|t| {
            scenario::load_str(&t, "design.toml", &[]).map_err(|d| scenario::render(&d))
        }) {
            Ok(m) => m,
            Err(e) => {
                self.message = Some(e);
                return;
            }
        };
        let hints = self.progress.hints_used(&level.id);
        let slot = Arc::new(Mutex::new(None));
        let out = Arc::clone(&slot);
        std::thread::spawn(move || {
            let result = grade(&level, &design, hints).map_err(|r| r.to_string());
            if let Ok(mut s) = out.lock() {
                *s = Some(result);
            }
        });
        self.grading = Some(slot);
        self.submitted = Some(design_mark(bridge));
        self.message = None;
    }

    /// Refuses to grade the design the window runs, saying `why`; the
    /// refusal goes once that design changes.
    pub fn refuse(&mut self, why: String, bridge: &SimBridge) {
        self.message = Some(why);
        self.refused = Some(design_mark(bridge));
    }

    /// Takes a finished exam's result: the debrief, progress kept.
    pub fn poll(&mut self, bridge: &SimBridge) {
        let Some(slot) = &self.grading else {
            return;
        };
        let Some(result) = slot.lock().ok().and_then(|mut s| s.take()) else {
            return;
        };
        self.grading = None;
        match result {
            Ok(g) => {
                let design = crate::app::capture::tuned_design_text(bridge).unwrap_or_default();
                let kept = (self.level())
                    .map(|l| Campaign::load_default().and_then(|c| c.keeps_stars_of(l)));
                match kept {
                    Some(Err(why)) => self.message = Some(why),
                    _ => {
                        self.progress.record(&g, &design);
                        self.save_progress();
                    }
                }
                self.last_grade = Some(g);
                self.screen = Screen::Debrief;
            }
            Err(why) => {
                self.message = Some(format!("Not graded: {why}"));
                self.refused = self.submitted;
            }
        }
    }

    /// Drops a refusal once the design it was about has changed (it stayed
    /// on screen, red, over a design that had fixed it).
    fn forget_stale_refusal(&mut self, bridge: &SimBridge) {
        if self.refused.is_some_and(|m| m != design_mark(bridge)) {
            self.refused = None;
            self.message = None;
        }
    }

    fn save_progress(&mut self) {
        if let Some(p) = &self.progress_path
            && let Err(e) = self.progress.save(p)
        {
            self.message = Some(format!("progress not saved ({}): {e}", p.display()));
        }
    }

    /// Leaves the open level when the window no longer runs its file (a
    /// blank design, another file opened): its bar, Submit and rules go,
    /// the map stays one click away. Stars and hints are kept.
    pub fn follow(&mut self, bridge: &mut SimBridge) {
        let Some(level) = self.level() else {
            return;
        };
        if bridge.file.as_deref() == Some(level.path.as_path()) {
            return;
        }
        self.current = None;
        self.last_grade = None;
        self.message = None;
        // The briefing that held the run is gone with the level.
        if std::mem::take(&mut self.paused_for_briefing) {
            bridge.set_paused(false);
        }
        if matches!(self.screen, Screen::Briefing | Screen::Debrief) {
            self.screen = Screen::Playing;
        }
    }

    /// The level after the open one, if any.
    pub fn next_id(&self) -> Option<String> {
        let c = self.campaign.as_ref()?;
        let ids: Vec<&str> = c.levels().map(|l| l.id.as_str()).collect();
        let at = ids
            .iter()
            .position(|i| Some(*i) == self.current.as_deref())?;
        ids.get(at + 1).map(|s| s.to_string())
    }
}

/// Picks up finished exams each frame.
pub fn plugin(app: &mut App) {
    app.init_resource::<CampaignPlay>();
    app.add_systems(Update, (poll_grades, fit_view_to_level));
}

/// While a level's file runs, the view's account knows the level's room
/// (locks, limits, budget): its "try" lines stay within it, and the
/// inspector greys out what the level locks. Out of the level, no room.
fn fit_view_to_level(play: Res<CampaignPlay>, bridge: Res<SimBridge>, view: Option<ResMut<View>>) {
    let Some(mut view) = view else {
        return;
    };
    let level = play
        .level()
        .filter(|l| bridge.file.as_deref() == Some(l.path.as_path()));
    if view.account.has_room() != level.is_some() {
        let nodes = |l: &Level| l.model.nodes.iter().map(|n| n.id.clone()).collect();
        let room = level.map(|l| Room::new(&l.spec, l.budget(), nodes(l)));
        view.account.set_room(room);
    }
}

fn poll_grades(mut play: ResMut<CampaignPlay>, bridge: Res<SimBridge>) {
    if play.grading.is_some() {
        play.poll(&bridge);
    } else if play.refused.is_some() {
        play.forget_stale_refusal(&bridge);
    }
}
