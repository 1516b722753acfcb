//! Charts (egui_plot) over the last N simulated seconds: throughput, latency percentiles with the p99 objective, errors, hit ratio, utilisation; live changes marked.

use bevy_egui::egui::{self, Color32, RichText};
use egui_plot::{
    AxisHints, HLine, HoverPosition, Legend, Line, LineStyle, Plot, PlotPoint, PlotPoints, PlotUi,
    Text, VLine, uniform_grid_spacer,
};

use crate::app::help;
use crate::app::panels::{FAIL, MUTED, OK, SLOW};
use crate::app::view::{UiAction, UiState, View};
use crate::report::change_text;
use crate::sim::Window;

const BLUE: Color32 = Color32::from_rgb(100, 160, 240);
const PURPLE: Color32 = Color32::from_rgb(180, 130, 230);
/// The scenario's scheduled events (slow-downs, flushes, crashes).
const SCHEDULED: Color32 = Color32::from_rgb(240, 175, 50);
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
            RichText::new(
                "simulated seconds · dashed lines: your changes (grey), scheduled events (orange)",
            )
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
    // Live changes (grey) and the scenario's scheduled events (orange),
    // each a dashed line labelled at the top.
    let mut marks: Vec<(f64, String, Color32)> = view
        .marks
        .iter()
        .map(|m| (m.at.as_secs_f64(), m.label.clone(), Color32::from_gray(200)))
        .collect();
    marks.extend(view.model.events.iter().map(|e| {
        (
            e.at.as_secs_f64(),
            change_text::describe(&view.model, &e.command),
            SCHEDULED,
        )
    }));
    marks.retain(|(t, _, _)| *t >= start && *t <= end);
    // `top`: the highest value the chart draws (labels placed from the
    // plot's own bounds would widen them every frame).
    let draw_marks = |p: &mut PlotUi, top: f64| {
        for (k, (t, label, colour)) in marks.iter().enumerate() {
            // Neighbouring labels on three rows, so close marks stay legible.
            let y = top * (1.0 - 0.14 * (k % 3) as f64);
            p.vline(
                VLine::new("", *t)
                    .color(*colour)
                    .style(LineStyle::dashed_loose())
                    .width(1.0),
            );
            p.text(
                Text::new(
                    "",
                    PlotPoint::new(*t, y),
                    RichText::new(label).small().color(*colour),
                )
                .anchor(egui::Align2::LEFT_TOP),
            );
        }
    };
    // The legend sits where the data is not: on the right while the run
    // fills the left of the span, then on the left, away from the newest.
    let corner = if end - start < state.chart_span_secs * 0.55 {
        egui_plot::Corner::RightTop
    } else {
        egui_plot::Corner::LeftTop
    };
    let span = state.chart_span_secs;
    let plot = |id: &str, unit: &'static str| {
        Plot::new(id.to_string())
            .height(h)
            // The y axis labels are drawn beside the plot area.
            .width(w - 36.0)
            .legend(Legend::default().position(corner).background_alpha(0.55))
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .include_x(start)
            .include_x(start + state.chart_span_secs)
            .include_y(0.0)
            .include_y(1.0)
            .x_grid_spacer(uniform_grid_spacer(move |_| time_steps(span)))
            // Labels every ~55 px: narrow charts still get four.
            .custom_x_axes(vec![
                AxisHints::new_x()
                    .label_spacing(40.0..=55.0)
                    .formatter(|m, _| format!("{:.0} s", m.value)),
            ])
            .y_grid_spacer(uniform_grid_spacer(|g| value_steps(g.bounds)))
            .y_axis_formatter(|m, _| axis_number(m.value))
            .y_axis_min_width(30.0)
            .label_formatter(move |pos| match pos {
                HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } if !plot_name.is_empty() => Some(format!(
                    "{plot_name}\nat {:.0} s: {}{unit}",
                    position.x,
                    axis_number(position.y)
                )),
                _ => None,
            })
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
        plot("chart-throughput", " req/s").show(&mut cols[0], |p| {
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
            let top = wins
                .iter()
                .map(|w| {
                    let secs = w.end.saturating_sub(w.start).as_secs_f64().max(1e-9);
                    (w.counts.arrived as f64 / secs).max(w.throughput_rps)
                })
                .fold(1.0, f64::max);
            draw_marks(p, top);
        });
        // Latency.
        cols[1]
            .label(RichText::new("Latency (ms)").small())
            .on_hover_text(format!("{}\n{}\n{}", help::P50, help::P95, help::P99));
        plot("chart-latency", " ms").show(&mut cols[1], |p| {
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
            let top = wins
                .iter()
                .filter_map(|w| w.latency.p99_ms)
                .fold(view.p99_objective_ms().unwrap_or(1.0), f64::max);
            if let Some(obj) = view.p99_objective_ms() {
                p.hline(
                    HLine::new("p99 objective", obj)
                        .color(FAIL)
                        .style(LineStyle::dashed_dense())
                        .width(1.5),
                );
            }
            draw_marks(p, top);
        });
        // Errors and hit ratio.
        cols[2]
            .label(RichText::new("Errors and cache hits (%)").small())
            .on_hover_text(format!("{}\n{}", help::ERROR_RATE, help::HIT_RATIO));
        plot("chart-errors", "%")
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
                draw_marks(p, 100.0);
            });
        // Utilisation.
        cols[3]
            .label(RichText::new("Utilisation (%)").small())
            .on_hover_text(help::UTILISATION);
        plot("chart-utilisation", "%")
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
                draw_marks(p, 100.0);
            });
    }
    ui.allocate_space(egui::vec2(ui.available_width(), h + 20.0));
    Vec::new()
}

/// An axis or hover number: `950`, `12.5`, `4.2k`, `1.3M`.
pub fn axis_number(x: f64) -> String {
    let a = x.abs();
    if a >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else if a >= 10.0 || a == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// Time-axis grid steps (fine, medium, labelled) for a chart spanning
/// `span` simulated seconds: about four labels across.
fn time_steps(span: f64) -> [f64; 3] {
    if span <= 30.0 {
        [1.0, 5.0, 10.0]
    } else if span <= 60.0 {
        [5.0, 10.0, 20.0]
    } else {
        [10.0, 50.0, 100.0]
    }
}

/// Value-axis grid steps for `bounds`: 1-2-5 steps giving about four
/// labels, with finer lines at a fifth and a half of them.
fn value_steps(bounds: (f64, f64)) -> [f64; 3] {
    let range = (bounds.1 - bounds.0).abs().max(1e-9);
    let rough = range / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= rough)
        .unwrap_or(10.0 * magnitude);
    [step / 5.0, step / 2.0, step]
}
