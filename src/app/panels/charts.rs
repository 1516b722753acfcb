//! Charts (egui_plot) over the last N simulated seconds: throughput, latency percentiles with the p99 objective, errors, hit ratio, utilisation; live changes marked.

use bevy_egui::egui::{self, Color32, RichText};
use egui_plot::{
    AxisHints, HLine, HoverPosition, Legend, Line, LineStyle, Plot, PlotPoint, PlotPoints, PlotUi,
    Text, VLine, uniform_grid_spacer,
};

use crate::app::help;
use crate::app::panels::{FAIL, MUTED, OK, SLOW};
use crate::app::theory::WindowTheory;
use crate::app::view::{UiAction, UiState, View};
use crate::report::change_text;
use crate::sim::Window;

const BLUE: Color32 = Color32::from_rgb(100, 160, 240);
const PURPLE: Color32 = Color32::from_rgb(180, 130, 230);
/// The scenario's scheduled events (slow-downs, flushes, crashes).
const SCHEDULED: Color32 = Color32::from_rgb(240, 175, 50);
/// The simulated mean latency and theory's (short dashes).
const THEORY: Color32 = Color32::from_rgb(200, 200, 120);
/// The baseline's curves (dashed).
const GHOST: Color32 = Color32::from_rgb(225, 225, 235);
const PALETTE: [Color32; 6] = [
    Color32::from_rgb(100, 160, 240),
    Color32::from_rgb(240, 175, 50),
    Color32::from_rgb(180, 130, 230),
    Color32::from_rgb(70, 190, 120),
    Color32::from_rgb(235, 110, 160),
    Color32::from_rgb(90, 200, 210),
];

pub fn charts(ui: &mut egui::Ui, view: &View, state: &mut UiState) -> Vec<UiAction> {
    let out = header(ui, view, state);
    let f = Span::new(ui, view, state.chart_span_secs);
    let mut cols = columns(ui, &f);
    throughput(&mut cols[0], &f);
    latency(&mut cols[1], &f);
    errors(&mut cols[2], &f);
    utilisation(&mut cols[3], &f);
    ui.allocate_space(egui::vec2(ui.available_width(), f.h + 20.0));
    out
}

/// The span picker and what the dashed lines mean.
fn header(ui: &mut egui::Ui, view: &View, state: &mut UiState) -> Vec<UiAction> {
    let mut out = Vec::new();
    ui.horizontal(|ui| {
        ui.label(RichText::new("Charts").strong());
        ui.label(RichText::new("last").color(MUTED));
        for s in [30.0, 60.0, 300.0] {
            ui.selectable_value(&mut state.chart_span_secs, s, format!("{s:.0} s"));
        }
        let mut legend =
            "simulated seconds · dashed lines: your changes (grey), scheduled events (orange)"
                .to_string();
        if !view.theory.windows.is_empty() {
            legend.push_str(" · short dashes: queueing theory");
        }
        ui.label(RichText::new(legend).color(MUTED).small());
        out.extend(baseline_button(ui, view));
    });
    out
}

/// "Keep as baseline", or the kept one's name and "Drop".
fn baseline_button(ui: &mut egui::Ui, view: &View) -> Option<UiAction> {
    match &view.baseline {
        None => ui
            .button("Keep as baseline")
            .on_hover_text(
                "Freeze the design as tuned now: it runs again from 0 s on the same seed \
                 beside yours, drawn dashed on the charts, so each change you make shows \
                 against it.",
            )
            .clicked()
            .then_some(UiAction::KeepBaseline(true)),
        Some(b) => {
            ui.label(
                RichText::new(format!("- - {}", b.label))
                    .color(GHOST)
                    .small(),
            );
            ui.small_button("Drop")
                .clicked()
                .then_some(UiAction::KeepBaseline(false))
        }
    }
}

/// What the four charts share: the simulated span shown, its windows, the
/// marks in it, each chart's size and where its legend goes.
struct Span<'a> {
    view: &'a View,
    start: f64,
    span: f64,
    wins: Vec<&'a Window>,
    /// The baseline's windows over the same span.
    ghost: Vec<&'a Window>,
    /// Theory's predictions for the windows over the same span.
    theory: Vec<&'a WindowTheory>,
    /// (time, label, colour): live changes grey, scheduled events orange.
    marks: Vec<(f64, String, Color32)>,
    h: f32,
    w: f32,
    corner: egui_plot::Corner,
}

impl<'a> Span<'a> {
    fn new(ui: &egui::Ui, view: &'a View, span: f64) -> Span<'a> {
        let end = view.now.as_secs_f64();
        let start = (end - span).max(0.0);
        let wins = view
            .history
            .iter()
            .filter(|w| w.end.as_secs_f64() >= start)
            .collect();
        let ghost = view.baseline.as_ref().map_or_else(Vec::new, |b| {
            b.windows
                .iter()
                .filter(|w| w.end.as_secs_f64() >= start)
                .collect()
        });
        let theory = (view.theory.windows.iter())
            .filter(|t| t.end_s >= start)
            .collect();
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
        // The legend sits where the data is not: on the right while the run
        // fills the left of the span, then on the left, away from the newest.
        let corner = if end - start < span * 0.55 {
            egui_plot::Corner::RightTop
        } else {
            egui_plot::Corner::LeftTop
        };
        Span {
            view,
            start,
            span,
            wins,
            ghost,
            theory,
            marks,
            h: (ui.available_height() - 22.0).max(60.0),
            w: ((ui.available_width() - 3.0 * ui.spacing().item_spacing.x) / 4.0).max(60.0),
            corner,
        }
    }

    /// A chart over the span, values in `unit` on hover.
    fn plot(&self, id: &str, unit: &'static str) -> Plot<'static> {
        let span = self.span;
        Plot::new(id.to_string())
            .height(self.h)
            // The y axis labels are drawn beside the plot area.
            .width(self.w - 36.0)
            .legend(
                Legend::default()
                    .position(self.corner)
                    .background_alpha(0.55),
            )
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .include_x(self.start)
            .include_x(self.start + span)
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
    }

    /// The dashed marks, labelled along the foot of the chart, in steps of
    /// `top`, the highest value the chart draws (labels placed from the
    /// plot's own bounds would widen them every frame). At the top, the
    /// legend (there in either corner) covered them: "cache flushed"
    /// under "offered".
    fn draw_marks(&self, p: &mut PlotUi, top: f64) {
        for (k, (t, label, colour)) in self.marks.iter().enumerate() {
            // Neighbouring labels on three rows, so close marks stay legible.
            let y = top * (0.03 + 0.14 * (k % 3) as f64);
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
                .anchor(egui::Align2::LEFT_BOTTOM),
            );
        }
    }

    /// `f` of each baseline window, drawn as a dashed line named `name`.
    fn ghost_line(&self, p: &mut PlotUi, name: &str, f: impl Fn(&Window) -> Option<f64>) {
        self.ghost_coloured(p, name, GHOST, f);
    }

    /// Like [`Span::ghost_line`], in `colour`.
    fn ghost_coloured(
        &self,
        p: &mut PlotUi,
        name: &str,
        colour: Color32,
        f: impl Fn(&Window) -> Option<f64>,
    ) {
        if self.ghost.is_empty() {
            return;
        }
        let points: PlotPoints<'static> = self
            .ghost
            .iter()
            .filter_map(|w| f(w).map(|v| [w.end.as_secs_f64(), v]))
            .collect();
        p.line(
            Line::new(format!("{name} (baseline)"), points)
                .color(colour)
                .style(LineStyle::dashed_loose())
                .width(1.5),
        );
    }

    /// `f` of each window's prediction, drawn short-dashed as `name`
    /// (nothing where theory does not apply).
    fn theory_line(
        &self,
        p: &mut PlotUi,
        name: &str,
        colour: Color32,
        f: impl Fn(&WindowTheory) -> Option<f64>,
    ) {
        let points: PlotPoints<'static> = (self.theory.iter())
            .filter_map(|t| f(t).map(|v| [t.end_s, v]))
            .collect();
        if points.points().is_empty() {
            return;
        }
        p.line(
            Line::new(format!("{name} (theory)"), points)
                .color(colour)
                .style(LineStyle::dashed_dense())
                .width(1.5),
        );
    }

    /// `f` of each window at its end time.
    fn series(&self, f: impl Fn(&Window) -> Option<f64>) -> PlotPoints<'static> {
        self.wins
            .iter()
            .filter_map(|w| f(w).map(|v| [w.end.as_secs_f64(), v]))
            .collect()
    }
}

/// Four columns side by side for the charts.
fn columns(ui: &mut egui::Ui, f: &Span<'_>) -> Vec<egui::Ui> {
    (0..4)
        .map(|k| {
            let r = ui.available_rect_before_wrap();
            let x = r.min.x + k as f32 * (f.w + ui.spacing().item_spacing.x);
            let rect =
                egui::Rect::from_min_size(egui::pos2(x, r.min.y), egui::vec2(f.w, f.h + 20.0));
            ui.new_child(
                egui::UiBuilder::new()
                    .max_rect(rect)
                    .layout(egui::Layout::top_down(egui::Align::Min)),
            )
        })
        .collect()
}

/// Requests offered and served per second.
fn throughput(ui: &mut egui::Ui, f: &Span<'_>) {
    ui.label(RichText::new("Throughput (req/s)").small())
        .on_hover_text(help::THROUGHPUT);
    let offered = |w: &Window| {
        let secs = w.end.saturating_sub(w.start).as_secs_f64().max(1e-9);
        w.counts.arrived as f64 / secs
    };
    f.plot("chart-throughput", " req/s").show(ui, |p| {
        p.line(Line::new("offered", f.series(|w| Some(offered(w)))).color(MUTED));
        p.line(
            Line::new("served", f.series(|w| Some(w.throughput_rps)))
                .color(OK)
                .width(2.0),
        );
        f.ghost_line(p, "served", |w| Some(w.throughput_rps));
        let top = f
            .wins
            .iter()
            .map(|w| offered(w).max(w.throughput_rps))
            .fold(1.0, f64::max);
        f.draw_marks(p, top);
    });
}

/// p50, p95, p99 and the p99 objective.
fn latency(ui: &mut egui::Ui, f: &Span<'_>) {
    ui.label(RichText::new("Latency (ms)").small())
        .on_hover_text(format!("{}\n{}\n{}", help::P50, help::P95, help::P99));
    let objective = f.view.p99_objective_ms();
    f.plot("chart-latency", " ms").show(ui, |p| {
        type Pick = fn(&Window) -> Option<f64>;
        let series: [(&str, Pick, Color32); 3] = [
            ("p50", |w| w.latency.p50_ms, BLUE),
            ("p95", |w| w.latency.p95_ms, PURPLE),
            ("p99", |w| w.latency.p99_ms, SLOW),
        ];
        for (name, pick, c) in series {
            let width = if name == "p99" { 2.0 } else { 1.5 };
            p.line(Line::new(name, f.series(pick)).color(c).width(width));
        }
        f.ghost_line(p, "p99", |w| w.latency.p99_ms);
        if f.theory.iter().any(|t| t.mean_ms.is_some()) {
            p.line(Line::new("mean", f.series(|w| w.latency.mean_ms)).color(THEORY));
            f.theory_line(p, "mean", THEORY, |t| t.mean_ms);
        }
        if let Some(obj) = objective {
            p.hline(
                HLine::new("p99 objective", obj)
                    .color(FAIL)
                    .style(LineStyle::dashed_dense())
                    .width(1.5),
            );
        }
        let top = f
            .wins
            .iter()
            .filter_map(|w| w.latency.p99_ms)
            .fold(objective.unwrap_or(1.0), f64::max);
        f.draw_marks(p, top);
    });
}

/// The error rate and each cache's hit ratio, in %.
fn errors(ui: &mut egui::Ui, f: &Span<'_>) {
    ui.label(RichText::new("Errors and cache hits (%)").small())
        .on_hover_text(format!("{}\n{}", help::ERROR_RATE, help::HIT_RATIO));
    f.plot("chart-errors", "%").include_y(100.0).show(ui, |p| {
        let error_rate = |w: &Window| {
            let c = w.counts;
            let finished = (c.completed + c.failed()) as f64;
            Some(if finished > 0.0 {
                100.0 * c.failed() as f64 / finished
            } else {
                0.0
            })
        };
        p.line(
            Line::new("error rate", f.series(error_rate))
                .color(FAIL)
                .width(2.0),
        );
        f.ghost_line(p, "error rate", error_rate);
        for (i, n) in f.view.model.nodes.iter().enumerate() {
            if n.kind.name() == "cache" {
                let hits = f.series(|w| w.nodes.get(i)?.hit_ratio.map(|h| h * 100.0));
                p.line(Line::new(format!("{} hits", n.id), hits).color(BLUE));
            }
        }
        f.draw_marks(p, 100.0);
    });
}

/// Each service's and database's utilisation, in %.
fn utilisation(ui: &mut egui::Ui, f: &Span<'_>) {
    ui.label(RichText::new("Utilisation (%)").small())
        .on_hover_text(help::UTILISATION);
    f.plot("chart-utilisation", "%")
        .include_y(100.0)
        .show(ui, |p| {
            let busy_nodes = f
                .view
                .model
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| matches!(n.kind.name(), "service" | "database"));
            // The baseline's nodes line up with the live ones only when the
            // design kept its shape.
            let same_shape = f
                .ghost
                .first()
                .is_some_and(|w| w.nodes.len() == f.view.model.nodes.len());
            for (k, (i, n)) in busy_nodes.enumerate() {
                let colour = PALETTE[k % PALETTE.len()];
                let u = |w: &Window| w.nodes.get(i)?.utilisation.map(|u| u * 100.0);
                p.line(Line::new(n.id.clone(), f.series(u)).color(colour));
                if same_shape {
                    f.ghost_coloured(p, &n.id, colour, u);
                }
                f.theory_line(p, &n.id, colour, |t| {
                    t.utilisation.get(i).copied().flatten().map(|u| u * 100.0)
                });
            }
            f.draw_marks(p, 100.0);
        });
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
