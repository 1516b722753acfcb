//! Charts (egui_plot) over the last N simulated seconds: throughput, latency percentiles with the p99 objective, errors, hit ratio, utilisation; live changes marked.

use bevy_egui::egui::{self, Color32, RichText};
use egui_plot::{HLine, Legend, Line, LineStyle, Plot, PlotPoints, PlotUi, VLine};

use crate::app::help;
use crate::app::panels::{FAIL, MUTED, OK, SLOW};
use crate::app::view::{UiAction, UiState, View};
use crate::sim::Window;

const BLUE: Color32 = Color32::from_rgb(100, 160, 240);
const PURPLE: Color32 = Color32::from_rgb(180, 130, 230);
const PALETTE: [Color32; 6] = [
    Color32::from_rgb(100, 160, 240),
    Color32::from_rgb(240, 175, 50),
    Color32::from_rgb(180, 130, 230),
    Color32::from_rgb(70, 190, 120),
    Color32::from_rgb(235, 110, 160),
    Color32::from_rgb(90, 200, 210),
];

pub fn charts(ui: &mut egui::Ui, view: &View, state: &mut UiState) -> Vec<UiAction> {
    ui.horizontal(|ui| {
        ui.label(RichText::new("Charts").strong());
        ui.label(RichText::new("last").color(MUTED));
        for s in [30.0, 60.0, 300.0] {
            ui.selectable_value(&mut state.chart_span_secs, s, format!("{s:.0} s"));
        }
        ui.label(
            RichText::new("simulated seconds · dashed lines mark your changes")
                .color(MUTED)
                .small(),
        );
    });
    let end = view.now.as_secs_f64();
    let start = (end - state.chart_span_secs).max(0.0);
    let wins: Vec<&Window> = view
        .history
        .iter()
        .filter(|w| w.end.as_secs_f64() >= start)
        .collect();
    let x = |w: &Window| w.end.as_secs_f64();
    let h = (ui.available_height() - 22.0).max(60.0);
    let w = ((ui.available_width() - 3.0 * ui.spacing().item_spacing.x) / 4.0).max(60.0);
    let marks: Vec<f64> = view
        .marks
        .iter()
        .map(|m| m.at.as_secs_f64())
        .filter(|&t| t >= start)
        .collect();
    let draw_marks = |p: &mut PlotUi| {
        for &t in &marks {
            p.vline(
                VLine::new("change", t)
                    .color(Color32::from_gray(200))
                    .style(LineStyle::dashed_loose())
                    .width(1.0),
            );
        }
    };
    let plot = |id: &str| {
        Plot::new(id.to_string())
            .height(h)
            // The y axis labels are drawn beside the plot area.
            .width(w - 36.0)
            .legend(
                Legend::default()
                    .position(egui_plot::Corner::RightTop)
                    .background_alpha(0.55),
            )
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .include_x(start)
            .include_x(start + state.chart_span_secs)
            .include_y(0.0)
            .show_x(false)
    };
    let mut cols: Vec<egui::Ui> = (0..4)
        .map(|k| {
            let r = ui.available_rect_before_wrap();
            let x = r.min.x + k as f32 * (w + ui.spacing().item_spacing.x);
            let rect = egui::Rect::from_min_size(egui::pos2(x, r.min.y), egui::vec2(w, h + 20.0));
            ui.new_child(
                egui::UiBuilder::new()
                    .max_rect(rect)
                    .layout(egui::Layout::top_down(egui::Align::Min)),
            )
        })
        .collect();
    {
        // Throughput.
        cols[0]
            .label(RichText::new("Throughput (req/s)").small())
            .on_hover_text(help::THROUGHPUT);
        plot("chart-throughput").show(&mut cols[0], |p| {
            let offered: PlotPoints = wins
                .iter()
                .map(|w| {
                    let secs = w.end.saturating_sub(w.start).as_secs_f64().max(1e-9);
                    [x(w), w.counts.arrived as f64 / secs]
                })
                .collect();
            p.line(Line::new("offered", offered).color(MUTED));
            let served: PlotPoints = wins.iter().map(|w| [x(w), w.throughput_rps]).collect();
            p.line(Line::new("served", served).color(OK).width(2.0));
            draw_marks(p);
        });
        // Latency.
        cols[1]
            .label(RichText::new("Latency (ms)").small())
            .on_hover_text(format!("{}\n{}\n{}", help::P50, help::P95, help::P99));
        plot("chart-latency").show(&mut cols[1], |p| {
            type Pick = fn(&Window) -> Option<f64>;
            let series: [(&str, Pick, Color32); 3] = [
                ("p50", |w| w.latency.p50_ms, BLUE),
                ("p95", |w| w.latency.p95_ms, PURPLE),
                ("p99", |w| w.latency.p99_ms, SLOW),
            ];
            for (name, f, c) in series {
                let pts: PlotPoints = wins
                    .iter()
                    .filter_map(|w| f(w).map(|v| [x(w), v]))
                    .collect();
                p.line(
                    Line::new(name, pts)
                        .color(c)
                        .width(if name == "p99" { 2.0 } else { 1.5 }),
                );
            }
            if let Some(obj) = view.p99_objective_ms() {
                p.hline(
                    HLine::new("p99 objective", obj)
                        .color(FAIL)
                        .style(LineStyle::dashed_dense())
                        .width(1.5),
                );
            }
            draw_marks(p);
        });
        // Errors and hit ratio.
        cols[2]
            .label(RichText::new("Errors and cache hits (%)").small())
            .on_hover_text(format!("{}\n{}", help::ERROR_RATE, help::HIT_RATIO));
        plot("chart-errors")
            .include_y(100.0)
            .show(&mut cols[2], |p| {
                let errs: PlotPoints = wins
                    .iter()
                    .map(|w| {
                        let c = w.counts;
                        let fin = (c.completed + c.failed()) as f64;
                        [
                            x(w),
                            if fin > 0.0 {
                                100.0 * c.failed() as f64 / fin
                            } else {
                                0.0
                            },
                        ]
                    })
                    .collect();
                p.line(Line::new("error rate", errs).color(FAIL).width(2.0));
                for (i, n) in view.model.nodes.iter().enumerate() {
                    if n.kind.name() != "cache" {
                        continue;
                    }
                    let pts: PlotPoints = wins
                        .iter()
                        .filter_map(|w| w.nodes.get(i)?.hit_ratio.map(|h| [x(w), h * 100.0]))
                        .collect();
                    p.line(Line::new(format!("{} hits", n.id), pts).color(BLUE));
                }
                draw_marks(p);
            });
        // Utilisation.
        cols[3]
            .label(RichText::new("Utilisation (%)").small())
            .on_hover_text(help::UTILISATION);
        plot("chart-utilisation")
            .include_y(100.0)
            .show(&mut cols[3], |p| {
                let mut k = 0;
                for (i, n) in view.model.nodes.iter().enumerate() {
                    if !matches!(n.kind.name(), "service" | "database") {
                        continue;
                    }
                    let pts: PlotPoints = wins
                        .iter()
                        .filter_map(|w| w.nodes.get(i)?.utilisation.map(|u| [x(w), u * 100.0]))
                        .collect();
                    p.line(Line::new(n.id.clone(), pts).color(PALETTE[k % PALETTE.len()]));
                    k += 1;
                }
                draw_marks(p);
            });
    }
    ui.allocate_space(egui::vec2(ui.available_width(), h + 20.0));
    Vec::new()
}
