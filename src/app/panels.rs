//! The egui panels as plain functions of `(&mut egui::Ui, &View, &mut UiState) -> Vec<UiAction>`, testable without a window.

pub mod bill;
pub mod build;
pub mod build_inspector;
pub mod build_objectives;
pub mod campaign;
pub mod charts;
pub mod controls;
pub mod design;
pub mod export;
pub mod guess;
pub mod happened;
pub mod inspector;
pub(crate) mod knobs;
pub mod refusal;
pub mod scenario;
pub mod theory;
pub mod tool_windows;
pub mod waterfall;

use bevy_egui::egui::{self, Color32};

pub use charts::charts;
pub use controls::{controls, shortcuts, verdict_card};
pub use export::export;
pub use inspector::inspector;
pub use scenario::{objectives, scenario};

/// Answered in time (also "passing").
pub const OK: Color32 = Color32::from_rgb(70, 190, 120);
/// Slower than the p99 objective; warnings.
pub const SLOW: Color32 = Color32::from_rgb(240, 175, 50);
/// Failed (also "failing").
pub const FAIL: Color32 = Color32::from_rgb(235, 80, 70);
/// Secondary text.
pub const MUTED: Color32 = Color32::from_rgb(150, 155, 165);

/// A card over the bottom of the picture (`world`, its rectangle), in
/// the middle: what comes and goes there moves no control in a panel.
pub(crate) fn bottom_card<R>(
    ctx: &egui::Context,
    id: &str,
    world: egui::Rect,
    add: impl FnOnce(&mut egui::Ui) -> R,
) -> egui::InnerResponse<egui::InnerResponse<R>> {
    egui::Area::new(egui::Id::new(id))
        .order(egui::Order::Foreground)
        .pivot(egui::Align2::CENTER_BOTTOM)
        .fixed_pos(egui::pos2(world.center().x, world.max.y - 12.0))
        .show(ctx, |ui| {
            ui.set_max_width((world.width() - 40.0).clamp(200.0, 560.0));
            egui::Frame::popup(ui.style()).show(ui, add)
        })
}

/// A section heading.
pub(crate) fn section(ui: &mut egui::Ui, title: &str) -> egui::Response {
    ui.add_space(6.0);
    ui.label(egui::RichText::new(title).strong().size(15.0))
}

/// `name: value` on one line, the name muted, with a hover text on both.
pub(crate) fn metric_row(ui: &mut egui::Ui, name: &str, value: String, help: &str) {
    // Wrapped: a long value goes to the next line instead of past the panel.
    ui.horizontal_wrapped(|ui| {
        ui.label(egui::RichText::new(format!("{name}:")).color(MUTED))
            .on_hover_text(help);
        ui.label(value).on_hover_text(help);
    });
}

/// A live control of a knob a level may lock: greyed out, with the
/// level's reason on hover, when `why` says it is locked.
pub(crate) fn unless_locked<R>(
    ui: &mut egui::Ui,
    why: Option<&str>,
    control: impl FnOnce(&mut egui::Ui) -> R,
) -> R {
    let Some(why) = why else {
        return control(ui);
    };
    let r = ui.add_enabled_ui(false, control);
    r.response
        .on_hover_text(format!("Locked in this level: {why}"));
    r.inner
}

/// A slider for a live setting that answers once the value is settled: at
/// the end of a drag, when a value typed in its box is entered (Enter, or
/// the box let go), or on a key; never for each value a drag passes
/// through or each keystroke in the box (typing 750 applied 7, 75, then
/// 750, each recorded and replayed). While dragging or typing, the slider
/// shows the value so far.
pub(crate) fn settle<T>(
    ui: &mut egui::Ui,
    current: T,
    slider: impl for<'a> FnOnce(&'a mut T) -> egui::Slider<'a>,
    hover: impl Into<egui::WidgetText>,
) -> Option<T>
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    settle_enabled(ui, true, current, slider, hover)
}

/// [`settle`], greyed out unless `enabled`.
pub(crate) fn settle_enabled<T>(
    ui: &mut egui::Ui,
    enabled: bool,
    current: T,
    slider: impl for<'a> FnOnce(&'a mut T) -> egui::Slider<'a>,
    hover: impl Into<egui::WidgetText>,
) -> Option<T>
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let key = ui.next_auto_id().with("settling");
    let mut value = ui.data(|d| d.get_temp::<T>(key)).unwrap_or(current);
    let r = ui
        .add_enabled(enabled, slider(&mut value))
        .on_hover_text(hover);
    // Its number box being typed in (the slider itself focused takes arrow
    // keys at once).
    let typing = r.has_focus() && !r.lost_focus() && ui.ctx().text_edit_focused();
    if (r.dragged() && !r.drag_stopped()) || typing {
        ui.data_mut(|d| d.insert_temp(key, value));
        return None;
    }
    ui.data_mut(|d| d.remove::<T>(key));
    let settled = r.changed() || r.drag_stopped() || r.lost_focus();
    (value != current && settled).then_some(value)
}
