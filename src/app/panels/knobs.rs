//! A node's live controls as the level being played sees them: greyed out where it locks them (with the reason under them), their sliders within its `min`/`max`.

use std::cell::RefCell;
use std::ops::RangeInclusive;

use bevy_egui::egui::{self, RichText, SliderClamping, emath::Numeric};

use crate::app::panels::{MUTED, unless_locked};
use crate::report::account::Room;

/// The selected node's knobs as the level being played sees them, and
/// the controls greyed out so far (field, reason).
pub(crate) struct Knobs<'a> {
    room: Option<&'a Room>,
    pub node: &'a str,
    kind: &'a str,
    greyed: RefCell<Vec<(String, String)>>,
}

impl<'a> Knobs<'a> {
    /// The knobs of `node` (of `kind`, as a level's limits name kinds) in
    /// the level's `room`, if one is being played.
    pub fn new(room: Option<&'a Room>, node: &'a str, kind: &'a str) -> Knobs<'a> {
        Knobs {
            room,
            node,
            kind,
            greyed: Default::default(),
        }
    }

    /// Draws the live control of `field`, greyed out with the level's
    /// reason when it locks the field.
    pub fn control<R>(
        &self,
        ui: &mut egui::Ui,
        field: &str,
        f: impl FnOnce(&mut egui::Ui) -> R,
    ) -> R {
        let why = self.room.and_then(|l| l.lock_reason(self.node, field));
        if let Some(why) = why {
            let entry = (field.to_string(), why.to_string());
            self.greyed.borrow_mut().push(entry);
        }
        unless_locked(ui, why, f)
    }

    /// The slider's range for `field`: the engine's `range` narrowed to
    /// the level's least and most (a slider on level 1.1's replicas ends
    /// at its 6, not at the engine's 10 000).
    pub fn range<T: Numeric>(&self, field: &str, range: RangeInclusive<T>) -> RangeInclusive<T> {
        let (lo, hi) = (range.start().to_f64(), range.end().to_f64());
        let (min, max) = self.limits(field);
        let lo = min.map_or(lo, |m| m.clamp(lo, hi));
        let hi = max.map_or(hi, |m| m.clamp(lo, hi));
        T::from_f64(lo)..=T::from_f64(hi)
    }

    /// How the slider of `field` clamps: never where the level bounds it
    /// (a value typed past the level's limit reaches the window, which
    /// refuses it with the level's reason instead of quietly taking the
    /// limit), else as egui does.
    pub fn clamping(&self, field: &str) -> SliderClamping {
        match self.limits(field) {
            (None, None) => SliderClamping::default(),
            _ => SliderClamping::Never,
        }
    }

    /// The level's (least, most) on `field` of this node.
    fn limits(&self, field: &str) -> (Option<f64>, Option<f64>) {
        let Some(room) = self.room else {
            return (None, None);
        };
        (
            room.min_of(self.node, self.kind, field),
            room.max_of(self.node, self.kind, field),
        )
    }

    /// One muted line per reason under the controls: what is greyed out
    /// and why ("queue, service_time: The queries are already indexed.").
    pub fn explain(&self, ui: &mut egui::Ui) {
        let greyed = self.greyed.borrow();
        let mut reasons: Vec<&str> = Vec::new();
        for (_, r) in greyed.iter() {
            if !reasons.contains(&r.as_str()) {
                reasons.push(r);
            }
        }
        for reason in reasons {
            let fields: Vec<&str> = greyed
                .iter()
                .filter(|(_, r)| r == reason)
                .map(|(f, _)| f.as_str())
                .collect();
            let text = format!("Locked in this level: {}. {reason}", fields.join(", "));
            ui.label(RichText::new(text).color(MUTED).small());
        }
    }
}
