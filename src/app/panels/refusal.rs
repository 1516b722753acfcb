//! A change not made (a level's rule, a typo, a live change refused), said over the bottom of the picture where it moves no control under the pointer.

use bevy_egui::egui::{self, RichText};

use crate::app::editor::Editor;
use crate::app::panels::{FAIL, bottom_card};
use crate::app::view::View;

/// The refusal to say, if any: the editor's in build mode, else the live
/// change's (or a file that did not open).
pub fn refusal_text(editor: &Editor, view: &View) -> Option<String> {
    match editor.refusal().filter(|_| editor.on) {
        Some(m) => Some(format!("Not changed: {m}")),
        None => view.error.clone(),
    }
}

/// Draws the refusal over the bottom of `world` (the picture's rectangle)
/// with a × that hides it until another is said; returns the height it
/// took, so a card below-centre can sit above it. It used to be a line at
/// the top of the inspector (and under the field, and in the Build
/// panel): appearing there it pushed every control down, and the next
/// click pressed Delete instead of the list it aimed at.
pub fn refusal_card(ctx: &egui::Context, editor: &Editor, view: &View, world: egui::Rect) -> f32 {
    let hidden = egui::Id::new("refusal-hidden");
    let Some(text) = refusal_text(editor, view) else {
        // Hidden until it clears: the same refusal again is said again.
        ctx.data_mut(|d| d.remove::<String>(hidden));
        return 0.0;
    };
    if ctx.data(|d| d.get_temp::<String>(hidden)).as_deref() == Some(text.as_str()) {
        return 0.0;
    }
    let shown = bottom_card(ctx, "refusal", world, |ui| {
        ui.horizontal(|ui| {
            if ui.small_button("×").on_hover_text("Hide this").clicked() {
                ui.data_mut(|d| d.insert_temp(hidden, text.clone()));
            }
            ui.add(egui::Label::new(RichText::new(&text).color(FAIL)).wrap());
        });
    });
    shown.response.rect.height() + 6.0
}
