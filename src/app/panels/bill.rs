//! The bill: what the design costs an hour as it runs, its machines and the egress its bytes are billed.

use bevy_egui::egui::{self, RichText};

use crate::app::help;
use crate::app::panels::{MUTED, section};
use crate::app::view::View;
use crate::report::table::bytes;
use crate::sim::Summary;
use crate::sim::model::ObjectiveMetric;

/// The cost section of the scenario panel.
/// Left out when a cost objective already shows the machines' bill and
/// there is no egress to add.
pub fn bill(ui: &mut egui::Ui, view: &View) {
    let s = &view.summary;
    let cost_objective = (view.model.objectives.iter())
        .any(|o| o.metric == ObjectiveMetric::CostPerHour && o.of.is_none());
    if cost_objective && s.transfer.is_none() {
        return;
    }
    section(ui, "Cost").on_hover_text(help::BILL);
    ui.label(RichText::new(total_text(s)).strong())
        .on_hover_text(help::BILL);
    if let Some(detail) = detail_text(s) {
        ui.add(egui::Label::new(RichText::new(detail).small().color(MUTED)).wrap());
    }
}

/// `$57.83/h`: the machines and the egress per hour.
pub fn total_text(s: &Summary) -> String {
    let egress = s.transfer.as_ref().map_or(0.0, |t| t.egress_cost_per_hour);
    format!("${:.2}/h", s.cost_per_hour + egress)
}

/// The split and the bytes, for a design with payloads (`None` without).
pub fn detail_text(s: &Summary) -> Option<String> {
    let t = s.transfer.as_ref()?;
    let secs = s.measured.as_secs_f64();
    if secs <= 0.0 {
        return Some(format!(
            "machines ${:.2}/h; the egress is measured after the warm-up ({})",
            s.cost_per_hour, s.warmup
        ));
    }
    let split = if t.egress_cost > 0.0 {
        format!(
            "machines ${:.2}/h + egress ${:.2}/h",
            s.cost_per_hour, t.egress_cost_per_hour
        )
    } else {
        format!("machines ${:.2}/h, no egress billed", s.cost_per_hour)
    };
    let flows = [
        ("to users", t.bytes_to_users),
        ("from users", t.bytes_from_users),
        ("over call links", t.link_bytes),
    ];
    let moved: Vec<String> = flows
        .iter()
        .filter(|(_, b)| *b > 0)
        .map(|(what, b)| format!("{what} {}/s", bytes(*b as f64 / secs)))
        .collect();
    Some(if moved.is_empty() {
        split
    } else {
        format!("{split}\n{}", moved.join(", "))
    })
}
