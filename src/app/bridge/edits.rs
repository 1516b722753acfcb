//! What the learner asks of the run itself: live changes, design changes, opening another file, saving.

use std::path::Path;

use crate::app::bridge::SimBridge;
use crate::app::design_edit::DesignEdit;
use crate::app::view::{ChangeMark, View};
use crate::sim::{Command, SimTime};

impl SimBridge {
    /// A live change at the current instant, recorded and marked.
    pub(crate) fn apply_live(&mut self, cmd: Command, label: String, view: &mut View) {
        let now = self.sim.now();
        if let Err(e) = self.sim.apply(cmd.clone()) {
            view.error = Some(e.to_string());
            return;
        }
        view.account.command(self.sim.model(), now, &cmd);
        self.changes.push((now, cmd));
        // One mark per moment: several changes within half a second share it.
        match view.marks.last_mut() {
            Some(m) if now.saturating_sub(m.at) < SimTime::from_millis(500) => m.label = label,
            _ => view.marks.push(ChangeMark { at: now, label }),
        }
        view.error = None;
        view.changed_at = Some(now);
        self.retune_tracing();
        view.refresh(&mut self.sim, true);
    }

    /// A design change: checked by the loader, then a restart from zero.
    pub(crate) fn redesign(&mut self, edit: &DesignEdit, label: &str, view: &mut View) {
        match edit.applied_to(&self.base) {
            Ok(model) => {
                self.base = model;
                self.restart(true);
                self.reset_view(view, true);
                view.notice = Some(format!(
                    "{label}: the design changed, so the run restarted from 0 s on seed {} \
                     with your live changes.",
                    self.seed
                ));
            }
            Err(e) => view.error = Some(format!("{label} refused:\n{e}")),
        }
    }

    /// Another scenario file, keeping the speed, pause and budget.
    pub(crate) fn open_file(&mut self, path: &Path, view: &mut View) {
        match SimBridge::open(path, &[], None) {
            Ok(mut b) => {
                b.pacing.speed = self.pacing.speed;
                b.pacing.paused = self.pacing.paused;
                b.pacing.budget = self.pacing.budget;
                b.generation = self.generation + 1;
                b.stats.totals = self.stats.totals;
                *self = b;
                self.reset_view(view, false);
            }
            Err(e) => view.error = Some(format!("cannot open {}:\n{e}", path.display())),
        }
    }

    /// A campaign level's starting design (from `path`), keeping the speed
    /// and budget; the run starts from 0 s on the level's seed.
    pub(crate) fn open_level(
        &mut self,
        model: crate::sim::Model,
        path: std::path::PathBuf,
        view: &mut View,
    ) {
        let mut b = SimBridge::new(model, None);
        b.file = Some(path);
        b.pacing.speed = self.pacing.speed;
        b.pacing.budget = self.pacing.budget;
        b.generation = self.generation + 1;
        b.stats.totals = self.stats.totals;
        *self = b;
        self.reset_view(view, false);
    }

    /// Saves the tuned scenario (replays the moves) or, with `design`, the
    /// design as tuned; says where in the export status.
    pub(crate) fn save(&mut self, design: bool, view: &mut View) {
        let dir = crate::app::capture::export_dir(self);
        let (saved, how) = if design {
            (
                crate::app::capture::save_design(self, &dir),
                "Run the design from the start",
            )
        } else {
            (
                crate::app::capture::save_scenario(self, &dir),
                "Replay this run",
            )
        };
        match saved {
            Ok(path) => {
                view.export_status = Some(format!(
                    "Saved. {how} with `loadlab run {}`.",
                    path.display()
                ));
                view.saved_scenario = Some(path);
            }
            Err(e) => view.export_status = Some(format!("Save failed: {e}")),
        }
    }

    pub(crate) fn reset_view(&mut self, view: &mut View, kept_changes: bool) {
        let scenarios = std::mem::take(&mut view.scenarios);
        let baseline = view.baseline.take();
        *view = View::new(&mut self.sim, self.file.clone());
        view.scenarios = scenarios;
        view.baseline = baseline;
        if kept_changes && !self.changes.is_empty() {
            view.marks.push(ChangeMark {
                at: SimTime::ZERO,
                label: "your changes".into(),
            });
        }
    }
}
